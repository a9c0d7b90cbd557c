"""tap-agentactivity: LivePerson agent activity as exact 5-minute-grid intervals."""
