"""The four hand-written data files (demo accounts, demo agents, KB articles, labelled
priorities) are pydantic models, and every problem reads ``<file>: <field path>: <problem>``.

Each table breaks one file in one way and expects the exact message. The files are written
under a temporary project root, so the messages name them as they would the real ones
(``data/demo/accounts.yml``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, get_args

import pytest
import yaml

import kb_index.data_files as data_files
from bot import SUPPORTED_LANGUAGES
from bot.accounts.demo import (
    DEMO_ACCOUNTS,
    DemoAccountsFile,
    DemoDataError,
    Plan,
    Role,
    SupportTier,
    load_demo_accounts,
)
from bot.accounts.store import PLANS, ROLES, SUPPORT_TIERS
from bot.escalation.priority import PRIORITIES
from bot.escalation.priority_classifier import (
    EVAL_DIR,
    TRAIN_DIR,
    LabelledDataError,
    Priority,
    load_labelled,
)
from bot.live_agent.database import DemoAgentsError, load_demo_agents
from kb_index.articles import (
    LANGUAGES,
    ArticleError,
    FrontMatter,
    load_articles,
    parse_article,
)
from kb_index.build import DEFAULT_SOURCE
from kb_index.data_files import DataFileError, display_path, field_path, validate


@pytest.fixture()
def root(tmp_path, monkeypatch):
    """A temporary project root: files under it are named relative to it."""
    monkeypatch.setattr(data_files, "PROJECT_ROOT", tmp_path.resolve())
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# -- the shared helper ----------------------------------------------------------------------

def test_the_closed_sets_match_the_constants():
    assert get_args(Plan) == PLANS
    assert get_args(SupportTier) == SUPPORT_TIERS
    assert get_args(Role) == ROLES
    assert get_args(Priority) == PRIORITIES
    assert LANGUAGES == SUPPORTED_LANGUAGES


@pytest.mark.parametrize(("location", "path"), [
    (("accounts", 2, "users", 0, "role"), "accounts[2].users[0].role"),
    (("questions",), "questions"),
    (("agents", 0, "languages", 3), "agents[0].languages[3]"),
    ((), "file"),
])
def test_field_paths(location, path):
    assert field_path(location) == path


def test_files_inside_the_project_are_named_relative_to_it(tmp_path):
    assert display_path(DEMO_ACCOUNTS) == "data/demo/accounts.yml"
    assert display_path(tmp_path / "x.yml") == str(tmp_path / "x.yml")


def test_every_problem_is_one_line_in_the_same_style():
    error = DataFileError(Path("/elsewhere/f.yml"), "a[0].b", "is empty",
                          data_files.Problem("c", "missing"))
    assert str(error) == "/elsewhere/f.yml: a[0].b: is empty\n/elsewhere/f.yml: c: missing"
    assert error.field == "a[0].b"
    assert isinstance(error, ValueError)


def test_the_issue_examples_read_as_written(root):
    """The three examples of the issue, on copies of the shipped files."""
    accounts = yaml.safe_load(DEMO_ACCOUNTS.read_text(encoding="utf-8"))
    accounts["accounts"][2]["users"][0]["role"] = "boss"
    path = write(root / "data" / "demo" / "accounts.yml", dump(accounts))
    with pytest.raises(DemoDataError) as error:
        load_demo_accounts(path)
    assert str(error.value) == ("data/demo/accounts.yml: accounts[2].users[0].role: "
                                "'boss' is not one of owner, admin, member")

    text = (DEFAULT_SOURCE / "fr" / "audio-not-working.md").read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    data = yaml.safe_load(front.removeprefix("---\n"))
    data["questions"] = data["questions"][:3]
    path = write(root / "data" / "kb" / "fr" / "audio-not-working.md",
                 f"---\n{dump(data)}---\n{body}")
    with pytest.raises(ArticleError) as error:
        parse_article(path)
    assert str(error.value) == ("data/kb/fr/audio-not-working.md: questions: "
                                "needs at least 5 entries, has 3")

    lines = (TRAIN_DIR / "it.tsv").read_text(encoding="utf-8").splitlines()
    lines[13] = "P5" + lines[13][2:]
    write(root / "data" / "priority" / "train" / "it.tsv", "\n".join(lines) + "\n")
    with pytest.raises(LabelledDataError) as error:
        load_labelled(root / "data" / "priority" / "train")
    assert str(error.value) == ("data/priority/train/it.tsv: line 14: priority: "
                                "'P5' is not one of P1, P2, P3, P4")


def test_validate_names_the_project_file_without_writing_it():
    data = {"accounts": [{"id": "a"}]}
    with pytest.raises(DemoDataError) as error:
        validate(DemoAccountsFile, data, DEMO_ACCOUNTS, DemoDataError)
    assert str(error.value).splitlines()[0] == "data/demo/accounts.yml: accounts[0].name: missing"


# -- the shipped data loads -----------------------------------------------------------------

def test_the_shipped_data_loads():
    accounts = load_demo_accounts()
    assert {u["language"] for a in accounts for u in a["users"]} == set(SUPPORTED_LANGUAGES)
    assert all(set(a) == {"id", "name", "plan", "support_tier", "country", "users"}
               for a in accounts)
    agents = load_demo_agents()
    assert {a["id"] for a in agents} >= {"alice"}
    assert all(set(a) == {"id", "name", "password", "languages", "online", "manager"}
               for a in agents)
    assert [a["id"] for a in agents if a["manager"]] == ["maria"]
    for folder in (TRAIN_DIR, EVAL_DIR):
        rows = load_labelled(folder)
        assert {lang for lang, _, _ in rows} == set(SUPPORTED_LANGUAGES)
        assert all(label in PRIORITIES and text == text.strip() for _, label, text in rows)


# -- data/demo/accounts.yml -----------------------------------------------------------------

ACCOUNT_OF = {
    "ru": ("acct-ru", "ООО «Северный ветер»", "RU", "Алексей Волков"),
    "nb": ("acct-nb", "Fjordlys Design AS", "NO", "Ingrid Halvorsen"),
    "fr": ("acct-fr", "Atelier Lumière SARL", "FR", "Camille Moreau"),
    "it": ("acct-it", "Liceo Scientifico Galilei", "IT", "Giulia Romano"),
    "en": ("acct-en", "Riverside Book Club", "GB", "Dana Brooks"),
}


def accounts() -> Dict[str, Any]:
    return {"accounts": [
        {"id": account, "name": name, "plan": "pro", "support_tier": "standard",
         "country": country,
         "users": [{"id": f"u-{lang}", "name": person, "email": f"{lang}@example.com",
                    "role": "owner", "language": lang}]}
        for lang, (account, name, country, person) in ACCOUNT_OF.items()]}


def _add_second_user(account):
    account["users"].append(dict(account["users"][0], name="Second"))


# (what breaks the account of the language, the expected problem; {i}: the account's
# index, {lang}: its language)
ACCOUNT_CASES: List[tuple] = [
    ("missing field", lambda a: a["users"][0].pop("email"),
     "accounts[{i}].users[0].email: missing"),
    ("missing account field", lambda a: a.pop("plan"), "accounts[{i}].plan: missing"),
    ("wrong type", lambda a: a.update(name=42),
     "accounts[{i}].name: expected text, got a number (42)"),
    ("users not a list", lambda a: a.update(users="u"),
     "accounts[{i}].users: expected a list, got text 'u'"),
    ("user not a mapping", lambda a: a["users"].__setitem__(0, "u"),
     "accounts[{i}].users[0]: expected a mapping, got text 'u'"),
    ("empty text", lambda a: a["users"][0].update(name="  "),
     "accounts[{i}].users[0].name: is empty"),
    ("blank value", lambda a: a.update(name=None), "accounts[{i}].name: is empty"),
    ("role not allowed", lambda a: a["users"][0].update(role="boss"),
     "accounts[{i}].users[0].role: 'boss' is not one of owner, admin, member"),
    ("plan not allowed", lambda a: a.update(plan="gold"),
     "accounts[{i}].plan: 'gold' is not one of basic, pro, business, education, enterprise, api"),
    ("tier not allowed", lambda a: a.update(support_tier="gold"),
     "accounts[{i}].support_tier: 'gold' is not one of standard, premier, premier_plus"),
    ("language not allowed", lambda a: a["users"][0].update(language="de"),
     "accounts[{i}].users[0].language: 'de' is not one of ru, nb, fr, it, en"),
    ("country not ISO", lambda a: a.update(country="usa"),
     "accounts[{i}].country: 'usa' is not an ISO 3166 alpha-2 code"),
    ("country lower case", lambda a: a.update(country="no"),
     "accounts[{i}].country: 'no' is not an ISO 3166 alpha-2 code"),
    ("unquoted NO", lambda a: a.update(country=False),
     "accounts[{i}].country: expected text, got false (YAML reads unquoted yes, no, on, off "
     "as true or false; quote the value)"),
    ("no users", lambda a: a.update(users=[]),
     "accounts[{i}].users: needs at least 1 entry, has 0"),
    ("unknown field", lambda a: a["users"][0].update(langauge="en"),
     "accounts[{i}].users[0].langauge: unknown field; expected one of id, name, email, role, "
     "language"),
    ("duplicate user id", _add_second_user,
     "accounts[{i}].users[1].id: 'u-{lang}' is a duplicate of accounts[{i}].users[0].id"),
]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("case", "breaks", "problem"), ACCOUNT_CASES,
                         ids=[c[0] for c in ACCOUNT_CASES])
def test_broken_demo_accounts(root, lang, case, breaks, problem):
    data = accounts()
    index = list(ACCOUNT_OF).index(lang)
    breaks(data["accounts"][index])
    path = write(root / "data" / "demo" / "accounts.yml", dump(data))
    with pytest.raises(DemoDataError) as error:
        load_demo_accounts(path)
    assert str(error.value) == "data/demo/accounts.yml: " + problem.format(i=index, lang=lang)
    assert error.value.path == path


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_duplicate_account_id_across_accounts(root, lang):
    data = accounts()
    index = list(ACCOUNT_OF).index(lang)
    copied = copy.deepcopy(data["accounts"][index])
    copied["users"][0]["id"] = "u-other"
    data["accounts"].append(copied)
    path = write(root / "data" / "demo" / "accounts.yml", dump(data))
    with pytest.raises(DemoDataError) as error:
        load_demo_accounts(path)
    assert str(error.value) == (f"data/demo/accounts.yml: accounts[5].id: '{copied['id']}' "
                                f"is a duplicate of accounts[{index}].id")


def test_a_user_id_is_unique_across_accounts(root):
    data = accounts()
    data["accounts"][4]["users"][0]["id"] = "u-ru"
    path = write(root / "data" / "demo" / "accounts.yml", dump(data))
    with pytest.raises(DemoDataError, match=r"^data/demo/accounts.yml: accounts\[4\]\.users\[0\]"
                       r"\.id: 'u-ru' is a duplicate of accounts\[0\]\.users\[0\]\.id$"):
        load_demo_accounts(path)


def test_every_problem_of_the_accounts_file_is_listed(root):
    data = accounts()
    data["accounts"][1]["plan"] = "gold"
    data["accounts"][3]["users"][0]["role"] = "boss"
    data["accounts"][3]["users"][0].pop("email")
    path = write(root / "data" / "demo" / "accounts.yml", dump(data))
    with pytest.raises(DemoDataError) as error:
        load_demo_accounts(path)
    assert str(error.value).splitlines() == [
        "data/demo/accounts.yml: accounts[1].plan: 'gold' is not one of basic, pro, business, "
        "education, enterprise, api",
        "data/demo/accounts.yml: accounts[3].users[0].email: missing",
        "data/demo/accounts.yml: accounts[3].users[0].role: 'boss' is not one of owner, admin, "
        "member",
    ]
    assert error.value.field == "accounts[1].plan"


# The whole-file cases are the same for both demo files.
FILE_CASES = [
    ("empty file", "", "file: is empty; expected a mapping with '{key}'"),
    ("only a comment", "# nothing yet\n", "file: is empty; expected a mapping with '{key}'"),
    ("a list", "- a\n- b\n", "file: expected a mapping with '{key}', got a list"),
    ("empty list", "{key}: []\n", "{key}: needs at least 1 entry, has 0"),
    ("blank list", "{key}:\n", "{key}: is empty"),
    ("not a list", "{key}: everyone\n", "{key}: expected a list, got text 'everyone'"),
    ("misspelt key", "{key}s: []\n",
     "{key}: missing\n{file}: {key}s: unknown field; expected one of {key}"),
    ("invalid YAML", "{key}:\n  - {{id: a,, }}\n",
     "file: invalid YAML at line 2, column 12: expected the node content, but found ','"),
]


@pytest.mark.parametrize(("case", "text", "problem"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_broken_demo_accounts_file(root, case, text, problem):
    name = "data/demo/accounts.yml"
    path = write(root / name, text.format(key="accounts"))
    with pytest.raises(DemoDataError) as error:
        load_demo_accounts(path)
    assert str(error.value) == f"{name}: " + problem.format(key="accounts", file=name)


def test_a_demo_file_that_is_not_utf8(root):
    path = root / "data" / "demo" / "accounts.yml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"accounts: [\xff]\n")
    with pytest.raises(DemoDataError, match="^data/demo/accounts.yml: file: is not UTF-8 text$"):
        load_demo_accounts(path)


# -- data/demo/agents.yml -------------------------------------------------------------------

AGENT_OF = {"ru": ("dmitri", "Дмитрий Орлов"), "nb": ("kari", "Kari Nordmann"),
            "fr": ("amelie", "Amélie Laurent"), "it": ("marco", "Marco Ferrand"),
            "en": ("alice", "Alice Turner")}


def agents() -> Dict[str, Any]:
    return {"agents": [{"id": agent, "name": name, "password": f"{agent}-demo-password",
                        "languages": [lang], "online": True}
                       for lang, (agent, name) in AGENT_OF.items()]}


AGENT_CASES: List[tuple] = [
    ("missing field", lambda a, _: a.pop("password"), "agents[{i}].password: missing"),
    ("missing languages", lambda a, _: a.pop("languages"), "agents[{i}].languages: missing"),
    ("wrong type", lambda a, _: a.update(password=12345),
     "agents[{i}].password: expected text, got a number (12345)"),
    ("languages not a list", lambda a, lang: a.update(languages=lang),
     "agents[{i}].languages: expected a list, got text '{lang}'"),
    ("online not a boolean", lambda a, _: a.update(online="sometimes"),
     "agents[{i}].online: expected true or false, got text 'sometimes'"),
    ("manager not a boolean", lambda a, _: a.update(manager="yes"),
     "agents[{i}].manager: expected true or false, got text 'yes'"),
    ("language not allowed", lambda a, _: a["languages"].append("de"),
     "agents[{i}].languages[1]: 'de' is not one of ru, nb, fr, it, en"),
    ("no languages", lambda a, _: a.update(languages=[]),
     "agents[{i}].languages: needs at least 1 entry, has 0"),
    ("empty name", lambda a, _: a.update(name=""), "agents[{i}].name: is empty"),
    ("duplicate language", lambda a, _: a["languages"].append(a["languages"][0]),
     "agents[{i}].languages[1]: '{lang}' is a duplicate of agents[{i}].languages[0]"),
    ("unknown field", lambda a, _: a.update(languages_spoken=["en"]),
     "agents[{i}].languages_spoken: unknown field; expected one of id, name, password, "
     "languages, online, manager"),
]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("case", "breaks", "problem"), AGENT_CASES,
                         ids=[c[0] for c in AGENT_CASES])
def test_broken_demo_agents(root, lang, case, breaks, problem):
    data = agents()
    index = list(AGENT_OF).index(lang)
    breaks(data["agents"][index], lang)
    path = write(root / "data" / "demo" / "agents.yml", dump(data))
    with pytest.raises(DemoAgentsError) as error:
        load_demo_agents(path)
    assert str(error.value) == "data/demo/agents.yml: " + problem.format(i=index, lang=lang)
    assert isinstance(error.value, ValueError)  # what callers caught before


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_duplicate_agent_id(root, lang):
    data = agents()
    index = list(AGENT_OF).index(lang)
    data["agents"].append(dict(data["agents"][index], name="Twin"))
    path = write(root / "data" / "demo" / "agents.yml", dump(data))
    with pytest.raises(DemoAgentsError) as error:
        load_demo_agents(path)
    agent = AGENT_OF[lang][0]
    assert str(error.value) == (f"data/demo/agents.yml: agents[5].id: '{agent}' "
                                f"is a duplicate of agents[{index}].id")


@pytest.mark.parametrize(("case", "text", "problem"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_broken_demo_agents_file(root, case, text, problem):
    name = "data/demo/agents.yml"
    path = write(root / name, text.format(key="agents"))
    with pytest.raises(DemoAgentsError) as error:
        load_demo_agents(path)
    assert str(error.value) == f"{name}: " + problem.format(key="agents", file=name)


def test_agents_speaking_every_language_load(root):
    path = write(root / "data" / "demo" / "agents.yml", dump(agents()))
    loaded = load_demo_agents(path)
    assert [a["languages"] for a in loaded] == [[lang] for lang in SUPPORTED_LANGUAGES]
    assert loaded[0] == {"id": "dmitri", "name": "Дмитрий Орлов",
                         "password": "dmitri-demo-password", "languages": ["ru"], "online": True,
                         "manager": False}


# -- data/kb/<lang>/<id>.md -----------------------------------------------------------------

ARTICLE_TEXT = {
    "ru": ("Не работает звук", "Проверьте микрофон, динамики и настройки звука.",
           ["меня никто не слышит", "я не слышу собеседников", "не работает микрофон",
            "во встрече пропал звук", "как проверить динамики"], "Откройте **Настройки звука**."),
    "nb": ("Lyden virker ikke", "Sjekk mikrofonen, høyttalerne og lydinnstillingene.",
           ["ingen hører meg", "jeg hører ikke de andre", "mikrofonen virker ikke",
            "lyden er borte i møtet", "hvordan tester jeg høyttalerne"],
           "Åpne **Lydinnstillinger**."),
    "fr": ("Le son ne fonctionne pas", "Vérifiez le micro, les haut-parleurs et les réglages.",
           ["personne ne m'entend", "je n'entends pas les autres", "mon micro ne marche pas",
            "plus de son pendant la réunion", "comment tester mes haut-parleurs"],
           "Ouvrez **Réglages audio**."),
    "it": ("L'audio non funziona", "Controlla microfono, altoparlanti e impostazioni audio.",
           ["nessuno mi sente", "non sento gli altri", "il microfono non funziona",
            "niente audio nella riunione", "come provo gli altoparlanti"],
           "Apri **Impostazioni audio**."),
    "en": ("Audio not working", "Check the microphone, the speakers and the audio settings.",
           ["nobody can hear me", "I can't hear the others", "my microphone does not work",
            "the sound is gone in the meeting", "how do I test my speakers"],
           "Open **Audio settings**."),
}
ARTICLE = "audio-not-working"


def front_matter(lang: str) -> Dict[str, Any]:
    title, summary, questions, _ = ARTICLE_TEXT[lang]
    return {"id": ARTICLE, "lang": lang, "title": title, "summary": summary,
            "tags": ["audio", "microphone"], "questions": list(questions),
            "related": [], "slug": ARTICLE}


def article_text(front: Dict[str, Any], body: str) -> str:
    return f"---\n{dump(front)}---\n{body}\n"


def other_language(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


# (edit of the front matter (front, lang), the expected problem; {lang}, {q2}: the article's
# language and its third question, {other}: another language)
ARTICLE_CASES: List[tuple] = [
    ("missing field", lambda f, _: f.pop("title"), "title: missing"),
    ("missing questions", lambda f, _: f.pop("questions"), "questions: missing"),
    ("wrong type", lambda f, _: f.update(tags="audio"),
     "tags: expected a list, got text 'audio'"),
    ("wrong type in a list", lambda f, _: f["questions"].__setitem__(1, 5),
     "questions[1]: expected text, got a number (5)"),
    ("not allowed", lambda f, _: f.update(lang="de"),
     "lang: 'de' is not one of ru, nb, fr, it, en"),
    ("too few questions", lambda f, _: f.update(questions=f["questions"][:3]),
     "questions: needs at least 5 entries, has 3"),
    ("blank questions", lambda f, _: f.update(questions=None),
     "questions: needs at least 5 entries, has 0"),
    ("duplicate question", lambda f, _: f["questions"].append(f["questions"][2]),
     "questions[5]: '{q2}' is a duplicate of questions[2]"),
    ("duplicate tag", lambda f, _: f["tags"].append("audio"),
     "tags[2]: 'audio' is a duplicate of tags[0]"),
    ("empty summary", lambda f, _: f.update(summary="  "), "summary: is empty"),
    ("unknown field", lambda f, _: f.update(titel="x"),
     "titel: unknown field; expected one of id, lang, title, summary, tags, questions, related, "
     "slug"),
    ("id pattern", lambda f, _: f.update(id="Audio Not Working"),
     "id: 'Audio Not Working' is not a lower-case hyphenated id"),
    ("id is not the file name", lambda f, _: f.update(id="audio"),
     "id: 'audio' does not match the file name"),
    ("lang is not the folder", lambda f, lang: f.update(lang=other_language(lang)),
     "lang: '{other}' does not match the folder '{lang}'"),
    ("slug pattern", lambda f, _: f.update(slug="Audio Help"),
     "slug: 'Audio Help' is not a lower-case ascii slug"),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("case", "edit", "problem"), ARTICLE_CASES,
                         ids=[c[0] for c in ARTICLE_CASES])
def test_broken_article(root, lang, case, edit, problem):
    front = front_matter(lang)
    edit(front, lang)
    name = f"data/kb/{lang}/{ARTICLE}.md"
    path = write(root / name, article_text(front, ARTICLE_TEXT[lang][3]))
    with pytest.raises(ArticleError) as error:
        parse_article(path)
    expected = problem.format(lang=lang, other=other_language(lang),
                              q2=ARTICLE_TEXT[lang][2][2])
    assert str(error.value) == f"{name}: {expected}"
    assert error.value.field == expected.split(":")[0]
    assert error.value.path == path


ARTICLE_FILE_CASES = [
    ("empty file", lambda text: "", "front matter: the file must start with a '---' YAML block"),
    ("no front matter", lambda text: text.split("---\n")[2],
     "front matter: the file must start with a '---' YAML block"),
    ("empty body", lambda text: text.rsplit("---\n", 1)[0] + "---\n\n", "body: is empty"),
    ("invalid YAML", lambda text: text.replace("tags:\n", "tags: [audio\n", 1),
     "front matter: invalid YAML at line 9, column 10: expected ',' or ']', but got ':'"),
    ("front matter not a mapping", lambda text: "---\n- a\n- b\n---\nbody\n",
     "front matter: expected a mapping, got a list"),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("case", "edit", "problem"), ARTICLE_FILE_CASES,
                         ids=[c[0] for c in ARTICLE_FILE_CASES])
def test_broken_article_file(root, lang, case, edit, problem):
    name = f"data/kb/{lang}/{ARTICLE}.md"
    good = article_text(front_matter(lang), ARTICLE_TEXT[lang][3])
    path = write(root / name, edit(good))
    with pytest.raises(ArticleError) as error:
        parse_article(path)
    assert str(error.value) == f"{name}: {problem}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_good_article_in_every_language(root, lang):
    path = write(root / "data" / "kb" / lang / f"{ARTICLE}.md",
                 article_text(front_matter(lang), ARTICLE_TEXT[lang][3]))
    article = parse_article(path)
    assert (article.id, article.lang, article.title) == (ARTICLE, lang, ARTICLE_TEXT[lang][0])
    assert article.questions == tuple(ARTICLE_TEXT[lang][2])
    assert article.related == ()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dangling_related_id_names_the_entry(root, lang):
    front = front_matter(lang)
    front["related"] = ["video-not-working", "screen-sharing"]
    kb = root / "data" / "kb"
    write(kb / lang / f"{ARTICLE}.md", article_text(front, ARTICLE_TEXT[lang][3]))
    write(kb / lang / "video-not-working.md",
          article_text(dict(front_matter(lang), id="video-not-working", slug="video"), "Body."))
    with pytest.raises(ArticleError) as error:
        load_articles(kb, [lang])
    assert str(error.value) == (f"data/kb/{lang}/{ARTICLE}.md: related[1]: "
                                f"'screen-sharing' is not an article in '{lang}'")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_articles_may_not_share_a_slug(root, lang):
    kb = root / "data" / "kb"
    write(kb / lang / f"{ARTICLE}.md", article_text(front_matter(lang), "Body."))
    write(kb / lang / "sound.md", article_text(dict(front_matter(lang), id="sound"), "Body."))
    with pytest.raises(ArticleError) as error:
        load_articles(kb, [lang])
    assert str(error.value) == (f"data/kb/{lang}/sound.md: slug: '{ARTICLE}' is already the slug "
                                f"of data/kb/{lang}/{ARTICLE}.md")


def test_the_same_slug_in_two_languages_is_fine(root):
    kb = root / "data" / "kb"
    for lang in LANGUAGES:
        write(kb / lang / f"{ARTICLE}.md", article_text(front_matter(lang), "Body."))
    assert len(load_articles(kb)) == len(LANGUAGES)


def test_every_problem_of_an_article_is_listed(root):
    front = front_matter("it")
    front.pop("title")
    front["questions"] = front["questions"][:2]
    path = write(root / "data" / "kb" / "it" / f"{ARTICLE}.md", article_text(front, ""))
    with pytest.raises(ArticleError) as error:
        parse_article(path)
    assert str(error.value).splitlines() == [
        f"data/kb/it/{ARTICLE}.md: title: missing",
        f"data/kb/it/{ARTICLE}.md: questions: needs at least 5 entries, has 2",
        f"data/kb/it/{ARTICLE}.md: body: is empty",
    ]


def test_frontmatter_model_field_order_is_the_file_order():
    assert list(FrontMatter.__fields__) == ["id", "lang", "title", "summary", "tags",
                                            "questions", "related", "slug"]


# -- data/priority/{train,eval}/<lang>.tsv --------------------------------------------------

ROWS = {
    "ru": ["Никто в компании не может зайти ни на одну встречу",
           "Видео тормозит у половины отдела", "Кнопка записи серая",
           "Как настроить вход через SSO?"],
    "nb": ["Ingen i firmaet får blitt med i møter", "Videoen hakker for halve avdelingen",
           "Opptaksknappen er grå", "Hvordan setter jeg opp SSO?"],
    "fr": ["Personne ne peut rejoindre une réunion", "La vidéo saccade pour la moitié du service",
           "Le bouton d'enregistrement est grisé", "Comment configurer le SSO ?"],
    "it": ["Nessuno riesce a entrare in riunione", "Il video scatta per metà dell'ufficio",
           "Il pulsante di registrazione è grigio", "Come si configura l'SSO?"],
    "en": ["Nobody in the company can join a meeting", "Video stutters for half the team",
           "The record button is greyed out", "How do I set up SSO?"],
}


def tsv(lang: str, extra: str = "") -> str:
    """A comment, a blank line, four good rows (lines 3-6), then ``extra`` (line 7)."""
    rows = "".join(f"P{n}\t{text}\n" for n, text in enumerate(ROWS[lang], 1))
    return f"# {lang}: P1..P4<TAB>text\n\n{rows}{extra}"


# (the line added as line 7, the expected problem; {lang}, {row0}: the language and its
# first row's text)
PRIORITY_CASES = [
    ("not allowed", "P5\t{row0}!\n", "line 7: priority: 'P5' is not one of P1, P2, P3, P4"),
    ("lower case", "p1\t{row0}!\n", "line 7: priority: 'p1' is not one of P1, P2, P3, P4"),
    ("missing priority", "\t{row0}!\n", "line 7: priority: missing"),
    ("missing text", "P2\t\n", "line 7: text: is empty"),
    ("blank text", "P2\t   \n", "line 7: text: is empty"),
    ("no tab", "P1 {row0}!\n", "line 7: expected 'P1..P4<TAB>text', found no tab"),
    ("duplicate", "P2\t{row0}\n", "line 7: text: same text as line 3"),
    ("duplicate with other spacing", "P1\t {row0} \n", "line 7: text: same text as line 3"),
]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("case", "line", "problem"), PRIORITY_CASES,
                         ids=[c[0] for c in PRIORITY_CASES])
def test_broken_labelled_row(root, lang, case, line, problem):
    folder = root / "data" / "priority" / "train"
    write(folder / f"{lang}.tsv", tsv(lang, line.format(row0=ROWS[lang][0])))
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == f"data/priority/train/{lang}.tsv: {problem}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_labelled_rows_in_every_language_load(root, lang):
    folder = root / "data" / "priority" / "eval"
    write(folder / f"{lang}.tsv", tsv(lang))
    assert load_labelled(folder) == [(lang, f"P{n}", text)
                                     for n, text in enumerate(ROWS[lang], 1)]


LABELLED_FILE_CASES = [
    ("empty file", "", "file: has no labelled descriptions ('P1..P4<TAB>text' lines)"),
    ("only comments", "# nothing\n\n", "file: has no labelled descriptions "
                                       "('P1..P4<TAB>text' lines)"),
]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("case", "text", "problem"), LABELLED_FILE_CASES,
                         ids=[c[0] for c in LABELLED_FILE_CASES])
def test_broken_labelled_file(root, lang, case, text, problem):
    folder = root / "data" / "priority" / "train"
    for other in SUPPORTED_LANGUAGES:
        write(folder / f"{other}.tsv", text if other == lang else tsv(other))
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == f"data/priority/train/{lang}.tsv: {problem}"


def test_a_labelled_file_is_named_after_a_language(root):
    folder = root / "data" / "priority" / "train"
    write(folder / "en.tsv", tsv("en"))
    write(folder / "de.tsv", "P1\tNiemand kann einem Meeting beitreten\n")
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == ("data/priority/train/de.tsv: file name: "
                                "'de' is not one of ru, nb, fr, it, en")


def test_a_description_may_not_appear_in_two_files(root):
    folder = root / "data" / "priority" / "train"
    write(folder / "en.tsv", tsv("en"))
    write(folder / "nb.tsv", tsv("nb", f"P3\t{ROWS['en'][2]}\n"))
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == ("data/priority/train/nb.tsv: line 7: text: "
                                "same text as data/priority/train/en.tsv line 5")


def test_an_empty_folder(root):
    folder = root / "data" / "priority" / "train"
    folder.mkdir(parents=True)
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == "data/priority/train: folder: has no labelled '<lang>.tsv' files"


def test_a_labelled_file_that_is_not_utf8(root):
    folder = root / "data" / "priority" / "train"
    folder.mkdir(parents=True)
    (folder / "ru.tsv").write_bytes("P1\tвсё упало\n".encode("cp1251"))
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value) == "data/priority/train/ru.tsv: file: is not UTF-8 text"


def test_every_problem_of_a_labelled_file_is_listed(root):
    folder = root / "data" / "priority" / "train"
    write(folder / "fr.tsv", tsv("fr", "P0\tLe son coupe\nP2 sans tabulation\nP4\t\n"))
    with pytest.raises(LabelledDataError) as error:
        load_labelled(folder)
    assert str(error.value).splitlines() == [
        "data/priority/train/fr.tsv: line 7: priority: 'P0' is not one of P1, P2, P3, P4",
        "data/priority/train/fr.tsv: line 8: expected 'P1..P4<TAB>text', found no tab",
        "data/priority/train/fr.tsv: line 9: text: is empty",
    ]
    assert error.value.field == "line 7: priority"
