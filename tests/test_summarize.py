"""bot.core.summarize: splitter cases, boilerplate and comment removal, summary lengths, the seed article."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.core.summarize import ALERT_MAX_WORDS, lead, split_sentences, story_text, summarize

ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_fa6bb3376613a56f.txt"


def _seed_text() -> str | None:
    for path in (ROOT / "seeds" / SEED_NAME, ROOT.parent / "shared" / "seeds" / SEED_NAME):
        if path.exists():
            return path.read_text(encoding="utf-8")
    return None


# ----------------------------------------------------------------------------------------------
# split_sentences
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. economy grew. Prices fell.", ["The U.S. economy grew.", "Prices fell."]),
        ("He moved to the U.S. He then worked.", ["He moved to the U.S.", "He then worked."]),
        ("The U.K. Parliament voted. It passed.", ["The U.K. Parliament voted.", "It passed."]),
        ("Sen. Warren spoke. Dr. Lee and Mr. Smith agreed.", ["Sen. Warren spoke.", "Dr. Lee and Mr. Smith agreed."]),
        ("Mrs. Brown and Gov. Hall met Prof. Ng. They talked.", ["Mrs. Brown and Gov. Hall met Prof. Ng.", "They talked."]),
        ("It opened on Jan. 5 in Paris. It closed in Feb. 2020.", ["It opened on Jan. 5 in Paris.", "It closed in Feb. 2020."]),
        ("The vote is at 9 a.m. Tuesday. Results come at 5 p.m. The polls close.",
         ["The vote is at 9 a.m. Tuesday.", "Results come at 5 p.m.", "The polls close."]),
        ("The song hit No. 5 in the charts. He said no. It stayed.", ["The song hit No. 5 in the charts.", "He said no.", "It stayed."]),
        ("J. K. Rowling wrote it. George W. Bush read it.", ["J. K. Rowling wrote it.", "George W. Bush read it."]),
        ("Inflation rose to 3.5 per cent. Growth was 0.2%.", ["Inflation rose to 3.5 per cent.", "Growth was 0.2%."]),
        ('He said "We will win." Then he left.', ['He said "We will win."', "Then he left."]),
        ("She said “It is over.” Nobody answered.", ["She said “It is over.”", "Nobody answered."]),
        ("“Stop!” he shouted. “Why?” she asked.", ["“Stop!” he shouted.", "“Why?” she asked."]),
        ("He paused... Then he spoke. It was late… Everyone left.", ["He paused...", "Then he spoke.", "It was late…", "Everyone left."]),
        ("Apple Inc. said profits rose. Acme Corp. The firm grew.", ["Apple Inc. said profits rose.", "Acme Corp.", "The firm grew."]),
        ("Tools, e.g. hammers, sell. Sales rose.", ["Tools, e.g. hammers, sell.", "Sales rose."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
    ],
)
def test_split_sentences_cases(text, expected):
    assert split_sentences(text) == expected


def test_split_sentences_lines_and_wrapping():
    # a line break ends a sentence; a hard-wrapped line (lowercase continuation) does not
    assert split_sentences("Headline here\nThe body starts. It goes on\nacross a wrap.") == [
        "Headline here",
        "The body starts.",
        "It goes on across a wrap.",
    ]
    assert split_sentences("First para.\n\nSecond para.") == ["First para.", "Second para."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_input(text):
    assert split_sentences(text) == []
    assert story_text(text) == ""
    assert lead(text) == []
    for length in ("alert", "digest", "full"):
        assert summarize(text, "Title", length) == []


def test_unknown_length_raises():
    with pytest.raises(ValueError):
        summarize("Some text here. More text.", length="long")


# ----------------------------------------------------------------------------------------------
# story_text: boilerplate and reader comments
# ----------------------------------------------------------------------------------------------

NEWS = [
    "The city council approved a 40 million euro bridge over the river on Tuesday, ending a decade of debate.",
    "Mayor Anna Berg said construction would start in May and take three years.",
    "Opponents had argued the money should go to schools, and a petition gathered 12,000 signatures last year.",
    "The regional government will pay half of the cost, officials said.",
]


def test_boilerplate_lines_are_dropped():
    text = "\n\n".join(
        [
            "By Jane Doe",
            NEWS[0],
            "Share this article",
            "The new bridge as imagined by the architects (AP Photo/John Smith)",
            NEWS[1],
            "Advertisement",
            "Read more: Why bridges cost so much",
            NEWS[2],
            "Subscribe to our newsletter for the latest news",
            "Sign up for unlimited access",
            NEWS[3],
            "(Reporting by Jane Doe; Editing by John Roe)",
            "© 2024 Example News. All rights reserved.",
        ]
    )
    assert story_text(text) == "\n\n".join(NEWS)


def test_byline_lookalikes_in_news_are_kept():
    text = "By Tuesday, the protest had grown to 5,000 people.\n\nBy the end of the year, sales rose 4%, the firm said."
    assert story_text(text) == text


def test_trailing_reader_comments_are_cut():
    comments = [
        "Sad... what a waste of money!",
        "You people never learn. We paid for the last one too!",
        "Why does nobody ask who profits from this?",
        "This reminds me of the old tunnel plan.",
    ]
    text = "\n".join(NEWS + comments)  # one paragraph per line, like the seed
    assert story_text(text) == "\n\n".join(NEWS)


def test_comments_header_cuts_the_rest():
    text = "\n\n".join(NEWS + ["Comments", "Great news, the council finally did something.", "Agreed."])
    assert story_text(text) == "\n\n".join(NEWS)


def test_reader_prompt_after_story_line_in_the_same_paragraph():
    text = "\n\n".join(NEWS[:3]) + "\n\n" + NEWS[3] + "\nWhat do you think about the bridge?\nWould you use it?"
    assert story_text(text) == "\n\n".join(NEWS)


def test_quoted_first_person_speech_is_kept():
    paras = NEWS + [
        "\"I am proud of this city and we will deliver the bridge on time,\" Ms Berg told reporters.",
        "“We are not against bridges. We just want our schools fixed first!” said Tom Ruiz, who led the petition.",
        "Asked whether the project could fail, she said: \"Could it? I doubt it. We have done our homework.\"",
        "Ruiz said his group would keep campaigning.",
    ]
    text = "\n".join(paras)
    assert story_text(text) == "\n\n".join(paras)


def test_quote_heavy_ending_is_kept():
    # Ends on a quoted reaction with "I", "you", "?" and "!" all inside quotation marks.
    paras = NEWS + ["“Do you know what I think? I think it is wonderful!” one resident told the BBC."]
    assert story_text("\n\n".join(paras)) == "\n\n".join(paras)


def test_first_person_column_without_news_is_left_whole():
    column = "I have lived here for years.\n\nWe all know the bridge is late!\n\nWhy do you think that is?"
    assert story_text(column) == column


def test_huge_text_does_not_blow_up():
    text = ("\n\n".join(NEWS) + "\n\n") * 2500  # about 1 MB
    started = time.perf_counter()
    body = story_text(text)
    result = summarize(text, "Bridge", "full")
    assert time.perf_counter() - started < 5
    assert body.startswith(NEWS[0]) and 1 <= len(result) <= 5


# ----------------------------------------------------------------------------------------------
# summarize and lead
# ----------------------------------------------------------------------------------------------


def test_datelines_are_stripped_from_summary_sentences():
    text = "WASHINGTON (Reuters) - The Senate passed the budget bill late on Friday after a long debate.\n" + "\n".join(NEWS)
    for length in ("alert", "digest", "full"):
        out = summarize(text, "Senate passes budget", length)
        assert all(not s.startswith("WASHINGTON") for s in out)
    assert summarize(text, "Senate passes budget", "digest") == ["The Senate passed the budget bill late on Friday after a long debate."]
    text2 = "LONDON — Shares rose sharply in early trading on Monday as banks rallied.\n" + "\n".join(NEWS)
    assert summarize(text2, "", "full")[0] == "Shares rose sharply in early trading on Monday as banks rallied."


def test_lengths_and_article_order():
    text = "\n".join(NEWS + ["Critics said the design had changed twice since the 2019 competition.", "The bridge will carry trams and bicycles but no cars, the council said."])
    sentences = split_sentences(text)
    alert = summarize(text, "Council approves bridge", "alert")
    digest = summarize(text, "Council approves bridge", "digest")
    full = summarize(text, "Council approves bridge", "full")
    assert 2 <= len(alert) <= 3 and sum(len(s.split()) for s in alert) <= ALERT_MAX_WORDS
    assert len(digest) == 1
    assert 1 <= len(full) <= 5
    for out in (alert, digest, full):
        assert all(s in sentences for s in out)  # extractive
        assert [sentences.index(s) for s in out] == sorted(sentences.index(s) for s in out)
    assert digest == [NEWS[0]]  # lead-aware


def test_lead_uses_the_same_splitter():
    text = "Dr. Lee arrived at 9 a.m. Tuesday. She left. He stayed. They met."
    assert lead(text, 2) == ["Dr. Lee arrived at 9 a.m. Tuesday.", "She left."]
    assert lead(text) == split_sentences(text)[:3]


def test_alert_with_long_sentences_stays_within_budget():
    long = " ".join(["word"] * 70) + "."
    text = f"{long}\n{long}\nShort closing sentence here now."
    alert = summarize(text, "", "alert")
    assert 1 <= len(alert) <= 3
    assert sum(len(s.split()) for s in alert) <= ALERT_MAX_WORDS


def test_seed_summaries_come_only_from_the_news_paragraphs():
    text = _seed_text()
    if text is None:
        pytest.skip("seed article not present")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 10
    news, comments = lines[:6], lines[6:]
    assert story_text(text) == "\n\n".join(news)
    news_sentences = set(split_sentences("\n".join(news)))
    alert = summarize(text, "Flynn spoke to Russian ambassador during campaign", "alert")
    digest = summarize(text, "Flynn spoke to Russian ambassador during campaign", "digest")
    full = summarize(text, "Flynn spoke to Russian ambassador during campaign", "full")
    assert 2 <= len(alert) <= 3 and sum(len(s.split()) for s in alert) <= ALERT_MAX_WORDS
    assert len(digest) == 1
    assert 1 <= len(full) <= 5
    for out in (alert, digest, full):
        for s in out:
            assert s in news_sentences
            assert all(s not in c for c in comments)
    assert digest[0].startswith("Former National Security Adviser Michael Flynn")
