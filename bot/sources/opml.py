"""OPML import and export: bring feed sources from Feedly, Miniflux, Inoreader or an RSS bot, and take them
away again. Pure: bytes in, OpmlFeeds out (and back); no store, no network.

Folders become tags: a feed inside the folder "World" (or "News/World", nested) gets the tags "World" (and
"News"); a feed listed in several folders gets each folder as a tag. The OPML 2.0 `category` attribute
("/Tech,/News/World") is read the same way. Export writes one folder per tag (a feed with two tags appears
in both, as Feedly does) and untagged feeds at the top level, so import(export(x)) gives x back.

OPML files come from strangers, so parsing refuses what could hurt: no DTD or entity declarations at all
(billion laughs, XXE), no network access, no huge trees, and a size cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

__all__ = ["OpmlError", "OpmlFeed", "OpmlDocument", "parse_opml", "export_opml", "MAX_OPML_BYTES"]

MAX_OPML_BYTES = 10_000_000
MAX_FEEDS = 10_000
_MAX_DEPTH = 50


class OpmlError(ValueError):
    """An OPML document that is refused or unreadable; the message is one line for the user."""


@dataclass
class OpmlFeed:
    url: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    html_url: str | None = None


@dataclass
class OpmlDocument:
    title: str
    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per outline that was not a usable feed


def _attr(el, *names: str) -> str:
    for name in names:
        value = el.get(name)
        if value and value.strip():
            return " ".join(value.split())
    # OPML in the wild spells attributes in any case (xmlURL, XMLurl).
    lowered = {k.lower(): v for k, v in el.attrib.items() if isinstance(k, str)}
    for name in names:
        value = lowered.get(name.lower())
        if value and value.strip():
            return " ".join(value.split())
    return ""


def _http_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _category_tags(value: str) -> list[str]:
    tags = []
    for path in value.split(","):
        for part in path.strip().strip("/").split("/"):
            part = part.strip()
            if part:
                tags.append(part)
    return tags


_DTD_REFUSED = ("refused: the document has a DOCTYPE (entity declarations are how XML bombs and XXE attacks "
                "work, and OPML never needs one)")
_DOCTYPE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _declares_dtd(data: bytes) -> bool:
    """A DOCTYPE or ENTITY declaration before the content (checked before any XML parser sees the bytes)."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        text = head.decode("utf-16-le" if head[:1] in (b"\xff", b"<") else "utf-16-be", "ignore")
    else:
        text = head.decode("latin-1")
    return bool(_DOCTYPE.search(text))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_opml(data: bytes) -> OpmlDocument:
    """Read the feeds of an OPML document. Raises OpmlError when the document is refused (too large, a
    DTD or entities, not XML, not OPML). Outlines without a usable http(s) xmlUrl are listed in `skipped`."""
    from lxml import etree

    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is larger than {MAX_OPML_BYTES // 1_000_000} MB; an OPML list of feeds never is")
    if not data.strip():
        raise OpmlError("the file is empty")
    if _declares_dtd(data):
        raise OpmlError(_DTD_REFUSED)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not well-formed XML ({' '.join(str(exc).split())[:200]})") from None
    except (ValueError, etree.LxmlError) as exc:
        raise OpmlError(f"not readable as XML ({' '.join(str(exc).split())[:200]})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        # OPML has no DTD; one in a file we are asked to import is an entity attack or a mistake.
        raise OpmlError(_DTD_REFUSED)
    if _local(root.tag) != "opml":
        raise OpmlError(f"not an OPML document (the root element is <{_local(root.tag) or '?'}>, not <opml>)")
    head_title = ""
    body = None
    for child in root:
        name = _local(child.tag)
        if name == "head":
            for item in child:
                if _local(item.tag) == "title" and item.text:
                    head_title = " ".join(item.text.split())
        elif name == "body" and body is None:
            body = child
    doc = OpmlDocument(title=head_title)
    if body is None:
        raise OpmlError("an OPML document without a <body>: no feeds in it")
    by_url: dict[str, OpmlFeed] = {}
    # Iterative walk: (element, folder path). No recursion, so nesting depth cannot crash us.
    stack = [(child, ()) for child in reversed(list(body))]
    while stack:
        el, folders = stack.pop()
        if _local(el.tag) != "outline":
            continue
        xml_url = _attr(el, "xmlUrl", "xmlurl", "url") if _attr(el, "type").lower() != "link" else ""
        label = _attr(el, "title", "text")
        if not xml_url:
            children = [c for c in el if _local(c.tag) == "outline"]
            if children:
                if len(folders) >= _MAX_DEPTH:
                    doc.skipped.append(f"folder {label!r}: nested more than {_MAX_DEPTH} deep")
                    continue
                path = folders + ((label,) if label else ())
                stack.extend((c, path) for c in reversed(children))
            elif label and _attr(el, "type").lower() not in ("", "folder", "category"):
                doc.skipped.append(f"{label!r}: no xmlUrl")
            continue
        url = _http_url(xml_url)
        if url is None:
            doc.skipped.append(f"{label or xml_url!r}: not an http(s) feed URL ({xml_url[:100]})")
            continue
        tags = list(dict.fromkeys(list(folders) + _category_tags(_attr(el, "category"))))
        found = by_url.get(url)
        if found is not None:  # listed in several folders: one feed, every folder a tag
            found.tags = list(dict.fromkeys(found.tags + tags))
            continue
        if len(by_url) >= MAX_FEEDS:
            doc.skipped.append(f"more than {MAX_FEEDS} feeds: the rest were not read")
            break
        html_url = _http_url(_attr(el, "htmlUrl", "htmlurl"))
        by_url[url] = OpmlFeed(url=url, title=label, tags=tags, html_url=html_url)
    doc.feeds = list(by_url.values())
    return doc


def export_opml(feeds: list[OpmlFeed], title: str = "newsbot feeds", now: datetime | None = None) -> bytes:
    """An OPML 2.0 document: untagged feeds at the top, then one folder per tag (in first-seen order)."""
    from lxml import etree

    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    if now is not None:
        etree.SubElement(head, "dateCreated").text = format_datetime(now)
    body = etree.SubElement(root, "body")

    def outline(parent, feed: OpmlFeed) -> None:
        attrs = {"type": "rss", "text": feed.title or feed.url, "title": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        etree.SubElement(parent, "outline", attrs)

    folders: dict[str, list[OpmlFeed]] = {}
    for feed in feeds:
        if not feed.tags:
            outline(body, feed)
        for tag in feed.tags:
            folders.setdefault(tag, []).append(feed)
    for tag, members in folders.items():
        folder = etree.SubElement(body, "outline", text=tag, title=tag)
        for feed in members:
            outline(folder, feed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
