"""End to end, one story from two feeds: `newsbot run` as a real process polls two local feeds that both
publish the same wire story (different URLs and headlines, most of the text shared) and a subscriber gets
ONE alert, whether the copies arrive in the same poll or one after the other.

The copies are checked to be the same story by the store's own measure first (bot.core.stories), so the
test cannot pass by the two texts being accidentally unrelated.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from bot.core.stories import similarity, sketch
from test_e2e import (FLYNN_TEXT, FLYNN_TITLE, OTHER_TEXT, OTHER_TITLE, POLL_CYCLES, USER, WAIT, newsbot, refused,
                      rss, running, say, world)

WIRE_TITLE = "Ex-adviser Flynn held undisclosed talks with Russian envoy"
# The same wire copy as carried by a second outlet: its own headline and URL, a sentence of its own at the end
# and two words changed.
WIRE_TEXT = (FLYNN_TEXT.replace("two current officials said", "two officials said")
             .replace("declined to comment", "did not comment")
             + " The White House did not respond to a request for comment.")
STORY_THRESHOLD = 0.5  # bot.core.stories groups two texts whose estimated 3-shingle Jaccard is at least this


def flynn_alerts(core) -> list:
    """Alerts for either copy of the story (each alert starts with the headline of the copy it shows)."""
    return [m for m in core.sent(USER) if "matched:" in m.plain
            and (m.plain.startswith(FLYNN_TITLE) or m.plain.startswith(WIRE_TITLE))]


def test_the_copies_are_one_story_by_the_stores_measure():
    assert similarity(sketch(FLYNN_TEXT), sketch(WIRE_TEXT)) >= STORY_THRESHOLD + 0.2
    assert similarity(sketch(FLYNN_TEXT), sketch(OTHER_TEXT)) < 0.1


def test_one_story_from_two_polled_feeds_alerts_once(tmp_path):
    with world(tmp_path) as (core, site, env, base):
        site.route("/wire.xml", body=rss(base, [(OTHER_TITLE, "/wire/parks", OTHER_TEXT,
                                                 datetime.now(timezone.utc))]))
        added = newsbot(env, "feeds", "add", site.url("/wire.xml"))
        assert added.returncode == 0, added.stderr
        with running(env, core) as bot:
            say(core, "/subscribe Flynn", lambda m: "Subscribed to" in m.plain)
            now = datetime.now(timezone.utc)
            # Both outlets publish the story at once: the copies arrive in the same poll cycle.
            site.route("/feed.xml", body=rss(base, [(FLYNN_TITLE, "/news/flynn", FLYNN_TEXT, now)]))
            site.route("/wire.xml", body=rss(base, [(WIRE_TITLE, "/wire/flynn-envoy", WIRE_TEXT,
                                                     now + timedelta(minutes=3))]))
            core.wait_for_message_blocking(USER, lambda m: bool(flynn_alerts(core)), timeout=WAIT)
            polls = len(site.requests)
            time.sleep(POLL_CYCLES)
            assert len(site.requests) > polls + 1, "the feeds were not polled again"
            assert len(flynn_alerts(core)) == 1, [m.plain[:80] for m in core.sent(USER)]

            # A third outlet's copy, later, from a feed polled after the alert went out: still no second alert.
            site.route("/wire.xml", body=rss(base, [
                (WIRE_TITLE, "/wire/flynn-envoy", WIRE_TEXT, now + timedelta(minutes=3)),
                ("Flynn's talks with Kislyak: what we know", "/wire/flynn-explainer",
                 WIRE_TEXT.replace("several times in December", "repeatedly in December"),
                 now + timedelta(minutes=30)),
            ]))
            polls = len(site.requests)
            deadline = time.monotonic() + WAIT
            while len(site.requests) < polls + 4 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(POLL_CYCLES)
            assert len(flynn_alerts(core)) == 1, [m.plain[:80] for m in core.sent(USER)]
            assert bot.stop() == 0, bot.output()[-3000:]
        assert refused(core) == []
        found = newsbot(env, "search", "Flynn", "--json")
        assert found.returncode == 0, found.stderr
        copies = [a for a in map(json.loads, found.stdout.splitlines()) if "/news/flynn" in (a["url"] or "")
                  or "/wire/flynn" in (a["url"] or "")]
        assert len(copies) == 3 and len({a["story_id"] for a in copies}) == 1, copies  # stored, as one story
