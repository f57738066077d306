"""A crash-safe, cached TinyDB storage.

TinyDB's JSONStorage rewrites its file in place (a crash mid-write leaves broken JSON) and re-reads the
whole file on every query. SafeJSONStorage keeps TinyDB's two-method contract (read/write) but:

- write() builds the new file in a temporary sibling, fsyncs it, renames it over the old one with
  os.replace and fsyncs the directory. When write() returns the data survives kill -9 and power loss;
  a kill at any earlier instant leaves the previous file untouched. A reader sees the old or the new
  file, never a mix.
- read() parses the file once and then serves the in-memory copy (this process is the only writer).
- The file is ordinary JSON in TinyDB's layout, written with one document per line. write() records
  where each document's JSON starts and how many bytes it has, so the article store can fetch one
  document with a seek instead of parsing the whole file (see read_document).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from storage.atomic import atomic_write
from storage.records import CorruptData

Offsets = dict[str, dict[str, tuple[int, int]]]
_DECODE = json.JSONDecoder().decode  # str in, no encoding detection per call  # table -> doc id -> (byte offset, byte length)


class CorruptFile(CorruptData):
    """A store file that is not valid JSON in TinyDB's layout."""


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def serialize(data: dict[str, dict[str, Any]]) -> tuple[bytes, Offsets]:
    """TinyDB's JSON layout, one document per line, and the byte span of each document."""
    parts: list[bytes] = [b"{\n"]
    pos = 2
    offsets: Offsets = {}
    tables = list(data.items())
    for t_index, (table, docs) in enumerate(tables):
        head = _encode(str(table)) + b": {\n"
        parts.append(head)
        pos += len(head)
        spans: dict[str, tuple[int, int]] = {}
        items = list(docs.items())
        for d_index, (doc_id, doc) in enumerate(items):
            key = _encode(str(doc_id)) + b": "
            body = _encode(doc)
            tail = b",\n" if d_index < len(items) - 1 else b"\n"
            spans[str(doc_id)] = (pos + len(key), len(body))
            parts += (key, body, tail)
            pos += len(key) + len(body) + len(tail)
        close = b"}" + (b",\n" if t_index < len(tables) - 1 else b"\n")
        parts.append(close)
        pos += len(close)
        offsets[str(table)] = spans
    parts.append(b"}\n")
    return b"".join(parts), offsets


def scan(path: Path) -> tuple[dict[str, dict[str, Any]], Offsets]:
    """Parse a store file. Files this module wrote are read line by line, yielding offsets too;
    any other valid TinyDB JSON (e.g. from plain JSONStorage) is parsed whole, without offsets."""
    raw = path.read_bytes()
    if not raw.strip():
        return {}, {}
    data: dict[str, dict[str, Any]] = {}
    offsets: Offsets = {}
    try:
        for table, doc_id, offset, length, doc in _iter_lines(raw):
            data.setdefault(table, {})[doc_id] = doc
            if doc_id is not None:
                offsets.setdefault(table, {})[doc_id] = (offset, length)
        for table in list(data):
            data[table].pop(None, None)  # type: ignore[call-overload]
        return data, offsets
    except (ValueError, UnicodeDecodeError):
        pass
    try:
        whole = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptFile(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(whole, dict) or not all(isinstance(t, dict) for t in whole.values()):
        raise CorruptFile(f"{path}: not a TinyDB file (expected an object of tables)")
    return whole, {}


def _iter_lines(raw: bytes, decode: bool = True) -> Iterator[tuple[str, str | None, int, int, Any]]:
    """Yield (table, doc_id, offset, length, doc) from the one-document-per-line layout; empty tables
    yield a single (table, None, ...) marker; with decode=False the doc is None (only spans wanted).
    Raises ValueError when the file is not in that layout."""
    if not raw.startswith(b"{\n"):
        raise ValueError("not line layout")
    pos = 2
    table: str | None = None
    end = len(raw)
    closed = False
    while pos < end:
        nl = raw.find(b"\n", pos)
        if nl < 0:
            nl = end
        line = raw[pos:nl]
        if table is None:
            if line == b"}":
                closed = True
                break
            if not line.endswith(b": {"):
                raise ValueError("bad table line")
            table = json.loads(line[:-3])
            yield table, None, 0, 0, None
        elif line in (b"}", b"},"):
            table = None
        else:
            colon = line.index(b'": ') + 1
            key = line[1:colon - 1]
            # Document ids are plain numbers in what we write: skip the JSON decoder for them.
            doc_id = key.decode("ascii") if key.isdigit() else json.loads(line[:colon])
            body = line[colon + 2:]
            if body.endswith(b","):
                body = body[:-1]
            yield table, doc_id, pos + colon + 2, len(body), json.loads(body) if decode else None
        pos = nl + 1
    if not closed:
        raise ValueError("truncated")


def scan_heads(path: Path, table: str, cut: bytes, needed: str) -> tuple[dict[str, dict], dict[str, tuple[int, int]]] | None:
    """Like scan() for one table, but each document is parsed only up to its first top-level `cut` key
    (e.g. b',"text":'): writers that put their heavy fields last let an index be rebuilt without
    decoding them. A document whose head lacks the `needed` key (older field order) is parsed whole.
    Returns None when the file is not in the line layout (the caller falls back to scan())."""
    raw = path.read_bytes()
    docs: dict[str, dict] = {}
    spans: dict[str, tuple[int, int]] = {}
    try:
        for name, doc_id, offset, length, _ in _iter_lines(raw, decode=False):
            if name != table or doc_id is None:
                continue
            body = raw[offset:offset + length]
            at = body.find(cut)
            head = None
            if at > 0:
                try:
                    head = _DECODE((body[:at] + b"}").decode("utf-8"))
                except ValueError:
                    head = None
            if not isinstance(head, dict) or needed not in head:
                head = json.loads(body)
            docs[doc_id] = head
            spans[doc_id] = (offset, length)
    except (ValueError, UnicodeDecodeError):
        return None
    return docs, spans


def read_document(path: Path, offset: int, length: int) -> Any:
    """One document by its byte span, without parsing the rest of the file."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        return json.loads(fh.read(length))


class SafeJSONStorage(Storage):
    """TinyDB storage: atomic, durable writes; parsed once, then served from memory.

    Use: TinyDB(path, storage=SafeJSONStorage) or SafeJSONStorage(path, readonly=True) for a reader
    that never writes (write() then raises PermissionError).
    """

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.offsets: Offsets = {}
        self._data: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            if not self.path.exists():
                return None
            self._data, self.offsets = scan(self.path)
        return self._data or None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.readonly:
            raise PermissionError(f"{self.path} is open read-only")
        try:
            payload, offsets = serialize(data)
            atomic_write(self.path, payload)
        except BaseException:
            self._data = None  # the caller may have changed our cached copy: re-read the truth next time
            raise
        self._data, self.offsets = data, offsets

    def cached(self) -> dict[str, dict[str, Any]] | None:
        """The parsed data if it is in memory, without touching the disk."""
        return self._data

    def reload(self) -> None:
        """Forget the cached copy (another process may have replaced the file)."""
        self._data = None

    def close(self) -> None:
        self._data = None
