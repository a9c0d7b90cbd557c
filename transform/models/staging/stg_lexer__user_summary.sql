-- One row per (local day, agent) of Lexer's user_summary report (messages and response times).
with raw as (
  {{ raw('lexer_activity', 'user_summary', {
      'window_start': 'instant', 'window_end': 'instant', 'window_date': 'date', 'timezone': 'text',
      'user_id': 'text', 'first_name': 'text', 'last_name': 'text', 'mentions_assigned': 'integer',
      'responded_to': 'integer', 'responded_to_in_private': 'integer', 'avg_response_time': 'number',
      'avg_action_response_time': 'number', 'broke_sla': 'integer', 'broke_action_sla': 'integer'}) }}
)
select
  window_date as date_day,
  window_start as day_start_utc,
  window_end as day_end_utc,
  timezone,
  user_id,
  nullif(trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))), '') as user_name,
  mentions_assigned,
  responded_to,
  responded_to_in_private,
  avg_response_time as avg_response_time_seconds,
  avg_action_response_time as avg_action_response_time_seconds,
  broke_sla,
  broke_action_sla
from raw
