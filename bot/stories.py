"""Story fingerprints: a bottom-k MinHash sketch of the story text's word 3-shingles.

The sketch keeps the K smallest 64-bit shingle hashes. Two sketches estimate the Jaccard similarity of
the texts' shingle sets (the share of the union's K smallest hashes present in both), so two reports of
the same story score high and unrelated texts near zero. Computed once per article at ingest and stored
as hex; the sources issue groups articles whose sketches are similar (and published within 48 h) under
one story id, using the hashes themselves as lookup keys.
"""

from __future__ import annotations

import hashlib
import heapq
import re

from .text import fold

K = 16
MAX_WORDS = 600  # the lead carries the story; long tails (live blogs) would only dilute it
_WORD = re.compile(r"\w+")


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def sketch(text: str) -> str:
    words = _WORD.findall(fold(text))[:MAX_WORDS]
    if not words:
        return ""
    shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    return "".join(f"{h:016x}" for h in heapq.nsmallest(K, map(_hash, shingles)))


def hashes(fingerprint: str) -> list[int]:
    return [int(fingerprint[i:i + 16], 16) for i in range(0, len(fingerprint), 16)]


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0.0 to 1.0."""
    ha, hb = set(hashes(a)), set(hashes(b))
    if not ha or not hb:
        return 0.0
    union = heapq.nsmallest(min(K, len(ha | hb)), ha | hb)
    return sum(1 for h in union if h in ha and h in hb) / len(union)
