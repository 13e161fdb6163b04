"""Teaching from the studio: edits land in the data files, bad edits are refused unwritten.

Every test works on a temporary copy of the data folders (``project``), never on data/.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import warnings
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot.studio import teaching
from bot.studio.teaching import (
    ArticleDraft,
    ArticleText,
    EditRefused,
    add_article_question,
    add_training_example,
    check_article_draft,
    create_article,
    parity_problems,
    template,
)
from kb_index.articles import load_articles, parse_article
from tests.conftest import LANGUAGES, PROJECT_ROOT

COPIED = ["data/nlu", "data/kb", "data/kb_eval", "domain", "tests/nlu_holdout",
          "tests/fixtures/symptoms", "tests/fixtures/no_article", "tests/fixtures/blind2",
          "tests/fixtures/blind3", "tests/fixtures/blind4"]


def copy_project(tmp_path: Path) -> Path:
    """A copy of the data folders (and the shared catalogue beside it)."""
    root = tmp_path / "main"
    for folder in COPIED:
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "kb-catalogue.yml").write_text(
        "support:\n  - id: phone-support\n    title: Phone support numbers\n"
        "    covers: [numbers for each country]\n", encoding="utf-8")
    return root


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A fresh copy for a test that edits."""
    return copy_project(tmp_path)


@pytest.fixture(scope="module")
def untouched(tmp_path_factory) -> Path:
    """One copy shared by the refusal tests: each checks it wrote nothing."""
    return copy_project(tmp_path_factory.mktemp("refusals"))


def snapshot(root: Path) -> Dict[str, str]:
    """Every file's content hash, by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def rasa_examples(path: Path) -> List[tuple]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
    return [(m.get("text"), m.get("intent"), m.get("entities") or [])
            for m in data.training_examples]


def only_inserted_line(before: str, after: str) -> str:
    """The one line ``after`` adds to ``before``; fails if anything else changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(new) == len(old) + 1
    pairs = zip(old, new[:len(old)], strict=True)
    index = next((i for i, (a, b) in enumerate(pairs) if a != b), len(old))
    assert new[:index] + new[index + 1:] == old
    return new[index]


def refusal(call) -> List[teaching.Problem]:
    with pytest.raises(EditRefused) as refused:
        call()
    assert refused.value.problems
    return refused.value.problems


# --------------------------------------------------------------------------- training examples

# Texts with what YAML or Rasa would misread: ':', '#', quotes, lone brackets and braces.
EXAMPLES = {
    "ru": ("greet", 'Привет: это "я" #2 [снова] {тут}'),
    "nb": ("greet", "Hei: det er 'meg' #2 [igjen] {her}"),
    "fr": ("greet", 'Bonjour : c\'est "moi" #2 [encore] {ici}'),
    "it": ("greet", "Ciao: sono 'io' #2 [ancora] {qui}"),
    "en": ("greet", 'Hello: it\'s "me" #2 [again] {here}'),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_example_is_appended_to_the_intents_block(project, lang):
    intent, text = EXAMPLES[lang]
    target = project / "data" / "nlu" / lang / "conversation.yml"
    before_text, before_files = target.read_text(encoding="utf-8"), snapshot(project)
    before_examples = rasa_examples(target)

    result = add_training_example(project, lang, intent, f"  {text} \n")

    assert result["file"] == f"data/nlu/{lang}/conversation.yml"
    after_text = target.read_text(encoding="utf-8")
    assert only_inserted_line(before_text, after_text) == f"    - {text}\n"
    after_examples = rasa_examples(target)
    assert (text, intent, []) in after_examples
    after_examples.remove((text, intent, []))
    assert after_examples == before_examples
    changed = {k for k, v in snapshot(project).items() if before_files.get(k) != v}
    assert changed == {f"data/nlu/{lang}/conversation.yml"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_intent_no_file_holds_goes_to_the_studio_file(project, lang):
    (project / "domain" / "refunds.yml").write_text(
        'version: "3.1"\nintents:\n  - ask_refund\n', encoding="utf-8")
    first, second = EXAMPLES[lang][1], EXAMPLES[lang][1] + " ?!"

    created = add_training_example(project, lang, "ask_refund", first)
    appended = add_training_example(project, lang, "ask_refund", second)

    studio = project / "data" / "nlu" / lang / "studio.yml"
    assert created["file"] == appended["file"] == f"data/nlu/{lang}/studio.yml"
    assert rasa_examples(studio) == [(first, "ask_refund", []), (second, "ask_refund", [])]
    data = yaml.safe_load(studio.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert data["nlu"][0]["metadata"] == {"language": lang}


# Per language: (a sentence, an existing example in other case and spacing, the file and
# intent that hold it, a held-out message, a blind symptom, a blind no-article question).
SAMPLES = {
    "ru": ("как записать встречу", "  ПРИВЕТ  ", "conversation.yml", "greet",
           "Добрый вечер, есть кто?",
           "на маке прога не видит микрофон, в настройках конфиденциальности ее даже нет в "
           "списке", "как поменять своё имя прямо во время конференции?"),
    "nb": ("hvordan tar jeg opp møtet", "  HEI  ", "conversation.yml", "greet",
           "Hallo, er det noen der?",
           "de andre sier de ikke hører meg, og mikrofonen står ikke engang i lista",
           "hvordan endrer jeg navnet mitt mens jeg er i møtet?"),
    "fr": ("comment enregistrer la réunion", "  BONJOUR  ", "conversation.yml", "greet",
           "Bonjour madame, monsieur",
           "j'entends personne, aucun son dans mon casque alors qu'il marche sur youtube",
           "comment changer mon nom pendant la réunion ?"),
    "it": ("come registro la riunione", "  CIAO  ", "conversation.yml", "greet",
           "ciao ciao, eccomi", "mi esce sempre 'connetti audio' e non sento nessuno",
           "come faccio a cambiare il mio nome nella riunione?"),
    "en": ("how do i record the call", "  HELLO  ", "conversation.yml", "greet",
           "hi, anyone there?", "video button has a red line through it and wont turn on",
           "how do I rename myself in a meeting?"),
}


def example_refusals(lang):
    """(case, language, intent, text, field, what the message must say)."""
    text, duplicate, file, intent, holdout, symptom, no_article = SAMPLES[lang]
    return [
        ("unknown language", "de", "greet", text, "lang", "not one of the assistant's"),
        ("unknown intent", lang, "ask_weather", text, "intent", "not an intent"),
        ("fallback", lang, "nlu_fallback", text, "intent", "cannot be taught"),
        ("empty", lang, "greet", "", "text", "is empty"),
        ("white space", lang, "greet", " \n\t ", "text", "is empty"),
        ("too long", lang, "greet", "a" * 301, "text", "at most 300"),
        ("payload", lang, "greet", "/greet", "text", "starts with '/'"),
        ("control character", lang, "greet", text + "\x00", "text", "control characters"),
        ("entity brackets", lang, "greet", f"[{text}](product)", "text", "mark entities"),
        ("duplicate", lang, "ask_question", duplicate, "text",
         f"already an example of '{intent}' in data/nlu/{lang}/{file}"),
        ("held-out", lang, "greet", holdout, "text", f"tests/nlu_holdout/{lang}.yml"),
        ("blind symptom", lang, "ask_question", symptom, "text", "would hide"),
        ("blind no article", lang, "ask_question", no_article, "text",
         f"tests/fixtures/no_article/{lang}.tsv"),
    ]


@pytest.mark.parametrize(
    ("case", "lang", "intent", "text", "field", "message"),
    [row for lang in LANGUAGES for row in example_refusals(lang)],
    ids=[f"{lang}-{row[0]}" for lang in LANGUAGES for row in example_refusals(lang)])
def test_bad_examples_are_refused_and_nothing_is_written(untouched, case, lang, intent, text,
                                                         field, message):
    before = snapshot(untouched)

    problems = refusal(lambda: add_training_example(untouched, lang, intent, text))

    assert any(p["field"] == field and message in p["message"] for p in problems), problems
    assert snapshot(untouched) == before


# --------------------------------------------------------------------------- article questions

QUESTIONS = {
    "ru": 'Как записать: встречу "в облако" #2?',
    "nb": "Hvordan tar jeg opp: møtet 'i skyen' #2?",
    "fr": 'Comment enregistrer : la réunion "dans le cloud" #2 ?',
    "it": "Come registro: la riunione 'nel cloud' #2?",
    "en": 'How do I record: the meeting "to the cloud" #2?',
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_question_is_added_to_the_article(project, lang):
    path = project / "data" / "kb" / lang / "recording.md"
    before_text, before_files, before = path.read_text(), snapshot(project), parse_article(path)

    result = add_article_question(project, lang, "recording", QUESTIONS[lang])

    assert result["file"] == f"data/kb/{lang}/recording.md"
    line = only_inserted_line(before_text, path.read_text(encoding="utf-8"))
    assert line.startswith("  - ")
    after = parse_article(path)
    assert after.questions == before.questions + (QUESTIONS[lang],)
    assert (after.title, after.summary, after.body) == (before.title, before.summary, before.body)
    changed = {k for k, v in snapshot(project).items() if before_files.get(k) != v}
    assert changed == {f"data/kb/{lang}/recording.md"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_question_is_added_to_a_one_line_list(project, lang):
    path = project / "data" / "kb" / lang / "recording.md"
    article = parse_article(path)
    text = path.read_text(encoding="utf-8")
    block = re.search(r"questions:\n(?:  - .*\n)+", text)
    assert block is not None
    one_line = "questions: [" + ", ".join(f'"{q}"' for q in article.questions) + "]\n"
    path.write_text(text.replace(block.group(0), one_line), encoding="utf-8")

    add_article_question(project, lang, "recording", QUESTIONS[lang])

    assert parse_article(path).questions == article.questions + (QUESTIONS[lang],)


def question_refusals(lang):
    """(case, language, article id, question, field, what the message must say)."""
    text, _, _, _, _, symptom, _ = SAMPLES[lang]
    existing = parse_article(PROJECT_ROOT / "data" / "kb" / lang / "recording.md").questions
    other = parse_article(PROJECT_ROOT / "data" / "kb" / lang / "screen-sharing.md").questions
    return [
        ("unknown language", "de", "recording", text, "lang", "not one of the assistant's"),
        ("unknown article", lang, "no-such-article", text, "article_id", "no article"),
        ("empty", lang, "recording", "  ", "question", "is empty"),
        ("too long", lang, "recording", "a" * 301, "question", "at most 300"),
        ("payload", lang, "recording", "/ask_question", "question", "starts with '/'"),
        ("duplicate", lang, "recording", f" {existing[0].upper()} ", "question",
         "already listed in this article"),
        ("other article", lang, "recording", other[0], "question",
         "already listed in the article 'screen-sharing'"),
        ("blind symptom", lang, "recording", symptom, "question", "would hide"),
    ]


@pytest.mark.parametrize(
    ("case", "lang", "article_id", "question", "field", "message"),
    [row for lang in LANGUAGES for row in question_refusals(lang)],
    ids=[f"{lang}-{row[0]}" for lang in LANGUAGES for row in question_refusals(lang)])
def test_bad_questions_are_refused_and_nothing_is_written(untouched, case, lang, article_id,
                                                          question, field, message):
    before = snapshot(untouched)

    problems = refusal(lambda: add_article_question(untouched, lang, article_id, question))

    assert any(p["field"] == field and message in p["message"] for p in problems), problems
    assert snapshot(untouched) == before


# --------------------------------------------------------------------------- new articles

# Every language states the same phone number, address, link, priority and hours.
DRAFT_TEXTS = {
    "ru": ("Субтитры во время встречи",
           "Включите субтитры кнопкой «Субтитры»; заявки P2 по ним решаются за 4 часа.",
           "## Как включить\n\nНажмите **Субтитры**. Вопросы: captions@example.com, "
           "+47.800.12.345, https://example.com/captions. Заявка P2 — ответ за 4 часа.",
           ["как включить субтитры", "где кнопка субтитров", "субтитры не появляются",
            "можно ли сохранить субтитры", "субтитры на другом языке"]),
    "nb": ("Teksting i møtet", "Slå på teksting med «Teksting»; P2-saker får svar innen 4 timer.",
           "## Slik slår du det på\n\nKlikk **Teksting**. Spørsmål: captions@example.com, "
           "+47.800.12.345, https://example.com/captions. En P2-sak får svar innen 4 timer.",
           ["hvordan slår jeg på teksting", "hvor er tekstingknappen", "tekstingen vises ikke",
            "kan jeg lagre tekstingen", "teksting på et annet språk"]),
    "fr": ("Sous-titres en réunion",
           "Activez les sous-titres avec « Sous-titres » ; une demande P2 a une réponse en "
           "4 heures.",
           "## Les activer\n\nCliquez sur **Sous-titres**. Questions : captions@example.com, "
           "+47.800.12.345, https://example.com/captions. Une demande P2 : réponse en 4 heures.",
           ["comment activer les sous-titres", "où est le bouton sous-titres",
            "les sous-titres ne s'affichent pas", "puis-je enregistrer les sous-titres",
            "sous-titres dans une autre langue"]),
    "it": ("Sottotitoli in riunione",
           "Attiva i sottotitoli con «Sottotitoli»; una richiesta P2 riceve risposta in 4 ore.",
           "## Come attivarli\n\nFai clic su **Sottotitoli**. Domande: captions@example.com, "
           "+47.800.12.345, https://example.com/captions. Una richiesta P2: risposta in 4 ore.",
           ["come si accendono i sottotitoli durante la call", "dov'è il pulsante dei sottotitoli",
            "i sottotitoli non compaiono", "posso salvare i sottotitoli",
            "sottotitoli in un'altra lingua"]),
    "en": ("Captions in a meeting",
           "Turn captions on with Captions; a P2 request is answered within 4 hours.",
           "## Turn them on\n\nClick **Captions**. Questions: captions@example.com, "
           "+47.800.12.345, https://example.com/captions. A P2 request: answer within 4 hours.",
           ["how do I turn on captions", "where is the captions button",
            "captions do not show up", "can I save the captions",
            "captions in another language"]),
}


def good_draft(**changes) -> ArticleDraft:
    draft = ArticleDraft.parse_obj({
        "id": "meeting-captions", "tags": ["captions"], "related": ["recording"],
        "languages": {lang: ArticleText(title=t, summary=s, body=b, questions=q)
                      for lang, (t, s, b, q) in DRAFT_TEXTS.items()}})
    return draft.copy(update=changes)


def with_text(draft: ArticleDraft, lang: str, **changes) -> ArticleDraft:
    languages = dict(draft.languages)
    languages[lang] = languages[lang].copy(update=changes)  # type: ignore[index]
    return draft.copy(update={"languages": languages})


def test_a_good_draft_has_no_problems_and_a_preview(project):
    check = check_article_draft(project, good_draft())

    assert check["problems"] == []
    assert set(check["preview"]) == set(LANGUAGES)
    assert all("<h2>" in html and "<strong>" in html for html in check["preview"].values())
    assert check["catalogue"]["available"] and not check["catalogue"]["listed"]


def test_the_catalogue_entry_is_shown(project, tmp_path):
    check = check_article_draft(project, template("phone-support"))

    assert check["catalogue"]["listed"] and check["catalogue"]["covers"]
    assert any(p["field"] == "id" and "already exists" in p["message"]
               for p in check["problems"])
    missing = check_article_draft(project, good_draft(), catalogue=tmp_path / "none.yml")
    assert missing["catalogue"]["available"] is False


def test_a_draft_round_trips_through_the_files(project):
    before = snapshot(project)

    results = create_article(project, good_draft())

    assert [r["file"] for r in results] == [f"data/kb/{lang}/meeting-captions.md"
                                            for lang in LANGUAGES]
    changed = {k for k, v in snapshot(project).items() if before.get(k) != v}
    assert changed == {r["file"] for r in results}
    loaded = {a.lang: a for a in load_articles(project / "data" / "kb")
              if a.id == "meeting-captions"}
    assert set(loaded) == set(LANGUAGES)
    for lang, (title, summary, body, questions) in DRAFT_TEXTS.items():
        article = loaded[lang]
        assert (article.title, article.summary, article.body) == (title, summary, body)
        assert list(article.questions) == questions
        assert article.related == ("recording",) and article.tags == ("captions",)
    head = (project / results[0]["file"]).read_text(encoding="utf-8").split("---\n")[1]
    assert [line.split(":")[0] for line in head.splitlines() if not line.startswith(" ")] == [
        "id", "lang", "title", "summary", "tags", "questions", "related", "slug"]


def draft_problems(lang):
    """(case, draft, field, what the message must say) for a problem in ``lang``."""
    draft = good_draft()
    languages = {k: v for k, v in draft.languages.items() if k != lang}
    _, summary, body, questions = DRAFT_TEXTS[lang]
    return [
        ("missing language", draft.copy(update={"languages": languages}), "languages",
         "version is missing"),
        ("no title", with_text(draft, lang, title=" "), "title", "title is empty"),
        ("no body", with_text(draft, lang, body=""), "body", "article text is empty"),
        ("template body", with_text(draft, lang, body=teaching.TEMPLATE_BODIES[lang]), "body",
         "still the template"),
        ("few questions", with_text(draft, lang, questions=questions[:2]), "questions",
         "at least 5 questions"),
        ("repeated question", with_text(draft, lang, questions=questions + [questions[0]]),
         "questions[5]", "repeats question 1"),
        ("payload question", with_text(draft, lang, questions=questions + ["/greet"]),
         "questions[5]", "starts with '/'"),
        ("blind question", with_text(draft, lang, questions=questions + [SAMPLES[lang][5]]),
         "questions[5]", "would hide"),
        ("phone differs", with_text(draft, lang, body=body.replace("12.345", "12.346")),
         "parity", "missing +4780012345; has +4780012346 instead"),
        ("hours differ", with_text(draft, lang, summary=summary.replace(" 4 ", " 5 "),
                                   body=body.replace(" 4 ", " 5 ")), "parity", "missing 4 h"),
        ("priority differs", with_text(draft, lang, summary=summary.replace("P2", "P3"),
                                       body=body.replace("P2", "P3")), "parity", "P2"),
        ("address differs", with_text(draft, lang, body=body.replace("captions@", "help@")),
         "parity", "e-mail addresses differ"),
        ("slug taken", with_text(draft, lang, slug=parse_article(
            PROJECT_ROOT / "data" / "kb" / lang / "recording.md").slug), "slug",
         "already used"),
        ("bad slug", with_text(draft, lang, slug="Not A Slug"), "slug", "a-z, 0-9"),
    ]


@pytest.mark.parametrize(
    ("lang", "case", "draft", "field", "message"),
    [(lang, *row) for lang in LANGUAGES for row in draft_problems(lang)],
    ids=[f"{lang}-{row[0]}" for lang in LANGUAGES for row in draft_problems(lang)])
def test_draft_problems_name_the_language_and_nothing_is_created(project, lang, case, draft,
                                                                 field, message):
    before = snapshot(project)

    problems = check_article_draft(project, draft)["problems"]

    assert [p for p in problems if p["lang"] == lang and p["field"] == field
            and message in p["message"]], problems
    assert all(p["lang"] == lang for p in problems), problems
    with pytest.raises(EditRefused):
        create_article(project, draft)
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("case", "changes", "field", "message"),
    [
        ("no id", {"id": ""}, "id", "Give the article an id"),
        ("bad id", {"id": "Meeting Captions"}, "id", "a-z, 0-9"),
        ("id used", {"id": "recording"}, "id", "already exists"),
        ("unknown related", {"related": ["no-such-article"]}, "related[0]", "no article"),
        ("related to itself", {"related": ["meeting-captions"]}, "related[0]", "itself"),
    ])
def test_draft_problems_of_all_languages(project, case, changes, field, message):
    problems = check_article_draft(project, good_draft(**changes))["problems"]

    assert [p for p in problems if p["field"] == field and message in p["message"]
            and p["lang"] is None], problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_matter_the_parser_refuses_is_reported(project, lang):
    draft = good_draft()
    languages = dict(draft.languages)
    languages[lang] = languages[lang].copy(update={"tags": ["ok", " "]})

    problems = check_article_draft(project, draft.copy(update={"languages": languages}))

    assert [(p["field"], p["lang"]) for p in problems["problems"]] == [("tags[1]", lang)]
    assert "could not be read as an article" in problems["problems"][0]["message"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_has_headings_in_each_language(project, lang):
    draft = template("meeting-captions")

    assert set(draft.languages) == set(LANGUAGES)
    assert draft.languages[lang].body.count("\n## ") == 2
    fields = {p["field"] for p in check_article_draft(project, draft)["problems"]
              if p["lang"] == lang}
    assert {"title", "summary", "body", "questions"} <= fields


def test_parity_reports_the_language_that_differs():
    texts = {lang: "Call +47.800.12.345, P1 within 1 hour" for lang in LANGUAGES}
    texts.update(nb="Ring +47.800.12.345, P1 innen 1 time",
                 fr="Appelez +47.800.12.399, P1 sous 1 heure",
                 ru="Звоните +47.800.12.345, P1 за 1 час",
                 it="Chiama +47.800.12.345, P1 entro 1 ora")

    problems = parity_problems(texts)

    assert [(p["lang"], p["field"]) for p in problems] == [("fr", "parity")]
    assert "+4780012399" in problems[0]["message"]


def test_the_word_pattern_is_the_language_detectors():
    source = (PROJECT_ROOT / "bot" / "nlu" / "components" / "language_detector.py").read_text(
        encoding="utf-8")
    assert f"WORD_PATTERN = re.compile(r\"{teaching.WORD_PATTERN.pattern}\"" in source


# A phone number written the way people write it, in every language but one.
PHONE_TEXTS = {
    "ru": "Звоните по номеру {phone} в будни.",
    "nb": "Ring {phone} på hverdager.",
    "fr": "Appelez le {phone} en semaine.",
    "it": "Chiama il numero {phone} nei giorni feriali.",
    "en": "Call {phone} on weekdays.",
}
SAME, OTHER = "+33 1 23 45 67 89", "+39 02 1234 5678"


@pytest.mark.parametrize("odd", LANGUAGES)
@pytest.mark.parametrize(("same", "other"), [
    (SAME, OTHER),
    ("+33 (0)1 23-45-67-89", "0039 02 1234 5678"),
    ("+1.888.799.9666", "+1 888 799 9667"),
    ("22 33 44 55", "22 33 44 56"),
])
def test_a_phone_number_that_differs_in_one_language_is_reported(odd, same, other):
    texts = {lang: text.format(phone=other if lang == odd else same)
             for lang, text in PHONE_TEXTS.items()}
    problems = parity_problems(texts)
    assert [(p["field"], p["lang"]) for p in problems] == [("parity", odd)], problems
    assert "phone numbers" in problems[0]["message"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_same_number_written_differently_is_the_same(lang):
    texts = {code: text.format(phone="+33 1 23 45 67 89") for code, text in PHONE_TEXTS.items()}
    texts[lang] = PHONE_TEXTS[lang].format(phone="0033 1 23 45 67 89")
    assert parity_problems(texts) == []
