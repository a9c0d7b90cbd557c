-- One row per close of a conversation (a conversation closed, reopened and closed again
-- is two records, so two rows), on the local day the tap asked for (its `timezone`). The
-- record's identity is the tap's `record_key`; the conversation id is the docs' `csid`
-- where the record carries it, else `conversation_id` (the catalogue's name). The docs'
-- record sample carries no agent and no close instant: those columns are then NULL.
with raw as (
  {{ raw('dixa_analytics', 'closed_conversations', {
      'record_key': 'text', 'window_date': 'date', 'timezone': 'text',
      'primary_timestamp': 'instant', 'primary_timestamp_field': 'text',
      'csid': 'text', 'conversation_id': 'text', 'created_at': 'instant', 'closed_at': 'instant',
      'agent_id': 'text', 'agent_id_label': 'text', 'queue_id': 'text', 'closed_by': 'text',
      'initial_channel': 'text', 'handling_duration': 'number'}) }}
)
select
  record_key,
  window_date as date_day,
  timezone,
  coalesce(csid, conversation_id) as conversation_id,
  coalesce(created_at, case when primary_timestamp_field = 'created_at' then primary_timestamp end)
    as created_at_utc,
  coalesce(closed_at, case when primary_timestamp_field = 'closed_at' then primary_timestamp end)
    as closed_at_utc,
  agent_id,
  agent_id_label as agent_name,
  queue_id,
  closed_by,
  initial_channel,
  handling_duration as handling_seconds
from raw
