-- LivePerson: in every slot, an agent's logged-in seconds equal the sum of the Online, Back
-- soon and Away seconds (the docs allow a second of rounding per state).
with slots as (
  select agent_id, interval_end_utc,
    sum(case when state_id = -1 then state_seconds end) as logged_in,
    sum(case when state_id in (2, 3, 4) then state_seconds end) as states
  from {{ ref('stg_liveperson__agent_activity') }}
  where away_reason_id = 'none'
  group by agent_id, interval_end_utc
)
select * from slots where abs(coalesce(logged_in, 0) - coalesce(states, 0)) > 3
