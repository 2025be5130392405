"""Staff work queue routes."""
