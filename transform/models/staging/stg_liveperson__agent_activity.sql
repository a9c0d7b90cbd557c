-- One row per (UTC slot, agent, state, away reason) of LivePerson agent activity, with the
-- slot's local day in the dbt var `timezone`. state_id: -1 logged in (the total of all
-- states), 2 online, 3 back soon, 4 away; away_reason_id 'none' is a state's own row, any
-- other value a row of the Away breakdown.
{%- set tz = cs_timezone() %}
with raw as (
  {{ raw('liveperson_agentactivity', 'agent_activity', {
      'account_id': 'text', 'interval_start': 'instant', 'interval_end': 'instant',
      'interval_minutes': 'integer', 'agent_id': 'text', 'state_id': 'integer', 'state_name': 'text',
      'away_reason_id': 'text', 'total': 'integer', 'chatting': 'integer', 'not_chatting': 'integer',
      'chatting_in_max_concurrency': 'integer'}) }}
)
select
  {{ cs_local_date('interval_start', tz) }} as date_day,
  '{{ tz }}' as timezone,
  account_id,
  interval_start as interval_start_utc,
  interval_end as interval_end_utc,
  interval_minutes,
  agent_id,
  state_id,
  state_name,
  away_reason_id,
  {{ cs_col('total') }} as state_seconds,
  chatting as chatting_seconds,
  not_chatting as not_chatting_seconds,
  chatting_in_max_concurrency as chatting_in_max_concurrency_seconds
from raw
