{#-
  The raw tables as the staging models read them.

  raw(source_name, table_name, columns) selects `columns` ({name: kind}, kinds: text,
  integer, number, boolean, instant, date) from the loaded table, typed the same way in every
  warehouse:
  * a column the table does not have (yet) is a typed NULL, and a table that was never loaded
    (a tap that has not run) is an empty relation with those columns, so `dbt build` works
    after loading any one tap;
  * rows a re-fetch no longer lists (`_sdc_deleted_at` set) are left out wherever the loader
    keeps them (target-postgres keeps them until the post-load purge);
  * `instant` columns become naive timestamps in UTC, whatever the loader created (DuckDB
    TIMESTAMP, Postgres timestamptz after pg-timestamptz, text).
-#}
{% macro raw(source_name, table_name, columns) -%}
  {%- set src = source(source_name, table_name) -%}
  {%- set have = {} -%}
  {%- set rel = none -%}
  {%- if execute -%}
    {%- set rel = adapter.get_relation(database=src.database, schema=src.schema, identifier=src.identifier) -%}
    {%- if rel is not none -%}
      {%- for col in adapter.get_columns_in_relation(rel) -%}
        {%- do have.update({col.name | lower: col.data_type | lower}) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  select
  {%- for name, kind in columns.items() %}
    {{ cs_typed(cs_col(name) if name in have else none, kind, have.get(name)) }} as {{ cs_col(name) }}{{ "," if not loop.last }}
  {%- endfor %}
  {%- if rel is not none %}
  from {{ rel }}
    {%- if '_sdc_deleted_at' in have %}
  where {{ cs_col('_sdc_deleted_at') }} is null
    {%- endif %}
  {%- else %}
  where 1 = 0
  {%- endif %}
{%- endmacro %}


{#- A column name as the loader wrote it (lower case; Snowflake folds unquoted names up). -#}
{% macro cs_col(name) -%}{{ return(adapter.dispatch('cs_col')(name)) }}{%- endmacro %}
{% macro default__cs_col(name) -%}{{ adapter.quote(name) }}{%- endmacro %}
{% macro snowflake__cs_col(name) -%}{{ name | upper }}{%- endmacro %}


{% macro cs_typed(expr, kind, data_type) -%}
  {%- set types = {
      'text': 'varchar', 'integer': 'bigint', 'number': 'float8',
      'boolean': 'boolean', 'date': 'date', 'instant': 'timestamp'} -%}
  {%- if expr is none -%}
    cast(null as {{ types[kind] }})
  {%- elif kind == 'instant' -%}
    {{ cs_utc(expr, data_type) }}
  {%- else -%}
    cast({{ expr }} as {{ types[kind] }})
  {%- endif -%}
{%- endmacro %}


{#- An instant as a naive timestamp in UTC. A naive timestamp column already is one (the
    taps emit UTC instants); anything else is read as an instant and converted. -#}
{% macro cs_utc(expr, data_type) -%}
  {%- set dt = (data_type or '') | lower -%}
  {%- if 'without time zone' in dt or dt in ('timestamp', 'timestamp_ntz', 'datetime') -%}
    cast({{ expr }} as timestamp)
  {%- else -%}
    {{ return(adapter.dispatch('cs_utc_from_instant')(expr)) }}
  {%- endif -%}
{%- endmacro %}
{% macro default__cs_utc_from_instant(expr) -%}(cast({{ expr }} as timestamptz) at time zone 'UTC'){%- endmacro %}
{% macro duckdb__cs_utc_from_instant(expr) -%}timezone('UTC', cast({{ expr }} as timestamptz)){%- endmacro %}
{% macro snowflake__cs_utc_from_instant(expr) -%}convert_timezone('UTC', cast({{ expr }} as timestamp_tz))::timestamp_ntz{%- endmacro %}


{#- The local calendar day, in IANA timezone `tz`, of a naive UTC timestamp. -#}
{% macro cs_local_date(utc_expr, tz) -%}{{ return(adapter.dispatch('cs_local_date')(utc_expr, tz)) }}{%- endmacro %}
{% macro default__cs_local_date(utc_expr, tz) -%}
  cast(({{ utc_expr }} at time zone 'UTC') at time zone '{{ tz }}' as date)
{%- endmacro %}
{% macro duckdb__cs_local_date(utc_expr, tz) -%}
  cast(timezone('{{ tz }}', timezone('UTC', {{ utc_expr }})) as date)
{%- endmacro %}
{% macro snowflake__cs_local_date(utc_expr, tz) -%}
  cast(convert_timezone('UTC', '{{ tz }}', {{ utc_expr }}) as date)
{%- endmacro %}


{#- a / b as a float, NULL when b is 0 or NULL. -#}
{% macro cs_ratio(a, b) -%}
  (cast({{ a }} as float8) / nullif({{ b }}, 0))
{%- endmacro %}


{#- The dbt var `timezone`, checked: it is written into SQL as a literal. -#}
{% macro cs_timezone() -%}
  {%- set tz = var('timezone', 'UTC') | string | trim -%}
  {%- if not modules.re.match('^[A-Za-z][A-Za-z0-9_+/-]*$', tz) -%}
    {{ exceptions.raise_compiler_error("var timezone: '" ~ tz ~ "' is not an IANA timezone name") }}
  {%- endif -%}
  {{ return(tz) }}
{%- endmacro %}
