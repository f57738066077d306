"""Local files and folders -> RawArticles, one FileResult per file.

Supported: .txt .md (the body is the text, optional "---" front matter), .json (an article object, a list of
them, or a JSON Feed), .jsonl (one article object per line), .html .htm (main text of the page), .xml .rss
.atom (a feed: every entry is an article). Bad content never raises: the FileResult carries a one-line
`problem` naming why the file, or part of it, was not read, and whatever could be read is still returned.

Encodings: text files must be UTF-8 (a UTF-8 byte order mark is fine) or UTF-16 with a byte order mark.
Other encodings are refused rather than guessed: a wrong guess puts mojibake into the store silently, a
refusal tells the user to convert the file. HTML and feeds are handed over as bytes, because their parsers
read the charset the document declares.

This module finds the files (discover) and reads one (read_file: size and type checks, decoding, feeds and
HTML pages); the readers of the other formats are textfile.py (.txt, .md with front matter) and
jsonfile.py (.json, .jsonl), which turn decoded text into (articles, problem).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.models import RawArticle
from bot.sources.feedparse import looks_like_feed, parse_feed
from bot.sources.jsonfile import read_json, read_jsonl
from bot.sources.pages import extract_page
from bot.sources.textfile import one_line, read_text

__all__ = ["SUPPORTED", "FileResult", "discover", "read_file", "MAX_FILE_BYTES"]

SUPPORTED = frozenset({".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".xml", ".rss", ".atom"})
FEEDS = frozenset({".xml", ".rss", ".atom"})
MAX_FILE_BYTES = 20_000_000
# Documentation that sits next to data (the seeds folder holds ATTRIBUTION.md): skipped inside folders.
_DOC_PREFIXES = ("readme", "attribution", "license", "licence", "notice", "changelog", "copying")
_SKIP_DIRS = frozenset({"__pycache__"})


@dataclass
class FileResult:
    """What one file gave. `problem` is one line: why the file, or part of it, was not read."""

    path: Path
    articles: list[RawArticle] = field(default_factory=list)
    problem: str | None = None


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def _is_doc(path: Path) -> bool:
    return path.name.lower().startswith(_DOC_PREFIXES)


def _unsupported(path: Path) -> str:
    kind = f"'{path.suffix}'" if path.suffix else "a file without an extension"
    return f"unsupported file type {kind} (supported: {', '.join(sorted(SUPPORTED))})"


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand the given files and folders into the files to read, in order, and the paths that cannot be.

    Folders are walked recursively in sorted order, skipping hidden entries, __pycache__, unsupported
    extensions and documentation files (README*, ATTRIBUTION*, LICENSE*, ...) without comment. A path named
    explicitly is taken as given when supported; when missing or unsupported it gets a FileResult with a
    problem. A file reached twice is listed once.
    """
    files: list[Path] = []
    problems: list[FileResult] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):
            key = path.absolute()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                _walk(path, add, problems)
            elif not path.exists():
                problems.append(FileResult(path, [], "no such file or directory"))
            elif not _supported(path):
                problems.append(FileResult(path, [], _unsupported(path)))
            else:
                add(path)
        except OSError as exc:
            problems.append(FileResult(path, [], f"cannot read: {exc.strerror or exc}"))
    return files, problems


def _walk(root: Path, add, problems: list[FileResult]) -> None:
    def on_error(exc: OSError) -> None:
        problems.append(FileResult(Path(exc.filename or root), [], f"cannot read folder: {exc.strerror or exc}"))

    found: list[Path] = []
    for folder, dirnames, filenames in os.walk(root, onerror=on_error):  # does not follow symlinked folders
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in filenames:
            path = Path(folder) / name
            if name.startswith(".") or not _supported(path) or _is_doc(path):
                continue
            found.append(path)
    for path in sorted(found, key=lambda p: p.relative_to(root).parts):
        add(path)


def _size_mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def read_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> FileResult:
    """Read one file into RawArticles. Never raises for bad content; see the module docstring."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return FileResult(path, [], _unsupported(path))
    try:
        info = path.stat()
    except FileNotFoundError:
        return FileResult(path, [], "no such file or directory")
    except OSError as exc:
        return FileResult(path, [], f"cannot read: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return FileResult(path, [], "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        return FileResult(path, [], "not a regular file")  # a FIFO or device could block or never end
    if info.st_size > max_bytes:
        return FileResult(path, [], f"too large ({_size_mb(info.st_size)}; the limit is {max_bytes / 1e6:g} MB)")
    if info.st_size == 0:
        return FileResult(path, [], "empty file")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        return FileResult(path, [], f"cannot read: {exc.strerror or exc}")
    if len(data) > max_bytes:
        return FileResult(path, [], f"too large (over {max_bytes / 1e6:g} MB, the limit)")
    try:
        return _read_bytes(path, suffix, data)
    except Exception as exc:  # a parser bug must cost one file, not the whole ingest run
        return FileResult(path, [], f"could not parse: {type(exc).__name__}: {one_line(exc)}"[:300])


def _is_binary(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text is full of NUL bytes
    return b"\x00" in data


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem). UTF-8 (BOM optional), or UTF-16 declared by its BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "not valid UTF-16 text (despite its byte order mark)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        return None, f"not valid UTF-8 text (byte 0x{bad} at offset {exc.start}; save the file as UTF-8)"


def _read_bytes(path: Path, suffix: str, data: bytes) -> FileResult:
    if suffix in FEEDS:
        return _read_feed(path, data)
    if _is_binary(data):
        return FileResult(path, [], "binary file (not text)")
    if suffix in (".html", ".htm"):
        article = extract_page(data)
        if article is None:
            return FileResult(path, [], "no article text found in the HTML page")
        return FileResult(path, [article], None)
    text, problem = _decode(data)
    if text is None:
        return FileResult(path, [], problem)
    if not text.strip():
        return FileResult(path, [], "empty file (only whitespace)")
    if suffix in (".txt", ".md"):
        articles, problem = read_text(text, markdown=suffix == ".md")
    elif suffix == ".json":
        articles, problem = read_json(text, data)
    else:
        articles, problem = read_jsonl(text)
    return FileResult(path, articles, problem)


# --- feeds ---------------------------------------------------------------------------------------------


def _read_feed(path: Path, data: bytes) -> FileResult:
    parsed = parse_feed(data)
    if parsed.entries:
        problem = f"feed partly malformed: {parsed.problem}" if parsed.problem else None
        return FileResult(path, parsed.entries, problem)
    if not looks_like_feed(data):
        if _is_binary(data) and data[:2] != b"\x1f\x8b":
            return FileResult(path, [], "binary file (not text)")
        detail = f" ({parsed.problem})" if parsed.problem else ""
        return FileResult(path, [], f"not a feed: no <rss>, <feed> or <rdf:RDF> root, nor a JSON Feed{detail}")
    return FileResult(path, [], f"truncated or malformed feed: {parsed.problem or 'no entries'}")
