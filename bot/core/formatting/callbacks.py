"""Inline-button payloads: building, checking and reading callback data.

Callback data is at most 64 bytes: "action:arg:arg", e.g. "m:3:ea06032562087661" (mute topic 3, from the
alert for article ea06...). ACTIONS lists every action and the kinds of its arguments; make_callback refuses
anything parse_callback would not accept back, and parse_callback never raises on what clients send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

MAX_CALLBACK_BYTES = 64

# action -> kinds of its arguments; a trailing "?" marks an optional last argument.
ACTIONS: dict[str, tuple[str, ...]] = {
    "s": ("aid",),  # show the article's full summary
    "m": ("tid", "aid?"),  # mute the topic for 24 h (from an alert: which article)
    "n": ("tid",),  # unmute the topic
    "u": ("tid", "aid?"),  # unsubscribe the topic
    "i": ("tid",),  # the topic sends instant alerts
    "g": ("tid",),  # the topic goes to the digest
    "tp": ("page",),  # a page of /topics
    "l": ("name",),  # the latest on a person (an ambiguous name's choices, /start)
    "f": ("name",),  # follow: subscribe to a name (offered when nothing is stored yet, /start)
    "t": (),  # show /topics
    "h": (),  # show /help
}
_ARG = {
    "aid": re.compile(r"^[0-9a-f]{16}$"),
    "tid": re.compile(r"^[1-9][0-9]{0,8}$"),
    "page": re.compile(r"^(?:0|[1-9][0-9]{0,3})$"),
    "name": re.compile(r"^[^:\x00-\x1f]{1,60}$"),
}


def _check_args(action: str, args: Sequence[str]) -> tuple[Any, ...] | None:
    spec = ACTIONS.get(action)
    if spec is None:
        return None
    required = sum(1 for k in spec if not k.endswith("?"))
    if not required <= len(args) <= len(spec):
        return None
    out: list[Any] = []
    for kind, value in zip(spec, args):
        kind = kind.rstrip("?")
        if not _ARG[kind].fullmatch(value):
            return None
        out.append(value if kind in ("aid", "name") else int(value))
    return tuple(out)


def make_callback(action: str, *args: Any) -> str:
    """"action:arg:..." for an InlineKeyboardButton; ValueError when the action is unknown, an argument
    has the wrong shape, or the data would be longer than 64 bytes."""
    parts = [str(a) for a in args]
    if _check_args(action, parts) is None:
        raise ValueError(f"bad callback {action!r} {args!r}")
    data = ":".join([action, *parts])
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def parse_callback(data: Any) -> tuple[str, tuple[Any, ...]] | None:
    """(action, args) with topic ids and pages as int and article ids as str; None for anything
    malformed or unknown. Never raises."""
    try:
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            return None
        action, *args = data.split(":")
        checked = _check_args(action, args)
        return None if checked is None else (action, checked)
    except Exception:  # callback data comes from clients: nothing in it may crash a handler
        return None


def article_id_from_markup(markup: Any) -> str | None:
    """The article id in a message's buttons (an alert's Summary/Mute/Unsubscribe), from
    InlineKeyboardMarkup.to_dict(); None when there is none. Never raises."""
    try:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                parsed = parse_callback(button.get("callback_data"))
                if parsed is None:
                    continue
                for arg in parsed[1]:
                    if isinstance(arg, str):
                        return arg
    except (AttributeError, TypeError):
        return None
    return None
