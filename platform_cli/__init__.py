"""Self-service team spaces on AWS: blueprints, services, bindings and gated rollouts."""

__version__ = "0.1.0"
