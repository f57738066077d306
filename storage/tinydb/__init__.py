"""Persistence for newsbot in one data directory, owned by one writer process: the TinyDB engine.

    engine = open_engine(data_dir)                  # the writer: takes the lock, migrates
    engine = open_engine(data_dir, readonly=True)   # a reader: no lock, works while the bot runs

An engine (TinyEngine, which satisfies storage.contract.Engine) bundles every store of the directory:
engine.articles the ArticleStore (articles/, partitioned, with its indexes), engine.state the StateStore
(small tables in state.json), engine.chats the ChatStore (chats/), engine.feeds the FeedStore (feeds and
admin notices, in state.json) and engine.outbox the Outbox (outbox.log). Store is the older, smaller
bundle (articles and state only) that open_engine builds on. Nothing here knows about Telegram or about
article contents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from storage.records import parse_time
from storage.tinydb.articles import ArticleStore, BatchResult, Entry, Indexer, merge
from storage.tinydb.chats import ChatStore
from storage.tinydb.feeds import FeedStore
from storage.tinydb.lock import DirLock, StoreLocked
from storage.tinydb.outbox import Outbox
from storage.tinydb.safe import CorruptFile, SafeJSONStorage
from storage.tinydb.schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew
from storage.tinydb.state import StateStore

__all__ = ["open_engine", "TinyEngine", "Store", "ArticleStore", "BatchResult", "Entry", "Indexer", "StateStore",
           "ChatStore", "FeedStore", "Outbox", "StoreLocked", "SchemaTooNew", "CorruptFile", "SafeJSONStorage",
           "SCHEMA_VERSION", "merge", "parse_time"]

CHATS_DIR = "chats"
OUTBOX_FILE = "outbox.log"


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


class TinyEngine:
    """Every store of one data directory, opened together and closed together (storage.contract.Engine)."""

    def __init__(self, store: Store, chats: ChatStore, feeds: FeedStore, outbox: Outbox) -> None:
        self.store = store
        self.data_dir = store.data_dir
        self.readonly = store.readonly
        self.articles = store.articles
        self.state = store.state
        self.chats = chats
        self.feeds = feeds
        self.outbox = outbox
        self._closed = False

    @classmethod
    def open(cls, data_dir: str | Path, readonly: bool = False, fold_title: Callable[[str], str] = str.casefold,
             indexers: Iterable[Indexer] = ()) -> "TinyEngine":
        """Open the directory's stores in order (the Store first: it takes the lock and migrates); when
        a later one fails, the ones already open are closed again and the lock released."""
        with ExitStack() as opened:
            store = Store.open(data_dir, readonly=readonly, fold_title=fold_title, indexers=indexers)
            opened.callback(store.close)
            chats = ChatStore(store.data_dir / CHATS_DIR, readonly=readonly)
            opened.callback(chats.close)
            feeds = FeedStore(store.state)
            outbox = Outbox(store.data_dir / OUTBOX_FILE, readonly=readonly)
            opened.callback(outbox.close)
            engine = cls(store, chats, feeds, outbox)
            opened.pop_all()  # opened: the engine closes them from now on
        return engine

    def close(self) -> None:
        """Close the outbox, the chats and the Store (releasing the lock last); a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self.outbox.close()
            self.chats.close()
        finally:
            self.store.close()

    def __enter__(self) -> "TinyEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_engine(data_dir: str | Path, readonly: bool = False, fold_title: Callable[[str], str] = str.casefold,
                indexers: Iterable[Indexer] = ()) -> TinyEngine:
    """The TinyDB engine over `data_dir` (see TinyEngine.open)."""
    return TinyEngine.open(data_dir, readonly=readonly, fold_title=fold_title, indexers=indexers)


def _clear_temp_files(*directories: Path) -> None:
    """Temp files of writes that a crash interrupted: never part of the data, safe to remove under the lock."""
    for directory in directories:
        if directory.is_dir():
            for path in directory.glob(".*.tmp"):
                path.unlink(missing_ok=True)
