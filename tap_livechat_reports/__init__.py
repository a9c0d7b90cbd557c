"""tap-livechat-reports: every LiveChat Reports API v3.6 report as an incremental Singer stream."""
