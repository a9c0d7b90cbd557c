"""The Lexer docs' verbatim response samples (api-docs/lexer-activity-api-v1-2022.txt).

Extracted mechanically from the 2022 docs (each text is the block between ``Type: <type>`` or
``Endpoint: .../v1/<list>`` and the ``Property`` table that follows it). ``user_volume`` has
two samples under the same request ("Workflow States" and "Team Volume"). The users sample
is invalid JSON as printed (a trailing comma after ``789``); :data:`USERS_SAMPLE_JSON` is
the same object with that comma removed. The request that each report sample answers is
:data:`SAMPLE_REQUEST` (plus ``form``/``nps_category`` for the NPS reports).
"""

from __future__ import annotations

import json
import typing as t

#: report type (``user_volume_per_agent``: the second user_volume sample) -> body text
REPORT_SAMPLES: dict[str, str] = {
    "summary": '{\n  "total_volume": 81,\n  "avg_response_time": 181795.692883103,\n  "avg_action_response_time": 167207.984987586,\n  "total_responded_to": 29,\n  "broke_sla": 11,\n  "broke_action_sla": 10,\n  "min_response_time": 34.090906,\n  "median_response_time": 649.951914,\n  "max_response_time": 1387160.862218,\n  "min_action_response_time": 5.63089,\n  "median_action_response_time": 96.865511,\n  "max_action_response_time": 1387064.010109,\n  "avg_action_response_time_min": 2786.7997497931,\n  "avg_response_time_min": 3029.9282147183835,\n  "median_action_response_time_min": 1.6144251833333334,\n  "median_response_time_min": 10.8325319\n}',
    "states_volume": '{\n  "closed": [\n    {\n      "state": "closed",\n      "value": 174,\n      "date_range": {\n        "date_from": "2018-04-27 00:00"\n      }\n    },\n    {\n      "state": "closed",\n      "value": 234,\n      "date_range": {\n        "date_from": "2018-04-28 00:00"\n      }\n    },\n    {\n      "state": "closed",\n      "value": 255,\n      "date_range": {\n        "date_from": "2018-04-29 00:00"\n      }\n    },\n    {\n      "state": "closed",\n      "value": 108,\n      "date_range": {\n        "date_from": "2018-04-30 00:00"\n      }\n    }\n  ]\n}',
    "user_volume": '[\n  {\n    "state": "closed",\n    "volume": 92\n  },\n  {\n    "state": "responded",\n    "volume": 49\n  },\n  {\n    "state": "assigned",\n    "volume": 26\n  },\n  {\n    "state": "in_progress",\n    "volume": 13\n  },\n  {\n    "state": "duplicate",\n    "volume": 4\n  },\n  {\n    "state": "awaiting_approval",\n    "volume": 1\n  }\n]',
    "classifications": '[\n  {\n    "classification_id": 123,\n    "classification": "amusing",\n    "state": "assigned",\n    "volume": 2\n  },\n  {\n    "classification_id": 123,\n    "classification": "amusing",\n    "state": "all_states",\n    "volume": 3\n  },\n  {\n    "classification_id": 123,\n    "classification": "amusing",\n    "state": "closed",\n    "volume": 1\n  },\n  {\n    "classification_id": 143,\n    "classification": "customer service",\n    "state": "responded",\n    "volume": 1\n  },\n  {\n    "classification_id": 143,\n    "classification": "customer service",\n    "state": "all_states",\n    "volume": 1\n  }\n]',
    "response_volume": '{\n  "avg_response_time": [\n\n    {\n      "value": 317691.388907962,\n      "date_range": {\n        "date_from": "2018-06-05 00:00"\n      }\n    },\n    {\n      "value": 31159.3797606667,\n      "date_range": {\n        "date_from": "2018-06-06 00:00"\n      }\n    },\n    {\n      "value": 69850.8753626667,\n      "date_range": {\n        "date_from": "2018-06-07 00:00"\n      }\n    },\n    {\n      "value": 10661.255474,\n      "date_range": {\n        "date_from": "2018-06-08 00:00"\n      }\n    }\n  ]\n}',
    "user_summary": '[\n  {\n    "first_name": "Jane",\n    "last_name": "Pear",\n    "mentions_assigned": 12,\n    "user_id": "123",\n    "responded_to": 9,\n    "responded_to_in_private": 6,\n    "avg_response_time": 17053.3492157778,\n    "min_response_time": 56.983366,\n    "max_response_time": 84664.420214,\n    "avg_action_response_time": 278.770835555556,\n    "min_action_response_time": 7.767898,\n    "max_action_response_time": 2261.353394,\n    "total_responded_to": 9,\n    "broke_sla": 3,\n    "broke_action_sla": 0,\n    "avg_response_time_min": 284.22248692962995,\n    "avg_action_response_time_min": 4.6461805925926,\n    "fraction_responded_to": 0.75,\n    "fraction_responded_to_in_private": 0.6666666666666666,\n    "fraction_broke_sla": 0.3333333333333333,\n    "fraction_broke_action_sla": 0.0\n  },\n  {\n    "first_name": "Barry",\n    "last_name": "Banana",\n    "mentions_assigned": 7,\n    "user_id": "789",\n    "responded_to": 1,\n    "responded_to_in_private": 1,\n    "avg_response_time": 352842.64921,\n    "min_response_time": 352842.64921,\n    "max_response_time": 352842.64921,\n    "avg_action_response_time": 134.51357,\n    "min_action_response_time": 134.51357,\n    "max_action_response_time": 134.51357,\n    "total_responded_to": 1,\n    "broke_sla": 1,\n    "broke_action_sla": 0,\n    "avg_response_time_min": 5880.710820166667,\n    "avg_action_response_time_min": 2.241892833333333,\n    "fraction_responded_to": 0.14285714285714285,\n    "fraction_responded_to_in_private": 1.0,\n    "fraction_broke_sla": 1.0,\n    "fraction_broke_action_sla": 0.0\n  }\n]',
    "user_volume_per_agent": '[\n  {\n    "user_id": 123,\n    "first_name": "Jane",\n    "last_name": "Pear",\n    "states": {\n      "all_states": 166,\n      "all_closed_states": 110,\n      "new": 0,\n      "assigned": 15,\n      "in_progress": 14,\n      "responded": 27,\n      "awaiting_approval": 0,\n      "redirected": 0,\n      "irrelevant": 0,\n      "duplicate": 0,\n      "closed": 110,\n      "no_response_required": 0\n    }\n  },\n  {\n    "user_id": 789,\n    "first_name": "Barry",\n    "last_name": "Banana",\n    "states": {\n      "all_states": 4,\n      "all_closed_states": 1,\n      "new": 0,\n      "assigned": 1,\n      "in_progress": 1,\n      "responded": 1,\n      "awaiting_approval": 0,\n      "redirected": 0,\n      "irrelevant": 0,\n      "duplicate": 0,\n      "closed": 1,\n      "no_response_required": 0\n    }\n  }\n]',
    "case_summary": '{\n  "total_cases": 10,\n  "first_reply_time": 305511.915624,\n  "resolution_time": 427361.668069,\n  "median_first_reply_time": 83991.86431,\n  "median_resolution_time": 310362.299289,\n  "agent_interactions": 2.4,\n  "agents_involved": 1.0\n}',
    "case_volume": '{\n  "open": [\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-01 00:00"\n      }\n    },\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-02 00:00"\n      }\n    },\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-03 00:00"\n      }\n    },\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-04 00:00"\n      }\n    },\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-05 00:00"\n      }\n    },\n    {\n      "value": 10,\n      "date_range": {\n        "date_from": "2018-04-06 00:00"\n      }\n    },\n    {\n      "value": 9,\n      "date_range": {\n        "date_from": "2018-04-07 00:00"\n      }\n    }\n  ]\n}',
    "case_classifications": '[\n  {\n    "classification_id": 466,\n    "classification": "positive",\n    "volume": 1\n  },\n  {\n    "classification_id": 526,\n    "classification": "social nps",\n    "volume": 1\n  },\n  {\n    "classification_id": 528,\n    "classification": "feedback",\n    "volume": 1\n  },\n  {\n    "classification_id": 1246,\n    "classification": "amusing",\n    "volume": 1\n  },\n  {\n    "classification_id": 1465,\n    "classification": "image",\n    "volume": 1\n  },\n  {\n    "classification_id": 1467,\n    "classification": "loyalty",\n    "volume": 1\n  },\n  {\n    "classification_id": 1472,\n    "classification": "bot",\n    "volume": 1\n  }\n]',
    "nps_summary": '{\n  "total_sent": 16,\n  "total_received": 12,\n  "total_promoters": 9,\n  "total_passives": 1,\n  "total_detractors": 2,\n  "nps_score": 58.333333333333336\n}',
    "nps_volume": '[\n  {\n    "date": "2018-04-01T13:00:00+00:00",\n    "timestamp": 1522587600,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-02T13:00:00+00:00",\n    "timestamp": 1522674000,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-03T13:00:00+00:00",\n    "timestamp": 1522760400,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-04T13:00:00+00:00",\n    "timestamp": 1522846800,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-05T13:00:00+00:00",\n    "timestamp": 1522933200,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-06T13:00:00+00:00",\n    "timestamp": 1523019600,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  },\n  {\n    "date": "2018-04-07T13:00:00+00:00",\n    "timestamp": 1523106000,\n    "data": {\n      "total_sent": 0,\n      "total_received": 0,\n      "total_promoters": 0,\n      "total_passives": 0,\n      "total_detractors": 0,\n      "nps_score": 0.0\n    }\n  }\n]',
}

#: GET list endpoint -> the single object the docs print under it
LIST_SAMPLES: dict[str, str] = {
    "users": '{\n    "id": 12345,\n    "email": "jane@business.io",\n    "first_name": "Jane",\n    "last_name": "Remington",\n    "timezone": "Australia/Sydney",\n    "gmtoffset": 10,\n    "sign_in_count": 76,\n    "last_sign_in_at": "2018-03-21T06:09:01Z",\n    "archived": false,\n    "groups": [\n      123,\n      456,\n      789,\n    ]\n  }',
    "groups": '{\n    "id": 123,\n    "name": "Social Customer Care",\n    "comment": "Social customer care team members"\n  }',
    "forms": '{\n    "id": 55,\n    "name": "NPS Survey",\n    "title": "Lexer NPS Survey",\n    "archived": false,\n    "created_at": "2018-05-26T21:54:19Z",\n    "groups": [\n      123\n    ],\n    "nps": true,\n    "form_url": "https://d1z1wrkt4y2iqm.cloudfront.net/123455678899876543/1/form"\n  }',
}

USERS_SAMPLE_JSON: t.Any = json.loads(LIST_SAMPLES["users"].replace("789,\n", "789\n"))

#: The request every report sample answers (the docs' curl bodies).
SAMPLE_REQUEST: dict[str, t.Any] = {
    "date_from": "2018-04-01T00:00:00+11:00",
    "date_to": "2018-04-30T23:59:59+11:00",
}
#: Extra fields of the NPS samples' requests.
SAMPLE_NPS_FIELDS: dict[str, t.Any] = {"form": 123, "nps_category": "all"}
NPS_REPORTS = ("nps_summary", "nps_volume")


def sample_request(kind: str) -> dict[str, t.Any]:
    """The docs' curl body for report ``kind``."""
    body: dict[str, t.Any] = {"type": kind, **SAMPLE_REQUEST}
    if kind in NPS_REPORTS:
        body.update(SAMPLE_NPS_FIELDS)
    return body


def sample_key(body: t.Any, user_volume_shape: str) -> str | None:
    """The :data:`REPORT_SAMPLES` key whose docs request equals ``body``, if any."""
    if not isinstance(body, dict):
        return None
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in REPORT_SAMPLES or body != sample_request(kind):
        return None
    if kind == "user_volume" and user_volume_shape == "per_agent":
        return "user_volume_per_agent"
    return kind
