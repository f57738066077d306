"""JSON and JSON Lines files -> RawArticles, for files.py.

A .json file holds one article object, a list of them, a wrapper ({"articles": [...]}, "items" or
"entries"), or a JSON Feed; a .jsonl file holds one article object per line. An article object needs a text
field ("text", "content", "body", "content_text", or the HTML of "html" / "content_html"); title, url, dates,
source and guid are read when present. Items that cannot be read are skipped and named in the problem line
(the first few, then "and N more"); the rest is still returned as (articles, problem).
"""

from __future__ import annotations

import json
import re

from bot.core.models import RawArticle
from bot.sources.dates import parse_date
from bot.sources.feedparse import parse_feed
from bot.sources.pages import html_to_text
from bot.sources.textfile import one_line, paragraphs

__all__ = ["read_json", "read_jsonl"]

_MAX_REASONS = 3  # per-item reasons quoted in a problem line before "and N more"
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
    return paragraphs(value)


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
    return RawArticle(text=text, title=one_line(_first_string(obj, ("title", "headline"))), url=url,
                      published=published, source=one_line(_first_string(obj, ("source",))), guid=guid), None


def _summarise(reasons: list[str], total: int, unit: str) -> str | None:
    if not reasons:
        return None
    shown = "; ".join(reasons[:_MAX_REASONS])
    more = f"; and {len(reasons) - _MAX_REASONS} more" if len(reasons) > _MAX_REASONS else ""
    return f"{len(reasons)} of {total} {unit} skipped: {shown}{more}"


def _is_json_feed(doc: object) -> bool:
    return isinstance(doc, dict) and "jsonfeed.org/version" in str(doc.get("version", ""))


def read_json(text: str, data: bytes) -> tuple[list[RawArticle], str | None]:
    """A .json file's decoded text (and its bytes, which a JSON Feed is parsed from) -> (articles, problem)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        return [], "invalid JSON: nested too deeply"
    if _is_json_feed(doc):
        parsed = parse_feed(data)
        if not parsed.entries:
            return [], f"JSON Feed without readable items: {parsed.problem or 'no items'}"
        return parsed.entries, parsed.problem
    if isinstance(doc, dict) and not any(k in doc for k in _TEXT_FIELDS + _HTML_FIELDS):
        # A wrapper object: {"articles": [...]} or {"items": [...]}.
        for key in ("articles", "items", "entries"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        return [], "no articles: the JSON list is empty"
    articles: list[RawArticle] = []
    reasons: list[str] = []
    for n, item in enumerate(items, 1):
        article, reason = _article_from_object(item)
        if article is None:
            reasons.append(f"item {n}: {reason}" if isinstance(doc, list) else str(reason))
        else:
            articles.append(article)
    if not isinstance(doc, list):
        return articles, reasons[0] if reasons else None
    return articles, _summarise(reasons, len(items), "items")


def read_jsonl(text: str) -> tuple[list[RawArticle], str | None]:
    """A .jsonl file's decoded text -> (articles, problem); each bad line is skipped and counted."""
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
    return articles, _summarise(reasons, total, "lines")
