"""An in-process Telegram Bot API that validates requests the way Telegram does.

`BotAPICore` keeps chats, users, messages and pending updates in memory and answers Bot API methods with
JSON shaped like Telegram's, so python-telegram-bot's `de_json` accepts every result. It refuses what Telegram
refuses (bad HTML, over-long text, oversized callback data, invalid commands, unknown chats...) with Telegram's
error codes and wording. It is a calm Telegram: the faults delivery code must survive (429 flood waits, 5xx,
blocked users, migrated groups, a rate model, latency) are added by the tests' subclass, tests/faultyapi.py.

`InProcessRequest` is a `telegram.request.BaseRequest` that hands PTB's requests to a core instead of the
network: `ApplicationBuilder().token(...).request(InProcessRequest(core)).get_updates_request(...)` gives the
real Application with no network. The terminal chat (`bot.telegram.console`, `newsbot chat`) drives the core
as the user (`push_text`, `push_callback`) and shows what the bot sent (`subscribe`).

No network, no telegram import outside `InProcessRequest`; the core is thread-safe so an HTTP wrapper can run
it on its own loop while a test thread pushes updates.

Import from `bot.telegram.fakeapi`; the modules are:

- `records`: Telegram's limits, ApiError / bad_request, and the records Upload, CallRecord, BotMessage, CoreEvent.
- `html`: Telegram's HTML dialect: utf16_len, parse_html (EntityParseError), render_terminal.
- `core`: BotAPICore: state, observation, user simulation and call dispatch.
- `methods`: the Bot API method handlers (`_m_<method>`), mixed into BotAPICore.
- `validation`: normalize_params and the checks the handlers share (chats, text, keyboards).
- `wakeups`: waking long polls and waiters across event loops and threads.
- `request`: InProcessRequest, the PTB transport (the only module that imports telegram).
"""

from __future__ import annotations

from bot.telegram.fakeapi.core import BotAPICore
from bot.telegram.fakeapi.html import EntityParseError, parse_html, render_terminal, utf16_len
from bot.telegram.fakeapi.records import (
    BOT_USERNAME, MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_UTF16, MAX_COMMANDS, MAX_TEXT_UTF16, ApiError,
    BotMessage, CallRecord, CoreEvent, Upload, bad_request,
)
from bot.telegram.fakeapi.request import InProcessRequest
from bot.telegram.fakeapi.validation import normalize_params

__all__ = ["BOT_USERNAME", "MAX_TEXT_UTF16", "MAX_CAPTION_UTF16", "MAX_CALLBACK_DATA_BYTES", "MAX_COMMANDS",
           "ApiError", "bad_request", "Upload", "CallRecord", "BotMessage", "CoreEvent", "utf16_len",
           "EntityParseError", "parse_html", "render_terminal", "normalize_params", "BotAPICore",
           "InProcessRequest"]
