"""Topic subscriptions: parse what a user typed, and match articles against every topic at once.

How to write a topic (user-facing; README and /help copy this part):

    Flynn Kislyak          every word must appear, anywhere in the title or text
    "Robert Mueller"       a phrase: the words next to each other, in this order
    Syria OR Iran          either one (OR in capitals; a lower-case "or" is an ordinary word)
    Russia -sport          a minus excludes: no alert when "sport" appears (also -"formula one")
    Assad Syria OR Assad Russia -Putin
                           OR separates alternatives; each alternative needs all of its words;
                           an exclusion applies to the whole topic, wherever you put it

    Case, accents and apostrophes do not matter (Schurrle = Schürrle, Russia's = Russia’s = Russia),
    nor do simple plurals (sanction = sanctions, policy = policies). Whole words only: Flynn does not
    match Flynnville, Iran does not match "ran". A word with a hyphen, dot or apostrophe inside is
    matched as a phrase of its parts: al-Assad matches "al-Assad" and "al Assad" (and Assad alone
    matches both); G20 matches "G20" but not "G-20". “Curly”, «angle» and ‘single’ quotes work like
    "straight" ones. Brackets are not supported. At most 20 words or phrases, 200 characters.

The package, one job per module:
    fold    fold_for_match, the fold topics and articles both go through (accents, case, apostrophes,
            possessives, plurals) so that a term occurs when " term " is a substring of the article
    parse   Term, Topic, TopicError and parse_topic (the syntax above, and its one-line error messages)
    match   Hit, Match (with the "why" shown in alerts) and match_topic, one topic with no index
    index   TopicIndex: every subscribed topic in one pyahocorasick automaton, one pass per article

This package is pure: no Telegram, no storage, no clock.
"""

from __future__ import annotations

from bot.core.topics.fold import fold_for_match
from bot.core.topics.index import TopicIndex
from bot.core.topics.match import Hit, Match, match_topic
from bot.core.topics.parse import MAX_CHARS, MAX_TERMS, Term, Topic, TopicError, parse_topic

__all__ = [
    "MAX_CHARS",
    "MAX_TERMS",
    "Hit",
    "Match",
    "Term",
    "Topic",
    "TopicError",
    "TopicIndex",
    "fold_for_match",
    "match_topic",
    "parse_topic",
]
