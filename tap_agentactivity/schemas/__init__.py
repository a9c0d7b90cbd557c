"""JSON schemas of the tap-agentactivity streams."""
