"""Page extraction quality: bot.sources.pages.extract_page against a whole-body text baseline.

Data: ../shared/data/pages/trafilatura (161 English pages; expected.jsonl lists snippets that must appear
(`with`), boilerplate that must not (`without`) and reader comments that must not (`comments`)). Snippets
are compared after collapsing whitespace, so paragraph breaks do not matter.

Rows, all measured in this run on the same pages:
- extract_page: what ingest uses (trafilatura, precision favoured, no comments, no tables)
- extract_page settings + tables: the same with include_tables=True, to show what dropping tables costs
- trafilatura defaults: bare_extraction with its default options (comments and tables included)
- baseline: lxml text_content() of the whole <body>, script/style/noscript removed
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from bench.common import print_table, shared_data, skip

_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _baseline(data: bytes) -> str:
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(data)
    except Exception:
        return ""
    body = doc.find("body")
    root = body if body is not None else doc
    for el in root.xpath(".//script|.//style|.//noscript"):
        el.drop_tree()
    return root.text_content()


def _trafilatura(include_tables: bool, defaults: bool = False):
    import trafilatura

    def run(data: bytes) -> str:
        if defaults:
            doc = trafilatura.bare_extraction(data, with_metadata=True)
        else:
            doc = trafilatura.bare_extraction(data, include_comments=False, include_tables=include_tables,
                                              favor_precision=True, with_metadata=True)
        return (doc.text or "") if doc is not None else ""

    return run


def _extract_page(data: bytes) -> str:
    from bot.sources.pages import extract_page

    article = extract_page(data)
    return article.text if article is not None else ""


def _score(name: str, fn, pages: list[tuple[bytes, dict]]) -> list[object]:
    found = want = absent = unwanted = comments_absent = comments = empty = 0
    started = time.perf_counter()
    texts = [fn(data) for data, _ in pages]
    elapsed = time.perf_counter() - started
    for text, (_, expected) in zip(texts, pages):
        text = _norm(text)
        empty += not text
        for snippet in expected.get("with") or []:
            want += 1
            found += _norm(snippet) in text
        for snippet in expected.get("without") or []:
            unwanted += 1
            absent += _norm(snippet) not in text
        for snippet in expected.get("comments") or []:
            comments += 1
            comments_absent += _norm(snippet) not in text
    share = lambda a, b: a / b if b else float("nan")  # noqa: E731
    return [name, share(found, want), share(absent, unwanted), share(comments_absent, comments), empty,
            len(pages) / elapsed if elapsed else float("nan")]


def run(quick: bool = False) -> None:
    root = shared_data("pages", "trafilatura")
    if root is None or not (root / "expected.jsonl").exists():
        skip("pages", "no ../shared/data/pages/trafilatura on this machine")
        return
    pages: list[tuple[bytes, dict]] = []
    for line in (root / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        expected = json.loads(line)
        path = root / expected.get("html_file", Path("html") / expected["file"])
        if path.exists():
            pages.append((path.read_bytes(), expected))
    if quick:
        pages = pages[:30]
    if not pages:
        skip("pages", "expected.jsonl lists no pages that exist")
        return

    _trafilatura(False)(pages[0][0])  # import trafilatura and warm its caches outside the timings
    _extract_page(pages[0][0])

    rows = [
        _score("extract_page (ingest)", _extract_page, pages),
        _score("  same settings + tables", _trafilatura(True), pages),
        _score("  trafilatura defaults", _trafilatura(True, defaults=True), pages),
        _score("baseline: lxml body text", _baseline, pages),
    ]
    print_table(
        f"page extraction on {len(pages)} pages (shares of snippets; higher is better)",
        ["extractor", "with found", "without absent", "comments absent", "empty", "pages/s"],
        rows,
    )
    ours, base = rows[0], rows[-1]
    print(f"extract_page vs baseline: with found {ours[1]:.3f} vs {base[1]:.3f}; without absent {ours[2]:.3f} vs "
          f"{base[2]:.3f}; comments absent {ours[3]:.3f} vs {base[3]:.3f}; speed ratio {ours[5] / base[5]:.2f}x")
