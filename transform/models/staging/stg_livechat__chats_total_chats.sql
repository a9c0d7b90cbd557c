-- One row per period (a local day, or an hour with distribution = hour) of chats/total_chats.
with raw as (
  {{ raw('livechat_reports', 'chats_total_chats', {
      'window_start': 'instant', 'window_date': 'date', 'timezone': 'text', 'distribution': 'text',
      'period_start': 'instant', 'period_end': 'instant', 'total': 'integer', 'continuous': 'integer'}) }}
)
select
  window_date as date_day,
  timezone,
  distribution,
  period_start as period_start_utc,
  period_end as period_end_utc,
  total as chats,
  continuous as continuous_chats
from raw
