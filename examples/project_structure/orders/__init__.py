"""Orders: placing and cancelling them. Uses the items domain through its service."""
