"""The `newsbot` command line: thin calls into the services. `newsbot --help` lists every command."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import secrets
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from storage.tinydb import CorruptFile, SchemaTooNew, StoreLocked

from bot import __version__
from bot.config import ConfigError, Settings
from bot.cli.logs import configure_logging
from bot.compose import build_bot, open_library, open_services
from bot.services.intake import Intake
from bot.telegram.console import run_console
from bot.telegram.fakeapi import BotAPICore, InProcessRequest
from bot.services.library import Library
from bot.cli.runtime import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CliError
from bot.core.times import utcnow
from bot.core.models import Article

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
    from bot.sources.files import discover, read_file
    from bot.cli.progress import Progress

    paths, problems = discover(args.paths)
    for problem in problems:
        print(f"newsbot: skipped {problem.path}: {problem.problem}", file=sys.stderr)
    try:
        library = open_library(settings)
    except StoreLocked:
        return _drop_into_inbox(settings, paths)
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
        library.close()


def _drop_into_inbox(settings: Settings, paths: list[Path]) -> int:
    """The bot owns the data directory: hand the files to it through its inbox folder (it stores and
    matches them within a second). Each file appears there whole (copied, then renamed into place)."""
    import shutil
    import uuid

    if not paths:
        print("newsbot: nothing to hand to the running bot", file=sys.stderr)
        return EXIT_FAIL
    inbox = settings.data_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in paths:
        tmp = inbox / f".{uuid.uuid4().hex}.tmp"
        shutil.copyfile(path, tmp)
        tmp.rename(inbox / f"{uuid.uuid4().hex[:8]}-{path.name}")
    print(f"newsbot: the bot is running, so {len(paths)} file(s) went to its inbox ({inbox}); "
          "it stores and matches them within a second", file=sys.stderr)
    return EXIT_OK


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


def cmd_latest(args: argparse.Namespace, settings: Settings) -> int:
    name = " ".join(args.name).strip()
    if not name:
        raise CliError("latest needs a NAME, e.g. newsbot latest Flynn", EXIT_USAGE)
    library = open_library(settings, fallback_readonly=True)
    try:
        result = library.latest_on(name, limit=args.limit)
    finally:
        library.close()
    if result.status == "ambiguous":
        if args.json:
            print(json.dumps({"ambiguous": name, "candidates": [_person_json(c) for c in result.candidates]},
                             ensure_ascii=False))
        else:
            print(f"{name} could be several people; which one?")
            for c in result.candidates:
                print(f"  newsbot latest {c.name!r:<30} {c.articles} article(s)" + (f", {c.role}" if c.role else ""))
        return EXIT_OK
    if result.person and not args.json:
        role = f": {result.person.role}" if result.person.role else ""
        print(f"{result.person.name}{role} ({result.person.articles} article(s))")
    print_articles(result.articles, args.json, f"No stored article mentions {name}.")
    return EXIT_OK


def _person_json(p) -> dict:
    return {"name": p.name, "aliases": list(p.aliases), "role": p.role, "articles": p.articles}


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(args.query).strip()
    if not query:
        raise CliError("search needs a QUERY, e.g. newsbot search sanctions Russia", EXIT_USAGE)
    library = open_library(settings, fallback_readonly=True)
    try:
        print_articles(library.search(query, limit=args.limit), args.json, f"Nothing stored matches {query!r}.")
    finally:
        library.close()
    return EXIT_OK


def _inputs(library: Library, items: Sequence[str], settings: Settings) -> list[tuple[str, Article | None, str]]:
    """Resolve PATH or stored-article ID arguments to articles: (input, article, problem)."""
    from bot.core.enrich import EmptyArticle, build_article
    from bot.sources.files import discover, read_file

    out: list[tuple[str, Article | None, str]] = []
    for item in items:
        if item.startswith(("http://", "https://")):
            page = _fetch_page(settings, item)
            out.append((item, page.article, page.error or ""))
            continue
        stored = library.get(item) if not Path(item).exists() else None
        if stored:
            out.append((item, stored, ""))
            continue
        paths, problems = discover([item])
        out += [(str(p.path), None, p.problem or "") for p in problems]
        if not paths and not problems:
            out.append((item, None, "no stored article has this id, and no supported file is there"))
        for path in paths:
            result = read_file(path, max_bytes=settings.max_file_mb * 1_000_000)
            if result.problem and not result.articles:
                out.append((str(path), None, result.problem))
            many = len(result.articles) > 1
            for n, raw in enumerate(result.articles, 1):
                label = f"{path}#{n}" if many else str(path)
                try:
                    out.append((label, build_article(raw, utcnow()), ""))
                except EmptyArticle as exc:
                    out.append((label, None, str(exc)))
    return out


def _fetch_page(settings: Settings, url: str):
    """A page a user names, through the guarded fetcher (NEWSBOT_ALLOW_PRIVATE_URLS applies)."""
    import asyncio

    from bot.services.feeds import make_fetcher
    from bot.sources.webpage import fetch_article

    async def fetch():
        fetcher = make_fetcher(settings)
        try:
            return await fetch_article(fetcher, url, utcnow())
        finally:
            await fetcher.aclose()

    return asyncio.run(fetch())


def _report_inputs(args, settings, render) -> int:
    library = open_library(settings, fallback_readonly=True)
    ok = 0
    try:
        for label, article, problem in _inputs(library, args.inputs, settings):
            if article is None:
                print(f"newsbot: {label}: {problem}", file=sys.stderr)
                continue
            ok += 1
            render(label, article)
    finally:
        library.close()
    return EXIT_OK if ok else EXIT_FAIL


def cmd_people(args: argparse.Namespace, settings: Settings) -> int:
    def render(label: str, article: Article) -> None:
        if args.json:
            print(json.dumps({"input": label, "people": article.people}, ensure_ascii=False))
            return
        print(f"{label}: {article.title}")
        for p in article.people or [{"name": "(no people named)", "aliases": [], "mentions": 0, "role": None}]:
            aliases = f" (also {', '.join(p['aliases'])})" if p["aliases"] else ""
            role = f" - {p['role']}" if p.get("role") else ""
            print(f"  {p['name']}{aliases}{role}" + (f"  x{p['mentions']}" if p["mentions"] else ""))

    return _report_inputs(args, settings, render)


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    use_llm = bool(settings.llm_url and settings.llm_model) and not args.extractive

    def render(label: str, article: Article) -> None:
        sentences = article.summary if args.length == "alert" else article.summaries.get(args.length, [])
        source = "extractive"
        if use_llm:
            sentences, source = _llm_summary(settings, article, sentences)
        if args.json:
            print(json.dumps({"input": label, "title": article.title, "summary": sentences, "source": source},
                             ensure_ascii=False))
            return
        print(f"{article.title}\n" + "\n".join(f"  {s}" for s in sentences) + "\n")

    return _report_inputs(args, settings, render)


def _llm_summary(settings: Settings, article: Article, fallback: list[str]) -> tuple[list[str], str]:
    """The operator's OpenAI-compatible model, falling back to the extractive summary on any failure."""
    import asyncio

    import httpx

    from bot.sources.llm import summarize_with_llm

    async def ask():
        async with httpx.AsyncClient() as client:
            return await summarize_with_llm(client, settings.llm_url, settings.llm_model, article.title,
                                            article.text, fallback=fallback, api_key=settings.llm_key)

    result = asyncio.run(ask())
    if result.error:
        print(f"newsbot: LLM summary unavailable ({result.error}); using the extractive one", file=sys.stderr)
    return result.summary, result.source


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.enrich import story_of
    from bot.core.topics import TopicError, match_topic, parse_topic

    try:
        topic = parse_topic(args.topic)
    except TopicError as exc:
        raise CliError(f"bad topic: {exc}", EXIT_USAGE) from None

    def render(label: str, article: Article) -> bool:
        match = match_topic(topic, article.title, story_of(article))
        if args.json:
            print(json.dumps({"topic": str(topic), "input": label, "matched": bool(match),
                              "why": match.why() if match else None}, ensure_ascii=False))
        elif match:
            print(f"match     {article.title}\n          matched: {match.why()}  [{label}]")
        else:
            print(f"no match  {article.title}  [{label}]")
        return bool(match)

    if args.inputs:
        return _report_inputs(args, settings, render)
    # No inputs: preview what the topic would match among stored articles, newest first.
    library = open_library(settings, fallback_readonly=True)
    shown = 0
    try:
        for doc in library.articles.iter_partition_docs():
            article = Article.from_doc(doc)
            if match_topic(topic, article.title, story_of(article)):
                render(article.id, article)
                shown += 1
                if shown >= args.limit:
                    break
    finally:
        library.close()
    if not shown and not args.json:
        print(f"No stored article matches {topic}.")
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        if args.webhook:
            raise CliError("TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather in Telegram and export it; "
                           "`newsbot chat` works without one.", EXIT_USAGE)
        print("newsbot: TELEGRAM_BOT_TOKEN is not set, so starting the terminal chat over the bundled seeds.\n"
              "         (Get a token from @BotFather in Telegram and export TELEGRAM_BOT_TOKEN to run the bot.)",
              file=sys.stderr)
        return cmd_chat(args, settings)
    configure_logging(settings.token)
    services = open_services(settings)
    try:
        application = build_bot(settings, services=services)
        if args.webhook:
            secret = args.secret or secrets.token_urlsafe(32)
            application.run_webhook(listen=args.listen, port=args.port, url_path=args.url_path,
                                    webhook_url=args.webhook, secret_token=secret)
        else:
            application.run_polling()
    finally:
        services.close()
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(settings.token, level=logging.WARNING)
    offline = dataclasses.replace(settings, token=None)
    services = open_services(offline)
    try:
        core = BotAPICore()
        application = build_bot(offline, services=services, request=InProcessRequest(core),
                                get_updates_request=InProcessRequest(core))
        return asyncio.run(run_console(application, core, sys.stdin, sys.stdout))
    finally:
        services.close()


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

    p = add("run", "run the bot (Telegram with TELEGRAM_BOT_TOKEN, else the terminal chat)", cmd_run)
    p.add_argument("--webhook", metavar="URL", help="receive updates at this public HTTPS URL instead of polling")
    p.add_argument("--listen", default="127.0.0.1", help="webhook: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8443, help="webhook: port to listen on (default 8443)")
    p.add_argument("--url-path", default="telegram", help="webhook: path on this server (default telegram)")
    p.add_argument("--secret", help="webhook: the secret Telegram must send (default: a random one per start)")
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
    from bot.cli.feeds import add_commands as add_feed_commands

    add_feed_commands(sub)
    p = add("people", "the people an article names: canonical name, aliases, mentions, role", cmd_people)
    p.add_argument("inputs", nargs="+", metavar="PATH|URL|ID")
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p = add("summarize", "extractive summary of articles (files, web pages or stored ids)", cmd_summarize)
    p.add_argument("inputs", nargs="+", metavar="PATH|URL|ID")
    p.add_argument("--length", choices=("alert", "digest", "full"), default="alert",
                   help="alert: 2-3 sentences (default); digest: 1; full: up to 5")
    p.add_argument("--extractive", action="store_true",
                   help="never use the NEWSBOT_LLM_URL model even when one is configured")
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p = add("match", "does TOPIC match these articles, and why? (no PATH: preview over the store)", cmd_match)
    p.add_argument("topic", metavar="TOPIC", help='e.g. \'"Robert Mueller" -sport\' or "Syria OR Iran"')
    p.add_argument("inputs", nargs="*", metavar="PATH|ID")
    p.add_argument("--json", action="store_true", help="JSON Lines output")
    p.add_argument("--limit", type=_positive, default=10, help="previews: how many (default 10)")
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
    except CorruptFile as exc:  # only something other than newsbot can leave a store file half-written
        print(f"newsbot: a store file is damaged: {exc}. Move it aside (the rest of the data directory "
              "is intact) and start again.", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
