"""The `newsbot` command line: the parser and main(). The commands are thin calls into the services, in
the modules beside this one: run.py (run, chat), ingest.py, articles.py (latest, search, people, summarize,
match) and feeds.py (the `feeds` group). `newsbot --help` lists every command."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from storage.contract import CorruptData, SchemaTooNew, StoreBusy

from bot import __version__
from bot.cli.ingest import cmd_ingest
from bot.cli.articles import cmd_latest, cmd_match, cmd_people, cmd_search, cmd_summarize
from bot.cli.feeds import add_commands as add_feed_commands
from bot.cli.run import cmd_chat, cmd_run
from bot.cli.runtime import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CliError
from bot.config import ConfigError, Settings


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
    p = add("ingest", "store articles from files, folders (.txt .md .json .jsonl .html .xml .rss .atom) and "
            "http(s) addresses (a feed stores its entries, a page its article)", cmd_ingest)
    p.add_argument("paths", nargs="+", metavar="PATH|URL")
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
    except (StoreBusy, SchemaTooNew) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except CorruptData as exc:  # only something other than newsbot can leave a store file half-written
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
