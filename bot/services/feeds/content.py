"""What a fetched document is: the Accept headers asked with, whether a feed entry is only a teaser,
whether a body is an HTML page, which feeds a page advertises, and the error for a URL that is not a feed."""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

log = logging.getLogger("newsbot.feeds")

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
              "application/json", "application/xml", "text/xml")


TEASER_CHARS = 400
TEASER_WORDS = 60
_TEASER_END = re.compile(r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|read\s+more|continue\s+reading|more\s*»|\(more\))"
                         r"[\s\W]*$", re.IGNORECASE)


def is_teaser(text: str) -> bool:
    """A feed entry that carries only the start of its article: short, or cut off with "…"/"Read more"."""
    text = (text or "").strip()
    return len(text) < TEASER_CHARS or len(text.split()) < TEASER_WORDS or bool(_TEASER_END.search(text[-60:]))


_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)",
                         re.IGNORECASE | re.DOTALL)


def looks_like_html(content: bytes, content_type: str = "") -> bool:
    if "html" in (content_type or "").lower():
        return True
    head = content[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head))


def discover_feed_links(content: bytes, base_url: str) -> list[str]:
    """Feed URLs an HTML page advertises: <link rel="alternate" type="application/rss+xml" href="...">
    (RSS, Atom, JSON Feed), made absolute, http(s) only, in page order."""
    try:
        from lxml import etree

        parser = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True,
                                  huge_tree=False)
        root = etree.fromstring(content[:2_000_000], parser)
        if root is None:
            return []
        found = []
        for link in root.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            kind = (link.get("type") or "").lower().split(";")[0].strip()
            href = (link.get("href") or "").strip()
            if "alternate" in rel and kind in FEED_TYPES[:5] and href:
                url = urljoin(base_url, href)
                if urlsplit(url).scheme in ("http", "https"):
                    found.append(url)
        return list(dict.fromkeys(found))
    except Exception:  # hostile markup: no links rather than a crash
        log.debug("feed discovery failed", exc_info=True)
        return []


def not_a_feed(url: str, content: bytes, content_type: str, problem: str | None) -> str:
    if looks_like_html(content, content_type):
        return f"not a feed: {url} is an HTML page (is this the site's home page? look for its RSS link)"
    kind = content_type.split(";")[0].strip() if content_type else "no content type"
    why = f": {problem}" if problem else ""
    return f"not a feed: {url} sent {kind} that is not RSS, Atom or JSON Feed{why}"[:400]
