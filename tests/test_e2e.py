"""End to end: `newsbot run` as a real process, talking to the fake Bot API over HTTP and polling a feed
served by a local HTTP server. Nothing is mocked inside the bot: the test only plays the user (through the
fake Telegram) and the news site (by changing the feed), then checks what reached the chat.

Timing: feeds are polled every second (NEWSBOT_POLL_SECONDS=1); every wait is bounded (see the constants).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from bot.telegram.fakeapi import BotMessage
from tests.fakebotapi_http import fake_bot_api
from tests.faultyapi import FaultyBotAPI
from tests.httpfixtures import LocalHTTPServer, Route

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"
USER = 5001
ADMIN = 4242
WAIT = 30.0  # the most any one expected message may take
STARTUP = 30.0  # the bot's start (store open, seeding, setMyCommands) on a slow machine
POLL_CYCLES = 3.0  # seconds of polls (at 1 s each) during which nothing more may arrive
STOP = 15.0  # SIGTERM -> exit

FLYNN_TITLE = "Flynn met Kislyak before the inauguration, officials say"
FLYNN_URL_PATH = "/news/flynn-kislyak-meeting"
FLYNN_TEXT = (
    "Michael Flynn met Sergey Kislyak, Russia's ambassador to the U.S., several times in December, two current "
    "officials said on Tuesday, in meetings the former national security adviser did not disclose at first. "
    "The talks with Kislyak covered sanctions imposed by the outgoing administration, Syria and the fight "
    "against the Islamic State, according to the officials, who spoke on condition of anonymity because the "
    "matter is under investigation. Flynn resigned after it emerged that he had misled the vice president "
    "about the conversations. His lawyer declined to comment on the new account. Kislyak, who left his post "
    "this year, has said he met many American officials as part of his normal work as an ambassador in "
    "Washington. Congressional committees are expected to ask Flynn about the meetings when he testifies "
    "next month, and investigators are examining phone records from the weeks before the inauguration."
)
OTHER_TITLE = "City council approves new budget for parks"
OTHER_TEXT = (
    "The city council approved a new budget for parks and libraries on Monday after a long debate about "
    "maintenance costs, opening hours and the price of new playground equipment in the northern districts. "
    "Council members voted nine to four in favour of the plan, which adds money for tree planting, summer "
    "programmes for children and repairs to the old swimming pool near the river. Residents who spoke at the "
    "meeting asked for longer library hours on weekends, and the council promised a review in the spring. "
    "The budget takes effect next month and will be published on the city's website this week."
)


def rss(base_url: str, items: list[tuple[str, str, str, datetime]]) -> str:
    """An RSS 2.0 feed; each item is (title, path, full text, published)."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base_url}{path}</link><guid>{base_url}{path}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(text)}</description></item>"
        for title, path, text, when in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Local Wire</title>'
            f"<link>{base_url}/</link><description>test feed</description>{entries}</channel></rss>")


@dataclass
class BotProcess:
    """A running `newsbot run`; stdout and stderr are drained by threads so the pipes never fill up."""

    proc: subprocess.Popen
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.out) + "".join(self.err)

    def stop(self, timeout: float = STOP) -> int:
        """SIGTERM, then the exit code (killed, and the test failed, if it takes longer than `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise AssertionError(f"newsbot did not exit within {timeout} s of SIGTERM:\n{self.output()[-3000:]}")
        finally:
            for thread in self.threads:
                thread.join(timeout=5)
        return code


def bot_env(base_url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", TELEGRAM_BOT_TOKEN=TOKEN, NEWSBOT_TELEGRAM_API=base_url,
               NEWSBOT_DATA_DIR=str(data), NEWSBOT_POLL_SECONDS="1", NEWSBOT_ALLOW_PRIVATE_URLS="1",
               NEWSBOT_ADMINS=str(ADMIN))
    return env


def newsbot(env: dict[str, str], *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _drain(stream, sink: list[str]) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
    stream.close()


@contextmanager
def running(env: dict[str, str], core: FaultyBotAPI) -> Iterator[BotProcess]:
    """`newsbot run` until the block ends (then SIGTERM); waits until it has set its command menu."""
    menus_before = len(core.calls_of("setMyCommands"))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    bot = BotProcess(proc)
    for stream, sink in ((proc.stdout, bot.out), (proc.stderr, bot.err)):
        thread = threading.Thread(target=_drain, args=(stream, sink), daemon=True)
        thread.start()
        bot.threads.append(thread)
    try:
        deadline = time.monotonic() + STARTUP
        while len(core.calls_of("getUpdates")) == 0 or len(core.calls_of("setMyCommands")) == menus_before:
            if proc.poll() is not None:
                raise AssertionError(f"newsbot run exited with {proc.returncode}:\n{bot.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"newsbot run did not start within {STARTUP} s:\n{bot.output()[-3000:]}")
            time.sleep(0.05)
        yield bot
    finally:
        if proc.poll() is None:
            try:
                bot.stop()
            except AssertionError:
                pass


def say(core: FaultyBotAPI, text: str, predicate=None, chat_id: int = USER) -> BotMessage:
    core.push_text(chat_id, chat_id, text)
    return core.wait_for_message_blocking(chat_id, predicate, timeout=WAIT)


def alerts_for(core: FaultyBotAPI, title: str, chat_id: int = USER) -> list[BotMessage]:
    return [m for m in core.sent(chat_id) if m.plain.startswith(title) and "matched:" in m.plain]


def refused(core: FaultyBotAPI) -> list[tuple[str, int, str]]:
    """Bot API calls Telegram would have refused (400: bad parameters, entities, lengths ...)."""
    return [(c.method, c.status, c.error) for c in core.calls if c.status == 400]


@contextmanager
def world(tmp_path: Path) -> Iterator[tuple[FaultyBotAPI, LocalHTTPServer, dict[str, str], str]]:
    """Fake Telegram, a news site whose feed holds one unrelated story, and the feed added to the bot."""
    with fake_bot_api(token=TOKEN, core=FaultyBotAPI()) as (base_url, core), LocalHTTPServer() as site:
        now = datetime.now(timezone.utc)
        site.route("/feed.xml", Route(body=rss(site.base_url, [(OTHER_TITLE, "/news/parks", OTHER_TEXT, now)])))
        env = bot_env(base_url, tmp_path / "data")
        added = newsbot(env, "feeds", "add", site.url("/feed.xml"))
        assert added.returncode == 0, added.stderr
        assert TOKEN not in added.stdout + added.stderr
        core.private_chat(USER, "Ann")
        core.private_chat(ADMIN, "Admin")
        yield core, site, env, site.base_url


def publish_flynn(site: LocalHTTPServer) -> None:
    now = datetime.now(timezone.utc)
    site.route("/feed.xml", Route(body=rss(site.base_url, [
        (FLYNN_TITLE, FLYNN_URL_PATH, FLYNN_TEXT, now),
        (OTHER_TITLE, "/news/parks", OTHER_TEXT, now),
    ])))


def test_subscribe_alert_latest_and_clean_shutdown(tmp_path):
    with world(tmp_path) as (core, site, env, _):
        with running(env, core) as bot:
            welcome = say(core, "/start")
            assert "newsbot" in welcome.plain and welcome.buttons
            confirm = say(core, "/subscribe Flynn", lambda m: "Subscribed to" in m.plain)
            assert "Flynn" in confirm.plain
            polls_before = len(site.requests)

            publish_flynn(site)
            alert = core.wait_for_message_blocking(USER, lambda m: FLYNN_TITLE in m.plain, timeout=WAIT)
            alert_at = time.monotonic()
            assert alert.plain.startswith(FLYNN_TITLE), alert.plain
            assert "matched: Flynn" in alert.plain, alert.plain

            latest = say(core, "what's the latest on Kislyak?")
            assert latest.plain.startswith("Sergey Kislyak"), latest.plain
            first = latest.plain.split("\n1.", 1)[1] if "\n1." in latest.plain else latest.plain
            assert first.lstrip().startswith(FLYNN_TITLE[:40]), latest.plain

            # More polls of the same feed, for POLL_CYCLES seconds after the alert (the question above took
            # part of them, in which the bot kept polling): still one alert.
            time.sleep(max(0.0, POLL_CYCLES - (time.monotonic() - alert_at)))
            assert len(site.requests) > polls_before + 1, "the feed was not polled again"
            assert len(alerts_for(core, FLYNN_TITLE)) == 1, [m.plain[:80] for m in core.sent(USER)]

            code = bot.stop()
            assert code == 0, bot.output()[-3000:]
            assert TOKEN not in bot.output()
            assert TOKEN.split(":")[1] not in bot.output()
            assert "newsbot is up" in bot.output()  # logs at INFO reached the capture
        assert refused(core) == []


def test_restart_repeats_nothing_and_run_without_token_explains(tmp_path):
    # `run --webhook` without a token needs nothing of the rest (its own data directory, no API): it runs
    # alongside instead of after.
    no_token = {k: v for k, v in bot_env("http://127.0.0.1:9/bot", tmp_path / "no-token").items()
                if k != "TELEGRAM_BOT_TOKEN"}
    tokenless = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--webhook", "https://x"], cwd=ROOT,
                                 env=no_token, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    try:
        restart_repeats_nothing(tmp_path)
        _, stderr = tokenless.communicate(timeout=30)
    finally:
        if tokenless.poll() is None:  # the scenario failed, or the refusal hangs
            tokenless.kill()
            tokenless.communicate()
    assert tokenless.returncode == 2, (tokenless.returncode, stderr)
    assert "@BotFather" in stderr


def restart_repeats_nothing(tmp_path: Path) -> None:
    with world(tmp_path) as (core, site, env, _):
        with running(env, core) as bot:
            say(core, "/subscribe Flynn", lambda m: "Subscribed to" in m.plain)
            publish_flynn(site)
            core.wait_for_message_blocking(USER, lambda m: FLYNN_TITLE in m.plain, timeout=WAIT)
            assert bot.stop() == 0, bot.output()[-3000:]
        sent_before = len(core.sent(USER))
        polls_before = len(site.requests)

        with running(env, core) as bot:
            time.sleep(POLL_CYCLES)
            assert len(site.requests) > polls_before, "the restarted bot did not poll the feed"
            assert len(core.sent(USER)) == sent_before, [m.plain[:80] for m in core.sent(USER)[sent_before:]]
            assert len(alerts_for(core, FLYNN_TITLE)) == 1
            listing = say(core, "/topics")  # alive, and it kept the subscription
            assert "Flynn" in listing.plain and not alerts_for(core, FLYNN_TITLE)[1:]
            assert bot.stop() == 0, bot.output()[-3000:]
            assert "queued" not in bot.output()  # the watcher queued nothing again
            assert TOKEN not in bot.output()
        assert refused(core) == []
