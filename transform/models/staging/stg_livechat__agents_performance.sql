-- One row per (local day, agent) of LiveChat's agents/performance report. The report's
-- "(none)" row (a day without agents) is left out.
with raw as (
  {{ raw('livechat_reports', 'agents_performance', {
      'window_start': 'instant', 'window_end': 'instant', 'window_date': 'date', 'timezone': 'text',
      'agent': 'text', 'chats_count': 'integer', 'chats_rated_good': 'integer',
      'chats_rated_bad': 'integer', 'first_response_chats_count': 'integer',
      'first_response_time': 'number', 'accepting_chats_time': 'integer',
      'not_accepting_chats_time': 'integer', 'logged_in_time': 'integer', 'chatting_time': 'integer'}) }}
)
select
  window_date as date_day,
  window_start as day_start_utc,
  window_end as day_end_utc,
  timezone,
  agent as agent_id,
  chats_count,
  chats_rated_good,
  chats_rated_bad,
  first_response_chats_count,
  first_response_time as first_response_time_seconds,
  accepting_chats_time as accepting_chats_seconds,
  not_accepting_chats_time as not_accepting_chats_seconds,
  logged_in_time as logged_in_seconds,
  chatting_time as chatting_seconds
from raw
where agent <> '(none)'
