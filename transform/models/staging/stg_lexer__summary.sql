-- One row per local day of Lexer's summary report (the team).
with raw as (
  {{ raw('lexer_activity', 'summary', {
      'window_start': 'instant', 'window_end': 'instant', 'window_date': 'date', 'timezone': 'text',
      'total_volume': 'integer', 'total_responded_to': 'integer', 'avg_response_time': 'number',
      'median_response_time': 'number', 'avg_action_response_time': 'number', 'broke_sla': 'integer'}) }}
)
select
  window_date as date_day,
  window_start as day_start_utc,
  window_end as day_end_utc,
  timezone,
  total_volume as messages,
  total_responded_to as responded_to,
  avg_response_time as avg_response_time_seconds,
  median_response_time as median_response_time_seconds,
  avg_action_response_time as avg_action_response_time_seconds,
  broke_sla
from raw
