"""The `newsbot` command line, run as a real subprocess against a data directory in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.text import fold_search
from storage.tinydb import Store

ROOT = Path(__file__).resolve().parents[1]
SEED_TITLE = "Former National Security Adviser Michael Flynn has told associates"


def newsbot(*args: str, data: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    full_env.update({"NEWSBOT_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=full_env, cwd=ROOT, timeout=120)


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_help_lists_every_command(tmp_path):
    result = newsbot("--help", data=tmp_path)
    assert result.returncode == 0
    for command in ("run", "chat", "ingest", "latest", "search"):
        assert f"    {command}" in result.stdout


@pytest.mark.parametrize("args", [("frobnicate",), ("latest",), ("search", "x", "--limit", "zero"), ()])
def test_bad_usage_exits_2_with_usage(tmp_path, args):
    result = newsbot(*args, data=tmp_path)
    assert result.returncode == 2
    assert "usage: newsbot" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_seeds_prints_the_seed_with_a_derived_title(tmp_path):
    result = newsbot("ingest", str(ROOT / "seeds"), "--json", data=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    articles = json_lines(result.stdout)
    assert len(articles) == 25  # the seed and 24 Wikinews articles; ATTRIBUTION.md is not an article
    seed = [a for a in articles if "Michael Flynn" in a["text"] and "Kislyak" in a["text"]]
    assert len(seed) == 1
    assert seed[0]["title"].startswith(SEED_TITLE) and len(seed[0]["title"]) <= 100
    assert set(seed[0]) >= {"id", "title", "url", "published", "source", "text", "summary", "people"}
    assert seed[0]["text"].startswith("Former National Security Adviser Michael Flynn")
    wikinews = [a for a in articles if (a["url"] or "").startswith("https://en.wikinews.org/")]
    assert len(wikinews) == 24 and all(a["published"] for a in wikinews)
    # Again: nothing is duplicated.
    again = newsbot("ingest", str(ROOT / "seeds"), "--json", data=tmp_path / "d")
    assert [a["id"] for a in json_lines(again.stdout)] == [a["id"] for a in articles]
    assert "0 new" in again.stderr


def test_first_start_knows_flynn(tmp_path):
    result = newsbot("latest", "Flynn", "--json", data=tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    found = json_lines(result.stdout)
    assert found and found[0]["title"].startswith(SEED_TITLE)
    human = newsbot("latest", "Kislyak", data=tmp_path / "fresh")
    assert SEED_TITLE in human.stdout


def test_bad_inputs_are_reported_and_skipped(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    (files / "good.txt").write_text("---\ntitle: Good one\nurl: https://example.com/good\n---\nKislyak met Flynn.\n")
    (files / "empty.txt").write_bytes(b"")
    (files / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (files / "latin.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1") + b"\xff\xfe\x00\xd8")
    with open(files / "huge.txt", "wb") as fh:
        fh.truncate(50_000_000)
    (files / "truncated.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ite')
    (files / "empty.html").write_text("<html><head><script>var x=1;</script></head><body><nav>Home</nav></body></html>")
    result = newsbot("ingest", str(files), "--json", data=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert [a["title"] for a in json_lines(result.stdout)] == ["Good one"]
    for name in ("empty.txt", "binary.txt", "huge.txt", "truncated.xml", "empty.html"):
        lines = [line for line in result.stderr.splitlines() if name in line]
        assert lines, f"{name} not reported:\n{result.stderr}"
    all_bad = newsbot("ingest", str(files / "empty.txt"), str(files / "missing.txt"), data=tmp_path / "d")
    assert all_bad.returncode == 1
    assert "missing.txt" in all_bad.stderr and "Traceback" not in all_bad.stderr


def test_search_and_latest_limits(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    for n in range(5):
        (files / f"a{n}.md").write_text(f"---\npublished: 2030-01-0{n + 1}\n---\n# Sanctions story {n}\n\nRussia faces sanctions, says Kislyak {n}.\n")
    assert newsbot("ingest", str(files), data=tmp_path / "d").returncode == 0
    found = json_lines(newsbot("search", "sanctions", "--json", "--limit", "3", data=tmp_path / "d").stdout)
    assert [a["title"] for a in found] == ["Sanctions story 4", "Sanctions story 3", "Sanctions story 2"]
    latest = json_lines(newsbot("latest", "Kislyak", "--json", "--limit", "2", data=tmp_path / "d").stdout)
    assert [a["title"] for a in latest] == ["Sanctions story 4", "Sanctions story 3"]
    nothing = newsbot("search", "zebra", "unicorn", data=tmp_path / "d")
    assert nothing.returncode == 0 and "Nothing stored matches" in nothing.stdout


def test_second_writer_is_refused_while_readers_work(tmp_path):
    data = tmp_path / "d"
    assert newsbot("latest", "Flynn", data=data).returncode == 0  # creates and seeds the store
    owner = Store.open(data, fold_title=fold_search)
    try:
        refused = newsbot("feeds", "add", "http://127.0.0.1:9/feed.xml", data=data)
        assert refused.returncode == 1
        assert "in use by process" in refused.stderr and str(os.getpid()) in refused.stderr
        # ingest hands its files to the running bot through the inbox instead.
        (tmp_path / "x.txt").write_text("Some article text about Kislyak.")
        handed = newsbot("ingest", str(tmp_path / "x.txt"), data=data)
        assert handed.returncode == 0 and "inbox" in handed.stderr
        [queued] = list((data / "inbox").iterdir())
        assert queued.name.endswith("-x.txt") and queued.read_text() == "Some article text about Kislyak."
        reader = newsbot("latest", "Flynn", data=data)
        assert reader.returncode == 0 and SEED_TITLE in reader.stdout
    finally:
        owner.close()


def test_newer_store_is_refused_with_a_message(tmp_path):
    data = tmp_path / "d"
    store = Store.open(data)
    store.state.set_meta("schema", 99)
    store.close()
    result = newsbot("latest", "Flynn", data=data)
    assert result.returncode == 1 and "newer newsbot" in result.stderr and "Traceback" not in result.stderr


def test_bad_configuration_names_the_variable(tmp_path):
    result = newsbot("latest", "Flynn", data=tmp_path, env={"NEWSBOT_POLL_SECONDS": "soon"})
    assert result.returncode == 2 and "NEWSBOT_POLL_SECONDS" in result.stderr


def test_run_without_token_starts_the_terminal_chat(tmp_path):
    result = newsbot("run", data=tmp_path / "d", stdin="what's the latest on Kislyak?\nhello\n")
    assert result.returncode == 0, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert SEED_TITLE in result.stdout
    assert "Try" in result.stdout  # unknown input gets a hint, never silence


SEED = ROOT / "seeds" / "000_fa6bb3376613a56f.txt"
COMMENT_WORDS = ("Sad", "pathetic", "Donald. He", "Reagan", "quid pro quo")


def test_people_on_the_seed(tmp_path):
    result = newsbot("people", str(SEED), "--json", data=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    [row] = json_lines(result.stdout)
    assert row["input"] == str(SEED)
    people = {p["name"]: p for p in row["people"]}
    assert set(people) == {"Michael Flynn", "Sergey Kislyak", "Robert Mueller", "Donald Trump"}
    assert people["Michael Flynn"]["role"] == "Former National Security Adviser"
    assert "Flynn" in people["Michael Flynn"]["aliases"] and people["Michael Flynn"]["mentions"] >= 5
    assert people["Robert Mueller"]["role"] == "special counsel"
    assert people["Sergey Kislyak"]["role"] == "Russia's ambassador to the U.S."


def test_summarize_the_seed_skips_reader_comments(tmp_path):
    story = "\n".join(SEED.read_text("utf-8").splitlines()[:6])
    for length, most in (("alert", 3), ("digest", 1), ("full", 5)):
        result = newsbot("summarize", str(SEED), "--json", "--length", length, data=tmp_path / "d")
        assert result.returncode == 0, result.stderr
        [row] = json_lines(result.stdout)
        assert 1 <= len(row["summary"]) <= most
        assert row["title"].startswith(SEED_TITLE)
        for sentence in row["summary"]:
            assert sentence in story, f"{sentence!r} is not from the story's six paragraphs"
        if length == "alert":
            assert len(" ".join(row["summary"]).split()) <= 60 or len(row["summary"]) == 1


def test_match_explains_and_previews(tmp_path):
    data = tmp_path / "d"
    yes = json_lines(newsbot("match", "Flynn", str(SEED), "--json", data=data).stdout)
    assert yes == [{"topic": "Flynn", "input": str(SEED), "matched": True, "why": "Flynn (in title)"}]
    phrase = json_lines(newsbot("match", '"Robert Mueller" -sport', str(SEED), "--json", data=data).stdout)
    assert phrase[0]["matched"] and phrase[0]["why"] == '"Robert Mueller" (in body)'
    excluded = json_lines(newsbot("match", "Flynn -Kislyak", str(SEED), "--json", data=data).stdout)
    assert excluded[0]["matched"] is False and excluded[0]["why"] is None
    comment_only = json_lines(newsbot("match", "Reagan", str(SEED), "--json", data=data).stdout)
    assert comment_only[0]["matched"] is False  # reader comments are not the story
    preview = json_lines(newsbot("match", "Kislyak", "--json", data=data).stdout)
    assert [p["input"] for p in preview] and all(p["matched"] for p in preview)
    bad = newsbot("match", '"Robert Mueller', str(SEED), data=data)
    assert bad.returncode == 2 and "never closed" in bad.stderr and "Traceback" not in bad.stderr


def test_ingest_json_carries_people_and_summary(tmp_path):
    result = newsbot("ingest", str(SEED), "--json", data=tmp_path / "d")
    [seed] = json_lines(result.stdout)
    assert seed["summary"] and all(s in seed["text"] for s in seed["summary"])
    assert {p["name"] for p in seed["people"]} >= {"Michael Flynn", "Sergey Kislyak"}
    assert not any(word in " ".join(seed["summary"]) for word in COMMENT_WORDS)


def test_latest_uses_people_index_and_asks_when_ambiguous(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    (files / "a.md").write_text("---\npublished: 2030-01-02\n---\n# Mike Flynn speaks\n\nMike Flynn, the former adviser, spoke on Tuesday.\n")
    (files / "b.md").write_text("---\npublished: 2030-01-03\n---\n# First lady visits\n\nMelania Trump visited a school. Trump said little.\n")
    (files / "c.md").write_text("---\npublished: 2030-01-04\n---\n# President speaks\n\nDonald Trump spoke to reporters. Trump said he was pleased.\n")
    data = tmp_path / "d"
    assert newsbot("ingest", str(files), data=data).returncode == 0
    flynn = newsbot("latest", "Flynn", data=data)
    assert flynn.stdout.startswith("Michael Flynn") and "Mike Flynn speaks" in flynn.stdout and SEED_TITLE in flynn.stdout
    ambiguous = json_lines(newsbot("latest", "Trump", "--json", data=data).stdout)
    assert ambiguous[0]["ambiguous"] == "Trump"
    assert {c["name"] for c in ambiguous[0]["candidates"]} >= {"Donald Trump", "Melania Trump"}
    melania = json_lines(newsbot("latest", "Melania Trump", "--json", data=data).stdout)
    assert [a["title"] for a in melania] == ["First lady visits"]


def test_summarize_and_people_fetch_urls_through_the_guard(tmp_path):
    from tests.httpfixtures import LocalHTTPServer, Route

    page = ("<html><head><title>Flynn story</title></head><body><article><h1>Flynn story</h1>"
            + "".join(f"<p>{line}</p>" for line in SEED.read_text('utf-8').splitlines()[:6])
            + "</article><div class='comments'><p>Sad! What a betrayal, Donald.</p></div></body></html>")
    with LocalHTTPServer() as server:
        server.route("/story", Route(body=page.encode(), headers={"Content-Type": "text/html; charset=utf-8"}))
        url = server.url("/story")
        blocked = newsbot("summarize", url, data=tmp_path / "d")
        assert blocked.returncode == 1 and "blocked" in blocked.stderr and "loopback" in blocked.stderr
        assert server.requests == []  # refused before any connection
        allowed = newsbot("summarize", url, "--json", data=tmp_path / "d", env={"NEWSBOT_ALLOW_PRIVATE_URLS": "1"})
        assert allowed.returncode == 0, allowed.stderr
        [row] = json_lines(allowed.stdout)
        assert row["input"] == url and row["summary"][0].startswith("Former National Security Adviser")
        people = json_lines(newsbot("people", url, "--json", data=tmp_path / "d",
                                    env={"NEWSBOT_ALLOW_PRIVATE_URLS": "1"}).stdout)
        assert "Sergey Kislyak" in {p["name"] for p in people[0]["people"]}


def test_a_damaged_store_file_gets_a_message_not_a_traceback(tmp_path):
    data = tmp_path / "d"
    assert newsbot("latest", "Flynn", data=data).returncode == 0
    [part] = list((data / "articles").glob("*.json"))
    part.write_text('{"articles": {"1": {"id": ')  # damaged by something else (a disk fault, an editor)
    result = newsbot("latest", "Flynn", data=data)
    assert result.returncode == 1 and "damaged" in result.stderr and "Traceback" not in result.stderr
