"""Article store at scale: 100k generated news-like articles (2-6 KB each).

Measures open time, adding a batch of 100, get by id and by URL, "latest 10 mentioning a name", and
resident memory, in a fresh process per store so memory is the store's own. Baseline, same run: plain
TinyDB with JSONStorage, grown in batches of 100 until 60 s have passed; both stores are then measured at
the baseline's size, and ours again at 100k.
Targets at 100k: open <= 5 s; batch of 100 <= 0.3 s; lookups <= 5 ms; latest <= 20 ms p95; RSS <= 400 MB.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import ROOT, percentile, print_table, rss_mb

FIRST = ("Michael Sergey Robert Donald Angela Emmanuel Olaf Xi Narendra Jacinda Boris Justin Kamala Joe Vladimir "
         "Recep Ursula Pedro Giorgia Luiz Ana Maria Jose Ahmed Fatima Chen Wei Yuki Hiroshi Olga Ivan Sofia Lucas "
         "Emma Noah Liam Mia Ethan Ava Omar Layla Tariq Amara Kwame Nia Diego Lucia Rafael Ingrid Lars").split()
LAST = ("Flynn Kislyak Mueller Trump Merkel Macron Scholz Jinping Modi Ardern Johnson Trudeau Harris Biden Putin "
        "Erdogan Leyen Sanchez Meloni Silva Garcia Lopez Hassan Khan Wang Tanaka Sato Petrova Ivanov Rossi Muller "
        "Smith Jones Brown Taylor Wilson Davies Evans Thomas Roberts Walker Wright Okafor Mensah Nakamura Novak "
        "Kowalski Horvat Jensen Berg Lindqvist").split()
PLACES = "Moscow Washington Berlin Paris London Beijing Tokyo Delhi Syria Iran Ukraine Brazil Canada Kenya".split()
WORDS = ("the of and to in a said that on for with as was at by his from it government minister election talks "
         "sanctions policy report officials president week year told reporters people country economy market "
         "security court vote party leader announced new plans after before during against between about more "
         "than would could should may also its their over under deal agreement crisis investigation").split()


def make_articles(n: int, seed: int, start: datetime, days: int) -> list[dict]:
    """n article documents, fetched evenly over `days` days before `start`, with the fields enrichment
    fills. The store is what is measured, so the derived fields are made from what the generator knows
    (the people it wrote in, the first sentences) instead of running the extractors on 100k texts."""
    from bot.core.enrich import build_article
    from bot.core.models import RawArticle
    from bot.core.stories import sketch

    rng = random.Random(seed)
    docs = []
    for i in range(n):
        people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 4))]
        paragraphs = []
        target = rng.randint(2000, 6000)
        size = 0
        while size < target:
            words = rng.choices(WORDS, k=rng.randint(15, 35))
            words[0] = words[0].capitalize()
            words.insert(rng.randint(1, len(words) - 1), rng.choice(people))
            if rng.random() < 0.3:
                words.insert(rng.randint(1, len(words) - 1), rng.choice(PLACES))
            sentence = " ".join(words) + "."
            paragraphs.append(sentence)
            size += len(sentence) + 1
        fetched = start - timedelta(seconds=days * 86400 * i / n)
        raw = RawArticle(text=" ".join(paragraphs), title=f"{people[0]} {rng.choice(WORDS)} {rng.choice(PLACES)}",
                         url=f"https://news{i % 50}.example/{fetched:%Y/%m/%d}/story-{seed}-{i}",
                         published=fetched - timedelta(minutes=rng.randint(0, 600)), source=f"news{i % 50}")
        article = build_article(raw, fetched, enrich=False)
        article.people = [{"name": p, "aliases": [p.split()[-1]], "mentions": 2, "role": None}
                          for p in dict.fromkeys(people)]
        article.summary = paragraphs[:2]
        article.summaries = {"digest": paragraphs[:1], "full": paragraphs[:5]}
        article.story_sketch = sketch(" ".join(paragraphs[:12]))
        docs.append(article.to_doc())
    return docs


# ---- measuring, in a fresh process ---------------------------------------------------------------


def measure_ours(path: str, sample_path: str) -> dict:
    from bot.services.library import Library
    from bot.core.text import fold_search
    from storage.tinydb import open_engine

    sample = json.loads(Path(sample_path).read_text())
    base_rss = rss_mb()
    t = time.perf_counter()
    store = open_engine(path, fold_title=fold_search)
    open_s = time.perf_counter() - t
    rss = rss_mb() - base_rss
    library = Library(store)
    ids = [e.id for e in store.articles.newest()]
    rng = random.Random(7)
    picks = rng.sample(ids, min(1000, len(ids)))
    get_ms = _timed(lambda i: store.articles.get(i), picks)
    urls = [store.articles.entry(i).url for i in picks]
    url_ms = _timed(lambda u: store.articles.get_by_url(u), urls)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(150)] + [rng.choice(LAST) for _ in range(50)]
    latest_ms = _timed(lambda n: library.latest(n, limit=10), names)
    batch_s = []
    for b in range(10):
        docs = sample[b * 100:(b + 1) * 100]
        t = time.perf_counter()
        store.articles.add_batch(docs)
        batch_s.append(time.perf_counter() - t)
    store.close()
    return {"n": len(ids), "open_s": open_s, "rss_mb": rss, "get_ms": get_ms, "url_ms": url_ms,
            "latest_ms": latest_ms, "batch_s": batch_s}


def measure_tinydb(path: str, sample_path: str) -> dict:
    from tinydb import Query, TinyDB
    from tinydb.storages import JSONStorage

    sample = json.loads(Path(sample_path).read_text())
    base_rss = rss_mb()
    t = time.perf_counter()
    db = TinyDB(path, storage=JSONStorage)
    table = db.table("articles")
    ids = [d["id"] for d in table.all()]  # TinyDB has no open step: the first full read is its open
    open_s = time.perf_counter() - t
    rss = rss_mb() - base_rss
    rng = random.Random(7)
    picks = rng.sample(ids, min(20, len(ids)))
    q = Query()
    get_ms = _timed(lambda i: table.get(q.id == i), picks)
    urls = [table.get(q.id == i)["url"] for i in picks]
    url_ms = _timed(lambda u: table.get(q.url == u), urls)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}".lower() for _ in range(15)] + [rng.choice(LAST).lower() for _ in range(5)]

    def latest(name: str) -> list:
        hits = table.search(q.keys.any([name]))
        return sorted(hits, key=lambda d: d.get("published") or "", reverse=True)[:10]

    latest_ms = _timed(latest, names)
    batch_s = []
    for b in range(3):
        t = time.perf_counter()
        table.insert_multiple(sample[b * 100:(b + 1) * 100])
        batch_s.append(time.perf_counter() - t)
    db.close()
    return {"n": len(ids), "open_s": open_s, "rss_mb": rss, "get_ms": get_ms, "url_ms": url_ms,
            "latest_ms": latest_ms, "batch_s": batch_s}


def _timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _in_fresh_process(kind: str, path: Path, sample: Path) -> dict:
    code = f"import json,sys; from bench.bench_store import measure_{kind} as m; print(json.dumps(m(sys.argv[1], sys.argv[2])))"
    out = subprocess.run([sys.executable, "-c", code, str(path), str(sample)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---- building --------------------------------------------------------------------------------------


def build_ours(path: Path, docs: list[dict]) -> float:
    from storage.tinydb import Store

    t = time.perf_counter()
    store = Store.open(path)
    for i in range(0, len(docs), 1000):
        store.articles.add_batch(docs[i:i + 1000])
    store.close()
    return time.perf_counter() - t


def build_tinydb(path: Path, docs: list[dict], budget_s: float) -> tuple[int, float]:
    """Grow a plain TinyDB in batches of 100 until the budget is spent; returns (size, seconds)."""
    from tinydb import TinyDB
    from tinydb.storages import JSONStorage

    db = TinyDB(path, storage=JSONStorage)
    table = db.table("articles")
    t = time.perf_counter()
    n = 0
    while n < len(docs) and time.perf_counter() - t < budget_s:
        table.insert_multiple(docs[n:n + 100])
        n += 100
    db.close()
    return n, time.perf_counter() - t


def _row(label: str, m: dict) -> list[object]:
    return [label, m["n"], m["open_s"], percentile(m["batch_s"], 50), percentile(m["get_ms"], 50),
            percentile(m["get_ms"], 95), percentile(m["url_ms"], 95), percentile(m["latest_ms"], 50),
            percentile(m["latest_ms"], 95), m["rss_mb"]]


def run(quick: bool = False) -> None:
    total = 5_000 if quick else 100_000
    budget = 5.0 if quick else 60.0
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    try:
        t = time.perf_counter()
        docs = make_articles(total, seed=1, start=now, days=90)
        sample = make_articles(1000, seed=2, start=now + timedelta(hours=1), days=0)
        gen_s = time.perf_counter() - t
        sample_path = work / "sample.json"
        sample_path.write_text(json.dumps(sample))
        mean_kb = sum(len(d["text"]) for d in docs) / len(docs) / 1000
        print(f"generated {total:,} articles (mean {mean_kb:.1f} KB of text) in {gen_s:.1f} s")

        base_n, base_build = build_tinydb(work / "tinydb.json", docs, budget)
        print(f"baseline: plain TinyDB reached {base_n:,} articles in {base_build:.1f} s (batches of 100)")
        ours_small_build = build_ours(work / "small", docs[:base_n])
        ours_build = build_ours(work / "full", docs)
        print(f"ours: built {base_n:,} in {ours_small_build:.1f} s and {total:,} in {ours_build:.1f} s (batches of 1000)")

        base = _in_fresh_process("tinydb", work / "tinydb.json", sample_path)
        small = _in_fresh_process("ours", work / "small" , sample_path)
        full = _in_fresh_process("ours", work / "full", sample_path)
        headers = ["store", "articles", "open s", "batch100 s", "get ms p50", "get ms p95", "url ms p95",
                   "latest ms p50", "latest ms p95", "RSS MB"]
        print_table("article store", headers, [_row("plain TinyDB", base), _row("newsbot", small),
                                               _row("newsbot", full)])

        def ratio(key: str, pct: float | None = 50) -> str:
            b = percentile(base[key], pct) if isinstance(base[key], list) else base[key]
            o = percentile(small[key], pct) if isinstance(small[key], list) else small[key]
            return f"{b / o:,.0f}x" if o else "inf"

        print_table(f"speed-up over plain TinyDB at {base_n:,} articles (baseline time / ours)",
                    ["open", "batch of 100", "get by id", "get by url", "latest p95"],
                    [[ratio("open_s"), ratio("batch_s"), ratio("get_ms"), ratio("url_ms"), ratio("latest_ms", 95)]])
        checks = [
            ("open <= 5 s", full["open_s"] <= 5),
            ("batch of 100 <= 0.3 s (p95)", percentile(full["batch_s"], 95) <= 0.3),
            ("get by id/url <= 5 ms (p95)", max(percentile(full["get_ms"], 95), percentile(full["url_ms"], 95)) <= 5),
            ("latest <= 20 ms p95", percentile(full["latest_ms"], 95) <= 20),
            ("RSS <= 400 MB", full["rss_mb"] <= 400),
        ]
        print_table(f"targets at {full['n']:,} articles", ["target", "met"],
                    [[name, "yes" if ok else "NO"] for name, ok in checks])
    finally:
        shutil.rmtree(work, ignore_errors=True)
