"""Where rollout history lives, chosen where it is wired: SQLite in the workspace by default,
the shared DynamoDB table when ``platform.yaml`` says so. The stores themselves
(``rollout/history.py``, ``aws/history_dynamodb.py``) do not know about each other."""

from __future__ import annotations

from .history import HistoryStore, SQLiteHistory, sqlite_path


def open_history(ws, clients=None) -> HistoryStore:
    """The workspace's history store: SQLite by default, the DynamoDB table when configured."""
    if ws.config.history.store == "dynamodb":
        from ..aws.history_dynamodb import DynamoHistory

        if clients is None:
            from .gates import client_provider

            clients = client_provider(ws)
        return DynamoHistory(clients("dynamodb", ws.config.cloud.default_region), ws.config.history.table)
    return SQLiteHistory(sqlite_path(ws.local_dir))
