"""The chat, through the real PTB Application and handlers over the in-process Bot API that validates
every call as Telegram does (HTML entities, 4096 characters, 64-byte callback data, command names)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.core.formatting.help_text import COMMANDS
from bot.core.models import RawArticle
from tests.chatkit import ADMIN, USER, running_bot

SEED_TITLE = "Former National Security Adviser Michael Flynn has told associates"


def story(title: str, text: str, url: str, when, source: str = "Wire") -> RawArticle:
    return RawArticle(text=text, title=title, url=url, published=when, source=source)


FLYNN_TEXT = ("Michael Flynn, the former national security adviser, met prosecutors again on Monday, his lawyer "
              "said. The meeting with special counsel Robert Mueller's team lasted three hours, officials told "
              "reporters in Washington. Flynn is due to be sentenced next month.")


async def test_start_help_and_command_menu(tmp_path):
    async with running_bot(tmp_path) as bot:
        [welcome] = await bot.say("/start")
        assert "newsbot" in welcome.plain and len(welcome.buttons) == 4
        [help_msg] = await bot.say("/help")
        for name, _, _ in COMMANDS:
            assert f"/{name}" in help_msg.plain
        assert '"Robert Mueller"' in help_msg.plain and "OR" in help_msg.plain
        menus = bot.core.calls_of("setMyCommands")
        names = lambda call: {c["command"] for c in call.params["commands"]}  # noqa: E731
        default = [c for c in menus if not c.params.get("scope")]
        assert names(default[-1]) == {n for n, _, _ in COMMANDS}
        admin = [c for c in menus if c.params.get("scope", {}).get("chat_id") == ADMIN]
        assert names(admin[-1]) >= {"stats", "addsource", "removesource", "subscribe"}
        assert bot.errors() == []


async def test_subscribe_topics_buttons_and_unsubscribe(tmp_path):
    async with running_bot(tmp_path) as bot:
        [confirm] = await bot.say('/subscribe Flynn -sport')
        assert "Subscribed to" in confirm.plain and "Flynn -sport" in confirm.plain
        assert SEED_TITLE in confirm.plain  # the newest stored match, so the user sees what to expect
        [listing] = await bot.say("/topics")
        assert "Flynn -sport" in listing.plain and "instant" in listing.plain
        await bot.press(listing, "digest")
        assert bot.services.chats.get_topic(USER, 1).mode == "digest"
        [listing] = await bot.say("/topics")
        await bot.press(listing, "mute")
        assert bot.services.chats.get_topic(USER, 1).muted_until
        [dup] = await bot.say("/subscribe flynn -SPORT")
        assert "already" in dup.plain.lower()
        [bad] = await bot.say('/subscribe "Robert Mueller')
        assert "never closed" in bad.plain
        [gone] = await bot.say("/unsubscribe 1")
        assert bot.services.chats.topics(USER) == [] and "Flynn" in gone.plain
        assert bot.errors() == []


async def test_free_text_latest_who_subscribe_and_hint(tmp_path):
    async with running_bot(tmp_path) as bot:
        [latest] = await bot.say("what’s the latest on Kislyak?")
        assert latest.plain.startswith("Sergey Kislyak — Russia's ambassador to the U.S.")
        assert SEED_TITLE in latest.plain
        [who] = await bot.say("who is Mueller?")
        assert "Robert Mueller" in who.plain and "special counsel" in who.plain
        [sub] = await bot.say("subscribe me to Kislyak")
        assert "Subscribed to" in sub.plain and [t.text for t in bot.services.chats.topics(USER)] == ["Kislyak"]
        [unsub] = await bot.say("unsubscribe from Kislyak")
        assert bot.services.chats.topics(USER) == []
        [hint] = await bot.say("the weather is nice")
        assert "latest on" in hint.plain
        assert bot.errors() == []


async def test_ambiguous_and_unknown_names_offer_buttons(tmp_path):
    async with running_bot(tmp_path) as bot:
        now = bot.clock()
        bot.ingest(story("First lady visits", "Melania Trump visited a school in Ohio on Tuesday. Trump said little.",
                         "https://n.example/m", now),
                   story("President speaks", "Donald Trump spoke to reporters. Trump said he was pleased.",
                         "https://n.example/d", now))
        [choice] = await bot.say("/latest Trump")
        assert "which one" in choice.plain
        await bot.press(choice, "Melania")
        answer = await bot.core.wait_for_message(USER)
        assert answer.plain.startswith("Melania Trump") and "First lady visits" in answer.plain
        [unknown] = await bot.say("/latest Zelda Quux")
        assert "Nothing stored mentions" in unknown.plain
        await bot.press(unknown, "Follow")
        followed = await bot.core.wait_for_message(USER)
        assert "Subscribed to" in followed.plain and bot.services.chats.topics(USER)[0].text == "Zelda Quux"
        assert bot.errors() == []


HOSTILE = ["", "<b>x</b> & y", "x" * 5000, "Кислякъ 基斯利亚克 🇷🇺", '"', "-", "OR", "\u202e\u0000bad", "&amp;&lt;"]
COMMAND_NAMES = ["subscribe", "unsubscribe", "topics", "latest", "search", "summary", "digest", "timezone", "quiet",
                 "sources", "export", "addsource", "removesource", "stats", "help", "start"]


@pytest.mark.parametrize("command", COMMAND_NAMES)
async def test_every_command_survives_hostile_arguments(tmp_path, command):
    async with running_bot(tmp_path) as bot:
        for arg in HOSTILE:
            replies = await bot.say(f"/{command} {arg}".strip())
            assert replies[0].plain or replies[0].document
            assert "something went wrong" not in replies[0].plain.lower(), (command, arg)
        assert bot.errors() == [], [(c.method, c.error) for c in bot.errors()]


async def test_groups_only_admins_change_topics_and_commands_take_the_bot_suffix(tmp_path):
    async with running_bot(tmp_path) as bot:
        group = -100500
        bot.core.group(group, "Newsroom", admins=[ADMIN], members=[USER])
        [refused] = await bot.say("/subscribe@newsbot_bot Flynn", chat_id=group, user_id=USER)
        assert "admins" in refused.plain and bot.services.chats.topics(group) == []
        [ok] = await bot.say("/subscribe@newsbot_bot Flynn", chat_id=group, user_id=ADMIN)
        assert "Subscribed" in ok.plain and len(bot.services.chats.topics(group)) == 1
        [listing] = await bot.say("/topics", chat_id=group, user_id=USER)  # anyone may look
        assert "Flynn" in listing.plain
        await bot.say("/other@some_other_bot", chat_id=group, user_id=USER, replies=0)
        await bot.idle()
        assert not any("don't know" in m.plain for m in bot.core.sent(group))
        assert bot.errors() == []


async def test_a_chat_cannot_touch_another_chats_topics(tmp_path):
    async with running_bot(tmp_path) as bot:
        other = 2002
        bot.core.private_chat(other, "Bob")
        await bot.say("/subscribe Flynn")
        [own] = await bot.say("/topics", chat_id=other)
        # Bob forges the buttons of Ann's topic 1 in his own chat: they can only ever act on Bob's chat.
        for data in ("u:1", "m:1", "g:1", "s:ffffffffffffffff", "u:1:zz", "x" * 64, "tp:99999"):
            await bot.press_data(own.message_id, data, chat_id=other)
        assert [t.text for t in bot.services.chats.topics(USER)] == ["Flynn"]
        assert bot.services.chats.get_topic(USER, 1).mode == "instant" and not bot.services.chats.get_topic(USER, 1).muted_until
        bot.core.push_text(other, other, "/export")
        export = await bot.core.wait_for_message(other, lambda m: m.document is not None)
        data = json.loads(export.document.content)
        assert "Flynn" not in json.dumps(data)
        assert bot.errors() == []


async def test_admin_commands_and_url_guard(tmp_path):
    async with running_bot(tmp_path) as bot:
        [refused] = await bot.say("/stats")
        assert "admins" in refused.plain
        [stats] = await bot.say("/stats", chat_id=ADMIN)
        assert "articles: 25" in stats.plain and "chats:" in stats.plain
        [blocked] = await bot.say("/addsource http://127.0.0.1:9/rss.xml", chat_id=ADMIN)
        assert "blocked" in blocked.plain and "loopback" in blocked.plain
        [summary] = await bot.say("/summary http://169.254.169.254/latest/meta-data/")
        assert "blocked" in summary.plain
        assert bot.errors() == []


async def test_settings_digest_timezone_quiet_stop(tmp_path):
    async with running_bot(tmp_path, jobs=True) as bot:
        [tz] = await bot.say("/timezone berlin")
        assert "Europe/Berlin" in tz.plain
        [bad_tz] = await bot.say("/timezone Atlantis")
        assert "Atlantis" in bad_tz.plain
        [digest] = await bot.say("/digest weekly mon 07:30")
        assert "Monday" in digest.plain and bot.services.chats.get_chat(USER).digest["kind"] == "weekly"
        [job] = bot.application.job_queue.get_jobs_by_name(f"digest:{USER}")
        assert str(job.next_t.tzinfo) == "Europe/Berlin" and job.next_t.strftime("%a %H:%M") == "Mon 07:30"
        [quiet] = await bot.say("/quiet 22:00-07:00")
        assert "22:00" in quiet.plain and bot.services.chats.get_chat(USER).quiet == ("22:00", "07:00")
        await bot.say("/subscribe Flynn")
        [stop] = await bot.say("/stop")
        assert "forgot" in stop.plain
        assert bot.services.chats.topics(USER) == [] and not bot.application.job_queue.get_jobs_by_name(f"digest:{USER}")
        assert bot.errors() == []


async def test_alert_arrives_once_per_story_and_explains_itself(tmp_path):
    async with running_bot(tmp_path) as bot:
        await bot.say("/subscribe Flynn")
        now = bot.clock()
        assert await bot.publish(story("Flynn meets prosecutors again", FLYNN_TEXT, "https://a.example/1", now, "A")) == 1
        alert = await bot.core.wait_for_message(USER)
        assert alert.plain.startswith("Flynn meets prosecutors again")
        assert "matched: Flynn (in title)" in alert.plain
        assert {b["text"] for b in alert.buttons} >= {"Summary", "Mute 24 h", "Unsubscribe"} or len(alert.buttons) == 3
        # The same story from another source: no second alert.
        bot.clock.advance(hours=2)
        again = story("Flynn talks to Mueller team", FLYNN_TEXT + " More to follow.", "https://b.example/x",
                      bot.clock(), "B")
        assert await bot.publish(again) == 0
        # /summary as a reply to the alert.
        [full] = await bot.say("/summary", reply_to=alert.message_id)
        assert "Robert Mueller" in full.plain
        assert bot.errors() == []
    # A restart over the same data: matching the same articles again sends nothing.
    async with running_bot(tmp_path) as bot:
        bot.services.watcher.submit(bot.services.library.search("Flynn prosecutors"))
        from bot.telegram.jobs import after_ingest

        assert await after_ingest(bot.application) == 0
        await bot.idle()
        assert bot.core.sent(USER) == []


async def test_quiet_hours_hold_alerts_and_deliver_them_as_one(tmp_path):
    async with running_bot(tmp_path) as bot:
        await bot.say("/subscribe Flynn OR Syria")
        await bot.say("/quiet 11:00-13:00")  # the clock says 12:00 UTC
        now = bot.clock()
        await bot.publish(story("Flynn news", FLYNN_TEXT, "https://a.example/1", now),
                          story("Syria talks", "Syria peace talks resumed in Geneva on Monday, envoys said. " * 3,
                                "https://a.example/2", now))
        assert [m for m in bot.core.sent(USER) if "Flynn news" in m.plain] == []
        bot.clock.advance(hours=1, minutes=1)
        from bot.telegram.jobs import delivery_for

        await delivery_for(bot.application).drain()
        held = await bot.core.wait_for_message(USER, lambda m: "quiet hours" in m.plain)
        assert "Flynn news" in held.plain and "Syria talks" in held.plain
        assert bot.errors() == []


async def test_digest_now_lists_matches_by_story(tmp_path):
    async with running_bot(tmp_path) as bot:
        [empty] = await bot.say("/digest now")
        assert "Nothing new" in empty.plain
        await bot.say("/subscribe Flynn")
        await bot.say("/digest daily 08:00")
        [topics] = await bot.say("/topics")
        await bot.press(topics, "digest")  # digest-mode topic: no instant alert
        now = bot.clock()
        assert await bot.publish(story("Flynn meets prosecutors again", FLYNN_TEXT, "https://a.example/1", now, "A")) == 0
        [digest] = await bot.say("/digest now")
        assert "Flynn meets prosecutors again" in digest.plain
        assert bot.errors() == []


async def test_blocked_user_pauses_the_chat_until_it_writes_again(tmp_path):
    async with running_bot(tmp_path) as bot:
        await bot.say("/subscribe Flynn")
        bot.core.block_chat(USER)
        await bot.publish(story("Flynn news", FLYNN_TEXT, "https://a.example/1", bot.clock()))
        assert bot.services.chats.get_chat(USER).paused
        bot.core.unblock_chat(USER)
        await bot.publish(story("Other Flynn news", "Flynn was seen in Washington. " * 5, "https://a.example/2",
                                bot.clock()))
        assert [m for m in bot.core.sent(USER) if "Other Flynn news" in m.plain] == []  # still paused
        await bot.say("/topics")  # the user writes again
        assert not bot.services.chats.get_chat(USER).paused


async def test_inbox_files_are_stored_and_alerted_within_seconds(tmp_path):
    async with running_bot(tmp_path, jobs=True) as bot:
        await bot.say("/subscribe Kislyak")
        inbox = tmp_path / "inbox"
        inbox.mkdir(exist_ok=True)
        (inbox / ".partial.tmp").write_text("being written")  # not picked up: temp files are skipped
        (inbox / "a-story.md").write_text("---\ntitle: Kislyak recalled to Moscow\nurl: https://n.example/k\n---\n"
                                          "Sergey Kislyak was recalled to Moscow on Friday, the foreign ministry said. " * 3)
        alert = await bot.core.wait_for_message(USER, lambda m: "Kislyak recalled" in m.plain, timeout=10)
        assert "matched: Kislyak (in title)" in alert.plain
        assert not (inbox / "a-story.md").exists() and (inbox / ".partial.tmp").exists()
        assert bot.errors() == []


async def test_missed_digest_is_sent_at_start_once(tmp_path):
    from tests.chatkit import Clock, START

    clock = Clock(START)  # 12:00 UTC
    async with running_bot(tmp_path, clock=clock) as bot:
        await bot.say("/subscribe Flynn")
        await bot.say("/digest daily 09:00")
        bot.ingest(story("Flynn meets prosecutors again", FLYNN_TEXT, "https://a.example/1", clock()))
    # Down at 09:00; back at 12:00: within 6 h, so the 09:00 digest is sent at start, once.
    clock.now = START + timedelta(days=1)
    async with running_bot(tmp_path, clock=clock, jobs=True) as bot:
        digest = await bot.core.wait_for_message(USER, lambda m: "Flynn meets prosecutors again" in m.plain, timeout=10)
        assert digest
    async with running_bot(tmp_path, clock=clock, jobs=True) as bot:
        await bot.idle(settle=1.0)
        assert not [m for m in bot.core.sent(USER) if "Flynn meets prosecutors again" in m.plain]
