"""Several priorities in one message: an explicit level beats a word, the last one wins."""

from __future__ import annotations

import pytest

from bot.nlu.components.priority_resolver import resolve

# (language, message, [(span, value after EntitySynonymMapper)...], the level meant).
# The spans are what RegexEntityExtractor finds (data/nlu/any/entities.yml).
CASES = [
    ("fr", "non c'est plus urgent que ça, mettez P2", [("urgent", "P1"), ("P2", "P2")], "P2"),
    ("fr", "c'est critique, niveau 3 suffit", [("critique", "P1"), ("niveau 3", "P3")], "P3"),
    ("fr", "priorité 4, pas urgent", [("priorité 4", "P4"), ("urgent", "P1")], "P4"),
    ("fr", "haute priorité", [("haute", "P2")], "P2"),
    ("it", "è urgente ma metti livello 2", [("urgente", "P1"), ("livello 2", "P2")], "P2"),
    ("it", "P3, non è critica", [("P3", "P3"), ("critica", "P1")], "P3"),
    ("it", "alta, anzi bassa", [("alta", "P2"), ("bassa", "P4")], "P4"),
    ("nb", "det haster, men sett prioritet 2", [("haster", "P1"), ("prioritet 2", "P2")],
     "P2"),
    ("nb", "P4 holder, det er ikke kritisk", [("P4", "P4"), ("kritisk", "P1")], "P4"),
    ("nb", "nivå 3, lav", [("nivå 3", "P3"), ("lav", "P4")], "P3"),
    ("ru", "срочно, но поставьте приоритет 2", [("срочно", "P1"), ("приоритет 2", "P2")],
     "P2"),
    ("ru", "P3, не критический", [("P3", "P3"), ("критический", "P1")], "P3"),
    ("ru", "второй уровень, хоть и срочно", [("второй уровень", "P2"), ("срочно", "P1")],
     "P2"),
    ("en", "it's urgent but make it priority 3", [("urgent", "P1"), ("priority 3", "P3")],
     "P3"),
    ("en", "P1 no wait P2, it's critical", [("P1", "P1"), ("P2", "P2"), ("critical", "P1")],
     "P2"),
    ("en", "prio 2 despite critical", [("prio 2", "prio 2"), ("critical", "P1")], "P2"),
    ("en", "high, no, low", [("high", "P2"), ("low", "P4")], "P4"),
]


def entities(text, spans):
    found, at = [], 0
    for span, value in spans:
        start = text.index(span, at)
        found.append({"entity": "priority", "value": value, "start": start,
                      "end": start + len(span), "extractor": "RegexEntityExtractor"})
        at = start + 1
    # A digit is also a rating ("P2" holds "2"); it stays as it is.
    return found + [{"entity": "rating", "value": "2", "start": 0, "end": 1}]


def test_every_language_is_covered():
    assert {lang for lang, *_ in CASES} == {"ru", "nb", "fr", "it", "en"}


@pytest.mark.parametrize(("lang", "text", "spans", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_level_the_user_meant_is_the_only_priority(lang, text, spans, expected):
    resolved = resolve(entities(text, spans), text)
    priorities = [e for e in resolved if e["entity"] == "priority"]
    assert [e["value"] for e in priorities] == [expected]
    assert [e["entity"] for e in resolved].count("rating") == 1


def test_no_priority_leaves_the_entities_alone():
    others = [{"entity": "rating", "value": "4", "start": 0, "end": 1}]
    assert resolve(others, "4") == others
