"""SMS webhook routes."""
