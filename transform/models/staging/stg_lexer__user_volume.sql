-- One row per (local day, agent, workflow state) of Lexer's user_volume report: messages
-- owned by the agent in that state. The team-wide shape (user_id 'all') is left out.
with raw as (
  {{ raw('lexer_activity', 'user_volume', {
      'window_start': 'instant', 'window_end': 'instant', 'window_date': 'date', 'timezone': 'text',
      'user_id': 'text', 'state': 'text', 'volume': 'integer', 'first_name': 'text', 'last_name': 'text'}) }}
)
select
  window_date as date_day,
  window_start as day_start_utc,
  window_end as day_end_utc,
  timezone,
  user_id,
  nullif(trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))), '') as user_name,
  {{ cs_col('state') }} as workflow_state,
  volume as messages
from raw
where user_id <> 'all'
