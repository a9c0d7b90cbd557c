-- One row per rating record, on the local day the tap asked for. The rating is the
-- record's `value` (the docs' ratings example; `rating` where a catalogue names it), and
-- `satisfied` is Dixa's CSAT definition: a rating of 4 or 5.
with raw as (
  {{ raw('dixa_analytics', 'ratings', {
      'record_key': 'text', 'window_date': 'date', 'timezone': 'text',
      'primary_timestamp': 'instant',
      'csid': 'text', 'conversation_id': 'text', 'agent_id': 'text', 'agent_id_label': 'text',
      'queue_id': 'text', 'rating': 'integer', 'value': 'integer'}) }}
)
select
  record_key,
  window_date as date_day,
  timezone,
  coalesce(csid, conversation_id) as conversation_id,
  primary_timestamp as rated_at_utc,
  agent_id,
  agent_id_label as agent_name,
  queue_id,
  coalesce(rating, value) as rating,
  coalesce(rating, value) >= 4 as satisfied
from raw
