-- One row per rating, on the local day it was given. `satisfied` is Dixa's own flag
-- (rating 4 or 5), the numerator of its CSAT.
with raw as (
  {{ raw('dixa_analytics', 'ratings', {
      'window_date': 'date', 'timezone': 'text', 'primary_timestamp': 'instant',
      'csid': 'text', 'conversation_id': 'text', 'agent_id': 'text', 'agent_id_label': 'text',
      'queue_id': 'text', 'rating': 'integer', 'satisfied': 'boolean'}) }}
)
select
  window_date as date_day,
  timezone,
  coalesce(csid, conversation_id) as conversation_id,
  primary_timestamp as rated_at_utc,
  agent_id,
  agent_id_label as agent_name,
  queue_id,
  rating,
  coalesce(satisfied, rating >= 4) as satisfied
from raw
