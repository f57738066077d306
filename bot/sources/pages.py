"""HTML -> plain text: whole web pages (main text via trafilatura) and feed-entry fragments (lxml).

Both functions take untrusted markup and never raise. Text comes back as plain text with paragraphs
separated by one blank line. trafilatura is imported inside extract_page because importing it costs about
a second, and the CLI must start fast.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from urllib.parse import urlsplit

from bot.sources.dates import parse_date
from bot.core.models import RawArticle

__all__ = ["extract_page", "html_to_text", "tidy_text"]

log = logging.getLogger(__name__)

# Elements that are paragraphs of their own, and elements that start a new line inside one.
_PARAGRAPH = frozenset(
    "p div h1 h2 h3 h4 h5 h6 blockquote pre section article header footer aside main nav figure figcaption "
    "ul ol dl table form fieldset address details summary hr center body".split()
)
_LINE = frozenset("br li dt dd tr caption option".split())
_CELL = frozenset("td th".split())
_DROP = frozenset("script style noscript template head title iframe object embed svg math select textarea".split())

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANKS = re.compile(r"\n{3,}")
_TAG = re.compile(r"<[^>]*>")
# A page larger than this is cut before extraction: no article needs it, and lxml/trafilatura time grows with it.
MAX_PAGE_BYTES = 20_000_000


def tidy_text(text: str) -> str:
    """Normalise line endings and spaces, drop invisible characters, keep at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


_PARA_MARK, _LINE_MARK = "\x1e", "\x1f"
_MARKS = re.compile(r"[ \t]*([\x1e\x1f][\x1e\x1f \t]*)")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


def _walk_text(root) -> str:
    """Flatten an lxml tree to text, breaking lines and paragraphs at block elements.

    Iterative (lxml.etree.iterwalk) so deeply nested markup cannot hit Python's recursion limit. Newlines in
    the source are whitespace, as in a browser, except inside <pre>; structure comes from the elements only.
    """
    from lxml import etree

    out: list[str] = []
    skipping = None  # the dropped element we are inside, if any
    in_pre = 0

    def add(text: str | None) -> None:
        if text:
            out.append(text if in_pre else _HTML_SPACE.sub(" ", text))

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else None  # comments and processing instructions: no tag
        name = tag.rsplit("}", 1)[-1].lower() if tag else None
        if skipping is not None:
            if event == "end" and el is skipping:
                skipping = None
                add(el.tail)
            continue
        if event == "start":
            if name in _DROP:
                skipping = el
                continue
            if name == "pre":
                in_pre += 1
            if name in _PARAGRAPH:
                out.append(_PARA_MARK)
            elif name in _LINE:
                out.append(_LINE_MARK)
            if name is not None:
                add(el.text)
        else:
            if name == "pre":
                in_pre -= 1
            if name in _PARAGRAPH:
                out.append(_PARA_MARK)
            elif name in _CELL:
                out.append(" ")
            add(el.tail)
    joined = "".join(out)
    # A run of marks is a paragraph break if an element in it was a paragraph or if it holds two line breaks
    # (<br><br> is how many feeds write paragraphs); otherwise it is one line break.
    return _MARKS.sub(lambda m: "\n\n" if _PARA_MARK in m.group(1) or m.group(1).count(_LINE_MARK) > 1 else "\n",
                      joined)


def html_to_text(fragment: str) -> str:
    """An HTML fragment (a feed entry's content or summary) -> plain text with paragraph breaks.

    p, div, headings and other blocks become paragraphs; br, li and table rows break lines; script and
    style are dropped; entities are decoded. A fragment without any tag is treated as plain text with
    entities, so its own blank lines survive. Empty or unreadable input -> "".
    """
    try:
        if fragment is None:
            return ""
        if isinstance(fragment, bytes):
            fragment = fragment.decode("utf-8", "replace")
        if not isinstance(fragment, str):
            fragment = str(fragment)
        if not fragment.strip():
            return ""
        if "<" not in fragment:
            return tidy_text(htmllib.unescape(fragment))
        from lxml import etree

        parser = etree.HTMLParser(recover=True, remove_comments=True, remove_pis=True, no_network=True,
                                  encoding="utf-8")
        # libxml2 refuses NUL characters and lone surrogates; neither belongs in text.
        safe = fragment.replace("\x00", "").encode("utf-8", "replace")
        root = etree.fromstring(safe, parser)
        if root is None:
            return tidy_text(htmllib.unescape(_TAG.sub(" ", fragment)))
        return tidy_text(_walk_text(root))
    except Exception:  # the contract is "never raises": fall back to stripping tags with a regex
        log.debug("html_to_text fell back to tag stripping", exc_info=True)
        try:
            return tidy_text(htmllib.unescape(_TAG.sub(" ", str(fragment))))
        except Exception:
            return ""


def _paragraphs(extracted: str) -> str:
    """trafilatura's txt output has one paragraph per line and list items as "- " lines: make paragraphs
    blank-line separated, keeping a run of list items together as one paragraph."""
    blocks: list[str] = []
    in_list = False
    for line in tidy_text(extracted).split("\n"):
        if not line:
            in_list = False
            continue
        is_item = line.startswith("- ")
        if is_item and in_list:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
        in_list = is_item
    return "\n\n".join(blocks)


def _drop_title(text: str, title: str) -> str:
    """The page's <h1> usually comes back as the first paragraph: drop it when it repeats the title."""
    first, _, rest = text.partition("\n\n")
    if title and rest and first.casefold() == title.casefold():
        return rest
    return text


def _one_line(value: object) -> str:
    return _SPACES.sub(" ", str(value)).replace("\n", " ").strip() if value else ""


MIN_WORDS = 8


def extract_page(html: bytes | str, url: str | None = None) -> RawArticle | None:
    """A web page -> its main text, title, date and site name; None when the page has no article text.

    Uses trafilatura with comments excluded, tables excluded (on news pages they are mostly layout,
    navigation and widgets) and precision favoured. Bytes are passed as bytes so trafilatura can sniff the
    charset. Never raises: empty, binary, broken or absurdly nested input gives None.
    """
    try:
        if not html:
            return None
        if isinstance(html, (bytes, bytearray, memoryview)):
            data: bytes | str = bytes(html[:MAX_PAGE_BYTES])
            if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return None  # binary content (an image, a PDF, a zip) named like a page
        elif isinstance(html, str):
            data = html[:MAX_PAGE_BYTES].replace("\x00", "")
        else:
            return None
        if not data.strip():
            return None

        import trafilatura

        doc = trafilatura.bare_extraction(
            data,
            url=url,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            favor_precision=True,
            with_metadata=True,
            # Only dates the page states (meta tags, markup): no guessing from free text.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        if doc is None:
            return None
        title = _one_line(getattr(doc, "title", None))
        text = _drop_title(_paragraphs(getattr(doc, "text", None) or ""), title)
        if len(text.split()) < MIN_WORDS:
            return None  # a menu word or a cookie notice is not an article; the shortest news brief is longer
        page_url = url or getattr(doc, "url", None) or None
        if page_url and urlsplit(page_url).scheme not in ("http", "https"):
            page_url = url
        source = _one_line(getattr(doc, "sitename", None)) or _one_line(getattr(doc, "hostname", None))
        return RawArticle(
            text=text,
            title=title,
            url=page_url,
            published=parse_date(getattr(doc, "date", None)),
            source=source,
        )
    except Exception:  # hostile markup must never take the caller down
        log.debug("extract_page failed", exc_info=True)
        return None
