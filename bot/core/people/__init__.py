"""Who an article is about: person names, their in-article aliases, mention counts and roles, plus a people index.

Pure and rule-based (no model, no telegram, no tinydb, no clock). `extract_people` finds capitalised name spans,
decides which are people from honorifics and titles, given-name lists, surrounding words ("said", "manager ...",
appositives) and in-document coreference (a surname or first name used alone links to the one full name that has
it; an ambiguous short form is dropped rather than guessed). `PeopleIndex` merges the same person across articles
(Mike Flynn = Michael Flynn = Flynn when only one known full-name person has that surname) and answers
"latest <name>" queries newest first, or says the query is ambiguous.

Modules, one job each:
    model.py    Person, PersonSummary, PeopleLookup (the public data types)
    lexicon.py  word lists in data/ loaded once; accent and case folding
    tokens.py   tokeniser: words, possessives, abbreviations, sentence starts, all-caps lines
    spans.py    candidate name spans and their title prefixes
    names.py    name-form comparisons (given names, surnames, nicknames) and name_key
    cues.py     context around a span: roles, speech verbs, lists, organisation and product cues
    extract.py  extract_people: spans -> people, roles and in-document coreference
    index.py    PeopleIndex across articles
"""

from __future__ import annotations

from bot.core.people.extract import extract_people
from bot.core.people.index import PeopleIndex
from bot.core.people.model import PeopleLookup, Person, PersonSummary
from bot.core.people.names import name_key

__all__ = ["Person", "PersonSummary", "PeopleLookup", "PeopleIndex", "extract_people", "name_key"]
