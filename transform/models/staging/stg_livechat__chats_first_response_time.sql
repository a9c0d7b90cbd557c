-- One row per period of chats/first_response_time: average first response time (seconds).
with raw as (
  {{ raw('livechat_reports', 'chats_first_response_time', {
      'window_date': 'date', 'timezone': 'text', 'distribution': 'text',
      'period_start': 'instant', 'period_end': 'instant', 'count': 'integer', 'first_response_time': 'number'}) }}
)
select
  window_date as date_day,
  timezone,
  distribution,
  period_start as period_start_utc,
  period_end as period_end_utc,
  {{ cs_col('count') }} as chats,
  first_response_time as avg_first_response_time_seconds
from raw
