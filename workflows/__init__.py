"""Pure policy for roadchief: the case state machine, working-time deadline arithmetic,
routing and classification rules.

Nothing in this package imports Flask, SQLAlchemy or ``app``; it takes plain values and
returns plain values, so every rule can be unit-tested exhaustively and reused by any
channel (web, SMS, API, jobs).
"""
