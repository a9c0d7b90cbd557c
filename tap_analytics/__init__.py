"""tap-analytics: the Dixa Analytics API as Singer streams."""
