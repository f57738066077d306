"""Free text in private chats: "what's the latest on X?", "who is X?", "subscribe me to X",
"unsubscribe from X". Anything else gets a short hint, never silence."""

from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ChatType

from bot.core.formatting import esc
from handlers.commands import MAX_ARG
from handlers.questions import answer_latest, who
from handlers.topics import do_subscribe
from handlers.state import Context
from handlers.common import allowed, reply, services

_Q = r"[\s?!.]*$"
INTENTS = [
    ("latest", re.compile(r"^(?:(?:what'?s|what is|whats)\s+)?(?:the\s+)?latest\s+(?:news\s+)?(?:on|about|from|for)\s+(?P<x>.+?)" + _Q, re.I)),
    ("latest", re.compile(r"^(?:any\s+)?news\s+(?:on|about|from)\s+(?P<x>.+?)" + _Q, re.I)),
    ("latest", re.compile(r"^(?:tell me about|what'?s new with|what is new with)\s+(?P<x>.+?)" + _Q, re.I)),
    ("who", re.compile(r"^who\s*(?:'s|is|was)\s+(?P<x>.+?)" + _Q, re.I)),
    ("subscribe", re.compile(r"^(?:please\s+)?(?:subscribe|sign)\s+(?:me\s+)?(?:up\s+)?(?:to|for)?\s*(?P<x>.+?)[\s.!]*$", re.I)),
    ("subscribe", re.compile(r"^(?:follow|alert me (?:about|on|to))\s+(?P<x>.+?)[\s.!]*$", re.I)),
    ("unsubscribe", re.compile(r"^(?:please\s+)?(?:unsubscribe|unfollow|stop following)\s+(?:me\s+)?(?:from\s+)?(?P<x>.+?)[\s.!]*$", re.I)),
]
HINT = ("I did not catch that. Try <i>what's the latest on Flynn?</i>, <i>who is Kislyak?</i>, "
        "<i>subscribe me to \"Robert Mueller\"</i>, or /help for everything I do.")


def intent(text: str) -> tuple[str, str] | None:
    text = text.strip().replace("\u2019", "'")
    for name, pattern in INTENTS:
        m = pattern.match(text)
        if m and m.group("x").strip(" \"'"):
            subject = m.group("x").strip()
            if name in ("latest", "who"):
                subject = subject.strip(" \"'")
            return name, subject
    return None


async def free_text(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or not update.effective_message:
        return
    if not await allowed(update, context):
        return
    text = update.effective_message.text or ""
    if len(text) > MAX_ARG:
        await reply(update, context, f"That is {len(text):,} characters; I read at most {MAX_ARG:,}.")
        return
    found = intent(text)
    if found is None:
        await reply(update, context, HINT)
        return
    name, subject = found
    if name == "latest":
        await answer_latest(update, context, subject)
    elif name == "who":
        await who(update, context, subject)
    elif name == "subscribe":
        await do_subscribe(update, context, subject)
    else:
        result = services(context).subscriptions.unsubscribe(chat.id, subject)
        await reply(update, context, esc(result.message))
