"""Settings checked against their JSON schema: one line per problem, starting with the
setting, saying what to set."""

from __future__ import annotations

from singer_sdk import typing as th

from tapkit.tap import settings_errors

SCHEMA = th.PropertiesList(
    th.Property("token", th.StringType, required=True),
    th.Property("days", th.IntegerType(minimum=1, maximum=365)),
    th.Property("wait", th.NumberType(exclusive_minimum=0)),
    th.Property("version", th.StringType(pattern=r"^\d+\.\d+$"), examples=["3.6"]),
    th.Property("grain", th.StringType, allowed_values=["day", "hour"]),
    th.Property("ids", th.ArrayType(th.IntegerType(minimum=0))),
).to_dict()


def test_good_settings_have_no_errors() -> None:
    assert settings_errors(SCHEMA, {"token": "t", "days": 7, "wait": 0.5, "ids": [0, 4]}) == []


def test_each_keyword_is_worded_and_starts_with_the_setting() -> None:
    errors = settings_errors(
        SCHEMA,
        {
            "days": 400,
            "wait": 0,
            "version": "v3",
            "grain": "week",
            "ids": [3, -1],
        },
    )
    assert errors == [
        "token: missing (required)",
        "days: must be 365 or less, got 400",
        "grain: must be one of day, hour; got 'week'",
        "ids[1]: must be 0 or more, got -1",
        "version: 'v3' is not of the expected form (e.g. 3.6)",
        "wait: must be greater than 0, got 0",
    ]


def test_a_value_of_the_wrong_type_names_the_type() -> None:
    assert settings_errors(SCHEMA, {"token": "t", "days": "many"}) == [
        "days: must be of type integer or null, got 'many'"
    ]
