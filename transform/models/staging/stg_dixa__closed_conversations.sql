-- One row per conversation closed, on the local day it was closed (the record's primary
-- timestamp, in the timezone the tap asked in). The conversation id is the docs' `csid`
-- where the record carries it, else `conversation_id` (the catalogue's name).
with raw as (
  {{ raw('dixa_analytics', 'closed_conversations', {
      'window_date': 'date', 'timezone': 'text', 'primary_timestamp': 'instant',
      'csid': 'text', 'conversation_id': 'text', 'created_at': 'instant', 'closed_at': 'instant',
      'agent_id': 'text', 'agent_id_label': 'text', 'queue_id': 'text', 'closed_by': 'text',
      'initial_channel': 'text', 'handling_duration': 'number'}) }}
)
select
  window_date as date_day,
  timezone,
  coalesce(csid, conversation_id) as conversation_id,
  created_at as created_at_utc,
  coalesce(closed_at, primary_timestamp) as closed_at_utc,
  agent_id,
  agent_id_label as agent_name,
  queue_id,
  closed_by,
  initial_channel,
  handling_duration as handling_seconds
from raw
