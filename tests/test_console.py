"""`newsbot chat`: a tiny real Application driven through the terminal console, from a StringIO and a pipe."""

from __future__ import annotations

import asyncio
import io
import os
import threading

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.telegram.console import run_console
from bot.telegram.fakeapi import BotAPICore, InProcessRequest

BUTTONS = InlineKeyboardMarkup([
    [InlineKeyboardButton("Summary", callback_data="sum"), InlineKeyboardButton("Mute 24 h", callback_data="mute")],
    [InlineKeyboardButton("Source", url="https://example.org/a")],
])


def tiny_app(core: BotAPICore, hooks: list[str] | None = None):
    hooks = hooks if hooks is not None else []

    async def post_init(app):
        hooks.append("post_init")

    async def post_shutdown(app):
        hooks.append("post_shutdown")

    app = (ApplicationBuilder().token("123:ABC").request(InProcessRequest(core))
           .get_updates_request(InProcessRequest(core)).post_init(post_init).post_shutdown(post_shutdown).build())

    async def echo(update, context):
        await asyncio.sleep(0.2)  # a slow handler: the console must still print the reply before moving on
        await update.message.reply_html(f"You said <b>{update.message.text}</b> &amp; "
                                        f'<a href="https://example.org/a">more</a>', reply_markup=BUTTONS)

    async def press(update, context):
        await update.callback_query.answer(f"pressed {update.callback_query.data}")
        await update.callback_query.edit_message_text(f"Done: {update.callback_query.data}")

    async def export(update, context):
        await update.message.reply_document(b"id,title\n1,x\n", filename="export.csv", caption="Your export")

    async def alert_later(update, context):
        async def alert(ctx):
            await ctx.bot.send_message(update.effective_chat.id, "<b>ALERT</b> from a job", parse_mode="HTML")
        context.job_queue.run_once(alert, 0.1)
        await update.message.reply_text("alert scheduled")

    app.add_handler(CommandHandler("export", export))
    app.add_handler(CommandHandler("alert", alert_later))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(press))
    return app


async def test_console_from_a_stringio(tmp_path):
    core, hooks, out = BotAPICore(), [], io.StringIO()
    app = tiny_app(core, hooks)
    stdin = io.StringIO("hello there\n1\n7\n/export\n")
    rc = await run_console(app, core, stdin, out, download_dir=tmp_path)
    text = out.getvalue()
    lines = text.splitlines()
    assert rc == 0
    assert lines[0].startswith("newsbot chat")
    assert "bot> You said hello there & more (https://example.org/a)" in lines
    assert "     [1] Summary  [2] Mute 24 h" in lines and "     [3] Source (https://example.org/a)" in lines
    # "1" pressed Summary on the message above, the answer came as a notice, then the edit removed the buttons
    assert "(notice: pressed sum)" in lines and "bot (edited)> Done: sum" in lines
    assert text.index("(notice: pressed sum)") > text.index("[1] Summary")
    # with no buttons left, "7" is an ordinary message
    assert "bot> You said 7 & more (https://example.org/a)" in lines
    assert (tmp_path / "export.csv").read_bytes() == b"id,title\n1,x\n"
    assert f"bot> [document saved: {tmp_path / 'export.csv'}]" in lines and "     Your export" in lines
    assert lines[-1] == "bye"
    assert hooks == ["post_init", "post_shutdown"]
    assert not app.running and not app.updater.running
    assert [c.params["text"] for c in core.calls_of("sendMessage")][0].startswith("You said <b>hello there</b>")


async def test_console_over_a_pipe_prints_job_alerts_and_quits(tmp_path):
    core, out = BotAPICore(), io.StringIO()
    app = tiny_app(core)
    read_fd, write_fd = os.pipe()
    reader, writer = os.fdopen(read_fd, "r"), os.fdopen(write_fd, "w")

    def type_lines():
        writer.write("/alert\n")
        writer.flush()
        threading.Event().wait(0.6)  # the alert arrives while the user is not typing
        writer.write("/quit\n")
        writer.flush()
    typist = threading.Thread(target=type_lines)
    typist.start()
    try:
        rc = await asyncio.wait_for(run_console(app, core, reader, out, user_id=5, chat_id=5,
                                                download_dir=tmp_path), 10)
    finally:
        typist.join()
        writer.close()
    lines = out.getvalue().splitlines()
    assert rc == 0
    assert lines[1:] == ["bot> alert scheduled", "bot> ALERT from a job", "bye"]
    assert not app.running


async def test_eof_waits_for_the_reply_to_the_last_line(tmp_path):
    core, out = BotAPICore(), io.StringIO()
    rc = await run_console(tiny_app(core), core, io.StringIO("last words"), out, download_dir=tmp_path)
    assert rc == 0 and "bot> You said last words & more (https://example.org/a)" in out.getvalue()
