-- One row per conversation's first agent response, on the local day it was sent; the
-- record's value is the first response time in seconds.
with raw as (
  {{ raw('dixa_analytics', 'first_response_time', {
      'record_key': 'text', 'window_date': 'date', 'timezone': 'text', 'primary_timestamp': 'instant',
      'csid': 'text', 'conversation_id': 'text', 'agent_id': 'text', 'agent_id_label': 'text',
      'initial_channel': 'text', 'initial_direction': 'text', 'value': 'number'}) }}
)
select
  record_key,
  window_date as date_day,
  timezone,
  coalesce(csid, conversation_id) as conversation_id,
  primary_timestamp as responded_at_utc,
  agent_id,
  agent_id_label as agent_name,
  initial_channel,
  initial_direction,
  {{ cs_col('value') }} as first_response_seconds
from raw
