"""Plain text and Markdown files -> one RawArticle, for files.py.

A "---" front matter block at the top may give title, url (or link), published (or date, pubdate) and
source. Markdown gets a light reading: the first heading becomes the title when the front matter has none,
and heading marks, link and image syntax, bold/italic markers and inline code ticks are removed; code
blocks stay as written. The reader takes decoded text and gives back (articles, problem), the way every
per-format reader does; files.py wraps that into a FileResult.
"""

from __future__ import annotations

import re

from bot.core.models import RawArticle
from bot.sources.dates import parse_date
from bot.sources.pages import tidy_text

__all__ = ["read_text", "paragraphs", "one_line"]

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


def one_line(value: object) -> str:
    """`value` as text on one line, runs of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(value).split())


def paragraphs(text: str) -> str:
    """Tidy text. A text with no blank line at all is taken as one paragraph per line (how many news dumps,
    including the seed article, are written) so it gets the blank-line paragraph breaks the store expects."""
    text = tidy_text(text)
    if "\n\n" not in text and "\n" in text:
        text = "\n\n".join(line for line in text.split("\n") if line)
    return text


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


def read_text(text: str, *, markdown: bool) -> tuple[list[RawArticle], str | None]:
    """A .txt (or, with `markdown`, a .md) file's decoded text -> ([article], problem) or ([], problem)."""
    meta, body = _front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = one_line(meta.get("title", ""))
    if markdown:
        body, title = _markdown(body, title)
    body = paragraphs(body)
    if not body:
        return [], "no text after the front matter" if meta else "empty file (only whitespace)"
    problem = None
    published = None
    if meta.get("published"):
        published = parse_date(meta["published"])
        if published is None:
            problem = f"front matter: unreadable date {meta['published']!r} ignored"
    article = RawArticle(text=body, title=title, url=meta.get("url") or None, published=published,
                         source=one_line(meta.get("source", "")))
    return [article], problem
