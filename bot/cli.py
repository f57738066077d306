"""The `newsbot` command line: thin calls into the services. `newsbot --help` lists every command."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from storage import SchemaTooNew, Store, StoreLocked

from . import __version__
from .config import ConfigError, Settings
from .library import Library
from .models import Article
from .text import fold

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def open_library(settings: Settings, readonly: bool = False, fallback_readonly: bool = False) -> Library:
    """Open the data directory. A writer seeds an empty store on its first start. With
    fallback_readonly, a store owned by a running bot is opened read-only instead of failing."""
    from .seeds import ensure_seeded

    try:
        store = Store.open(settings.data_dir, readonly=readonly, fold_title=fold)
    except StoreLocked:
        if not fallback_readonly:
            raise
        store = Store.open(settings.data_dir, readonly=True, fold_title=fold)
    library = Library(store)
    ensure_seeded(library, utcnow())
    return library


def print_articles(articles: Sequence[Article], as_json: bool, empty: str) -> None:
    if as_json:
        for article in articles:
            print(json.dumps(article.public(), ensure_ascii=False))
        return
    if not articles:
        print(empty)
        return
    for article in articles:
        when = (article.published or article.fetched_at or "")[:10] or "undated"
        source = f"  ({article.source[:40]})" if article.source else ""
        print(f"{when}  {article.title}{source}")
        print(f"            id {article.id}" + (f"  {article.url}" if article.url else ""))


# ---- commands ------------------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from .ingest.files import discover, read_file
    from .progress import Progress

    paths, problems = discover(args.paths)
    for problem in problems:
        print(f"newsbot: skipped {problem.path}: {problem.problem}", file=sys.stderr)
    library = open_library(settings)
    try:
        read_ok = 0
        stored: list[str] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        batch = []
        show = args.progress if args.progress is not None else None
        with Progress(len(paths), "ingest", enabled=show if len(paths) > 3 else False) as bar:
            for path in paths:
                result = read_file(path, max_bytes=settings.max_file_mb * 1_000_000)
                if result.problem:
                    print(f"newsbot: {'skipped' if not result.articles else 'partly read'} {path}: "
                          f"{result.problem}", file=sys.stderr)
                if result.articles:
                    read_ok += 1
                    batch.extend(result.articles)
                if len(batch) >= 500:
                    _flush(library, batch, stored, counts)
                bar.advance(note=path.name)
            _flush(library, batch, stored, counts)
        if args.json:
            for article_id in dict.fromkeys(stored):
                article = library.get(article_id)
                if article:
                    print(json.dumps(article.public(), ensure_ascii=False))
        print(f"newsbot: {len(paths)} file(s) read, {read_ok} with articles: {counts['added']} new, "
              f"{counts['updated']} updated, {counts['unchanged']} already stored", file=sys.stderr)
        if not paths and not problems:
            print("newsbot: no supported files found (.txt .md .json .jsonl .html .xml .rss .atom)",
                  file=sys.stderr)
        return EXIT_OK if read_ok else EXIT_FAIL
    finally:
        library.store.close()


def _flush(library: Library, batch: list, stored: list[str], counts: dict[str, int]) -> None:
    if not batch:
        return
    report = library.ingest(batch, utcnow())
    for reason in report.skipped:
        print(f"newsbot: skipped {reason}", file=sys.stderr)
    stored.extend(report.stored)
    counts["added"] += len(report.added)
    counts["updated"] += len(report.updated)
    counts["unchanged"] += len(report.unchanged)
    batch.clear()


def cmd_latest(args: argparse.Namespace, settings: Settings) -> int:
    name = " ".join(args.name).strip()
    if not name:
        raise CliError("latest needs a NAME, e.g. newsbot latest Flynn", EXIT_USAGE)
    library = open_library(settings, fallback_readonly=True)
    try:
        print_articles(library.latest(name, limit=args.limit), args.json, f"No stored article mentions {name}.")
    finally:
        library.store.close()
    return EXIT_OK


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(args.query).strip()
    if not query:
        raise CliError("search needs a QUERY, e.g. newsbot search sanctions Russia", EXIT_USAGE)
    library = open_library(settings, fallback_readonly=True)
    try:
        print_articles(library.search(query, limit=args.limit), args.json, f"Nothing stored matches {query!r}.")
    finally:
        library.store.close()
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print("newsbot: TELEGRAM_BOT_TOKEN is not set, so starting the terminal chat over the bundled seeds.\n"
              "         (Get a token from @BotFather in Telegram and export TELEGRAM_BOT_TOKEN to run the bot.)",
              file=sys.stderr)
        return cmd_chat(args, settings)
    raise CliError("the Telegram bot itself is not in this version yet (it arrives with the chat issue); "
                   "`newsbot chat` works offline now.", EXIT_USAGE)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from .console_preview import run_preview

    library = open_library(settings)
    try:
        return run_preview(library, sys.stdin, sys.stdout)
    finally:
        library.store.close()


# ---- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="News alerts in Telegram, and the tools around them. Data lives in NEWSBOT_DATA_DIR "
                    "(default ~/.local/share/newsbot).",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    parser.add_argument("--data-dir", type=Path, help="data directory (overrides NEWSBOT_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def add(name: str, help_text: str, func: Callable[[argparse.Namespace, Settings], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    add("run", "run the bot (Telegram with TELEGRAM_BOT_TOKEN, else the terminal chat)", cmd_run)
    add("chat", "talk to newsbot in the terminal, offline", cmd_chat)
    p = add("ingest", "store articles from files or folders (.txt .md .json .jsonl .html .xml .rss .atom)", cmd_ingest)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print each stored article as a JSON line")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="draw a progress bar (default: when stderr is a terminal and there are many files)")
    p = add("latest", "newest stored articles mentioning NAME", cmd_latest)
    p.add_argument("name", nargs="+", metavar="NAME")
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p.add_argument("--limit", type=_positive, default=10, help="how many (default 10)")
    p = add("search", "stored articles containing every word of QUERY (title hits first, then newest)", cmd_search)
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p.add_argument("--limit", type=_positive, default=10, help="how many (default 10)")
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError("expected a number from 1 to 1000")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings.from_env()
        if args.data_dir:
            settings = dataclasses.replace(settings, data_dir=args.data_dir.expanduser())
        return args.func(args, settings)
    except ConfigError as exc:
        print(f"newsbot: configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return exc.code
    except (StoreLocked, SchemaTooNew) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
