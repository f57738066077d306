"""What an article says: sentence splitting, article-body cleanup and extractive summaries.

Pure package: no Telegram, no storage, no clock. Everything works on plain text.

* ``split_sentences`` (sentences.py) splits prose into sentences, surviving abbreviations (U.S., Sen.,
  Jan., a.m., No. 5), initials (J. K. Rowling), decimals, ellipses and sentences that end inside (curly) quotes.
* ``story_text`` (story.py) returns the article body without boilerplate lines (bylines, photo captions,
  "Share this", "Read more", subscription prompts, "Advertisement", credits) and without the trailing run
  of reader comments. Other modules (people, topics) read this text, so it errs on the side of keeping.
* ``summarize`` (and ``summarize_all``, the three lengths in one pass; scoring.py) picks sentences of the
  article (never generated text) with a lead-aware score and returns them in article order; ``lead`` is
  the Lead-N baseline over the same splitter.

Import from here (`from bot.summarize import summarize`), not from the modules, whose split may change.
"""

# The work caps and ALERT_MAX_WORDS are re-exported too: callers and benchmarks read them from here.
from bot.core.summarize.scoring import (
    ALERT_MAX_WORDS, LENGTHS, MAX_CHARS, MAX_SENTENCES, extract, lead, summarize, summarize_all,
)
from bot.core.summarize.sentences import split_sentences
from bot.core.summarize.story import MAX_STORY_CHARS, TAIL_PARAGRAPHS, story_text

__all__ = ["split_sentences", "story_text", "summarize", "summarize_all", "lead", "extract", "LENGTHS"]
