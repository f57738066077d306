"""Persistence for newsbot: one data directory, owned by one writer process.

    store = Store.open(data_dir)                  # the writer: takes the lock, migrates, may seed
    store = Store.open(data_dir, readonly=True)   # a reader: no lock, works while the bot runs

store.articles is the ArticleStore (partitioned articles and their indexes), store.state the StateStore
(small tables in state.json). Nothing here knows about Telegram or about article contents.
"""

from __future__ import annotations

from pathlib import Path

from storage.tinydb.articles import ArticleStore, BatchResult, Entry, Indexer, merge, parse_time
from storage.tinydb.lock import DirLock, StoreLocked
from storage.tinydb.safe import CorruptFile, SafeJSONStorage
from storage.tinydb.schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew
from storage.tinydb.state import StateStore

__all__ = ["Store", "ArticleStore", "BatchResult", "Entry", "Indexer", "StateStore", "StoreLocked", "SchemaTooNew",
           "CorruptFile", "SafeJSONStorage", "SCHEMA_VERSION", "merge", "parse_time"]


class Store:
    def __init__(self, data_dir: Path, articles: ArticleStore, state: StateStore, lock: DirLock | None,
                 readonly: bool) -> None:
        self.data_dir = data_dir
        self.articles = articles
        self.state = state
        self.readonly = readonly
        self._lock = lock

    @classmethod
    def open(cls, data_dir: str | Path, readonly: bool = False, fold_title=str.casefold, indexers=()) -> "Store":
        data_dir = Path(data_dir).expanduser()
        lock = None
        if not readonly:
            data_dir.mkdir(parents=True, exist_ok=True)
            lock = DirLock(data_dir)
            lock.acquire()
        try:
            state = StateStore(data_dir / "state.json", readonly=readonly)
            version = state.get_meta("schema")
            if version is None:  # a new directory, or one from before versioning
                version = 0 if (data_dir / "articles").exists() else SCHEMA_VERSION
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"{data_dir} was written by a newer newsbot (store schema {version}; this version "
                    f"understands up to {SCHEMA_VERSION}). Upgrade newsbot, or point NEWSBOT_DATA_DIR elsewhere."
                )
            if version < SCHEMA_VERSION and readonly:
                raise SchemaTooNew(
                    f"{data_dir} uses store schema {version}; run a writing command once (newsbot ingest, or "
                    f"start the bot) to upgrade it to {SCHEMA_VERSION}."
                )
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](data_dir)
                version += 1
                state.set_meta("schema", version)
            if not readonly and state.get_meta("schema") is None:
                state.set_meta("schema", SCHEMA_VERSION)
            if not readonly:
                _clear_temp_files(data_dir, data_dir / "articles")
            articles = ArticleStore(data_dir / "articles", readonly=readonly, fold_title=fold_title,
                                    indexers=indexers)
        except BaseException:
            if lock:
                lock.release()
            raise
        return cls(data_dir, articles, state, lock, readonly)

    def close(self) -> None:
        self.articles.close()
        self.state.close()
        if self._lock:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clear_temp_files(*directories: Path) -> None:
    """Temp files of writes that a crash interrupted: never part of the data, safe to remove under the lock."""
    for directory in directories:
        if directory.is_dir():
            for path in directory.glob(".*.tmp"):
                path.unlink(missing_ok=True)
