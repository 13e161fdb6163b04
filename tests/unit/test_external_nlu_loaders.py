"""The external benchmark loaders (bench/external_data.py) on small inline samples.

No model is trained and the shared benchmark data is not read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.external_data import (
    SIB_FOLDERS,
    Example,
    load_sib200,
    parse_massive,
    parse_xsid,
    text_key,
)
from bench.external_nlu import (
    TaskReport,
    VariantResult,
    intent_names,
    merge,
    subsample,
    top_real_intent,
)

# (language, a sentence with CSV-quoted inner quotes as SIB-200's TSV stores it, the text)
SIB_ROWS = [
    ("en", '"He called it ""the best trip of his life"", and smiled."',
     'He called it "the best trip of his life", and smiled.'),
    ("fr", '"Il a parlé du ""plus beau voyage de sa vie"", en souriant."',
     'Il a parlé du "plus beau voyage de sa vie", en souriant.'),
    ("it", '"Lo ha definito ""il viaggio più bello della sua vita"", sorridendo."',
     'Lo ha definito "il viaggio più bello della sua vita", sorridendo.'),
    ("nb", '"Han kalte det «livets beste reise», og smilte."',
     "Han kalte det «livets beste reise», og smilte."),
    ("ru", '"Он назвал это «лучшей поездкой в жизни» и улыбнулся."',
     "Он назвал это «лучшей поездкой в жизни» и улыбнулся."),
]


@pytest.mark.parametrize(("language", "raw", "text"), SIB_ROWS)
def test_sib200_reads_the_text_unquoted_with_its_category(
        tmp_path: Path, language: str, raw: str, text: str) -> None:
    folder = tmp_path / SIB_FOLDERS[language]
    folder.mkdir()
    (folder / "dev.tsv").write_text(
        f"index_id\tcategory\ttext\n7\ttravel\t{raw}\n12\tscience/technology\tx\n",
        encoding="utf-8")

    examples = load_sib200(language, "dev", root=tmp_path)

    assert examples == [Example(text, "travel", language),
                        Example("x", "science/technology", language)]


@pytest.mark.parametrize("language", list(SIB_FOLDERS))
def test_sib200_refuses_a_row_without_a_category(tmp_path: Path, language: str) -> None:
    folder = tmp_path / SIB_FOLDERS[language]
    folder.mkdir()
    (folder / "test.tsv").write_text("index_id\tcategory\ttext\n1\t\tsome text\n",
                                     encoding="utf-8")
    with pytest.raises(ValueError):
        load_sib200(language, "test", root=tmp_path)


# xSID exists in en, it and Norwegian; the Norwegian file mixes Bokmål (B) and dialects.
XSID_CASES = [
    ("en", None, "# id = 1\n# text = Wake me up at seven tomorrow\n# intent = alarm/set_alarm\n"
     "1\tWake\talarm/set_alarm\tO\n\n",
     [("Wake me up at seven tomorrow", "alarm/set_alarm")]),
    # "# text-en" (the English source) must never replace the text, whatever the order.
    ("it", None, "# id = 1\n# text = Pioverà oggi?\n# text-en = Will it rain today?\n"
     "# intent = weather/find\n1\tPioverà\tweather/find\tO\n",
     [("Pioverà oggi?", "weather/find")]),
    ("nb", "B", "# id = 1/B\n# text = Blir det regn i dag?\n# intent = weather/find\n"
     "# dialect = B\n1\tBlir\tweather/find\tO\n\n"
     "# id = 1/9\n# text = Bli det regn i dag?\n# intent = weather/find\n# dialect = V\n"
     "1\tBli\tweather/find\tO\n\n",
     [("Blir det regn i dag?", "weather/find")]),
]


@pytest.mark.parametrize(("language", "dialect", "conll", "expected"), XSID_CASES)
def test_xsid_keeps_the_text_and_intent_of_the_wanted_dialect(
        language: str, dialect: str | None, conll: str,
        expected: list[tuple[str, str]]) -> None:
    examples = parse_xsid(conll.splitlines(keepends=True), language, dialect)
    assert [(e.text, e.label, e.language) for e in examples] == [
        (text, label, language) for text, label in expected]


def test_xsid_refuses_a_block_without_an_intent() -> None:
    with pytest.raises(ValueError):
        parse_xsid(["# text = Sett på litt jazz\n", "1\tSett\tPlayMusic\tO\n"], "nb")


# MASSIVE's format is the same for every locale; only en-US is benchmarked here.
MASSIVE_ROWS = [
    ("en-US", "en", "wake me up at five am this week"),
    ("fr-FR", "fr", "réveille-moi à cinq heures cette semaine"),
    ("it-IT", "it", "svegliami alle cinque questa settimana"),
    ("nb-NO", "nb", "vekk meg klokka fem denne uka"),
    ("ru-RU", "ru", "разбуди меня в пять утра на этой неделе"),
]


@pytest.mark.parametrize(("locale", "language", "utt"), MASSIVE_ROWS)
def test_massive_keeps_one_partition(locale: str, language: str, utt: str) -> None:
    lines = [
        f'{{"id": "0", "locale": "{locale}", "partition": "test", "intent": "alarm_set", '
        f'"utt": "{utt}"}}\n',
        f'{{"id": "1", "locale": "{locale}", "partition": "train", "intent": "alarm_query", '
        f'"utt": "x"}}\n',
        "\n",
    ]
    assert parse_massive(lines, "test") == [Example(utt, "alarm_set", language)]


@pytest.mark.parametrize("labels", [
    ["weather/find", "weather_find", "PlayMusic"],
    ["science/technology", "travel", "nlu_fallback"],
    ["météo/trouver", "meteo_trouver", "tempo/previsioni"],
    ["vær/finn", "v_r_finn", "alarm/set_alarm"],
    ["погода/найти", "будильник/поставить", "_____"],
])
def test_intent_names_are_valid_and_one_to_one(labels: list[str]) -> None:
    names = intent_names(labels)
    assert set(names) == set(labels)
    assert len(set(names.values())) == len(labels)
    for name in names.values():
        assert name and "/" not in name and name != "nlu_fallback"
        assert all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name)


@pytest.mark.parametrize(("parsed", "expected"), [
    ({"intent": {"name": "travel"}}, ("travel", False)),
    ({"intent": {"name": "nlu_fallback"},
      "intent_ranking": [{"name": "nlu_fallback"}, {"name": "sports"}, {"name": "health"}]},
     ("sports", True)),
])
def test_a_fallback_still_scores_the_best_real_intent(
        parsed: dict, expected: tuple[str, bool]) -> None:
    assert top_real_intent(parsed) == expected


@pytest.mark.parametrize("language", list(SIB_FOLDERS))
def test_subsample_is_fixed_and_keeps_file_order(language: str) -> None:
    examples = [Example(f"{language} {i}", "travel", language) for i in range(50)]
    first = subsample(examples, 10)
    assert first == subsample(examples, 10)
    assert len(first) == 10
    assert first == sorted(first, key=examples.index)
    assert subsample(examples, None) == examples


def test_text_key_tells_texts_apart() -> None:
    assert text_key("Hei") != text_key("hei")
    assert len(text_key("Привет")) == 64


def _result(variant: str, accuracy: float) -> VariantResult:
    return VariantResult(variant=variant, train_seconds=1.0, predict_seconds=1.0,
                         embed_seconds=None, pipeline=[], skipped=None,
                         scores={lang: {"n": 1, "accuracy": accuracy, "macro_f1": accuracy,
                                        "fallback_rate": None} for lang in SIB_FOLDERS})


def _report(*results: VariantResult) -> TaskReport:
    return TaskReport(task="sib200", train_size=1, labels=1, published_name="x",
                      published={}, notes=[], results=list(results))


@pytest.mark.parametrize(("old", "new", "expected"), [
    # --update with e5lr only keeps shipped and sparse from the previous run.
    (["shipped", "sparse", "e5lr"], ["e5lr"], [("shipped", 1.0), ("sparse", 1.0),
                                               ("e5lr", 2.0)]),
    (["e5lr"], ["shipped"], [("shipped", 2.0), ("e5lr", 1.0)]),
    ([], ["sparse", "e5lr"], [("sparse", 2.0), ("e5lr", 2.0)]),
])
def test_update_replaces_only_the_variants_that_were_rerun(
        old: list[str], new: list[str], expected: list[tuple[str, float]]) -> None:
    merged = merge(_report(*(_result(v, 1.0) for v in old)),
                   _report(*(_result(v, 2.0) for v in new)))
    assert [(r["variant"], r["scores"]["nb"]["accuracy"]) for r in merged["results"]] == expected
