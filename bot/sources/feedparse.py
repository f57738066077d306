"""Feed bytes -> a ParsedFeed of RawArticles: RSS 0.9x-2.0, Atom and RDF through feedparser, JSON Feed 1 / 1.1
by hand (feedparser does not read JSON).

Only bytes come in. feedparser.parse() given a string fetches URLs without a timeout, and given bytes that
happen to name a local file it reads that file; so the bytes are always wrapped in a BytesIO. Gzip bodies
(servers and files that forgot Content-Encoding) are inflated first, with a cap so a gzip bomb cannot exhaust
memory. A broken feed still yields the entries that parsed, plus a one-line `problem`.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bot.sources.dates import parse_date
from bot.sources.pages import html_to_text, tidy_text
from bot.core.models import RawArticle

__all__ = ["ParsedFeed", "parse_feed", "looks_like_feed", "gunzip_capped", "MAX_FEED_BYTES"]

MAX_FEED_BYTES = 20_000_000  # decompressed size limit for gzip bodies
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 65_536
_XML_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|rdf)[\s>/]", re.IGNORECASE)
_JSONFEED_VERSION = "jsonfeed.org/version/"
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\{")
# How a UTF-32 or UTF-16 document begins: byte order marks first, then "<" without a mark.
_WIDE_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)
_WS = re.compile(r"\s+")
_STILL_HTML = re.compile(r"</(?:p|div|li|a|span|h[1-6]|blockquote|ul|ol|table)>|<br\s*/?>", re.IGNORECASE)


@dataclass
class ParsedFeed:
    """What one feed document held. `problem` is a one-line note when the document was malformed or only
    partly read; `entries` still holds everything that parsed."""

    title: str
    link: str | None
    entries: list[RawArticle] = field(default_factory=list)
    problem: str | None = None


class GzipTooLarge(ValueError):
    pass


def gunzip_capped(data: bytes, limit: int = MAX_FEED_BYTES) -> tuple[bytes, str | None]:
    """Inflate gzip bytes (all members) to at most `limit` bytes.

    Returns (bytes, note): note is None when complete, else says what went wrong; what inflated before a
    corruption is kept. Raises GzipTooLarge when the content would exceed `limit`.
    """
    out = bytearray()
    rest = data
    note = None
    while rest:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            chunk = inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            note = f"corrupt gzip data ({exc})"
            break
        out += chunk
        if len(out) > limit:
            raise GzipTooLarge(f"gzip content larger than the {limit / 1e6:g} MB limit; not read (a gzip bomb?)")
        if not inflater.eof:
            if inflater.unconsumed_tail:  # output hit max_length exactly: one more byte means over the limit
                raise GzipTooLarge(f"gzip content larger than the {limit / 1e6:g} MB limit; not read (a gzip bomb?)")
            note = "truncated gzip data"
            break
        rest = inflater.unused_data
        if rest and not rest.startswith(_GZIP_MAGIC):
            break  # trailing garbage after the last member: ignore, as gzip(1) does
    return bytes(out), note


def _maybe_gunzip(data: bytes) -> tuple[bytes, str | None]:
    if data[:2] == _GZIP_MAGIC:
        return gunzip_capped(data)
    return data, None


def _sniff_head(data: bytes) -> bytes:
    """The first bytes as ASCII-compatible text: UTF-16/32 documents (with or without a byte order mark, as
    the XML spec's appendix F detects them) are decoded, so their root element can be seen."""
    head = data[:_SNIFF_BYTES]
    for start, codec in _WIDE_STARTS:
        if head.startswith(start):
            width = 4 if "32" in codec else 2
            usable = head[: len(head) - len(head) % width]
            return usable.decode(codec, "ignore").encode("utf-8", "ignore")
    return head


def looks_like_feed(data: bytes) -> bool:
    """Cheap sniff: an <rss>, <feed> (Atom) or <rdf:RDF> root near the start, or a JSON Feed object.
    Gzip bytes are sniffed on their first inflated 64 KB."""
    try:
        if not data:
            return False
        data = bytes(data)
        if data[:2] == _GZIP_MAGIC:
            try:
                data = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data, _SNIFF_BYTES)
            except zlib.error:
                return False
        if _JSON_START.match(data[:4096]):
            return b"jsonfeed.org/version" in data
        return _XML_ROOT.search(_sniff_head(data)) is not None
    except Exception:
        return False


def _one_line(value: object) -> str:
    return _WS.sub(" ", str(value)).strip() if value else ""


def _link(raw: object, *bases: str | None) -> str | None:
    """Resolve an entry link against the first base that makes it absolute; keep only http(s) links."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    link = raw.strip()
    for base in bases:
        if urlsplit(link).scheme:
            break
        if base:
            try:
                link = urljoin(base, link)
            except ValueError:
                return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    return link if parts.scheme in ("http", "https") and parts.netloc else None


def _detail_text(detail: object) -> str:
    """Text of a feedparser content/summary dict: HTML through html_to_text, text/plain kept as typed."""
    if not isinstance(detail, dict):
        return ""
    value = detail.get("value") or ""
    if not isinstance(value, str):
        return ""
    if (detail.get("type") or "").lower() == "text/plain":
        return tidy_text(value)
    return _html_text(value)


def _html_text(value: str) -> str:
    text = html_to_text(value)
    # Double-escaped HTML (&amp;lt;p&amp;gt;, as some reddit feeds have) still holds markup after one pass.
    if _STILL_HTML.search(text):
        text = html_to_text(text)
    return text


def _entry_text(entry) -> str:
    texts = [_detail_text(c) for c in entry.get("content") or []]
    best = max(texts, key=len, default="")
    if best:
        return best
    summary = entry.get("summary_detail")
    if summary:
        return _detail_text(summary)
    return _html_text(entry.get("summary") or entry.get("description") or "")


def _entry_title(entry) -> str:
    detail = entry.get("title_detail") or {}
    title = entry.get("title") or ""
    if not isinstance(title, str):
        return ""
    if "html" in (detail.get("type") or "") and "<" in title:
        title = html_to_text(title)
    return _one_line(title)


def _entry_date(entry):
    for key in ("published", "updated", "created"):
        # dict.get, not entry.get: FeedParserDict maps updated<->published with a DeprecationWarning.
        found = parse_date(dict.get(entry, f"{key}_parsed")) or parse_date(dict.get(entry, key))
        if found:
            return found
    return None


def _host(url: str | None) -> str:
    try:
        return urlsplit(url).hostname or "" if url else ""
    except ValueError:
        return ""


def _article(title: str, text: str, link: str | None, published, source: str, guid: object) -> RawArticle | None:
    if not text and not title:
        return None
    guid_text = _one_line(guid) if guid is not None and not isinstance(guid, (dict, list)) else ""
    # A title-only entry gets its title as text, so it still has a body to fingerprint and match topics on.
    return RawArticle(text=text or title, title=title, url=link, published=published, source=source,
                      guid=guid_text or None)


def _parse_json_feed(doc: dict, base_url: str | None, source: str, note: str | None) -> ParsedFeed:
    title = _one_line(doc.get("title")) if isinstance(doc.get("title"), str) else ""
    home = _link(doc.get("home_page_url"), base_url)
    feed_url = _link(doc.get("feed_url"), base_url)
    source = source or title or _host(home or feed_url or base_url)
    items = doc.get("items")
    problems = [note] if note else []
    entries: list[RawArticle] = []
    if not isinstance(items, list):
        problems.append("JSON Feed without an items list")
        items = []
    skipped = 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        texts = []
        if isinstance(item.get("content_html"), str):
            texts.append(_html_text(item["content_html"]))
        if isinstance(item.get("content_text"), str):
            texts.append(tidy_text(item["content_text"]))
        text = max(texts, key=len, default="")
        if not text and isinstance(item.get("summary"), str):
            text = html_to_text(item["summary"])
        item_title = _one_line(item.get("title")) if isinstance(item.get("title"), str) else ""
        link = _link(item.get("url"), base_url, feed_url, home) or _link(item.get("external_url"), base_url, home)
        published = parse_date(item.get("date_published")) or parse_date(item.get("date_modified"))
        article = _article(item_title, text, link, published, source, item.get("id"))
        if article is None:
            skipped += 1
        else:
            entries.append(article)
    if skipped:
        problems.append(f"{skipped} JSON Feed item(s) without text or title skipped")
    return ParsedFeed(title=title, link=home, entries=entries, problem="; ".join(problems) or None)


def _bozo_note(result) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    message = _one_line(exc) if exc is not None else "malformed document"
    name = type(exc).__name__ if exc is not None else "error"
    return f"{name}: {message}"[:300]


def parse_feed(data: bytes, base_url: str | None = None, source: str = "") -> ParsedFeed:
    """Parse one feed document from its bytes. Never raises; never fetches anything.

    Each entry becomes a RawArticle: title; link (relative links resolved against base_url, else the feed's
    link); text from the longest content, else the summary; published from published/updated; guid from
    the entry id. Entries with neither text nor title are skipped; a title-only entry keeps its title as text.
    `source` defaults to the feed title (else the feed link's host).
    """
    try:
        return _parse_feed(data, base_url, source)
    except Exception as exc:  # feedparser and json are robust, but the contract is "never raises"
        return ParsedFeed(title="", link=None, entries=[], problem=f"could not parse feed: {type(exc).__name__}: {exc}")


def _parse_feed(data: bytes, base_url: str | None, source: str) -> ParsedFeed:
    if not data:
        return ParsedFeed(title="", link=None, entries=[], problem="empty document")
    data = bytes(data)
    try:
        data, note = _maybe_gunzip(data)
    except GzipTooLarge as exc:
        return ParsedFeed(title="", link=None, entries=[], problem=str(exc))
    if not data.strip():
        return ParsedFeed(title="", link=None, entries=[], problem=note or "empty document")

    if _JSON_START.match(data[:4096]):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return ParsedFeed(title="", link=None, entries=[], problem="a JSON document, but not valid UTF-8")
        except (ValueError, RecursionError) as exc:
            msg = f"invalid JSON: {exc}" if isinstance(exc, ValueError) else "invalid JSON: nested too deeply"
            return ParsedFeed(title="", link=None, entries=[], problem=_one_line(msg)[:300])
        if not isinstance(doc, dict) or not (
            _JSONFEED_VERSION in str(doc.get("version", "")) or isinstance(doc.get("items"), list)
        ):
            return ParsedFeed(title="", link=None, entries=[], problem="a JSON document, but not a JSON Feed")
        return _parse_json_feed(doc, base_url, source, note)

    import feedparser

    # BytesIO, never the bytes themselves: feedparser opens bytes that name an existing file. No
    # response_headers: given any, feedparser stops trusting the XML encoding declaration (and flags every
    # feed as bozo without a Content-Type); relative links are resolved against base_url below instead.
    result = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    feed = result.get("feed") or {}
    title = _one_line(feed.get("title")) if isinstance(feed.get("title"), str) else ""
    feed_link = _link(feed.get("link"), base_url)
    source = source or title or _host(feed_link or base_url)
    entries: list[RawArticle] = []
    for entry in result.get("entries") or []:
        link = _link(entry.get("link"), base_url, feed_link)
        article = _article(_entry_title(entry), _entry_text(entry), link, _entry_date(entry), source,
                           entry.get("id"))
        if article is not None:
            entries.append(article)
    problems = [p for p in (note, _bozo_note(result)) if p]
    if not entries and not result.get("version") and not title:
        problems.append("not a recognisable RSS, Atom, RDF or JSON feed")
    return ParsedFeed(title=title, link=feed_link, entries=entries, problem="; ".join(problems) or None)
