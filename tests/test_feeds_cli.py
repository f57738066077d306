"""`newsbot feeds add/list/remove/poll/import/export/add-defaults` as real subprocesses, against a local HTTP
server and a data directory in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.httpfixtures import Route

ROOT = Path(__file__).resolve().parents[1]
ITEM = ("<item><title>Story {n}</title><link>http://news.example/{n}</link><description>"
        + "Michael Flynn spoke to the ambassador about sanctions and Syria, officials said. " * 8
        + "Story number {n}.</description></item>")
RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>CLI News</title>'
       + "".join(ITEM.format(n=n) for n in range(3)) + "</channel></rss>").encode()

def start(*args: str, data: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    env.update({"NEWSBOT_DATA_DIR": str(data), "NEWSBOT_ALLOW_PRIVATE_URLS": "1", "PYTHONPATH": str(ROOT)})
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "feeds", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def newsbot(*args: str, data: Path) -> subprocess.CompletedProcess:
    return finish(start(*args, data=data))


def together(*calls: tuple[str, ...], data: Path) -> list[subprocess.CompletedProcess]:
    """Commands that only read the data directory, run at the same time (most of each one's time is the
    interpreter's start and imports). Whichever opens the store while another holds it falls back to
    read-only, as it would beside a running bot."""
    procs = [start(*args, data=data) for args in calls]
    return [finish(proc) for proc in procs]


def test_feeds_commands_end_to_end(tmp_path, http_server):
    http_server.route("/feed.xml", Route(body=RSS, etag='"e1"'))
    http_server.route("/home", Route(body=b"<html><body><p>Welcome home</p></body></html>", content_type="text/html"))
    data = tmp_path / "data"
    url = http_server.url("/feed.xml")

    added = newsbot("add", url, "--tag", "world", data=data)
    assert added.returncode == 0, added.stderr
    assert "added 'CLI News'" in added.stdout
    dup = newsbot("add", url, data=data)
    assert dup.returncode == 1 and "already a source" in dup.stderr and "Traceback" not in dup.stderr
    html = newsbot("add", http_server.url("/home"), data=data)
    assert html.returncode == 1 and "look for its RSS link" in html.stderr

    polled = newsbot("poll", "--json", data=data)
    assert polled.returncode == 0, polled.stderr
    report = json.loads(polled.stdout)
    assert report["feeds_polled"] == 1 and len(report["new_article_ids"]) == 3
    assert "polled 1 feed(s): 3 new article(s)" in polled.stderr
    again = newsbot("poll", "--all", data=data)
    assert again.returncode == 0 and "1 not modified" in again.stderr
    assert http_server.requests[-1].headers.get("if-none-match") == '"e1"'
    not_due = newsbot("poll", data=data)
    assert not_due.returncode == 0 and "no feed is due" in not_due.stderr

    opml = tmp_path / "out.opml"
    listed, text, exported = together(("list", "--json"), ("list",), ("export", str(opml)), data=data)
    [feed] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert feed["name"] == "CLI News" and feed["items"] == 3 and feed["tags"] == ["world"] and feed["last_success"]
    assert "CLI News" in text.stdout and url in text.stdout and "items 3" in text.stdout
    assert exported.returncode == 0 and b'text="world"' in opml.read_bytes()
    assert newsbot("remove", feed["id"], data=data).returncode == 0
    assert newsbot("list", "--json", data=data).stdout.strip() == ""
    missing = newsbot("remove", feed["id"], data=data)
    assert missing.returncode == 1 and "no feed source" in missing.stderr

    imported = newsbot("import", str(opml), data=data)
    assert imported.returncode == 0 and "imported 1 feed(s)" in imported.stdout
    listed, exported = together(("list", "--json"), ("export",), data=data)
    [back] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert back["url"] == url and back["name"] == "CLI News" and back["tags"] == ["world"]
    assert exported.stdout.startswith("<?xml")


def test_import_refuses_hostile_opml_and_add_defaults_needs_no_network(tmp_path):
    data = tmp_path / "data"
    bomb = tmp_path / "bomb.opml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<opml><body><outline text="&b;" xmlUrl="https://x.example/rss"/></body></opml>')
    usage = start(data=data)  # stops at the arguments, before any store is opened: runs alongside
    refused = newsbot("import", str(bomb), data=data)
    assert refused.returncode == 1 and "refused" in refused.stderr and "Traceback" not in refused.stderr
    defaults = newsbot("add-defaults", data=data)
    assert defaults.returncode == 0 and "default news feed(s)" in defaults.stdout
    assert len(newsbot("list", "--json", data=data).stdout.splitlines()) >= 8
    usage = finish(usage)
    assert usage.returncode == 2 and "add-defaults" in usage.stderr
