"""Running newsbot: `newsbot run` (the Telegram bot, by polling or a webhook; the terminal chat when no
token is set) and `newsbot chat` (the bot offline in the terminal, over the in-process Bot API). Each
handler is func(args, settings) -> int; their sub-parsers are in main.py."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import secrets
import sys

from bot.cli.logs import configure_logging
from bot.cli.runtime import EXIT_OK, EXIT_USAGE, CliError
from bot.compose import build_bot, open_services
from bot.config import Settings
from bot.telegram.console import run_console
from bot.telegram.fakeapi import BotAPICore, InProcessRequest


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
