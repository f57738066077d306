"""The `newsbot feeds ...` command group: thin calls into bot.services.feeds.FeedService.

bot/cli/main.py calls add_commands(sub) with its subparsers object; each handler is func(args, settings) -> int.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from storage.atomic import atomic_write

from bot.cli.progress import Progress
from bot.cli.runtime import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CliError
from bot.compose import open_library
from bot.core.times import iso, utcnow
from bot.services.feeds import FeedService
from bot.services.intake import Intake
from bot.sources.fetch import AddressPolicy
from bot.sources.opml import MAX_OPML_BYTES, OpmlError


def add_commands(sub) -> argparse.ArgumentParser:
    """Register `feeds` and its subcommands on an argparse subparsers object; returns the group's parser."""
    text = "feed sources: add, list, remove, poll; import and export OPML"
    feeds = sub.add_parser("feeds", help=text, description=text + ". Sources live in the data directory.")
    feeds.set_defaults(func=lambda args, settings: _group_usage(feeds))
    fsub = feeds.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND", title="subcommands")

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = fsub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("add", "add a feed (fetched once to check it; named from its title unless --name)", cmd_add)
    p.add_argument("url", metavar="URL", help="the feed's URL, or a web page that links to its feed")
    p.add_argument("--name", help="what to call the source (default: the feed's title)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag (repeatable)")
    p.add_argument("--json", action="store_true", help="print the added feed as a JSON line")
    p = add("list", "the feed sources: name, URL, last success, last error, items, next poll", cmd_list)
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p = add("remove", "remove a feed source by its URL or id", cmd_remove)
    p.add_argument("target", metavar="URL|ID")
    p = add("poll", "poll the feeds that are due now (or --all) and store their new articles", cmd_poll)
    p.add_argument("--all", action="store_true", help="poll every feed, due or not")
    p.add_argument("--json", action="store_true", help="print the poll report as one JSON line")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="draw a progress bar (default: when stderr is a terminal)")
    p = add("import", "add the feeds of an OPML file (Feedly, Miniflux, Inoreader, ...); folders become tags",
            cmd_import)
    p.add_argument("file", type=Path, metavar="FILE.opml")
    p = add("export", "write the feed sources as OPML (tags become folders) to FILE or stdout", cmd_export)
    p.add_argument("file", type=Path, nargs="?", metavar="FILE")
    add("add-defaults", "add the bundled list of public news feeds (seeds/feeds.toml)", cmd_add_defaults)
    return feeds


def _group_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _service(library, settings):
    return FeedService.from_settings(Intake(library), settings)


def _policy(settings):
    return AddressPolicy(allow_private=bool(settings.allow_private_urls))


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if dt else "never"


def _feed_json(feed) -> dict:
    return {"id": feed.id, "name": feed.name, "url": feed.url, "tags": feed.tags, "items": feed.articles,
            "entries": feed.entries, "last_success": iso(feed.last_success), "last_error": feed.last_error,
            "last_error_at": iso(feed.last_error_at), "failures": feed.failures, "failing": feed.failing,
            "next_poll": iso(feed.next_poll), "added_at": iso(feed.added_at)}


def _print_notices(notices) -> None:
    for notice in notices:
        print(f"newsbot: admin notice: {notice.text}", file=sys.stderr)


# ---- commands --------------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace, settings) -> int:
    library = open_library(settings)

    async def run():
        service = _service(library, settings)
        try:
            return await service.add_feed(args.url, args.name, tags=args.tag, now=utcnow())
        finally:
            await service.aclose()

    try:
        result = asyncio.run(run())
    finally:
        library.close()
    if result.note:
        print(f"newsbot: {result.note}", file=sys.stderr)
    if not result.ok:
        raise CliError(result.error or result.status, EXIT_FAIL)
    feed = result.feed
    if args.json:
        print(json.dumps(_feed_json(feed), ensure_ascii=False))
    else:
        print(f"added {feed.name!r} ({feed.url}), id {feed.id}: {result.entries} entries now; "
              f"`newsbot feeds poll` stores them")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, settings) -> int:
    library = open_library(settings, fallback_readonly=True)
    try:
        feeds = library.engine.feeds.all()
    finally:
        library.close()
    if args.json:
        for feed in feeds:
            print(json.dumps(_feed_json(feed), ensure_ascii=False))
        return EXIT_OK
    if not feeds:
        print("No feed sources. Add one with `newsbot feeds add URL`, or `newsbot feeds add-defaults`.")
        return EXIT_OK
    now = utcnow()
    for feed in feeds:
        tags = f"  [{', '.join(feed.tags)}]" if feed.tags else ""
        state = "  FAILING" if feed.failing else ""
        print(f"{feed.id}  {feed.name or '(not polled yet)'}{tags}{state}")
        print(f"            {feed.url}")
        due = "due now" if feed.next_poll is None or feed.next_poll <= now else _when(feed.next_poll)
        line = f"            items {feed.articles}, last success {_when(feed.last_success)}, next poll {due}"
        print(line)
        if feed.last_error:
            streak = f" ({feed.failures} in a row)" if feed.failures else ""
            print(f"            last error {_when(feed.last_error_at)}{streak}: {feed.last_error}")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, settings) -> int:
    library = open_library(settings)
    try:
        result = FeedService(Intake(library), fetcher=None).remove_feed(args.target)
    finally:
        library.close()
    if not result.ok:
        raise CliError(result.error or result.status, EXIT_FAIL)
    print(f"removed {result.feed.name or result.feed.url!r} ({result.feed.url}), id {result.feed.id}")
    return EXIT_OK


def cmd_poll(args: argparse.Namespace, settings) -> int:
    library = open_library(settings)

    async def run():
        service = _service(library, settings)
        try:
            now = utcnow()
            all_feeds = service.list_feeds()
            due = all_feeds if args.all else service.due_feeds(now)
            if not due:
                return all_feeds, None
            with Progress(len(due), "poll", enabled=args.progress) as bar:
                return all_feeds, await service.poll_feeds(due, now, progress=bar)
        finally:
            await service.aclose()

    try:
        all_feeds, report = asyncio.run(run())
    finally:
        library.close()
    if report is None:
        if not all_feeds:
            print("newsbot: no feed sources; add one with `newsbot feeds add URL`", file=sys.stderr)
        else:
            upcoming = min(f.next_poll for f in all_feeds if f.next_poll)
            print(f"newsbot: no feed is due (the next one at {_when(upcoming)} UTC); "
                  f"`newsbot feeds poll --all` polls every feed now", file=sys.stderr)
        if args.json:
            print(json.dumps({"feeds_polled": 0, "new_article_ids": [], "updated_ids": [], "errors": [],
                              "notices": []}))
        return EXIT_OK
    _print_notices(report.notices)
    if args.json:
        print(json.dumps({
            "feeds_polled": report.feeds_polled, "new_article_ids": report.new_article_ids,
            "updated_ids": report.updated_ids, "not_modified": report.not_modified,
            "errors": [{"id": e.feed_id, "url": e.url, "name": e.name, "error": e.error} for e in report.errors],
            "notices": [{"kind": n.kind, "text": n.text, "feed_url": n.feed_url} for n in report.notices],
        }, ensure_ascii=False))
    busy = f", {report.busy} skipped (being polled already)" if report.busy else ""
    print(f"newsbot: polled {report.feeds_polled} feed(s): {len(report.new_article_ids)} new article(s), "
          f"{len(report.updated_ids)} updated, {report.not_modified} not modified, "
          f"{len(report.errors)} error(s){busy}", file=sys.stderr)
    failed_all = report.feeds_polled and len(report.errors) >= report.feeds_polled
    return EXIT_FAIL if failed_all else EXIT_OK


def cmd_import(args: argparse.Namespace, settings) -> int:
    try:
        size = args.file.stat().st_size
        if size > MAX_OPML_BYTES:
            raise CliError(f"{args.file}: larger than {MAX_OPML_BYTES // 1_000_000} MB; not an OPML list of feeds")
        data = args.file.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    library = open_library(settings)
    try:
        report = FeedService(Intake(library), fetcher=None, policy=_policy(settings)).import_opml(data, now=utcnow())
    except OpmlError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    finally:
        library.close()
    for problem in report.problems:
        print(f"newsbot: skipped {problem}", file=sys.stderr)
    print(f"imported {len(report.added)} feed(s) from {args.file}"
          + (f" ({len(report.duplicates)} already there)" if report.duplicates else "")
          + ("; they are checked on the next `newsbot feeds poll`" if report.added else ""))
    return EXIT_OK if report.added or report.duplicates else EXIT_FAIL


def cmd_export(args: argparse.Namespace, settings) -> int:
    library = open_library(settings, fallback_readonly=True)
    try:
        service = FeedService(Intake(library), fetcher=None)
        data = service.export_opml(now=utcnow())
        count = len(service.list_feeds())
    finally:
        library.close()
    if args.file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        atomic_write(args.file, data)
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"exported {count} feed(s) to {args.file}", file=sys.stderr)
    return EXIT_OK


def cmd_add_defaults(args: argparse.Namespace, settings) -> int:
    library = open_library(settings)
    try:
        report = FeedService(Intake(library), fetcher=None, policy=_policy(settings)).add_defaults(now=utcnow())
    finally:
        library.close()
    for problem in report.problems:
        print(f"newsbot: skipped {problem}", file=sys.stderr)
    print(f"added {len(report.added)} default news feed(s)"
          + (f" ({len(report.duplicates)} already there)" if report.duplicates else "")
          + "; `newsbot feeds poll` fetches them (this needs the internet)")
    return EXIT_OK
