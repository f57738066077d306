"""The state store: small, hot tables (meta now; chats, topics, feeds, outbox and the delivery ledger as
the features that own them arrive) in one TinyDB file, apart from the articles.

Every change is one atomic, durable write of state.json (SafeJSONStorage); reads come from memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from storage.tinydb.safe import SafeJSONStorage

META = "meta"


class StateStore:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.db = TinyDB(self.path, storage=SafeJSONStorage, readonly=readonly)

    def table(self, name: str):
        return self.db.table(name)

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.table(META).get(Query().key == key)
        return default if row is None else row["value"]

    def set_meta(self, key: str, value: Any) -> None:
        self.db.table(META).upsert({"key": key, "value": value}, Query().key == key)

    def reload(self) -> None:
        self.db.storage.reload()  # type: ignore[attr-defined]
        self.db.clear_cache()

    def close(self) -> None:
        self.db.close()
