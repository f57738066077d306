"""What a chat may do with its own data: /stop (forget this chat) and /export."""

from __future__ import annotations

import io
import json

from telegram import Update

from handlers.common import allowed, may_change, reply, services
from handlers.state import Context


async def stop(update: Update, context: Context) -> None:
    if not await allowed(update, context) or not await may_change(update, context):
        return
    svc = services(context)
    removed = svc.subscriptions.forget(update.effective_chat.id)
    context.bot_data.reschedule_digest(update.effective_chat.id)
    count = len(removed.get("topics", [])) if isinstance(removed, dict) else 0
    await reply(update, context, f"Done: I forgot this chat — {count} topic(s), its settings and history. "
                "Nothing more will be sent here. /start begins again.")


async def export(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    data = svc.subscriptions.export(update.effective_chat.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(payload), filename="newsbot-export.json",
                                    caption="This chat's topics and settings.")
