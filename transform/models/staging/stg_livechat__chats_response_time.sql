-- One row per period of chats/response_time: average response time (seconds) over `chats`.
with raw as (
  {{ raw('livechat_reports', 'chats_response_time', {
      'window_date': 'date', 'timezone': 'text', 'distribution': 'text',
      'period_start': 'instant', 'period_end': 'instant', 'count': 'integer', 'response_time': 'number'}) }}
)
select
  window_date as date_day,
  timezone,
  distribution,
  period_start as period_start_utc,
  period_end as period_end_utc,
  {{ cs_col('count') }} as chats,
  response_time as avg_response_time_seconds
from raw
