-- One row per (local day, NPS form, category) of Lexer's nps_summary report.
with raw as (
  {{ raw('lexer_activity', 'nps_summary', {
      'window_date': 'date', 'timezone': 'text', 'form_id': 'integer', 'nps_category': 'text',
      'total_sent': 'integer', 'total_received': 'integer', 'total_promoters': 'integer',
      'total_passives': 'integer', 'total_detractors': 'integer', 'nps_score': 'number'}) }}
)
select
  window_date as date_day,
  timezone,
  cast(form_id as varchar) as form_id,
  nps_category,
  total_sent as surveys_sent,
  total_received as responses,
  total_promoters as promoters,
  total_passives as passives,
  total_detractors as detractors,
  nps_score
from raw
