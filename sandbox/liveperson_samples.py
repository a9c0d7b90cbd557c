"""The two response samples of api-docs/liveperson-agent-activity-api.txt, verbatim.

Each constant is the sample's text exactly as the docs print it (lines not indented, ``\n``
between lines), so the simulator can replay it byte for byte under the ``docs_samples``
knob. The samples are not consistent with themselves (agent "2"'s Away state has
``"total": 0`` but ``"notChatting": 125``; the interval sample's "Logged in" totals have
``chatting`` and ``notChatting`` 0): they are replayed as printed, never "fixed".
"""

from __future__ import annotations

#: The request both samples answer (interval absent for the first, 60 for the second).
SAMPLE_PARAMS = {"v": "1", "timeframe": "120", "agentIds": "all"}
SAMPLE_INTERVAL = "60"
#: The instant the interval sample implies: its newest interval 13:50-14:50 holds 3368 s
#: (56 min 8 s) and its earliest 3 min 52 s (232 s) of the 120 minutes.
SAMPLE_NOW_MS = 1404225968000

#: "Request by v=1 and timeframe=120 and agentIds=all (including two agentIds: 2 and 3)."
AGENTS_SAMPLE = """{
"agentsMetrics": {
"metricsPerAgent": {
"2": [
{
"id": 2,
"name": "Online",
"value": {
"total": 4714,
"chatting": 0,
"notChatting": 4714,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 2361,
"chatting": 2361,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [
{
"id": "2642559712",
"value": {
"total": 72,
"chatting": 0,
"notChatting": 72,
"chattingInMaxConcurrency": 0
}
},
{
"id": "2642559112",
"value": {
"total": 53,
"chatting": 0,
"notChatting": 53,
"chattingInMaxConcurrency": 0
}
}
],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 125,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 7200,
"chatting": 2486,
"notChatting": 4714,
"chattingInMaxConcurrency": 0
}
}
],
"3": [
{
"id": 2,
"name": "Online",
"value": {
"total": 2486,
"chatting": 2486,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 4714,
"chatting": 0,
"notChatting": 4714,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 7200,
"chatting": 2486,
"notChatting": 4714,
"chattingInMaxConcurrency": 0
}
}
]
},
"metricsTotals": []
}
}"""

#: "Request by v=1 and timeframe=120 and agentIds=all and interval=60 (including two
#: agentIds: 2 and 3)."
INTERVALS_SAMPLE = """{
"metricsByIntervals": [
{
"timestamp": 1404226200000,
"metricsData": {
"agentsMetrics": {
"metricsPerAgent": {
"2": [
{
"id": 2,
"name": "Online",
"value": {
"total": 3268,
"chatting": 0,
"notChatting": 3268,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [
{
"id": "2642559712",
"value": {
"total": 100,
"chatting": 0,
"notChatting": 100,
"chattingInMaxConcurrency": 0
}
}
],
"id": 4,
"name": "Away",
"value": {
"total": 100,
"chatting": 0,
"notChatting": 100,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 3368,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
}
],
"3": [
{
"id": 2,
"name": "Online",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 3368,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 3368,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
}
]
},
"metricsTotals": []
}
}
},
{
"timestamp": 1404222600000,
"metricsData": {
"agentsMetrics": {
"metricsPerAgent": {
"2": [
{
"id": 2,
"name": "Online",
"value": {
"total": 1376,
"chatting": 0,
"notChatting": 1376,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 2224,
"chatting": 2224,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 3600,
"chatting": 2224,
"notChatting": 1376,
"chattingInMaxConcurrency": 0
}
}
],
"3": [
{
"id": 2,
"name": "Online",
"value": {
"total": 2224,
"chatting": 2224,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 1376,
"chatting": 0,
"notChatting": 1376,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 3600,
"chatting": 2224,
"notChatting": 1376,
"chattingInMaxConcurrency": 0
}
}
]
},
"metricsTotals": []
}
}
},
{
"timestamp": 1404219000000,
"metricsData": {
"agentsMetrics": {
"metricsPerAgent": {
"2": [
{
"id": 2,
"name": "Online",
"value": {
"total": 232,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 232,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
}
],
"3": [
{
"id": 2,
"name": "Online",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": 3,
"name": "Back in 5",
"value": {
"total": 232,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"reasons": [],
"id": 4,
"name": "Away",
"value": {
"total": 0,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
},
{
"id": -1,
"name": "Logged in",
"value": {
"total": 232,
"chatting": 0,
"notChatting": 0,
"chattingInMaxConcurrency": 0
}
}
]
},
"metricsTotals": []
}
}
}
],
"agentsMetrics": {
"metricsPerAgent": {},
"metricsTotals": []
}
}"""
