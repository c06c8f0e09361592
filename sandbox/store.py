"""The sandbox's state (bot, users, chats, messages, updates, files, command menus) kept in one SQLite file.

Everything lives in memory and each change is written through at once, so a restart finds the chats as they were.
Rows are JSON documents keyed by kind and key: the sandbox is a test double, not a store to query.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

KINDS = ("meta", "user", "chat", "message", "update", "file", "commands")


class Store:
    """JSON documents by (kind, key) in memory, written through to SQLite."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # a test double: surviving a crash of the process is enough, an fsync per change only slows a load test
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,"
                         " PRIMARY KEY (kind, key))")
        self.docs: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        for kind, key, data in self._db.execute("SELECT kind, key, data FROM docs"):
            self.docs.setdefault(kind, {})[key] = json.loads(data)

    def get(self, kind: str, key: object) -> Any:
        return self.docs[kind].get(str(key))

    def all(self, kind: str) -> list[Any]:
        return list(self.docs[kind].values())

    def put(self, kind: str, key: object, value: Any) -> None:
        self.docs[kind][str(key)] = value
        self._db.execute("INSERT OR REPLACE INTO docs (kind, key, data) VALUES (?, ?, ?)",
                         (kind, str(key), json.dumps(value, ensure_ascii=False)))

    def delete(self, kind: str, key: object) -> None:
        self.docs[kind].pop(str(key), None)
        self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, str(key)))

    def next_id(self, name: str, start: int) -> int:
        """The next value of a named counter (kept with the rest)."""
        value = int(self.get("meta", f"seq:{name}") or start - 1) + 1
        self.put("meta", f"seq:{name}", value)
        return value

    def close(self) -> None:
        self._db.close()
