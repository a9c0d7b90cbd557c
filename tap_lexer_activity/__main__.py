"""`python -m tap_lexer_activity`: the same entry point as the console script."""

from tap_lexer_activity.tap import main

main()
