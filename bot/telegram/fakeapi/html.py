"""Telegram's HTML dialect for the in-process Bot API: UTF-16 lengths, parsing and validating HTML into plain
text and entities, and rendering text with entities for a terminal.

parse_html accepts and refuses exactly what Telegram's HTML parse mode does, with Telegram's error wording
(EntityParseError); render_terminal is what the console shows.
"""

from __future__ import annotations

import collections
import re
from typing import Any


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    pass


_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "a": "text_link", "code": "code",
    "pre": "pre", "span": "spoiler", "tg-spoiler": "spoiler", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:.-]*")
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{1,31}));")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, i: int) -> tuple[str, int]:
    """Decode the HTML entity starting at source[i] == "&"; returns (character, index after it)."""
    m = _HTML_ENTITY.match(source, i)
    if not m:
        raise EntityParseError(
            f'Character "&" at byte offset {_byte_offset(source, i)} is not part of an entity; write "&amp;"')
    if m.group(3) is not None:
        name = m.group(3)
        if name not in _NAMED_ENTITIES:
            raise EntityParseError(
                f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(source, i)}')
        return _NAMED_ENTITIES[name], m.end()
    code = int(m.group(1)) if m.group(1) is not None else int(m.group(2), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid character reference at byte offset {_byte_offset(source, i)}")
    return chr(code), m.end()


def _decode_attr_value(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "&":
            m = _HTML_ENTITY.match(raw, i)
            if m and (m.group(3) is None or m.group(3) in _NAMED_ENTITIES):
                ch, i = _decode_entity(raw, i)
                out.append(ch)
                continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _parse_start_tag(source: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse "<name attr=...>" at source[i]; returns (lowercase name, attributes, index after ">")."""
    n = len(source)
    m = _TAG_NAME.match(source, i + 1)
    if not m:
        raise EntityParseError(
            f'Character "<" at byte offset {_byte_offset(source, i)} does not start a tag; write "&lt;"')
    name = m.group(0).lower()
    if name not in _TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}')
    j, attrs = m.end(), {}
    while True:
        while j < n and source[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        if source[j] == ">":
            return name, attrs, j + 1
        am = _ATTR_NAME.match(source, j)
        if not am:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(source, j)}')
        attr, j = am.group(0).lower(), am.end()
        while j < n and source[j].isspace():
            j += 1
        value = ""
        if j < n and source[j] == "=":
            j += 1
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            if source[j] in "\"'":
                end = source.find(source[j], j + 1)
                if end < 0:
                    raise EntityParseError(
                        f'Unclosed end of attribute value "{attr}" in the tag "{name}" '
                        f"at byte offset {_byte_offset(source, j)}")
                raw, j = source[j + 1:end], end + 1
            else:
                k = j
                while k < n and not source[k].isspace() and source[k] != ">":
                    k += 1
                raw, j = source[j:k], k
            value = _decode_attr_value(raw)
        attrs[attr] = value


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: returns (plain text, entities with UTF-16 offsets) or raises EntityParseError.

    Accepts the tags Telegram accepts (b strong i em u ins s strike del a code pre span.tg-spoiler tg-spoiler
    blockquote[expandable] tg-emoji[emoji-id]), the entities &lt; &gt; &amp; &quot; (and &apos; &nbsp;) and
    numeric references. A bare "<" or "&", an unknown tag, and mismatched or unclosed tags are refused.
    """
    out: list[str] = []
    pos = 0  # UTF-16 offset of the end of `out`
    stack: list[dict] = []  # open tags: name, start, attrs, at
    entities: list[dict] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "<" and source.startswith("</", i):
            m = _END_TAG.match(source, i)
            if not m:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = m.group(1).lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            top = stack.pop()
            if top["name"] != name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {_byte_offset(source, i)}, expected "</{top["name"]}>", '
                    f'found "</{name}>"')
            _close_tag(top, pos, stack, entities)
            i = m.end()
        elif c == "<":
            name, attrs, after = _parse_start_tag(source, i)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, i)}')
            if name == "tg-emoji" and not attrs.get("emoji-id"):
                raise EntityParseError(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(source, i)}')
            stack.append({"name": name, "start": pos, "attrs": attrs, "language": None})
            i = after
        elif c == "&":
            ch, i = _decode_entity(source, i)
            out.append(ch)
            pos += utf16_len(ch)
        else:
            # copy the run of ordinary characters in one go
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            chunk = source[i:j]
            out.append(chunk)
            pos += utf16_len(chunk)
            i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["name"]}"')
    return _trim("".join(out), entities)


def _close_tag(tag: dict, end: int, stack: list[dict], entities: list[dict]) -> None:
    name, start, attrs = tag["name"], tag["start"], tag["attrs"]
    kind = _TAG_TYPES[name]
    if name == "code" and stack and stack[-1]["name"] == "pre":
        # <pre><code class="language-x">: the language belongs to the pre entity, no separate code entity
        cls = attrs.get("class", "")
        if cls.startswith("language-"):
            stack[-1]["language"] = cls[len("language-"):]
            return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if kind == "text_link":
        href = attrs.get("href", "").strip()
        if not href:
            return
        entity["url"] = href
    elif kind == "pre" and tag["language"]:
        entity["language"] = tag["language"]
    elif kind == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading and trailing whitespace and shifts the entities accordingly."""
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


def _utf16_index_map(text: str) -> dict[int, int]:
    """UTF-16 offset -> Python string index, for every character boundary."""
    mapping, pos = {}, 0
    for index, ch in enumerate(text):
        mapping[pos] = index
        pos += 2 if ord(ch) > 0xFFFF else 1
    mapping[pos] = len(text)
    return mapping


_ANSI = {"bold": "1", "italic": "3", "underline": "4", "strikethrough": "9", "code": "36", "pre": "36",
         "spoiler": "7", "text_link": "4"}


def render_terminal(plain: str, entities: list[dict], *, ansi: bool = False) -> str:
    """The visible text for a terminal: links as "text (url)", styles as ANSI codes when `ansi`."""
    index = _utf16_index_map(plain)
    styles: list[set[str]] = [set() for _ in plain]
    after: dict[int, list[str]] = collections.defaultdict(list)
    for entity in entities:
        start = index.get(entity["offset"], 0)
        end = index.get(entity["offset"] + entity["length"], len(plain))
        for k in range(start, end):
            styles[k].add(entity["type"])
        url = entity.get("url")
        if entity["type"] == "text_link" and url and plain[start:end].strip() != url:
            after[end].append(f" ({url})")
    parts: list[str] = []
    current: frozenset[str] = frozenset()
    for k, ch in enumerate(plain):
        if k in after:
            parts.extend(_style_switch(current, frozenset(), ansi))
            current = frozenset()
            parts.extend(after[k])
        wanted = frozenset(styles[k])
        if wanted != current:
            parts.extend(_style_switch(current, wanted, ansi))
            current = wanted
        parts.append(ch)
    parts.extend(_style_switch(current, frozenset(), ansi))
    parts.extend(after.get(len(plain), []))
    return "".join(parts)


def _style_switch(old: frozenset[str], new: frozenset[str], ansi: bool) -> list[str]:
    if not ansi or old == new:
        return []
    codes = sorted({_ANSI[s] for s in new if s in _ANSI})
    out = ["\x1b[0m"] if old else []
    if codes:
        out.append("\x1b[" + ";".join(codes) + "m")
    return out

