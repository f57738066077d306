"""The article store: TinyDB partition files, one per day of fetching, with in-memory indexes.

- partitions.py: the partition files (names, line layout, reading and writing them);
- index.py: the in-memory indexes (entries by id, URL, fingerprint, name key; newest/recent orders);
- store.py: ArticleStore, which keeps the two in step, and merge(), the duplicate-merging rule.
"""

from storage.contract import Indexer
from storage.records import BatchResult, Entry, parse_time
from storage.tinydb.articles.index import StoredEntry
from storage.tinydb.articles.partitions import HEAVY, TABLE, heavy_last
from storage.tinydb.articles.store import ArticleStore, merge

__all__ = ["ArticleStore", "BatchResult", "Entry", "StoredEntry", "Indexer", "merge", "parse_time", "HEAVY",
           "TABLE", "heavy_last"]
