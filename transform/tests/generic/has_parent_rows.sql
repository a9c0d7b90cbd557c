{#- Every combination of `columns` in the model exists in `to` (a composite relationships test). -#}
{% test has_parent_rows(model, columns, to) %}
select {{ columns | join(', ') }} from {{ model }}
except
select {{ columns | join(', ') }} from {{ to }}
{% endtest %}
