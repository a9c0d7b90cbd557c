-- One row per (date_day, platform, agent_id): what each vendor reports about an agent's
-- day, in one vocabulary. A metric the vendor does not measure is NULL, never 0. See
-- transform/README.md for what each column means per vendor and where they differ.

with livechat as (
  select
    date_day, 'livechat' as platform, agent_id, cast(null as varchar) as agent_name, timezone,
    chats_count as conversations_handled,
    cast(null as bigint) as conversations_closed,
    cast(null as bigint) as responses_sent,
    first_response_chats_count as first_responses,
    first_response_time_seconds as avg_first_response_seconds,
    cast(null as float8) as avg_response_seconds,
    logged_in_seconds,
    accepting_chats_seconds as available_seconds,
    not_accepting_chats_seconds as away_seconds,
    chatting_seconds,
    chats_rated_good as ratings_good,
    chats_rated_bad as ratings_bad
  from {{ ref('stg_livechat__agents_performance') }}
),

lexer_closed as (
  select date_day, user_id, max(timezone) as timezone, max(user_name) as user_name,
    sum(case when workflow_state = 'all_closed_states' then messages end) as closed
  from {{ ref('stg_lexer__user_volume') }}
  group by date_day, user_id
),

lexer as (
  select
    coalesce(s.date_day, v.date_day) as date_day, 'lexer' as platform,
    coalesce(s.user_id, v.user_id) as agent_id,
    coalesce(s.user_name, v.user_name, u.user_name) as agent_name,
    coalesce(s.timezone, v.timezone) as timezone,
    s.mentions_assigned as conversations_handled,
    v.closed as conversations_closed,
    s.responded_to as responses_sent,
    cast(null as bigint) as first_responses,
    cast(null as float8) as avg_first_response_seconds,
    s.avg_response_time_seconds as avg_response_seconds,
    cast(null as bigint) as logged_in_seconds,
    cast(null as bigint) as available_seconds,
    cast(null as bigint) as away_seconds,
    cast(null as bigint) as chatting_seconds,
    cast(null as bigint) as ratings_good,
    cast(null as bigint) as ratings_bad
  from {{ ref('stg_lexer__user_summary') }} s
  full outer join lexer_closed v on v.date_day = s.date_day and v.user_id = s.user_id
  left join {{ ref('stg_lexer__users') }} u on u.user_id = coalesce(s.user_id, v.user_id)
),

dixa_events as (
  select date_day, timezone, agent_id, agent_name, 1 as closed, 0 as first_response,
    cast(null as float8) as first_response_seconds, 0 as good, 0 as bad
  from {{ ref('stg_dixa__closed_conversations') }} where agent_id is not null
  union all
  select date_day, timezone, agent_id, agent_name, 0, 1, first_response_seconds, 0, 0
  from {{ ref('stg_dixa__first_response_time') }} where agent_id is not null
  union all
  select date_day, timezone, agent_id, agent_name, 0, 0, cast(null as float8),
    case when satisfied then 1 else 0 end, case when satisfied then 0 else 1 end
  from {{ ref('stg_dixa__ratings') }} where agent_id is not null
),

-- What Dixa measured per agent that day: a record type whose records that day name no
-- agent at all (the docs' closed_conversations example carries none) measured nothing per
-- agent, so its columns are NULL, not 0; an agent with none of a measured kind has 0.
dixa_measured as (
  select date_day,
    max(closed) as closes, max(first_response) as first_responses, max(good + bad) as ratings
  from dixa_events
  group by date_day
),

dixa as (
  select
    e.date_day, 'dixa' as platform, e.agent_id, max(e.agent_name) as agent_name,
    max(e.timezone) as timezone,
    case when max(m.closes) = 1 then cast(sum(e.closed) as bigint) end as conversations_handled,
    case when max(m.closes) = 1 then cast(sum(e.closed) as bigint) end as conversations_closed,
    cast(null as bigint) as responses_sent,
    case when max(m.first_responses) = 1 then cast(sum(e.first_response) as bigint) end
      as first_responses,
    avg(e.first_response_seconds) as avg_first_response_seconds,
    cast(null as float8) as avg_response_seconds,
    cast(null as bigint) as logged_in_seconds,
    cast(null as bigint) as available_seconds,
    cast(null as bigint) as away_seconds,
    cast(null as bigint) as chatting_seconds,
    case when max(m.ratings) = 1 then cast(sum(e.good) as bigint) end as ratings_good,
    case when max(m.ratings) = 1 then cast(sum(e.bad) as bigint) end as ratings_bad
  from dixa_events e
  join dixa_measured m on m.date_day = e.date_day
  group by e.date_day, e.agent_id
),

liveperson as (
  select
    date_day, 'liveperson' as platform, agent_id, cast(null as varchar) as agent_name, max(timezone) as timezone,
    cast(null as bigint) as conversations_handled,
    cast(null as bigint) as conversations_closed,
    cast(null as bigint) as responses_sent,
    cast(null as bigint) as first_responses,
    cast(null as float8) as avg_first_response_seconds,
    cast(null as float8) as avg_response_seconds,
    -- One level at a time: the logged-in row (-1) is the total of the state rows.
    -- A state the agent was never in that day has no rows: 0 seconds, measured.
    cast(coalesce(sum(case when state_id = -1 and away_reason_id = 'none' then state_seconds end), 0) as bigint) as logged_in_seconds,
    cast(coalesce(sum(case when state_id = 2 and away_reason_id = 'none' then state_seconds end), 0) as bigint) as available_seconds,
    cast(coalesce(sum(case when state_id in (3, 4) and away_reason_id = 'none' then state_seconds end), 0) as bigint) as away_seconds,
    cast(coalesce(sum(case when state_id = -1 and away_reason_id = 'none' then chatting_seconds end), 0) as bigint) as chatting_seconds,
    cast(null as bigint) as ratings_good,
    cast(null as bigint) as ratings_bad
  from {{ ref('stg_liveperson__agent_activity') }}
  group by date_day, agent_id
),

unioned as (
  select * from livechat
  union all select * from lexer
  union all select * from dixa
  union all select * from liveperson
)

select
  date_day, platform, agent_id, agent_name, timezone,
  conversations_handled, conversations_closed, responses_sent, first_responses,
  avg_first_response_seconds, avg_response_seconds,
  logged_in_seconds, available_seconds, away_seconds, chatting_seconds,
  ratings_good, ratings_bad
from unioned
