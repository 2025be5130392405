"""Staff sign-in routes."""
