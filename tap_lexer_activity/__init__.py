"""Singer tap for the Lexer Activity API."""
