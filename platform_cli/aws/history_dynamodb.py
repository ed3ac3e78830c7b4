"""The DynamoDB history table: deployment records and the shared rollout lock.

One table (``platform-history`` by default) with a string partition key ``pk`` and a
string sort key ``sk``:

- deployments: ``pk = team#TEAM``, ``sk = deploy#START#ID``, the record's fields as attributes;
- rollout locks: ``pk = lock#TEAM/ENV`` (or ``lock#TEAM/ENV/REGION`` for a one-region
  deployment), ``sk = lock``, taken with a conditional put that succeeds only when no lock
  exists or the existing one has expired; ``rollout.lock.acquire_exclusive`` then checks
  the overlapping keys with consistent reads.

``table_definition(name)`` gives the create_table arguments (bootstrap uses it).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import fields
from typing import Any

from ..rollout.history import Deployment, check_record, from_rows
from ..rollout.lock import holder_problem, lock_error
from .clients import translate

LOCK_TTL_SECONDS = 6 * 3600


def table_definition(name: str) -> dict[str, Any]:
    """Arguments of ``create_table`` for the history table: on-demand, encrypted with KMS."""
    return {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
        "Tags": [{"Key": "platform:managed-by", "Value": "platform"}],
    }


def create_table(client: Any, name: str) -> None:
    """Create the history table and wait until it is active (used by tests and bootstrap)."""
    try:
        client.create_table(**table_definition(name))
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except Exception as exc:  # botocore errors become CloudError at this boundary
        raise translate(exc, f"create DynamoDB table {name}") from None


_FIELDS = [f.name for f in fields(Deployment)]


class DynamoHistory:
    """History store on the DynamoDB table."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def add(self, record: Deployment) -> None:
        check_record(record, f"history table {self.table}")
        item = {"pk": {"S": f"team#{record.team}"}, "sk": {"S": f"deploy#{record.start}#{record.id}"}}
        for name in _FIELDS:
            value = getattr(record, name)
            if value is not None:
                item[name] = {"S": str(value)}
        try:
            self.client.put_item(TableName=self.table, Item=item)
        except Exception as exc:
            raise translate(exc, f"record deployment of {record.unit} in table {self.table}") from None

    def query(self, *, team: str | None = None, env: str | None = None, since: str | None = None,
              limit: int | None = None, damaged: list[str] | None = None) -> list[Deployment]:
        items: list[dict[str, Any]] = []
        try:
            if team:
                kwargs: dict[str, Any] = {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                    "ExpressionAttributeValues": {":pk": {"S": f"team#{team}"},
                                                  ":lo": {"S": f"deploy#{since or ''}"}, ":hi": {"S": "deploy#\uffff"}},
                }
                pages = self.client.get_paginator("query").paginate(**kwargs)
            else:
                kwargs = {"TableName": self.table, "FilterExpression": "begins_with(sk, :d)",
                          "ExpressionAttributeValues": {":d": {"S": "deploy#"}}}
                pages = self.client.get_paginator("scan").paginate(**kwargs)
            for page in pages:
                items.extend(page.get("Items", []))
        except Exception as exc:
            raise translate(exc, f"read history table {self.table}") from None
        out = []
        rows = [{k: v["S"] for k, v in item.items() if k in _FIELDS and "S" in v} for item in items]
        labels = [f"item {item.get('pk', {}).get('S', '?')}/{item.get('sk', {}).get('S', '?')}" for item in items]
        for rec in from_rows(rows, source=f"history table {self.table}", labels=labels, damaged=damaged):
            if env and rec.env != env:
                continue
            if since and rec.start < since:
                continue
            out.append(rec)
        out.sort(key=lambda r: (r.start, r.id))
        return out[-limit:] if limit else out


class DynamoLock:
    """A rollout lock taken with a DynamoDB conditional put (shared use)."""

    def __init__(self, client: Any, table: str, key: str, ttl_seconds: int = LOCK_TTL_SECONDS) -> None:
        self.client = client
        self.table = table
        self.key = key
        self.ttl = ttl_seconds
        self._token: str | None = None

    def _item_key(self) -> dict[str, Any]:
        return {"pk": {"S": f"lock#{self.key}"}, "sk": {"S": "lock"}}

    def _item(self) -> dict[str, Any] | None:
        try:
            resp = self.client.get_item(TableName=self.table, Key=self._item_key(), ConsistentRead=True)
        except Exception as exc:
            raise translate(exc, f"read lock {self.key} in table {self.table}") from None
        return resp.get("Item") or None

    def holder(self) -> dict[str, Any] | None:
        item = self._item()
        return self._holder_of(item) if item else None

    def active_holder(self) -> dict[str, Any] | None:
        """The holder, unless the lock is absent or expired (a conditional put would take it over)."""
        item = self._item()
        if not item or self._expires_of(item) < int(time.time()):
            return None
        return self._holder_of(item)

    def _holder_of(self, item: dict[str, Any]) -> dict[str, Any]:
        """The recorded holder; an item not written by the platform reads as an unreadable holder."""
        try:
            holder = json.loads(item["holder"]["S"])
        except (KeyError, TypeError, ValueError, RecursionError):
            holder = None
        problem = "it is not valid JSON" if holder is None else holder_problem(holder)
        if problem:
            return {"user": "unknown", "host": "unknown",
                    "note": f"unreadable lock item lock#{self.key} in {self.table}: {problem}"}
        return holder

    @staticmethod
    def _expires_of(item: dict[str, Any]) -> int:
        try:
            expires = int(item["expires"]["N"])
        except (KeyError, TypeError, ValueError):
            return 2**62
        return expires if 0 <= expires < 2**62 else 2**62  # unknown expiry: treat as held, never take it over silently

    def acquire(self, holder: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        token = uuid.uuid4().hex
        now = int(time.time())
        item = {**self._item_key(), "holder": {"S": json.dumps(holder)}, "token": {"S": token},
                "expires": {"N": str(now + self.ttl)}}
        try:
            self.client.put_item(TableName=self.table, Item=item,
                                 ConditionExpression="attribute_not_exists(pk) OR expires < :now",
                                 ExpressionAttributeValues={":now": {"N": str(now)}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise lock_error(self.key, self.holder() or {}) from None
            raise translate(exc, f"take lock {self.key} in table {self.table}") from None
        except Exception as exc:
            raise translate(exc, f"take lock {self.key} in table {self.table}") from None
        self._token = token

    def release(self) -> None:
        if self._token is None:
            return
        from botocore.exceptions import ClientError

        try:
            self.client.delete_item(TableName=self.table, Key=self._item_key(),
                                    ConditionExpression="#t = :t", ExpressionAttributeNames={"#t": "token"},
                                    ExpressionAttributeValues={":t": {"S": self._token}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise translate(exc, f"release lock {self.key} in table {self.table}") from None
            # taken over after expiry by another rollout: it is theirs now, leave it
        except Exception as exc:
            raise translate(exc, f"release lock {self.key} in table {self.table}") from None
        finally:
            self._token = None
