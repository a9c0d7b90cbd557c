"""`python -m tap_analytics`: the same entry point as the console script."""

from tap_analytics.tap import main

main()
