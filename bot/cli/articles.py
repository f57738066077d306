"""The article commands of `newsbot` that read the store (latest, search; ingest is in ingest.py), or look
at articles (people, summarize, match) given as files, web pages or stored ids. Each handler is
func(args, settings) -> int; their sub-parsers are in main.py."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from bot.cli.runtime import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CliError
from bot.compose import open_library
from bot.config import Settings
from bot.core.enrich import EmptyArticle, build_article, story_of
from bot.core.models import Article
from bot.core.times import utcnow
from bot.core.topics import TopicError, match_topic, parse_topic
from bot.services.feeds import make_fetcher
from bot.services.library import Library
from bot.sources.files import discover, read_file
from bot.sources.llm import summarize_with_llm
from bot.sources.webpage import fetch_article


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
    async def ask():
        async with httpx.AsyncClient() as client:
            return await summarize_with_llm(client, settings.llm_url, settings.llm_model, article.title,
                                            article.text, fallback=fallback, api_key=settings.llm_key)

    result = asyncio.run(ask())
    if result.error:
        print(f"newsbot: LLM summary unavailable ({result.error}); using the extractive one", file=sys.stderr)
    return result.summary, result.source


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
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
