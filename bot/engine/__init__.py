"""The core that runs flows: the router, effects, the outbox dispatcher, the scheduler."""
