"""The in-process Bot API: Telegram's validation, the real PTB Application over it, faults, and the HTTP front.

Validation runs on the product's BotAPICore as `newsbot chat` uses it; faults, the flood model, latency and
the waits for the bot's messages on the tests' subclass FaultyBotAPI (tests/faultyapi.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from bot.telegram.fakeapi import BotAPICore, InProcessRequest, parse_html, render_terminal, utf16_len
from tests.fakebotapi_http import fake_bot_api
from tests.faultyapi import FaultyBotAPI

USER = 42


@pytest.fixture
def core() -> BotAPICore:
    core = BotAPICore()
    core.private_chat(USER, "Ann")
    return core


@pytest.fixture
def faulty() -> FaultyBotAPI:
    core = FaultyBotAPI()
    core.private_chat(USER, "Ann")
    return core


async def send(core: BotAPICore, text: str, **params) -> tuple[int, dict]:
    return await core.call("sendMessage", {"chat_id": USER, "text": text, **params})


def keyboard(*buttons: dict) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


# ----- HTML parse mode --------------------------------------------------------------------------------------


def test_good_html_becomes_plain_text_and_entities():
    plain, entities = parse_html(
        '<b>Bold</b> <i>it</i> <a href="https://ex.org/?a=1&amp;b=2">link</a> &lt;x&gt; &#128512; '
        '<span class="tg-spoiler">s</span><pre><code class="language-python">x=1</code></pre>'
        "<blockquote expandable>q</blockquote>")
    assert plain == 'Bold it link <x> \U0001F600 sx=1q'
    by_type = {e["type"]: e for e in entities}
    assert by_type["bold"] == {"type": "bold", "offset": 0, "length": 4}
    assert by_type["text_link"]["url"] == "https://ex.org/?a=1&b=2"
    assert by_type["pre"]["language"] == "python"
    assert "code" not in by_type
    assert by_type["expandable_blockquote"]["length"] == 1
    # the emoji is two UTF-16 units, so the spoiler after it starts at 20, not 19
    assert by_type["spoiler"]["offset"] == utf16_len("Bold it link <x> \U0001F600 ")


@pytest.mark.parametrize("text, description", [
    ("a < b", 'Bad Request: can\'t parse entities: Character "<" at byte offset 2 does not start a tag; '
              'write "&lt;"'),
    ("fish & chips", 'Bad Request: can\'t parse entities: Character "&" at byte offset 5 is not part of an '
                     'entity; write "&amp;"'),
    ("<blink>x</blink>", 'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0'),
    ("<b>x</i>", 'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", '
                 'found "</i>"'),
    ("<b>x", 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"),
    ("<b x", "Bad Request: can't parse entities: Unclosed start tag at byte offset 0"),
    ("&bogus; x", 'Bad Request: can\'t parse entities: Unsupported HTML entity "&bogus;" at byte offset 0'),
    ('<span class="x">y</span>', 'Bad Request: can\'t parse entities: Tag "span" must have class '
                                 '"tg-spoiler" at byte offset 0'),
    ("<b> </b>", "Bad Request: message text is empty"),
    ("", "Bad Request: message text is empty"),
])
async def test_bad_html_is_refused_with_telegrams_wording(core, text, description):
    status, body = await send(core, text, parse_mode="HTML")
    assert (status, body["ok"], body["description"]) == (400, False, description)
    assert core.sent(USER) == []


async def test_unknown_parse_mode_and_plain_text_passthrough(core):
    status, body = await send(core, "x", parse_mode="Shouting")
    assert (status, body["description"]) == (400, "Bad Request: unsupported parse_mode")
    status, body = await send(core, "a < b & c")  # no parse mode: nothing to parse
    assert status == 200 and body["result"]["text"] == "a < b & c"


async def test_length_is_counted_in_utf16_units_after_parsing(core):
    assert (await send(core, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML"))[0] == 200
    assert (await send(core, "&amp;" * 4096, parse_mode="HTML"))[0] == 200
    status, body = await send(core, "a" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert (await send(core, "\U0001F600" * 2048))[0] == 200  # 4096 UTF-16 units
    status, body = await send(core, "\U0001F600" * 2048 + "a")
    assert body["description"] == "Bad Request: message is too long"


async def test_callback_data_is_limited_to_64_bytes(core):
    ok = keyboard({"text": "ok", "callback_data": "x" * 64}, {"text": "e", "callback_data": "\u00e9" * 32})
    assert (await send(core, "hi", reply_markup=ok))[0] == 200
    for data in ("x" * 65, "\u00e9" * 33, ""):
        status, body = await send(core, "hi", reply_markup=keyboard({"text": "b", "callback_data": data}))
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_url_buttons_and_text_only_buttons(core):
    assert (await send(core, "hi", reply_markup=keyboard({"text": "a", "url": "https://ex.org/x"})))[0] == 200
    assert (await send(core, "hi", reply_markup=keyboard({"text": "a", "url": "tg://resolve?domain=x"})))[0] == 200
    status, body = await send(core, "hi", reply_markup=keyboard({"text": "a", "url": "javascript:alert(1)"}))
    assert body["description"] == "Bad Request: BUTTON_URL_INVALID"
    status, body = await send(core, "hi", reply_markup=keyboard({"text": "a"}))
    assert "Text buttons are unallowed in the inline keyboard" in body["description"]


async def test_commands_are_validated_like_telegram(core):
    good = [{"command": "start", "description": "Start"}, {"command": "a_1" * 10 + "ab", "description": "x"}]
    assert (await core.call("setMyCommands", {"commands": json.dumps(good)}))[0] == 200
    _, body = await core.call("getMyCommands", {})
    assert [c["command"] for c in body["result"]] == ["start", "a_1" * 10 + "ab"]
    cases = [
        ([{"command": "Start", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "a" * 33, "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "sub-scribe", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "ok", "description": ""}], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": "ok", "description": "d" * 257}], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": f"c{i}", "description": "x"} for i in range(101)], "Bad Request: BOT_COMMANDS_TOO_MUCH"),
    ]
    for commands, description in cases:
        status, body = await core.call("setMyCommands", {"commands": json.dumps(commands)})
        assert (status, body["description"]) == (400, description), commands[0]
    assert (await core.call("setMyCommands", {"commands": json.dumps([{"command": "x" * 32,
                                                                        "description": "d" * 256}])}))[0] == 200
    await core.call("deleteMyCommands", {})
    assert (await core.call("getMyCommands", {}))[1]["result"] == []


async def test_chats_edits_and_callbacks_answer_like_telegram(core):
    status, body = await core.call("sendMessage", {"chat_id": 999, "text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    _, body = await send(core, "<b>v1</b>", parse_mode="HTML")
    message_id = body["result"]["message_id"]
    edit = {"chat_id": USER, "message_id": message_id, "text": "<b>v1</b>", "parse_mode": "HTML"}
    status, body = await core.call("editMessageText", edit)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    status, body = await core.call("editMessageText", {**edit, "text": "<i>v1</i>"})  # same text, new entity
    assert status == 200 and body["result"]["edit_date"]
    assert core.sent(USER)[0].entities[0]["type"] == "italic"
    status, body = await core.call("editMessageText", {**edit, "message_id": 777})
    assert body["description"] == "Bad Request: message to edit not found"
    status, body = await core.call("answerCallbackQuery", {"callback_query_id": "nope"})
    assert body["description"] == ("Bad Request: query is too old and response timeout expired or query ID "
                                   "is invalid")
    query_id = core.push_callback(USER, USER, message_id, "d")
    assert (await core.call("answerCallbackQuery", {"callback_query_id": query_id, "text": "ok"}))[0] == 200
    assert core.callback_answer(query_id)["text"] == "ok"
    status, _ = await core.call("answerCallbackQuery", {"callback_query_id": query_id})
    assert status == 400  # a query is answered once
    assert (await core.call("deleteMessage", {"chat_id": USER, "message_id": message_id}))[0] == 200
    assert core.sent(USER) == []
    assert (await core.call("deleteMessage", {"chat_id": USER, "message_id": message_id}))[1]["description"] \
        == "Bad Request: message to delete not found"
    status, body = await core.call("nonsenseMethod", {})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_groups_members_and_admins(core):
    core.group(-100, "News room", admins=[7, 8], members=[9])
    _, body = await core.call("getChatAdministrators", {"chat_id": "-100"})
    assert [m["status"] for m in body["result"]] == ["creator", "administrator"]
    _, body = await core.call("getChatMember", {"chat_id": -100, "user_id": 9})
    assert body["result"]["status"] == "member"
    _, body = await core.call("getChat", {"chat_id": -100})
    assert body["result"]["title"] == "News room"
    _, body = await core.call("getChatAdministrators", {"chat_id": USER})
    assert body["description"] == "Bad Request: there are no administrators in the private chat"


async def test_get_updates_long_polls_and_confirms_by_offset(core):
    started = time.monotonic()
    _, body = await core.call("getUpdates", {"timeout": 0.3})
    assert body["result"] == [] and time.monotonic() - started >= 0.25

    async def later():
        await asyncio.sleep(0.1)
        core.push_text(USER, USER, "/start@newsbot_bot now")
    task = asyncio.create_task(later())
    _, body = await core.call("getUpdates", {"timeout": 5})
    await task
    [update] = body["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 18}]
    # unconfirmed updates come again; an offset past them confirms
    assert (await core.call("getUpdates", {}))[1]["result"][0]["update_id"] == update["update_id"]
    assert (await core.call("getUpdates", {"offset": update["update_id"] + 1}))[1]["result"] == []
    assert core.pending_updates == 0
    await core.call("setWebhook", {"url": "https://example.org/hook"})
    status, body = await core.call("getUpdates", {})
    assert status == 409 and "webhook is active" in body["description"]


async def test_rate_model_answers_429_per_chat():
    core = FaultyBotAPI(max_per_chat_per_second=2)
    core.private_chat(1)
    core.private_chat(2)
    assert [(await core.call("sendMessage", {"chat_id": 1, "text": "x"}))[0] for _ in range(3)] == [200, 200, 429]
    assert (await core.call("sendMessage", {"chat_id": 2, "text": "x"}))[0] == 200  # another chat is free
    _, body = await core.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert body["parameters"]["retry_after"] >= 1


async def test_a_blocked_user_who_writes_to_the_bot_unblocks_it(faulty):
    faulty.block_chat(USER)
    status, body = await send(faulty, "x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    faulty.push_text(USER, USER, "hello again")
    assert (await send(faulty, "welcome back"))[0] == 200
    faulty.group(-7, "Room", admins=[USER])
    faulty.block_chat(-7)
    faulty.push_text(-7, USER, "hi")  # writing in a group does not undo a kick
    assert (await faulty.call("sendMessage", {"chat_id": -7, "text": "x"}))[1]["description"] \
        == "Forbidden: bot was kicked from the group chat"


def test_render_terminal_shows_links_and_styles():
    plain, entities = parse_html('<b>Hi</b> <a href="https://e.org">site</a> &amp; more')
    assert render_terminal(plain, entities) == "Hi site (https://e.org) & more"
    assert render_terminal(plain, entities, ansi=True).startswith("\x1b[1mHi\x1b[0m")


# ----- the real PTB Application over InProcessRequest --------------------------------------------------------


def build_app(core: BotAPICore):
    return (ApplicationBuilder().token("123:ABC").request(InProcessRequest(core))
            .get_updates_request(InProcessRequest(core)).build())


async def test_real_application_handles_commands_and_callbacks(faulty):
    core = faulty
    app = build_app(core)
    presses = []

    async def start(update, context):
        await update.message.reply_html(
            f"Hello <b>{update.effective_user.first_name}</b>",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Summary", callback_data="sum:1")]]))

    async def press(update, context):
        presses.append(update.callback_query.data)
        await update.callback_query.answer("Summarizing")
        await update.callback_query.edit_message_text("Summary: <i>none</i>", parse_mode="HTML")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        try:
            core.push_text(USER, USER, "/start")
            reply = await core.wait_for_message(USER, timeout=5)
            assert (reply.plain, reply.parse_mode) == ("Hello Ann", "HTML")
            assert reply.buttons == [{"text": "Summary", "callback_data": "sum:1"}]
            core.push_text(USER, USER, "/start@newsbot_bot")
            assert (await core.wait_for_message(USER, timeout=5)).plain == "Hello Ann"

            query_id = core.push_callback(USER, USER, reply.message_id, "sum:1")
            for _ in range(100):
                if core.callback_answer(query_id) and core.sent(USER)[0].edits:
                    break
                await asyncio.sleep(0.02)
            assert core.callback_answer(query_id)["text"] == "Summarizing"
            assert presses == ["sum:1"]
            assert core.sent(USER)[0].plain == "Summary: none" and core.sent(USER)[0].buttons == []
        finally:
            await app.updater.stop()
            await app.stop()
    assert [c.method for c in core.calls][:2] == ["getMe", "deleteWebhook"]


@pytest.mark.filterwarnings("ignore:.*retry_after.*timedelta")  # PTB's own notice when it formats RetryAfter
async def test_ptb_sees_telegram_errors_as_its_exceptions(faulty):
    core = faulty
    app = build_app(core)
    async with app:
        bot = app.bot
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")
        core.inject_retry_after(17)
        with pytest.raises(RetryAfter, match="Retry in 17 seconds"):
            await bot.send_message(USER, "x")
        assert (await bot.send_message(USER, "after the wait")).text == "after the wait"
        core.block_chat(USER)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(USER, "x")
        core.group(-5, "Old group", admins=[USER])
        core.migrate_group(-5, -1005)
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-5, "x")
        assert migrated.value.new_chat_id == -1005
        assert (await bot.send_message(-1005, "moved")).chat.type == "supergroup"
        core.inject_server_error(1, status=502)
        with pytest.raises(NetworkError):
            await bot.send_message(-1005, "x")
        with pytest.raises(BadRequest, match="[Cc]hat not found"):
            await bot.send_message(31337, "x")


async def test_documents_keep_bytes_and_name_and_can_be_downloaded(core):
    app = build_app(core)
    async with app:
        message = await app.bot.send_document(USER, b"id,title\n1,Flynn\n", filename="export.csv",
                                              caption="<b>Your</b> export", parse_mode="HTML")
        assert message.document.file_name == "export.csv" and message.caption == "Your export"
        [sent] = core.sent(USER)
        assert (sent.document.filename, sent.document.content) == ("export.csv", b"id,title\n1,Flynn\n")
        file = await app.bot.get_file(message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"id,title\n1,Flynn\n"
        with pytest.raises(BadRequest, match="[Ff]ile must be non-empty"):
            await app.bot.send_document(USER, b"", filename="empty.txt")


async def test_latency_delays_each_call():
    core = FaultyBotAPI(latency=0.05)
    started = time.monotonic()
    await core.call("getMe", {})
    await core.call("getMe", {})
    assert time.monotonic() - started >= 0.1


# ----- the HTTP front ---------------------------------------------------------------------------------------


async def test_http_front_with_a_ptb_bot_and_raw_clients():
    with fake_bot_api() as (base_url, core):
        core.private_chat(USER)
        async with Bot("123:ABC", base_url=base_url, base_file_url=base_url.replace("/bot", "/file/bot")) as bot:
            assert bot.username == "newsbot_bot"
            message = await bot.send_message(USER, "<b>hi</b>", parse_mode="HTML")
            assert message.text == "hi" and core.sent(USER)[0].entities[0]["type"] == "bold"
            with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
                await bot.send_message(USER, "<x>", parse_mode="HTML")
            document = await bot.send_document(USER, b"data", filename="a.txt")
            file = await bot.get_file(document.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"data"


async def test_http_front_rejects_wrong_tokens_and_takes_every_body_encoding():
    with fake_bot_api() as (base_url, core):
        core.private_chat(USER)
        with pytest.raises(InvalidToken):
            await Bot("999:WRONG", base_url=base_url).initialize()
        async with httpx.AsyncClient() as client:
            r = await client.post(f"{base_url}123:ABC/sendMessage", json={"chat_id": USER, "text": "json"})
            assert r.status_code == 200 and r.json()["result"]["text"] == "json"
            r = await client.post(f"{base_url}123:ABC/sendMessage", data={"chat_id": str(USER), "text": "form"})
            assert r.json()["result"]["text"] == "form"
            r = await client.get(f"{base_url}123:ABC/sendMessage", params={"chat_id": USER, "text": "query"})
            assert r.json()["result"]["text"] == "query"
            r = await client.post(f"{base_url}123:ABC/sendDocument", data={"chat_id": str(USER)},
                                  files={"document": ("r\u00e9sum\u00e9.txt", b"\x00\x01bytes", "text/plain")})
            assert r.json()["result"]["document"]["file_name"] == "r\u00e9sum\u00e9.txt"
            assert core.sent(USER)[-1].document.content == b"\x00\x01bytes"
            r = await client.post(f"{base_url}123:XYZ/getMe")
            assert r.status_code == 401 and r.json() == {"ok": False, "error_code": 401,
                                                         "description": "Unauthorized"}
            r = await client.post(f"{base_url}123:ABC/noSuchMethod")
            assert r.status_code == 404

            # a long poll in the server thread wakes when a test thread pushes a message
            threading.Timer(0.2, core.push_text, args=(USER, USER, "/start")).start()
            r = await client.post(f"{base_url}123:ABC/getUpdates", data={"timeout": "5"}, timeout=10)
            assert r.json()["result"][0]["message"]["text"] == "/start"
        assert [m.plain for m in core.sent(USER)[:3]] == ["json", "form", "query"]


def test_http_front_from_a_plain_thread_with_blocking_waits():
    with fake_bot_api(core=FaultyBotAPI()) as (base_url, core):
        core.private_chat(USER)

        def reply_later():
            time.sleep(0.2)
            httpx.post(f"{base_url}123:ABC/sendMessage", data={"chat_id": str(USER), "text": "later"})
        threading.Thread(target=reply_later).start()
        assert core.wait_for_message_blocking(USER, timeout=5).plain == "later"
        with pytest.raises(TimeoutError):
            core.wait_for_message_blocking(USER, timeout=0.2)


async def test_a_second_long_poll_ends_the_first_with_409(core):
    first = asyncio.create_task(core.call("getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(core.call("getUpdates", {"timeout": 0.2}))
    status, body = await first
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    assert (await second)[0] == 200
