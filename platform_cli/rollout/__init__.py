"""Rollouts: executor, journal, locks, gates, progress, history and DORA metrics.

The user-facing functions (apply a space, deploy a service, status, resume, rollback,
cancel) live in ``platform_cli.deploy``.
"""
