"""Telegram HTML text: escaping, visible length in UTF-16 units, clipping plain text, and splitting rendered
HTML into messages of at most 4096 visible characters.

Telegram's limit is 4096 characters of text AFTER entity parsing, counted in UTF-16 code units (an emoji
outside the BMP counts 2); tags do not count and &amp; counts 1. Renderers never let a tag span lines, so
split_html can split long texts on line boundaries; a single overlong line is cut at a word boundary with
its open tags closed and reopened. Everything that comes from users or articles goes through esc();
already-rendered fragments are marked with the Html type so they are not escaped twice.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

MAX_MESSAGE = 4096


class Html(str):
    """A string that is already Telegram HTML (esc() passes it through unchanged)."""


def esc(text: Any) -> str:
    """Escape text for Telegram HTML: &, <, > and double quotes (so it is safe in attributes too)."""
    if isinstance(text, Html):
        return text
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


_TOKEN = re.compile(r"(<[^>]*>)|(&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);)|([^<&]+|[<&])")


def visible_length(html: str) -> int:
    """What Telegram counts against the 4096 limit: the text without tags, entities decoded, in UTF-16."""
    total = 0
    for tag, entity, text in _TOKEN.findall(html):
        if entity:
            total += utf16_len(_html.unescape(entity))
        elif text:
            total += utf16_len(text)
    return total


def clip(text: str, limit: int) -> str:
    """Plain text cut to at most `limit` UTF-16 units, at a word boundary when one is near, with "…"."""
    text = " ".join(str(text).split())
    if utf16_len(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    cut = "".join(out)
    space = cut.rfind(" ")
    if space > len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:-—") + "…"


# ---- splitting -----------------------------------------------------------------------------------

def _units(line: str) -> list[tuple[str, str, int]]:
    """(kind, text, width): kind "open", "close", "entity" or "char"; tags have width 0."""
    units: list[tuple[str, str, int]] = []
    for tag, entity, text in _TOKEN.findall(line):
        if tag:
            units.append(("close" if tag.startswith("</") else "open", tag, 0))
        elif entity:
            units.append(("entity", entity, utf16_len(_html.unescape(entity))))
        else:
            units.extend(("char", ch, 2 if ord(ch) > 0xFFFF else 1) for ch in text)
    return units


def _tag_name(tag: str) -> str:
    m = re.match(r"</?\s*([A-Za-z0-9-]+)", tag)
    return m.group(1).lower() if m else ""


def _split_line(line: str, limit: int) -> list[str]:
    """Cut one overlong line into pieces of at most `limit` visible units: at the last space when there
    is one, never inside a tag or an entity; tags open at a cut are closed and reopened."""
    units = _units(line)
    stacks: list[tuple[tuple[str, str], ...]] = []  # open tags before each unit
    stack: list[tuple[str, str]] = []
    for kind, text, _ in units:
        stacks.append(tuple(stack))
        if kind == "open":
            stack.append((_tag_name(text), text))
        elif kind == "close":
            name = _tag_name(text)
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == name:
                    del stack[k]
                    break
    stacks.append(tuple(stack))

    def piece(start: int, end: int) -> str:
        body = "".join(text for _, text, _ in units[start:end])
        opened = "".join(tag for _, tag in stacks[start])
        closed = "".join(f"</{name}>" for name, _ in reversed(stacks[end]))
        return opened + body + closed

    pieces: list[str] = []
    start, n = 0, len(units)
    while start < n:
        width, i, last_space = 0, start, -1
        while i < n and width + units[i][2] <= limit:
            width += units[i][2]
            if units[i][0] == "char" and units[i][1].isspace():
                last_space = i
            i += 1
        if i >= n:
            pieces.append(piece(start, n))
            break
        if last_space > start:
            end, resume = last_space, last_space + 1  # the space itself goes
        else:
            end, resume = i, i  # one word longer than the limit: a hard cut between characters
        pieces.append(piece(start, end))
        start = resume
    return [p for p in pieces if visible_length(p) and _visible_text(p).strip()]


def _visible_text(html: str) -> str:
    return "".join(_html.unescape(e) if e else t for _, e, t in _TOKEN.findall(html))


def split_html(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split rendered HTML into messages of at most `limit` visible UTF-16 units each, on line
    boundaries; an overlong single line is cut at a word boundary with its tags closed and reopened.
    Empty pieces are dropped."""
    messages: list[str] = []
    lines: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal lines, used
        while lines and not _visible_text(lines[-1]).strip():
            lines.pop()
        while lines and not _visible_text(lines[0]).strip():
            lines.pop(0)
        if lines:
            messages.append("\n".join(lines))
        lines, used = [], 0

    for line in html.split("\n"):
        width = visible_length(line)
        if width > limit:
            flush()
            parts = _split_line(line, limit)
            messages.extend(parts[:-1])
            if parts:
                lines, used = [parts[-1]], visible_length(parts[-1])
            continue
        extra = width + (1 if lines else 0)
        if lines and used + extra > limit:
            flush()
            extra = width
        lines.append(line)
        used += extra
    flush()
    return messages
