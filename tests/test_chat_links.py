"""A link in the chat (/summary URL) through the real Application: fetched from a page served on 127.0.0.1
by the guarded fetcher, summarised, and stored through the one write path (so "latest on" finds it), but
never announced to other chats as news."""

from __future__ import annotations

from tests.chatkit import ADMIN, running_bot
from tests.httpfixtures import LocalHTTPServer

PAGE = """<!doctype html><html><head><title>Margaret Quennell named harbour master</title></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Margaret Quennell named harbour master</h1>
<p>Margaret Quennell was named harbour master of the port on Thursday, the city council said, after a vote that
ended months of debate about who should run the busy waterfront and its new ferry terminal.</p>
<p>Quennell, who has worked at the port for twenty years, said she would start by reviewing safety rules for
the ferries and the fishing fleet, and by meeting the unions that represent dock workers.</p>
<p>The council said the appointment runs for five years. Quennell replaces a harbour master who retired in
the spring after a long illness, and she will be the first woman to hold the post.</p>
</article><footer>Copyright the Harbour Gazette</footer></body></html>"""


async def test_summary_of_a_link_is_stored_but_not_announced(tmp_path):
    with LocalHTTPServer() as site:
        site.route("/news/harbour", body=PAGE, content_type="text/html; charset=utf-8")
        async with running_bot(tmp_path, allow_private_urls=True) as bot:
            bot.core.private_chat(ADMIN, "Admin")
            [follow] = await bot.say("/subscribe Quennell", chat_id=ADMIN)
            assert "Subscribed to" in follow.plain
            [summary] = await bot.say(f"/summary {site.url('/news/harbour')}")
            assert "Quennell" in summary.plain and "harbour master" in summary.plain
            assert "Copyright" not in summary.plain and "Home | World" not in summary.plain
            stored = bot.services.library.latest_on("Margaret Quennell")
            assert stored.status == "found" and stored.articles[0].url.endswith("/news/harbour")
            assert await bot.publish() == 0  # the watcher was handed nothing: no alert to the admin's topic
            assert [m for m in bot.core.sent(ADMIN) if "matched:" in m.plain] == []
            assert bot.errors() == []
