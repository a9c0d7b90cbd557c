-- One row per (date_day, platform): the team's day as each vendor reports it (the vendor's
-- own team totals where it has them, not sums of agent rows: a conversation two agents
-- touched counts once). A metric the vendor does not measure is NULL, never 0.

with agents as (
  select date_day, platform, max(timezone) as timezone,
    count(*) as agents_active,
    sum(logged_in_seconds) as logged_in_seconds
  from {{ ref('cs_agent_daily') }}
  group by date_day, platform
),

-- LiveChat: the chats reports, per local day (hourly periods add up to their day; the
-- averages are weighted by their chats).
lc_chats as (
  select date_day, max(timezone) as timezone, sum(chats) as conversations
  from {{ ref('stg_livechat__chats_total_chats') }} group by date_day
),
lc_ratings as (
  select date_day, sum(rated_good) as ratings_good, sum(rated_bad) as ratings_bad
  from {{ ref('stg_livechat__chats_ratings') }} group by date_day
),
lc_response as (
  select date_day,
    sum(avg_response_time_seconds * chats) / nullif(sum(case when avg_response_time_seconds is not null then chats end), 0) as avg_response_seconds
  from {{ ref('stg_livechat__chats_response_time') }} group by date_day
),
lc_first as (
  select date_day,
    sum(avg_first_response_time_seconds * chats) / nullif(sum(case when avg_first_response_time_seconds is not null then chats end), 0) as avg_first_response_seconds
  from {{ ref('stg_livechat__chats_first_response_time') }} group by date_day
),
livechat as (
  select
    c.date_day, 'livechat' as platform, c.timezone,
    c.conversations,
    cast(null as bigint) as conversations_closed,
    cast(null as bigint) as responses_sent,
    f.avg_first_response_seconds,
    r.avg_response_seconds,
    g.ratings_good, g.ratings_bad,
    cast(null as float8) as nps_score,
    cast(null as bigint) as nps_responses
  from lc_chats c
  left join lc_ratings g on g.date_day = c.date_day
  left join lc_response r on r.date_day = c.date_day
  left join lc_first f on f.date_day = c.date_day
),

-- Lexer: the summary report, NPS from nps_summary (category all, every form).
lx_nps as (
  select date_day,
    sum(responses) as nps_responses,
    100.0 * (sum(promoters) - sum(detractors)) / nullif(sum(responses), 0) as nps_score
  from {{ ref('stg_lexer__nps_summary') }}
  where nps_category = 'all'
  group by date_day
),
lexer as (
  select
    s.date_day, 'lexer' as platform, s.timezone,
    s.messages as conversations,
    cast(null as bigint) as conversations_closed,
    s.responded_to as responses_sent,
    cast(null as float8) as avg_first_response_seconds,
    s.avg_response_time_seconds as avg_response_seconds,
    cast(null as bigint) as ratings_good, cast(null as bigint) as ratings_bad,
    n.nps_score,
    n.nps_responses
  from {{ ref('stg_lexer__summary') }} s
  left join lx_nps n on n.date_day = s.date_day
),

-- Dixa: the record streams (every conversation, with or without an agent).
dx_closed as (
  select date_day, max(timezone) as timezone, count(*) as closed
  from {{ ref('stg_dixa__closed_conversations') }} group by date_day
),
dx_first as (
  select date_day, max(timezone) as timezone, avg(first_response_seconds) as avg_first_response_seconds
  from {{ ref('stg_dixa__first_response_time') }} group by date_day
),
dx_ratings as (
  select date_day, max(timezone) as timezone,
    sum(case when satisfied then 1 else 0 end) as ratings_good,
    sum(case when satisfied then 0 else 1 end) as ratings_bad
  from {{ ref('stg_dixa__ratings') }} group by date_day
),
dx_days as (
  select date_day, timezone from dx_closed
  union select date_day, timezone from dx_first
  union select date_day, timezone from dx_ratings
),
dixa as (
  select
    d.date_day, 'dixa' as platform, d.timezone,
    coalesce(c.closed, 0) as conversations,
    coalesce(c.closed, 0) as conversations_closed,
    cast(null as bigint) as responses_sent,
    f.avg_first_response_seconds,
    cast(null as float8) as avg_response_seconds,
    coalesce(r.ratings_good, 0) as ratings_good,
    coalesce(r.ratings_bad, 0) as ratings_bad,
    cast(null as float8) as nps_score,
    cast(null as bigint) as nps_responses
  from dx_days d
  left join dx_closed c on c.date_day = d.date_day
  left join dx_first f on f.date_day = d.date_day
  left join dx_ratings r on r.date_day = d.date_day
),

teams as (
  select * from livechat
  union all select * from lexer
  union all select * from dixa
),

-- Every day a platform has a team report or an agent row (LivePerson has agent activity
-- only; a team report that was not loaded leaves its metrics NULL).
spine as (
  select date_day, platform from teams
  union
  select date_day, platform from agents
)

select
  s.date_day, s.platform, coalesce(t.timezone, a.timezone) as timezone,
  cast(t.conversations as bigint) as conversations,
  cast(t.conversations_closed as bigint) as conversations_closed,
  cast(t.responses_sent as bigint) as responses_sent,
  cast(t.avg_first_response_seconds as float8) as avg_first_response_seconds,
  cast(t.avg_response_seconds as float8) as avg_response_seconds,
  cast(t.ratings_good as bigint) as ratings_good,
  cast(t.ratings_bad as bigint) as ratings_bad,
  cast({{ cs_ratio('100.0 * t.ratings_good', 't.ratings_good + t.ratings_bad') }} as float8) as csat_pct,
  cast(t.nps_score as float8) as nps_score,
  cast(t.nps_responses as bigint) as nps_responses,
  cast(coalesce(a.agents_active, 0) as bigint) as agents_active,
  cast(a.logged_in_seconds as bigint) as logged_in_seconds
from spine s
left join teams t on t.date_day = s.date_day and t.platform = s.platform
left join agents a on a.date_day = s.date_day and a.platform = s.platform
