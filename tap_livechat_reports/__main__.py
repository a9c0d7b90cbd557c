"""`python -m tap_livechat_reports`: the same entry point as the console script."""

from tap_livechat_reports.tap import main

main()
