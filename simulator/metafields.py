"""Metafields the app writes with metafieldsSet, kept so the page can show what it stored."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

from simulator.model import Ids


class Metafields:
    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self._by_key: dict[tuple[str, str, str], dict] = {}
        self._lock = threading.Lock()

    def set(self, entries: list[dict]) -> list[dict]:
        """Create or update by (owner, namespace, key), keeping the id, as metafieldsSet does."""
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        saved = []
        with self._lock:
            for entry in entries:
                namespace = entry.get("namespace") or "$app"
                key = (entry["ownerId"], namespace, entry["key"])
                current = self._by_key.get(key)
                record = current or {
                    "id": f"gid://shopify/Metafield/{self.ids.next()}", "namespace": namespace,
                    "key": entry["key"], "ownerType": entry["ownerId"].split("/")[3].upper(),
                    "createdAt": stamp,
                }
                record.update(value=str(entry["value"]), type=entry["type"], updatedAt=stamp)
                self._by_key[key] = record
                saved.append(dict(record))
        return saved

    def for_owner(self, owner_gid: str) -> list[dict]:
        with self._lock:
            return [dict(r) for (owner, _, _), r in self._by_key.items() if owner == owner_gid]
