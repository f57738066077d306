"""People extraction and people index: quality on CoNLL-2003 dev and GUM news, speed, index build/lookup/memory.

Quality is measured per document on the set of unique person names, case-insensitively:
- strict: the canonical names we output vs the gold `persons` strings, exact match. Gold lists every PER string of
  a document ("Nasser Hussain" and "Hussain"), so strict recall cannot reach 1 for a tool that outputs one
  canonical name per person; the "ceiling" column shows the best strict recall possible (gold strings that are not
  a word-suffix/prefix of a longer gold string in the same document).
- lenient: the same gold strings vs every surface form we output (canonical names plus their in-article aliases),
  exact match. A gold "Flynn" counts as found when we output "Michael Flynn" with alias "Flynn"; precision is over
  the same surface forms, so a wrong alias costs precision.
The baseline is computed by the same code: every run of 2+ capitalised words is a person (its strings, no aliases).
"""

from __future__ import annotations

import json
import random
import re
import time
import tracemalloc

from bench.common import percentile, print_table, shared_data, skip
from bot.core.people import PeopleIndex, Person, extract_people

_CAPRUN = re.compile(r"\b(?:[A-Z][\w'\-]*\.? ){1,4}[A-Z][\w'\-]*")


def _baseline(text: str, title: str = "") -> list[Person]:
    found = []
    seen = set()
    for m in _CAPRUN.finditer(text):
        s = m.group().strip()
        if s.lower() not in seen:
            seen.add(s.lower())
            found.append(Person(s, (), 1, None))
    return found


def _load(name: str, quick: bool) -> list[dict] | None:
    path = shared_data("people", name)
    if path is None:
        return None
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return rows[:40] if quick else rows


def _ceiling(gold: set[str]) -> set[str]:
    out = set()
    for g in gold:
        w = g.split()
        if not any(o != g and (o.endswith(" " + g) or o.startswith(g + " ")) for o in gold) or len(w) > 1:
            out.add(g)
    return out


def _score(rows: list[dict], extract) -> dict[str, float]:
    tp = fp = fn = 0
    ltp = lfp = lfn = 0
    ceil_hit = gold_n = 0
    for r in rows:
        people = extract(r["text"], r.get("title") or "")
        gold = {g.lower() for g in r["persons"]}
        pred = {p.name.lower() for p in people}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        surf = set(pred)
        for p in people:
            surf.update(a.lower() for a in p.aliases)
        ltp += len(surf & gold)
        lfp += len(surf - gold)
        lfn += len(gold - surf)
        ceil_hit += len(_ceiling(gold))
        gold_n += len(gold)

    def prf(a: int, b: int, c: int) -> tuple[float, float, float]:
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    sp, sr, sf = prf(tp, fp, fn)
    lp, lr, lf = prf(ltp, lfp, lfn)
    return {"sp": sp, "sr": sr, "sf": sf, "lp": lp, "lr": lr, "lf": lf,
            "ceiling": ceil_hit / gold_n if gold_n else 0.0}


def _quality(quick: bool) -> None:
    rows = []
    for fname, label in (("conll2003_dev_docs.jsonl", "CoNLL-2003 dev"), ("gum_news_people.jsonl", "GUM news")):
        data = _load(fname, quick)
        if data is None:
            skip("people", f"{fname} not found under shared data")
            continue
        for tool, fn in (("extract_people", extract_people), ("baseline: capitalised runs", _baseline)):
            s = _score(data, fn)
            rows.append([f"{label} ({len(data)} docs)", tool, s["sp"], s["sr"], s["sf"], s["lp"], s["lr"], s["lf"],
                         s["ceiling"]])
    if rows:
        print_table("people: unique person names per document (case-insensitive exact match)",
                    ["set", "tool", "strict P", "strict R", "strict F1", "lenient P", "lenient R", "lenient F1",
                     "strict R ceiling"], rows)


def _texts(quick: bool) -> list[str]:
    """~3 KB article texts: GUM news documents, else CoNLL documents glued to ~3 KB."""
    out: list[str] = []
    gum = _load("gum_news_people.jsonl", False)
    if gum:
        out.extend(r["text"][:3000] for r in gum)
    conll = _load("conll2003_dev_docs.jsonl", False)
    if conll:
        buf = ""
        for r in conll:
            buf += r["text"] + "\n"
            if len(buf) >= 3000:
                out.append(buf[:3000])
                buf = ""
    if not out:
        seed = shared_data("..", "seeds", "000_fa6bb3376613a56f.txt")
        if seed is not None:
            out.append(seed.read_text(encoding="utf-8")[:3000])
    return out[:30] if quick else out


def _speed(quick: bool) -> None:
    texts = _texts(quick)
    if not texts:
        skip("people", "no texts for the speed test")
        return
    extract_people("warm up, Mr. Smith said.")
    rows = []
    for tool, fn in (("extract_people", extract_people), ("baseline: capitalised runs", _baseline)):
        reps = 1 if quick else 3
        t0 = time.perf_counter()
        for _ in range(reps):
            for t in texts:
                fn(t)
        dt = time.perf_counter() - t0
        n = reps * len(texts)
        rows.append([tool, n, sum(len(t) for t in texts) / len(texts), n / dt, dt / n * 1000])
    print_table("people: extraction speed, one core", ["tool", "articles", "avg chars", "articles/s", "ms/article"],
                rows)


_GIVEN = ["Michael", "Mike", "Robert", "Bob", "James", "Jim", "Maria", "Anna", "Sergey", "Ahmed", "Li", "Olga", "John",
          "Elizabeth", "Liz", "David", "Sarah", "Mohamed", "Yuki", "Pierre", "Hans", "Lucia", "Kofi", "Priya"]


def _synthetic_people(n_people: int, rng: random.Random) -> list[tuple[str, str]]:
    syll = ["ka", "lo", "mi", "ren", "tor", "vak", "shi", "dan", "bel", "gor", "nov", "sky", "ton", "ber", "ler", "ez"]
    out = []
    seen = set()
    while len(out) < n_people:
        surname = "".join(rng.choice(syll) for _ in range(rng.randint(2, 3))).capitalize()
        given = rng.choice(_GIVEN)
        if (given, surname) not in seen:
            seen.add((given, surname))
            out.append((given, surname))
    return out


def _index(quick: bool) -> None:
    rng = random.Random(7)
    n_articles = 5_000 if quick else 100_000
    pool = _synthetic_people(n_articles // 2, rng)
    cum, acc = [], 0.0
    for i in range(len(pool)):  # Zipf-like: a few people in many articles
        acc += 1.0 / (i + 1) ** 0.9
        cum.append(acc)
    roles = ["senator", "minister of finance", "coach", "special counsel", None, None, None]
    articles = []
    for a in range(n_articles):
        chosen = rng.choices(pool, cum_weights=cum, k=5)
        people = []
        for given, surname in chosen:
            r = rng.random()
            name = f"{given} {surname}" if r < 0.8 else surname
            people.append(Person(name, (surname,) if r < 0.8 else (), rng.randint(1, 6), rng.choice(roles)))
        articles.append((f"a{a:07d}", 1.5e9 + a * 60 + rng.random() * 600, people))

    t0 = time.perf_counter()
    index = PeopleIndex()
    for aid, ts, people in articles:
        index.add(aid, ts, people)
    build = time.perf_counter() - t0
    del index
    # memory: a second build under tracemalloc (which slows it, hence the separate timed build above)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = PeopleIndex()
    for aid, ts, people in articles:
        index.add(aid, ts, people)
    mem = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()

    queries = []
    for _ in range(2000 if not quick else 300):
        given, surname = pool[min(len(pool) - 1, int(rng.paretovariate(0.8)) - 1)]
        q = rng.random()
        queries.append(f"{given} {surname}" if q < 0.5 else surname.lower() if q < 0.8 else f"{given} Nobody")
    lat = []
    found = 0
    for q in queries:
        t = time.perf_counter()
        res = index.lookup(q)
        lat.append((time.perf_counter() - t) * 1000)
        found += res.status == "found"

    # baseline for lookup cost: a linear scan over every (article, person) pair, on a 1% sample of queries
    flat = [(aid, ts, p.name.lower()) for aid, ts, people in articles for p in people]
    blat = []
    for q in queries[:: max(1, len(queries) // 20)]:
        t = time.perf_counter()
        ql = q.lower()
        hits = sorted((ts, aid) for aid, ts, name in flat if ql in name)[-10:]
        blat.append((time.perf_counter() - t) * 1000)
        del hits
    rows = [
        ["PeopleIndex", n_articles, len(index), build, n_articles / build, percentile(lat, 50), percentile(lat, 95),
         mem, found / len(queries)],
        ["baseline: linear scan", n_articles, "", "", "", percentile(blat, 50), percentile(blat, 95), "", ""],
    ]
    print_table("people: index over synthetic articles (5 people each)",
                ["index", "articles", "persons", "build s", "adds/s", "lookup p50 ms", "lookup p95 ms",
                 "memory MB (tracemalloc)", "found share"], rows)


def run(quick: bool = False) -> None:
    _quality(quick)
    _speed(quick)
    _index(quick)
