"""`python -m tap_agentactivity`: the same entry point as the console script."""

from tap_agentactivity.tap import main

main()
