"""Multi-step flows as plain state machines, tested without Qt."""
