-- One row per period of chats/ratings: rated chats, good and bad.
with raw as (
  {{ raw('livechat_reports', 'chats_ratings', {
      'window_date': 'date', 'timezone': 'text', 'distribution': 'text',
      'period_start': 'instant', 'period_end': 'instant', 'chats': 'integer', 'good': 'integer', 'bad': 'integer'}) }}
)
select
  window_date as date_day,
  timezone,
  distribution,
  period_start as period_start_utc,
  period_end as period_end_utc,
  chats as rated_chats,
  good as rated_good,
  bad as rated_bad
from raw
