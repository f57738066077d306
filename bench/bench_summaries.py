"""Summary quality and speed: ROUGE of bot.summarize against BBC extractive references, beside Lead-N.

Fairness: every comparison is at the same length. "full" (5 sentences) vs Lead-5, "digest" (1) vs Lead-1,
and "alert" (2-3 sentences, <= 60 words) vs Lead-3 as is and vs "Lead within the alert budget" (the first
sentences that fit in 60 words, at least one), so the word cap does not decide the comparison. Lead-N uses
the same sentence splitter on the same texts. The titles are not repeated in the BBC texts, and every
system gets the same title. Speed is articles per second of CPU time (one core), on the texts topped up to about 3 KB.
"""

from __future__ import annotations

import json
import time

from bench.common import print_table, shared_data, skip
from bot.core.summarize import ALERT_MAX_WORDS, lead, split_sentences, story_text, summarize, summarize_all

NAME = "summaries"


def _load(quick: bool) -> list[dict] | None:
    path = shared_data("summaries", "bbc_dev_100.jsonl")
    if path is None:
        return None
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return rows[:8] if quick else rows


def _lead_budget(text: str, max_words: int) -> list[str]:
    out: list[str] = []
    total = 0
    for s in split_sentences(text):
        w = len(s.split())
        if out and total + w > max_words:
            break
        out.append(s)
        total += w
        if len(out) == 3:
            break
    return out


def _rouge_rows(rows: list[dict], systems: dict[str, object]) -> list[list[object]]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    table = []
    for name, fn in systems.items():
        sums = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
        words = 0
        for r in rows:
            sents = fn(r)
            hyp = "\n".join(sents)
            words += len(hyp.split())
            scores = scorer.score(r["summary"], hyp)
            for k in sums:
                sums[k] += scores[k].fmeasure
        n = len(rows)
        table.append([name, 100 * sums["rouge1"] / n, 100 * sums["rouge2"] / n, 100 * sums["rougeL"] / n, words / n])
    return table


def _rate(fn, texts: list[str], min_seconds: float) -> float:
    """Articles per second of this process's CPU time: one core's throughput, even on a busy machine."""
    done = 0
    started = time.process_time()
    while True:
        for t in texts:
            fn(t)
        done += len(texts)
        elapsed = time.process_time() - started
        if elapsed >= min_seconds:
            return done / elapsed


def run(quick: bool = False) -> None:
    rows = _load(quick)
    if rows is None:
        skip(NAME, "../shared/data/summaries/bbc_dev_100.jsonl is not on this machine")
        return
    try:
        import rouge_score  # noqa: F401
    except ImportError:
        skip(NAME, "rouge-score is not installed (pip install rouge-score)")
        return

    systems = {
        "digest (1 sentence)": lambda r: summarize(r["text"], r["title"], "digest"),
        "Lead-1": lambda r: lead(r["text"], 1),
        "alert (2-3 sent, <=60 words)": lambda r: summarize(r["text"], r["title"], "alert"),
        f"Lead within {ALERT_MAX_WORDS} words (1-3 sent)": lambda r: _lead_budget(r["text"], ALERT_MAX_WORDS),
        "Lead-3": lambda r: lead(r["text"], 3),
        "full (5 sentences)": lambda r: summarize(r["text"], r["title"], "full"),
        "Lead-5": lambda r: lead(r["text"], 5),
    }
    table = _rouge_rows(rows, systems)
    print_table(
        f"ROUGE F1 x100 vs BBC extractive references ({len(rows)} articles, use_stemmer=True)",
        ["system", "ROUGE-1", "ROUGE-2", "ROUGE-L", "words/summary"],
        table,
    )
    by = {row[0]: row for row in table}
    pairs = [
        ("digest (1 sentence)", "Lead-1"),
        ("alert (2-3 sent, <=60 words)", f"Lead within {ALERT_MAX_WORDS} words (1-3 sent)"),
        ("alert (2-3 sent, <=60 words)", "Lead-3"),
        ("full (5 sentences)", "Lead-5"),
    ]
    print_table(
        "same-length comparison (ratio = ours / lead, ROUGE-1)",
        ["ours", "lead", "ROUGE-1 ours", "ROUGE-1 lead", "ratio"],
        [[a, b, by[a][1], by[b][1], by[a][1] / by[b][1]] for a, b in pairs],
    )

    # Speed on ~3 KB articles: each BBC text (about 2 KB) topped up with the next one's opening lines.
    texts = []
    for i, r in enumerate(rows):
        t = r["text"]
        extra = rows[(i + 1) % len(rows)]["text"].split("\n")
        while len(t.encode()) < 3072 and extra:
            t += "\n" + extra.pop(0)
        texts.append(t)
    min_seconds = 0.3 if quick else 2.0
    avg_kb = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    rate_lead = _rate(lambda t: lead(t, 3), texts, min_seconds)
    rate_story = _rate(story_text, texts, min_seconds)
    rate_alert = _rate(lambda t: summarize(t, "", "alert"), texts, min_seconds)
    rate_three = _rate(lambda t: [summarize(t, "", k) for k in ("alert", "digest", "full")], texts, min_seconds)
    rate_all = _rate(lambda t: summarize_all(t, ""), texts, min_seconds)
    big = "\n\n".join(texts) * max(1, (1_000_000 // max(1, sum(len(t) for t in texts))) + 1)
    started = time.process_time()
    story_text(big)
    summarize(big, "", "full")
    big_ms = (time.process_time() - started) * 1000
    print_table(
        f"speed, one core (CPU time), {len(texts)} articles of {avg_kb:.1f} KB avg (baseline: Lead-3, same splitter)",
        ["operation", "articles/s", "vs Lead-3"],
        [
            ["lead(text, 3) (baseline)", rate_lead, 1.0],
            ["story_text(text)", rate_story, rate_story / rate_lead],
            ["summarize alert (includes story_text)", rate_alert, rate_alert / rate_lead],
            ["summarize x3 (alert, digest, full)", rate_three, rate_three / rate_lead],
            ["summarize_all (3 lengths, one pass)", rate_all, rate_all / rate_lead],
        ],
    )
    print(f"  1 MB text: story_text + summarize(full) took {big_ms:.0f} ms ({len(big) / 1e6:.1f} MB)")
