"""Local files and folders -> RawArticles, one FileResult per file.

Supported: .txt .md (the body is the text, optional "---" front matter), .json (an article object, a list of
them, or a JSON Feed), .jsonl (one article object per line), .html .htm (main text of the page), .xml .rss
.atom (a feed: every entry is an article). Bad content never raises: the FileResult carries a one-line
`problem` naming why the file, or part of it, was not read, and whatever could be read is still returned.

Encodings: text files must be UTF-8 (a UTF-8 byte order mark is fine) or UTF-16 with a byte order mark.
Other encodings are refused rather than guessed: a wrong guess puts mojibake into the store silently, a
refusal tells the user to convert the file. HTML and feeds are handed over as bytes, because their parsers
read the charset the document declares.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.sources.dates import parse_date
from bot.sources.feedparse import looks_like_feed, parse_feed
from bot.sources.pages import extract_page, html_to_text, tidy_text
from bot.core.models import RawArticle

__all__ = ["SUPPORTED", "FileResult", "discover", "read_file", "MAX_FILE_BYTES"]

SUPPORTED = frozenset({".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".xml", ".rss", ".atom"})
FEEDS = frozenset({".xml", ".rss", ".atom"})
MAX_FILE_BYTES = 20_000_000
# Documentation that sits next to data (the seeds folder holds ATTRIBUTION.md): skipped inside folders.
_DOC_PREFIXES = ("readme", "attribution", "license", "licence", "notice", "changelog", "copying")
_SKIP_DIRS = frozenset({"__pycache__"})
_MAX_REASONS = 3  # per-item reasons quoted in a problem line before "and N more"


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
        return FileResult(path, [], f"could not parse: {type(exc).__name__}: {_one_line(exc)}"[:300])


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


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
        return _read_text(path, text, markdown=suffix == ".md")
    if suffix == ".json":
        return _read_json(path, text, data)
    return _read_jsonl(path, text)


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


# --- plain text and Markdown ----------------------------------------------------------------------------

_FRONT_KEYS = {"title": "title", "url": "url", "link": "url", "published": "published", "date": "published",
               "pubdate": "published", "source": "source"}
_ATX = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^(```|~~~)")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split "---\\nkey: value\\n---\\n" off the top. Without a closing "---" it is not front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key in _FRONT_KEYS and value:
            meta.setdefault(_FRONT_KEYS[key], value)
    return meta, "\n".join(lines[end + 1:])


def _markdown(text: str, title: str) -> tuple[str, str]:
    """Light Markdown: the first heading becomes the title when there is none; heading marks, link and image
    syntax, bold/italic markers and inline code ticks are removed. Code blocks are kept as they are."""
    lines = text.split("\n")
    # The first non-blank line as the title, when it is a heading (ATX "# T" or setext "T\n===").
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and not title:
        m = _ATX.match(lines[first].strip())
        if m:
            title, lines = m.group(1).strip(), lines[:first] + lines[first + 1:]
        elif first + 1 < len(lines) and _SETEXT.match(lines[first + 1].strip()) and lines[first + 1].strip()[0] == "=":
            title, lines = lines[first].strip(), lines[:first] + lines[first + 2:]
    out: list[str] = []
    in_code = False
    for line in lines:
        if _FENCE.match(line.strip()):
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        m = _ATX.match(line.strip())
        if m:
            out.extend(["", m.group(1), ""])
            continue
        if _SETEXT.match(line.strip()) and out and out[-1].strip():
            out.append("")  # underline of a setext heading: the line above is the heading
            continue
        out.append(_inline(line))
    return "\n".join(out), _inline(title)


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _BOLD.sub(r"\2", line)
    line = _ITALIC.sub(r"\1", line)
    return _CODE.sub(r"\1", line)


def _paragraphs(text: str) -> str:
    """Tidy text. A text with no blank line at all is taken as one paragraph per line (how many news dumps,
    including the seed article, are written) so it gets the blank-line paragraph breaks the store expects."""
    text = tidy_text(text)
    if "\n\n" not in text and "\n" in text:
        text = "\n\n".join(line for line in text.split("\n") if line)
    return text


def _read_text(path: Path, text: str, markdown: bool) -> FileResult:
    meta, body = _front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = _one_line(meta.get("title", ""))
    if markdown:
        body, title = _markdown(body, title)
    body = _paragraphs(body)
    if not body:
        return FileResult(path, [], "no text after the front matter" if meta else "empty file (only whitespace)")
    problem = None
    published = None
    if meta.get("published"):
        published = parse_date(meta["published"])
        if published is None:
            problem = f"front matter: unreadable date {meta['published']!r} ignored"
    article = RawArticle(text=body, title=title, url=meta.get("url") or None, published=published,
                         source=_one_line(meta.get("source", "")))
    return FileResult(path, [article], problem)


# --- JSON and JSON Lines ---------------------------------------------------------------------------------

_TEXT_FIELDS = ("text", "content", "body", "content_text")
_HTML_FIELDS = ("html", "content_html")
_URL_FIELDS = ("url", "link")
_DATE_FIELDS = ("published", "date", "pubDate", "published_at", "date_published")
_LOOKS_HTML = re.compile(r"</(?:p|div|li|h[1-6]|blockquote|span|a|ul|ol)>|<br\s*/?>", re.IGNORECASE)


def _field_text(value: object) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n\n".join(value)  # a list of paragraphs
    if not isinstance(value, str):
        return ""
    if _LOOKS_HTML.search(value):
        return html_to_text(value)
    return _paragraphs(value)


def _first_string(obj: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def _article_from_object(obj: object) -> tuple[RawArticle | None, str | None]:
    """(article, None) or (None, reason)."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    text = ""
    for key in _TEXT_FIELDS:
        text = _field_text(obj.get(key))
        if text:
            break
    if not text:
        for key in _HTML_FIELDS:
            if isinstance(obj.get(key), str):
                text = html_to_text(obj[key])
                if text:
                    break
    if not text:
        return None, "no text (expected a 'text', 'content' or 'body' field)"
    published = None
    for key in _DATE_FIELDS:
        if obj.get(key) not in (None, ""):
            published = parse_date(obj[key])
            break
    url = _first_string(obj, _URL_FIELDS) or None
    guid = _first_string(obj, ("guid", "id")) or None
    return RawArticle(text=text, title=_one_line(_first_string(obj, ("title", "headline"))), url=url,
                      published=published, source=_one_line(_first_string(obj, ("source",))), guid=guid), None


def _summarise(reasons: list[str], total: int, unit: str) -> str | None:
    if not reasons:
        return None
    shown = "; ".join(reasons[:_MAX_REASONS])
    more = f"; and {len(reasons) - _MAX_REASONS} more" if len(reasons) > _MAX_REASONS else ""
    return f"{len(reasons)} of {total} {unit} skipped: {shown}{more}"


def _is_json_feed(doc: object) -> bool:
    return isinstance(doc, dict) and "jsonfeed.org/version" in str(doc.get("version", ""))


def _read_json(path: Path, text: str, data: bytes) -> FileResult:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return FileResult(path, [], f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return FileResult(path, [], "invalid JSON: nested too deeply")
    if _is_json_feed(doc):
        parsed = parse_feed(data)
        if not parsed.entries:
            return FileResult(path, [], f"JSON Feed without readable items: {parsed.problem or 'no items'}")
        return FileResult(path, parsed.entries, parsed.problem)
    if isinstance(doc, dict) and not any(k in doc for k in _TEXT_FIELDS + _HTML_FIELDS):
        # A wrapper object: {"articles": [...]} or {"items": [...]}.
        for key in ("articles", "items", "entries"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        return FileResult(path, [], "no articles: the JSON list is empty")
    articles: list[RawArticle] = []
    reasons: list[str] = []
    for n, item in enumerate(items, 1):
        article, reason = _article_from_object(item)
        if article is None:
            reasons.append(f"item {n}: {reason}" if isinstance(doc, list) else str(reason))
        else:
            articles.append(article)
    if not isinstance(doc, list):
        return FileResult(path, articles, reasons[0] if reasons else None)
    return FileResult(path, articles, _summarise(reasons, len(items), "items"))


def _read_jsonl(path: Path, text: str) -> FileResult:
    articles: list[RawArticle] = []
    reasons: list[str] = []
    total = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        total += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            reasons.append(f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        except RecursionError:
            reasons.append(f"line {lineno}: invalid JSON (nested too deeply)")
            continue
        article, reason = _article_from_object(obj)
        if article is None:
            reasons.append(f"line {lineno}: {reason}")
        else:
            articles.append(article)
    return FileResult(path, articles, _summarise(reasons, total, "lines"))
