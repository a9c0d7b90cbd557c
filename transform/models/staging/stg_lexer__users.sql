-- Lexer users (agents): id as text, the name the marts show.
with raw as (
  {{ raw('lexer_activity', 'users', {
      'id': 'integer', 'email': 'text', 'first_name': 'text', 'last_name': 'text',
      'timezone': 'text', 'archived': 'boolean'}) }}
)
select
  cast(id as varchar) as user_id,
  email,
  nullif(trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, ''))), '') as user_name,
  timezone as user_timezone,
  archived
from raw
