"""`newsbot ingest PATH|URL...`: store articles from files, folders and web addresses.

Files and folders are read by bot.sources.files; an http(s) address is fetched through the guarded fetcher
(the SSRF policy of `feeds add`: private addresses only with NEWSBOT_ALLOW_PRIVATE_URLS=1). A feed address
stores its entries, a page address its article. Everything read goes through the one write path (Intake) in
batches. When the bot holds the store, files are handed to its inbox, and what the addresses held goes there
too, as one JSON Lines file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from storage.contract import StoreBusy

from bot.cli.progress import Progress
from bot.cli.runtime import EXIT_FAIL, EXIT_OK, CliError
from bot.compose import open_library
from bot.config import Settings
from bot.core.models import RawArticle
from bot.core.times import utcnow
from bot.services.feeds import make_fetcher
from bot.services.intake import Intake
from bot.services.library import Library
from bot.sources.files import SUPPORTED, discover, read_file
from bot.sources.webpage import RemoteResult, fetch_articles

BATCH = 500  # articles per write: bounded memory, and one store write per batch
FETCHES_AT_ONCE = 8


def is_address(item: str) -> bool:
    return item[:8].lower().startswith(("http://", "https://"))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    urls = list(dict.fromkeys(item for item in args.paths if is_address(item)))
    for item in args.paths:
        if "://" in item[:12] and not is_address(item):
            raise CliError(f"{item}: only http:// and https:// addresses can be fetched")
    paths, problems = discover([item for item in args.paths if not is_address(item)])
    for problem in problems:
        print(f"newsbot: skipped {problem.path}: {problem.problem}", file=sys.stderr)
    remote = _fetch_all(settings, urls, args.progress) if urls else []
    read_ok = 0
    fetched: list[RawArticle] = []
    for result in remote:
        if result.problem:
            print(f"newsbot: {'partly read' if result.articles else 'skipped'} {result.url}: {result.problem}",
                  file=sys.stderr)
        if result.articles:
            read_ok += 1
            fetched.extend(result.articles)
    try:
        library = open_library(settings)
    except StoreBusy:
        return _drop_into_inbox(settings, paths, fetched)
    try:
        stored: list[str] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        for start in range(0, len(fetched), BATCH):
            _flush(library, fetched[start:start + BATCH], stored, counts)
        batch: list[RawArticle] = []
        show = args.progress if len(paths) > 3 else False
        with Progress(len(paths), "ingest", enabled=show) as bar:
            for path in paths:
                result = read_file(path, max_bytes=settings.max_file_mb * 1_000_000)
                if result.problem:
                    print(f"newsbot: {'skipped' if not result.articles else 'partly read'} {path}: "
                          f"{result.problem}", file=sys.stderr)
                if result.articles:
                    read_ok += 1
                    batch.extend(result.articles)
                if len(batch) >= BATCH:
                    _flush(library, batch, stored, counts)
                bar.advance(note=path.name)
            _flush(library, batch, stored, counts)
        if args.json:
            for article_id in dict.fromkeys(stored):
                article = library.get(article_id)
                if article:
                    print(json.dumps(article.public(), ensure_ascii=False))
        print(f"newsbot: {_read_line(len(paths), len(urls))}, {read_ok:,} with articles: {counts['added']:,} new, "
              f"{counts['updated']:,} updated, {counts['unchanged']:,} already stored", file=sys.stderr)
        if not paths and not urls and not problems:
            print(f"newsbot: no supported files found ({' '.join(sorted(SUPPORTED))})", file=sys.stderr)
        return EXIT_OK if read_ok else EXIT_FAIL
    finally:
        library.close()


def _read_line(files: int, addresses: int) -> str:
    parts = []
    if files or not addresses:
        parts.append(plural(files, "file"))
    if addresses:
        parts.append(plural(addresses, "address", "addresses"))
    return " and ".join(parts) + " read"


def _fetch_all(settings: Settings, urls: Sequence[str], progress: bool | None) -> list[RemoteResult]:
    """Fetch the addresses a few at a time; results come back in the order given."""
    async def fetch_all() -> list[RemoteResult]:
        fetcher = make_fetcher(settings)
        gate = asyncio.Semaphore(FETCHES_AT_ONCE)

        async def one(url: str) -> RemoteResult:
            async with gate:
                result = await fetch_articles(fetcher, url)
            bar.advance(note=url.split("//", 1)[-1])
            return result

        try:
            with Progress(len(urls), "fetch", enabled=progress if len(urls) > 1 else False) as bar:
                return list(await asyncio.gather(*(one(url) for url in urls)))
        finally:
            await fetcher.aclose()

    return asyncio.run(fetch_all())


def _drop_into_inbox(settings: Settings, paths: list[Path], fetched: list[RawArticle]) -> int:
    """The bot owns the data directory: hand the files to it through its inbox folder (it stores and
    matches them within a second). Each file appears there whole (copied, then renamed into place);
    what the addresses held arrives as one JSON Lines file."""
    if not paths and not fetched:
        print("newsbot: nothing to hand to the running bot", file=sys.stderr)
        return EXIT_FAIL
    inbox = settings.data_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in paths:
        tmp = inbox / f".{uuid.uuid4().hex}.tmp"
        shutil.copyfile(path, tmp)
        tmp.rename(inbox / f"{uuid.uuid4().hex[:8]}-{path.name}")
    if fetched:
        tmp = inbox / f".{uuid.uuid4().hex}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for raw in fetched:
                fh.write(json.dumps(_raw_json(raw), ensure_ascii=False) + "\n")
        tmp.rename(inbox / f"{uuid.uuid4().hex[:8]}-fetched.jsonl")
    handed = [plural(len(paths), "file")] if paths else []
    if fetched:
        handed.append(plural(len(fetched), "fetched article"))
    print(f"newsbot: the bot is running, so {' and '.join(handed)} went to its inbox ({inbox}); "
          "it stores and matches them within a second", file=sys.stderr)
    return EXIT_OK


def _raw_json(raw: RawArticle) -> dict:
    out = {"title": raw.title, "text": raw.text, "url": raw.url, "source": raw.source, "guid": raw.guid,
           "published": raw.published.isoformat() if raw.published else None}
    return {key: value for key, value in out.items() if value}


def _flush(library: Library, batch: list, stored: list[str], counts: dict[str, int]) -> None:
    if not batch:
        return
    report = Intake(library).add(batch, utcnow())
    for reason in report.skipped:
        print(f"newsbot: skipped {reason}", file=sys.stderr)
    stored.extend(report.stored)
    counts["added"] += len(report.added)
    counts["updated"] += len(report.updated)
    counts["unchanged"] += len(report.unchanged)
    batch.clear()
