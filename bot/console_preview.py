"""A preview of the terminal chat: ask for the latest on a person or search the store, offline.

The full terminal chat (the real Telegram Application over an in-process transport, with subscriptions,
alerts and digests) replaces this with the chat issue; until then this answers the questions the store
can already answer.
"""

from __future__ import annotations

import re
from typing import TextIO

from .library import Library
from .models import Article

_LATEST = re.compile(
    r"^\s*(?:/latest\s+|(?:what'?s|what is)\s+(?:the\s+)?latest\s+(?:on|about)\s+|latest\s+(?:on\s+|about\s+)?"
    r"|news\s+(?:about|on)\s+)(?P<name>.+?)\s*\??\s*$", re.IGNORECASE)
_SEARCH = re.compile(r"^\s*/?search\s+(?P<query>.+?)\s*$", re.IGNORECASE)

HELP = """Ask me:
  what's the latest on Flynn?     newest stories about a person
  search sanctions                stories containing words
  /quit (or Ctrl-D)               leave
(This is a preview: subscriptions, alerts and digests arrive with the full chat.)"""


def _render(articles: list[Article], limit: int = 5) -> str:
    lines = []
    for n, article in enumerate(articles[:limit], 1):
        when = (article.published or article.fetched_at or "")[:10]
        lines.append(f"{n}. {article.title} ({when})")
        if article.summary:
            lines.append("   " + " ".join(article.summary))
        if article.url:
            lines.append(f"   {article.url}")
    return "\n".join(lines)


def answer(library: Library, line: str) -> str:
    text = line.strip().replace("\u2019", "'")
    if not text:
        return ""
    if text.lower() in ("/help", "help", "/start", "?"):
        return HELP
    if m := _LATEST.match(text):
        name = m.group("name").strip(" ?!.\"'")
        found = library.latest(name, limit=5)
        return _render(found) if found else f"I have no stories about {name} yet."
    if m := _SEARCH.match(text):
        found = library.search(m.group("query"), limit=5)
        return _render(found) if found else f"Nothing stored matches {m.group('query')!r}."
    return "I did not get that. Try \"what's the latest on Flynn?\" or \"search sanctions\" (help lists more)."


def run_preview(library: Library, stdin: TextIO, stdout: TextIO) -> int:
    stdout.write(f"newsbot (terminal preview) - {len(library.articles)} stored articles. Type help.\n")
    stdout.flush()
    while True:
        if stdin.isatty():
            stdout.write("you> ")
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in ("/quit", "quit", "exit"):
            stdout.write("bye\n")
            return 0
        reply = answer(library, line)
        if reply:
            stdout.write(reply + "\n")
            stdout.flush()
