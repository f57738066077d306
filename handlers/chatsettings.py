"""Chat settings: /digest, /timezone, /quiet."""

from __future__ import annotations

from telegram import Update

from bot.core import formatting as fmt
from bot.core.timezones import parse_digest, parse_quiet, resolve_timezone

from handlers.commands import command_args, too_long
from handlers.common import allowed, may_change, reply, services
from handlers.state import Context


async def digest(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        current = svc.chats.get_chat(chat_id).digest
        await reply(update, context, fmt.render_digest_setting(current) +
                    "\n\nChange it: <code>/digest daily 07:30</code>, <code>/digest weekly mon 08:00</code>, "
                    "<code>/digest off</code>, or <code>/digest now</code>.")
        return
    try:
        parsed = parse_digest(arg.split())
    except ValueError as exc:
        await reply(update, context, fmt.esc(str(exc)))
        return
    if parsed == "now":
        if await svc.digests.queue_now(chat_id):
            await context.bot_data.deliver()
        return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, digest=None if parsed == "off" else parsed)
    context.bot_data.reschedule_digest(chat_id)
    await reply(update, context, fmt.render_digest_setting(None if parsed == "off" else parsed,
                                                           svc.chats.get_chat(chat_id).tz))


async def timezone(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        await reply(update, context, f"This chat's time zone is <b>{fmt.esc(svc.chats.get_chat(chat_id).tz)}</b>. "
                    "Change it: <code>/timezone Europe/Berlin</code> or <code>/timezone New York</code>.")
        return
    if await too_long(update, context, arg):
        return
    try:
        name = resolve_timezone(arg)
    except ValueError as exc:
        await reply(update, context, fmt.esc(str(exc)))
        return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, tz=name)
    context.bot_data.reschedule_digest(chat_id)
    await reply(update, context, f"Time zone set to <b>{fmt.esc(name)}</b>. Digests and quiet hours follow it.")


async def quiet(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        current = svc.chats.get_chat(chat_id).quiet
        now_text = f"Quiet hours: <b>{current[0]}–{current[1]}</b>." if current else "No quiet hours set."
        await reply(update, context, now_text + " Set them: <code>/quiet 22:00-07:00</code>, or <code>/quiet off</code>.")
        return
    if arg.lower() == "off":
        value = None
    else:
        try:
            value = parse_quiet(arg)
        except ValueError as exc:
            await reply(update, context, fmt.esc(str(exc)))
            return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, quiet=value)
    if value:
        await reply(update, context, f"Quiet hours set: <b>{value[0]}–{value[1]}</b> "
                    f"({fmt.esc(svc.chats.get_chat(chat_id).tz)}). Alerts are held and come as one message after.")
    else:
        await reply(update, context, "Quiet hours are off.")
