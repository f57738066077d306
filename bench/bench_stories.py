"""Story grouping threshold: how similar are copies of the same story, and how similar is unrelated news?

Corpus: the bundled seeds (always) and the BBC dev set (when present). For every article, other outlets'
copies are simulated: the last paragraph replaced, 15% of sentences replaced (85% overlap, Feedly's
duplicate line), 30% replaced, and the lead half alone. Every distinct pair of corpus articles is an
unrelated pair. For each threshold the table shows how many copies are grouped (recall) and how many
unrelated pairs would wrongly share a story (false merges). Baseline: exact-text fingerprint dedup, which
groups only identical copies.
"""

from __future__ import annotations

import itertools
import json
import random
import time

from bench.common import print_table, shared_data
from bot.core.stories import THRESHOLD, StoryIndex, similarity, sketch
from bot.core.summarize import split_sentences, story_text
from bot.core.text import fingerprint


def corpus() -> list[str]:
    from bot.sources.files import discover, read_file
    from bot.services.seeds import seeds_dir

    paths, _ = discover([seeds_dir()])
    texts = [story_text(a.text) or a.text for p in paths for a in read_file(p).articles]
    bbc = shared_data("summaries", "bbc_dev_100.jsonl")
    if bbc:
        texts += [json.loads(line)["text"] for line in bbc.read_text().splitlines() if line.strip()]
    return [t for t in texts if len(t.split()) > 80]


def replace_share(text: str, other: list[str], share: float, rng: random.Random) -> str:
    sentences = split_sentences(text)
    for i in rng.sample(range(len(sentences)), max(1, round(share * len(sentences)))):
        sentences[i] = rng.choice(other)
    return " ".join(sentences)


def run(quick: bool = False) -> None:
    rng = random.Random(5)
    texts = corpus()
    if quick:
        texts = texts[:30]
    filler = [s for t in texts for s in split_sentences(t)]
    variants = {
        "last paragraph replaced": lambda t: "\n\n".join(t.split("\n\n")[:-1] + [rng.choice(filler)]) if "\n\n" in t else t + " " + rng.choice(filler),
        "85% overlap": lambda t: replace_share(t, filler, 0.15, rng),
        "70% overlap": lambda t: replace_share(t, filler, 0.30, rng),
        "lead half only": lambda t: " ".join(split_sentences(t)[: max(3, len(split_sentences(t)) // 2)]),
    }
    t0 = time.perf_counter()
    sketches = [sketch(t) for t in texts]
    per_article_ms = (time.perf_counter() - t0) / len(texts) * 1000
    # Unrelated pairs: distinct texts (the BBC set holds one article twice; that pair is a true duplicate).
    prints = [fingerprint(t) for t in texts]
    cross = [similarity(sketches[i], sketches[j]) for i, j in itertools.combinations(range(len(texts)), 2)
             if prints[i] != prints[j]]
    copies = {name: [similarity(s, sketch(make(t))) for t, s in zip(texts, sketches)] for name, make in variants.items()}
    exact = {name: sum(fingerprint(t) == fingerprint(make(t)) for t in texts) / len(texts) for name, make in variants.items()}
    print(f"{len(texts)} articles, {len(cross):,} unrelated pairs (identical texts left out); "
          f"max unrelated similarity {max(cross):.3f}")
    rows = []
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        row = [f"{threshold:.1f}" + (" (chosen)" if abs(threshold - THRESHOLD) < 1e-9 else "")]
        row += [sum(v >= threshold for v in vals) / len(vals) for vals in copies.values()]
        row += [sum(c >= threshold for c in cross)]
        rows.append(row)
    rows.append(["exact-text baseline"] + [exact[name] for name in variants] + [0])
    print_table("story grouping: share of copies grouped, and unrelated pairs merged",
                ["threshold", *variants.keys(), "false merges"], rows)

    index = StoryIndex()
    for n in range(5000):
        index.add(f"a{n}", 0.0, sketches[n % len(sketches)] if n < len(sketches) else sketch(" ".join(rng.sample(filler, 12))), f"a{n}")
    t0 = time.perf_counter()
    for s in sketches:
        index.find(s, 0.0)
    find_ms = (time.perf_counter() - t0) / len(sketches) * 1000
    print_table("story grouping speed", ["sketch ms/article", "find ms (5,000 in window)"], [[per_article_ms, find_ms]])
