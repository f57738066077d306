"""Topic syntax, folding and matching: bot/topics.py."""

from __future__ import annotations

import random

import pytest

from bot.core.topics import (
    MAX_CHARS, MAX_TERMS, Hit, Match, Topic, TopicError, TopicIndex, fold_for_match, match_topic, parse_topic,
)


def hits(topic_text: str, title: str, body: str = "") -> str | None:
    """why() of the match, or None; checks that the index and match_topic agree on the way."""
    topic = parse_topic(topic_text)
    single = match_topic(topic, title, body)
    index = TopicIndex()
    index.add("k", topic)
    found = index.match(title, body)
    assert len(found) == (1 if single else 0)
    if single is None:
        return None
    assert found[0].key == "k" and found[0].topic == topic and found[0].hits == single.hits
    return single.why()


# --- folding --------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["Schürrle", "SCHURRLE", "schurrle", "Schu\u0308rrle"])
def test_fold_strips_case_and_accents(variant):
    assert fold_for_match(variant) == "schurrle"


def test_fold_letters_nfkd_leaves_alone():
    assert fold_for_match("Straße Ærø Łódź ﬁnance") == "strasse aero lodz finance"


@pytest.mark.parametrize("variant", ["Russia", "Russia's", "Russia’s", "russia‘s", "RUSSIAʼS"])
def test_fold_drops_possessive_with_any_apostrophe(variant):
    assert fold_for_match(variant) == "russia"


@pytest.mark.parametrize("plural, singular", [
    ("sanctions", "sanction"), ("policies", "policy"), ("taxes", "tax"), ("churches", "church"),
    ("glasses", "glass"), ("wishes", "wish"), ("players'", "player"), ("CEOs", "ceo"),
])
def test_fold_makes_simple_plurals_singular(plural, singular):
    assert fold_for_match(plural) == fold_for_match(singular) == singular


@pytest.mark.parametrize("word", ["bus", "gas", "us", "its", "crisis", "status", "boss", "news", "series", "Paris"])
def test_fold_leaves_short_and_non_plural_words_alone(word):
    assert fold_for_match(word) == word.lower()


def test_fold_splits_on_punctuation_and_keeps_digits():
    assert fold_for_match("al-Assad, G20; 3.5% (AT&T)") == "al assad g20 3 5 at t"
    assert fold_for_match("  ") == ""


# --- syntax ---------------------------------------------------------------------------------------

def keys_of(text: str) -> tuple:
    return parse_topic(text).key


def test_words_are_anded():
    assert keys_of("Flynn Kislyak") == ((("flynn", "kislyak"),), ())


def test_phrase_in_any_kind_of_quotes():
    expected = ((("robert mueller",),), ())
    for text in ['"Robert Mueller"', "“Robert Mueller”", "«Robert Mueller»", "‘Robert Mueller’", "'Robert  Mueller'"]:
        assert keys_of(text) == expected, text
    topic = parse_topic("“Robert   Mueller”")
    assert topic.alternatives[0][0].quoted and str(topic) == '"Robert Mueller"'


def test_apostrophe_inside_single_quoted_phrase():
    assert keys_of("‘Russia’s sanctions’ Putin") == ((("russia sanction", "putin"),), ())


def test_or_separates_alternatives_each_an_and():
    assert keys_of("Assad Syria OR Russia") == ((("assad", "syria"), ("russia",)), ())
    assert keys_of("Syria or Iran") == ((("syria", "or", "iran"),), ())  # lower-case or is a word


def test_exclusions_apply_to_the_whole_topic_wherever_written():
    assert keys_of('-sport Russia OR Ukraine -"formula one"') == ((("russia",), ("ukraine",)), ("sport", "formula one"))
    assert keys_of("Russia –sport") == keys_of("Russia -sport")  # an en dash, as phones type it


def test_and_is_accepted_and_means_nothing_extra():
    assert keys_of("Flynn AND Kislyak") == keys_of("Flynn Kislyak")


def test_canonical_display_and_round_trip():
    topic = parse_topic('  “Robert  Mueller”   OR comey,  -sport  -«formula one» ')
    assert str(topic) == '"Robert Mueller" OR comey -sport -"formula one"'
    assert parse_topic(str(topic)).key == topic.key
    assert topic.raw.startswith("  “Robert")


def test_repeated_terms_and_alternatives_collapse():
    assert keys_of("Flynn flynn Flynn's") == ((("flynn",),), ())
    assert keys_of("Syria OR syria") == ((("syria",),), ())


def test_hyphenated_word_is_a_phrase_shown_as_typed():
    topic = parse_topic("al-Assad")
    assert topic.key == ((("al assad",),), ()) and str(topic) == "al-Assad"


@pytest.mark.parametrize("text, expected", [
    ("", "The topic is empty"),
    ("   ", "The topic is empty"),
    ("x" * (MAX_CHARS + 1), f"keep it to {MAX_CHARS} or fewer"),
    ('"Robert Mueller', 'The quote before "Robert" is never closed — add a closing ".'),
    ("Flynn “Robert Mueller", 'The quote before "Robert" is never closed'),
    ("‘Robert Mueller", "add a closing ’"),
    ('Flynn "', "The quote at the end is never closed"),
    ('"" Flynn', 'The quotes "" hold no words'),
    ("-sport", "only excludes"),
    ('-sport -"formula one"', "only excludes"),
    ("OR Syria", "nothing to look for before the first OR"),
    ("Syria OR", "nothing to look for after the last OR"),
    ("Syria OR OR Iran", "nothing to look for between two ORs"),
    ("Syria OR -sport", "an -exclusion applies to the whole topic"),
    (" ".join(f"w{i}" for i in range(MAX_TERMS + 1)), f"use at most {MAX_TERMS}"),
    ("(Syria OR Iran) sanctions", "Brackets are not supported"),
    ("Russia - sport", "A minus must touch what it excludes"),
    ("!!! ...", "no letters or digits"),
    ("Russia -Russia's", "Russia's is both required and excluded"),
    ('"Robert Mueller" -Mueller', "Mueller is both required and excluded"),
])
def test_bad_topics_say_what_is_wrong_in_one_line(text, expected):
    with pytest.raises(TopicError) as info:
        parse_topic(text)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message and message.endswith(".")
    assert isinstance(info.value, ValueError)


def test_an_alternative_killed_by_an_exclusion_is_not_an_error_if_another_lives():
    assert keys_of("Russia OR Ukraine -Russia") == ((("russia",), ("ukraine",)), ("russia",))
    assert hits("Russia OR Ukraine -Russia", "Ukraine talks") == "Ukraine (in title)"
    assert hits("Russia OR Ukraine -Russia", "Ukraine and Russia talk") is None


def test_hostile_input_is_just_text():
    for text in ['"' * MAX_CHARS, "(a+)+$", "-" * 50 + "x", "OR " * 60, "\\" * 100]:
        try:
            topic = parse_topic(text)
        except TopicError:
            continue
        match_topic(topic, "a" * 10_000, "(a+)+$ " * 1000)
    assert hits("Flynn.* OR Iran+", "Flynnville and Irann") is None  # no regex syntax in topics


def test_max_terms_is_allowed():
    assert len(parse_topic(" ".join(f"w{i}" for i in range(MAX_TERMS))).alternatives[0]) == MAX_TERMS


# --- matching -------------------------------------------------------------------------------------

def test_all_words_must_appear_anywhere():
    assert hits("Flynn Kislyak", "Flynn met the envoy", "Kislyak said nothing") == "Flynn (in title), Kislyak (in body)"
    assert hits("Flynn Kislyak", "Flynn met the envoy", "He said nothing") is None


def test_title_wins_when_a_term_is_in_both():
    assert hits("Flynn", "Flynn resigns", "Michael Flynn said") == "Flynn (in title)"
    assert hits("Flynn", "Resignation", "Michael Flynn said") == "Flynn (in body)"
    assert hits("Flynn", "Talks with Flynn", "x") == "Flynn (in title)"  # the title's last word
    assert hits("Flynn", "", "Flynn said") == "Flynn (in body)"  # the body's first word
    assert hits("Flynn", "News", "Flynn said") == "Flynn (in body)"


def test_word_boundaries():
    assert hits("Flynn", "Flynnville fair opens") is None
    assert hits("ran", "Iran talks") is None
    assert hits("Iran", "Iran’s talks") == "Iran (in title)"
    assert hits("G20", "G200 forum") is None
    assert hits("2016", "Report 20160 published") is None


def test_phrase_words_must_be_adjacent_and_in_order():
    assert hits('"Robert Mueller"', "", "Robert said Mueller would") is None
    assert hits('"Robert Mueller"', "", "Mueller Robert") is None
    assert hits('"Robert Mueller"', "", "ROBERT MUELLER’S team") == '"Robert Mueller" (in body)'
    assert hits('"Robert Mueller"', "Robert Mueller, the counsel") == '"Robert Mueller" (in title)'


def test_a_phrase_cannot_run_from_title_into_body():
    assert hits('"Robert Mueller"', "Interview with Robert", "Mueller said") is None


def test_accents_case_apostrophes_and_plurals_match_both_ways():
    assert hits("Schurrle", "Schürrle scores") == "Schurrle (in title)"
    assert hits("Schürrle", "SCHURRLE SCORES") == "Schürrle (in title)"
    assert hits("sanction", "", "new sanctions on Iran") == "sanction (in body)"
    assert hits("sanctions", "", "a sanction on Iran") == "sanctions (in body)"
    assert hits("Russia's economy", "", "the Russia economy") == "Russia's (in body), economy (in body)"
    assert hits('"Russia’s economy"', "", "Russia's economies shrink") == '"Russia’s economy" (in body)'
    assert hits("policy", "New policies") == "policy (in title)"


def test_hyphenated_names():
    assert hits("al-Assad", "Bashar al-Assad speaks") == "al-Assad (in title)"
    assert hits("al-Assad", "Bashar al Assad speaks") == "al-Assad (in title)"
    assert hits("Assad", "Bashar al-Assad speaks") == "Assad (in title)"
    assert hits("al-Assad", "Assad al speaks") is None


def test_numbers_are_words():
    assert hits("G20 summit", "G20 summit opens") == "G20 (in title), summit (in title)"
    assert hits("1990", "In 1990 the wall fell") == "1990 (in title)"


def test_or_reports_what_hit():
    assert hits("Syria OR Iran", "", "Talks on Iran") == "Iran (in body)"
    assert hits("Syria OR Iran", "Syria", "and Iran") == "Syria (in title), Iran (in body)"
    assert hits("Syria OR Iran", "", "Iraq") is None


def test_exclusion_in_title_or_body_suppresses():
    assert hits("Russia -sport", "Russia bans athletes", "The sports ministry said") is None
    assert hits("Russia -sport", "Sport news", "Russia bans athletes") is None
    assert hits("Russia -sport", "Russia bans athletes", "The ministry said") == "Russia (in title)"
    assert hits('Hamilton -"formula one"', "Hamilton musical", "A Formula One fan") is None
    assert hits('Hamilton -"formula one"', "Hamilton musical", "A formula for one") == "Hamilton (in title)"


def test_match_topic_key_is_the_display_string():
    topic = parse_topic("flynn   kislyak")
    match = match_topic(topic, "Flynn", "Kislyak")
    assert match == Match("flynn kislyak", topic, (Hit("flynn", "title"), Hit("kislyak", "body")))


# --- the index ------------------------------------------------------------------------------------

def test_index_add_remove_len_and_lazy_rebuild():
    index = TopicIndex()
    assert len(index) == 0 and index.match("Flynn", "") == []
    index.add((1, 1), parse_topic("Flynn"))
    index.add((2, 1), parse_topic("Kislyak"))
    assert len(index) == 2 and (1, 1) in index
    assert {m.key for m in index.match("Flynn and Kislyak", "")} == {(1, 1), (2, 1)}
    index.remove((1, 1))
    assert len(index) == 1 and (1, 1) not in index
    assert [m.key for m in index.match("Flynn and Kislyak", "")] == [(2, 1)]
    index.remove((1, 1))  # unknown keys are ignored
    index.add((2, 1), parse_topic("Mueller"))  # an existing key is replaced
    assert len(index) == 1
    assert index.match("Flynn and Kislyak", "") == []
    assert [m.why() for m in index.match("Mueller", "")] == ["Mueller (in title)"]
    index.remove((2, 1))
    assert len(index) == 0 and index.match("Mueller", "") == []
    assert not index._pattern_ids and not index._anchors and not index._entries  # nothing leaks


def test_many_keys_share_one_topic():
    index = TopicIndex()
    for chat in range(1000):
        index.add((chat, 1), parse_topic("Flynn" if chat % 2 else "flynn"))
    index.add(("x", 1), parse_topic('"Michael Flynn" -sport'))
    assert len(index._entries) == 2  # identical topics compile once
    found = index.match("Flynn resigns", "")
    assert len(found) == 1000 and {m.key for m in found} == {(c, 1) for c in range(1000)}
    assert {m.why() for m in found} == {"Flynn (in title)", "flynn (in title)"}
    # Shared Match objects must follow subscription changes and where the term was found.
    index.add((5000, 1), parse_topic("Flynn"))
    index.remove((0, 1))
    found = index.match("Resignation", "Flynn resigns")
    assert {m.key for m in found} == {(c, 1) for c in range(1, 1000)} | {(5000, 1)}
    assert {m.why() for m in found} == {"Flynn (in body)", "flynn (in body)"}
    assert {m.key for m in index.match("Michael Flynn", "")} >= {("x", 1)}
    assert ("x", 1) not in {m.key for m in index.match("Michael Flynn", "Sports")}


def test_index_keeps_shared_terms_when_one_topic_goes():
    index = TopicIndex()
    index.add("a", parse_topic("Flynn Kislyak"))
    index.add("b", parse_topic("Flynn -Kislyak"))
    assert [m.key for m in index.match("Flynn", "")] == ["b"]
    index.remove("b")
    assert [m.key for m in index.match("Flynn Kislyak", "")] == ["a"]
    index.remove("a")
    index.add("c", parse_topic("Kislyak"))
    assert [m.key for m in index.match("Flynn Kislyak", "")] == ["c"]


# --- the index agrees with the one-topic matcher on random topics and texts -----------------------

_VOCAB = ["Flynn", "Kislyak", "Mueller", "Robert", "Iran", "ran", "Syria", "sanction", "sanctions", "Russia's",
          "Russia", "sport", "sports", "Schürrle", "Schurrle", "al-Assad", "Assad", "al", "G20", "policy",
          "policies", "or", "news", "Flynnville", "the"]


def _random_topic(rng: random.Random) -> str:
    def term() -> str:
        if rng.random() < 0.25:
            return '"' + " ".join(rng.choice(_VOCAB) for _ in range(rng.randint(2, 3))) + '"'
        return rng.choice(_VOCAB)

    alts = [" ".join(term() for _ in range(rng.randint(1, 3))) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    excl = [f"-{term()}" for _ in range(rng.choice([0, 0, 0, 1, 2]))]
    return " OR ".join(alts) + "".join(" " + e for e in excl)


def _random_text(rng: random.Random, n: int) -> str:
    filler = ["said", "on", "Monday", "a", "-", ",", "’s", "Flynn’s", "IRAN", "SANCTIONS"]
    return " ".join(rng.choice(_VOCAB + filler) for _ in range(n))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_agrees_with_match_topic(seed):
    rng = random.Random(seed)
    index, topics = TopicIndex(), {}
    while len(topics) < 300:
        try:
            topic = parse_topic(_random_topic(rng))
        except TopicError:
            continue
        topics[len(topics)] = topic
        index.add(len(topics) - 1, topic)
    for key in rng.sample(sorted(topics), 50):  # exercise removal and re-adding too
        index.remove(key)
        if key % 2:
            index.add(key, topics[key])
        else:
            del topics[key]
    assert len(index) == len(topics)
    total = 0
    for _ in range(150):
        title, body = _random_text(rng, rng.randint(0, 6)), _random_text(rng, rng.randint(0, 30))
        expected = {}
        for key, topic in topics.items():
            single = match_topic(topic, title, body)
            if single:
                expected[key] = single.hits
        got = {m.key: m.hits for m in index.match(title, body)}
        assert got == expected, (title, body)
        total += len(got)
    assert total > 100  # the texts really do hit topics, so the comparison means something


def test_topic_and_match_are_frozen_values():
    topic = parse_topic("Flynn")
    assert isinstance(topic, Topic) and hash(topic) == hash(parse_topic("Flynn"))
    with pytest.raises(AttributeError):
        topic.raw = "x"  # type: ignore[misc]
    match = TopicIndex()
    match.add(1, topic)
    (found,) = match.match("Flynn", "")
    assert found == Match(1, topic, (Hit("Flynn", "title"),))
    with pytest.raises(AttributeError):
        found.key = 2  # type: ignore[misc]
