"""Teaching from the studio: the edits an editor makes, written to the files developers edit.

Every edit lands in ``data/nlu/<lang>/*.yml`` or ``data/kb/<lang>/*.md`` so that it can be
reviewed in git like any other change. Edits change only the lines they add: the text of
a YAML block is edited in place, never re-dumped, so comments, ordering and quoting stay
as the developers wrote them. Each edited file is read back with the reader the product
uses (Rasa's ``RasaYAMLReader``, ``kb_index.articles.parse_article``) and restored if it
no longer reads as intended.

A bad edit raises :class:`EditRefused` and writes nothing. Its problems are sentences for
an editor who has never seen YAML; ``field`` and ``lang`` let the studio put each one next
to the input it concerns, so nothing typed is lost.

Every function takes ``root``, the project root (tests pass a temporary copy).
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypedDict,
)

import yaml
from pydantic import BaseModel, Field

from bot.studio.content import NOT_TEACHABLE, domain_intents
from bot.studio.privacy import phone_numbers
from kb_index.articles import (
    FRONT_MATTER,
    ID_PATTERN,
    MIN_QUESTIONS,
    Article,
    ArticleError,
    parse_article,
)
from kb_index.data_files import LANGUAGES, DataFileError, Language

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.training_data import TrainingData

__all__ = [
    "LANGUAGES", "MAX_TEXT_LENGTH", "STUDIO_NLU_FILE", "ArticleDraft", "ArticleText",
    "CatalogueInfo", "DraftCheck", "EditRefused", "EditResult", "Problem",
    "add_article_question", "add_training_example", "check_article_draft", "create_article",
    "ParityFacts", "default_catalogue", "parity_facts", "parity_problems", "render_article",
    "template",
]

MAX_TEXT_LENGTH = 300
# Where examples of an intent that no file of the language holds yet are added.
STUDIO_NLU_FILE = "studio.yml"
LANGUAGE_NAMES = {"ru": "Russian", "nb": "Norwegian", "fr": "French", "it": "Italian",
                  "en": "English"}

# One writer at a time: two editors saving to the same file must not interleave.
_WRITE_LOCK = threading.Lock()


# --------------------------------------------------------------------------- wire formats


class Problem(TypedDict):
    """Why an edit is refused.

    ``field``: the input it concerns (``text``, ``intent``, ``lang``, ``id``, ``title``,
    ``questions[2]``, ``parity``...). ``lang``: the language, or None when it concerns all.
    ``message``: one or two plain sentences.
    """

    field: str
    lang: Optional[str]
    message: str


class EditResult(TypedDict):
    """One file an edit wrote: ``file`` relative to the root (``data/nlu/fr/studio.yml``)."""

    file: str
    detail: str


class CatalogueInfo(TypedDict):
    """What the shared catalogue says about an article id.

    ``available``: the catalogue file was found at ``path``; ``listed``: the id is in it;
    ``title`` and ``covers``: the catalogue entry's title and the facts it must state.
    """

    path: str
    available: bool
    listed: bool
    title: Optional[str]
    covers: List[str]


class DraftCheck(TypedDict):
    """The checks of an article draft: empty ``problems`` means it can be created.

    ``preview``: language -> the body as the help center renders it (HTML).
    """

    problems: List[Problem]
    preview: Dict[str, str]
    catalogue: CatalogueInfo


class EditRefused(Exception):
    """An edit was refused and nothing was written; ``problems`` says why (at least one)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: List[Problem] = list(problems)
        super().__init__("\n".join(
            f"{p['field']}" + (f" ({p['lang']})" if p["lang"] else "") + f": {p['message']}"
            for p in self.problems))


class ArticleText(BaseModel):
    """One language's text of a new article; everything may still be empty while typing.

    ``tags``: this language's tags (they are words of the language); when empty the
    draft's ``tags`` are used. ``slug``: the URL name; when empty the id is used.
    """

    title: str = ""
    summary: str = ""
    body: str = ""
    questions: List[str] = Field(default_factory=list)
    tags: List[str] = Field(default_factory=list)
    slug: str = ""


class ArticleDraft(BaseModel):
    """A new article in (up to) five languages, as the editor typed it."""

    id: str = ""
    tags: List[str] = Field(default_factory=list)
    related: List[str] = Field(default_factory=list)
    languages: Dict[Language, ArticleText] = Field(default_factory=dict)


def _problem(field: str, lang: Optional[str], message: str) -> Problem:
    return Problem(field=field, lang=lang, message=message)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)


# --------------------------------------------------------------------------- typed text


def _same_text_key(text: str) -> str:
    """Case- and space-insensitive form: two texts with the same key are duplicates."""
    return " ".join(text.casefold().split())


# The word pattern of bot.nlu.components.language_detector.words_of (copied: importing that
# module loads TensorFlow). The overlap tests between training data and the held-out and
# blind sets compare texts by these words, so refusals here use the same key.
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def _measurement_key(text: str) -> str:
    """The key the held-out/blind overlap tests compare by (words; emoji-only as typed)."""
    return " ".join(WORD_PATTERN.findall(text.lower())) or text.strip()


def _is_unstorable(char: str) -> bool:
    """Control characters and non-characters that a YAML file cannot hold as typed."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff"


def _clean_text(text: str, field: str, lang: Optional[str],
                what: str) -> Tuple[str, List[Problem]]:
    """The typed text with runs of white space (line breaks too) made one space.

    Returns:
        ``(cleaned text, problems)``; ``what`` names the text in messages ("sentence").
    """
    # Invisible format characters (zero-width spaces, byte-order and direction marks)
    # come with copy and paste; a text of nothing else is empty.
    cleaned = " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())
    if not cleaned:
        return cleaned, [_problem(field, lang, f"The {what} is empty. Type the {what} first.")]
    problems = []
    if len(cleaned) > MAX_TEXT_LENGTH:
        problems.append(_problem(field, lang, (
            f"The {what} is {len(cleaned)} characters long; at most {MAX_TEXT_LENGTH} are "
            f"allowed. Shorten it to what a user would type in one message.")))
    if cleaned.startswith("/"):
        problems.append(_problem(field, lang, (
            f"The {what} starts with '/', which is how buttons talk to the assistant, not "
            f"something a user types. Remove the '/'.")))
    bad = sorted({f"U+{ord(c):04X}" for c in cleaned if _is_unstorable(c)})
    if bad:
        problems.append(_problem(field, lang, (
            f"The {what} contains invisible control characters ({', '.join(bad)}), "
            f"probably from copying and pasting. Retype it.")))
    return cleaned, problems


# --------------------------------------------------------------------------- measurement sets


def _tsv_first_column(path: Path) -> List[str]:
    """The first column of a tab-separated file, without its header line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines[1:] if line.strip()]


def _measurement_files(root: Path, lang: str) -> Iterator[Tuple[Path, str]]:
    """``(file, what it measures)`` for every held-out or blind set of ``lang``."""
    tests = root / "tests"
    yield tests / "nlu_holdout" / f"{lang}.yml", "the held-out test of intent recognition"
    fixtures = tests / "fixtures"
    for folder in [fixtures, *sorted(fixtures.glob("blind*"))]:
        yield folder / "symptoms" / f"{lang}.tsv", "a blind test of answers to problems"
        yield (folder / "no_article" / f"{lang}.tsv",
               "a blind test of questions without an article")
    yield root / "data" / "kb_eval" / f"{lang}.tsv", "the development test of article search"


def _read_measured_texts(path: Path) -> List[str]:
    if path.suffix == ".yml":
        return [text for text, _ in _example_texts(path)]
    return _tsv_first_column(path)


@lru_cache(maxsize=64)
def _measured_cached(path: Path, mtime_ns: int, size: int) -> FrozenSet[str]:
    del mtime_ns, size  # part of the cache key only: a changed file is read again
    return frozenset(_measurement_key(text) for text in _read_measured_texts(path))


def _example_texts(path: Path) -> List[Tuple[str, str]]:
    """``(example text, intent)`` of an NLU file, cached until the file changes."""
    stat = path.stat()
    return _example_texts_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _example_texts_cached(path: Path, mtime_ns: int, size: int) -> List[Tuple[str, str]]:
    """Examples read the way Rasa reads them, without its schema validation.

    Rasa's reader validates every entity annotation against a JSON schema (about 0.6 s a
    file); lookups over a whole language would take seconds while an editor waits, so
    only the edited file is read with the real reader (``_nlu_examples``).
    """
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    del mtime_ns, size  # part of the cache key only
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    found: List[Tuple[str, str]] = []
    for item in (data or {}).get("nlu") or [] if isinstance(data, dict) else []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples")
        if isinstance(examples, str):
            texts = [line[1:].strip("\n\r ") for line in examples.splitlines()
                     if line.startswith("-")]
        else:
            texts = [str(e.get("text", "")).strip("\n\r ") for e in examples or []
                     if isinstance(e, dict)]
        found += [(replace_entities(text), str(item["intent"])) for text in texts]
    return found


def _measured_source(root: Path, lang: str, text: str) -> Optional[Tuple[str, str]]:
    """``(file, purpose)`` of the first held-out or blind set holding ``text``, or None."""
    key = _measurement_key(text)
    for path, purpose in _measurement_files(root, lang):
        if not path.is_file():
            continue
        stat = path.stat()
        if key in _measured_cached(path.resolve(), stat.st_mtime_ns, stat.st_size):
            return _relative(root, path), purpose
    return None


def _measurement_problem(root: Path, lang: str, text: str, field: str,
                         what: str) -> List[Problem]:
    found = _measured_source(root, lang, text)
    if found is None:
        return []
    source, purpose = found
    return [_problem(field, lang, (
        f"This {what} is in {purpose} ({source}). Teaching it would hide that measurement: "
        f"the assistant would be tested on a sentence it was taught. Say the same thing in "
        f"other words."))]


# --------------------------------------------------------------------------- NLU files


def _nlu_examples(text: str) -> List[Tuple[str, Optional[str], str]]:
    """``(example text, intent, entities as JSON)`` of NLU YAML, as Rasa reads it.

    Raises:
        Exception: whatever Rasa raises for a file it cannot read (YAML or schema errors).
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data: TrainingData = RasaYAMLReader().reads(text)
    return [(m.get("text"), m.get("intent"), json.dumps(m.get("entities") or [],
                                                        sort_keys=True))
            for m in data.training_examples]


def _nlu_files(root: Path, lang: str) -> List[Path]:
    """The language's NLU files, then the language-independent ones (``data/nlu/any``)."""
    nlu = root / "data" / "nlu"
    return sorted((nlu / lang).glob("*.yml")) + sorted((nlu / "any").glob("*.yml"))


@dataclass(frozen=True)
class _Block:
    """Where an intent's ``examples: |`` block lies: 0-based lines of its header."""

    header_line: int
    key_column: int


def _literal_block(text: str, intent: str) -> Optional[_Block]:
    """The first ``- intent: <intent>`` item whose ``examples`` is a ``|`` block, or None."""
    try:
        document = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if not isinstance(document, yaml.MappingNode):
        return None
    for key, value in document.value:
        if key.value != "nlu" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {k.value: (k, v) for k, v in item.value}
            name = fields.get("intent", (None, None))[1]
            examples = fields.get("examples")
            if (isinstance(name, yaml.ScalarNode) and name.value == intent
                    and examples is not None and isinstance(examples[1], yaml.ScalarNode)
                    and examples[1].style == "|"):
                return _Block(examples[1].start_mark.line, examples[0].start_mark.column)
    return None


def _line_ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def _append_to_block(text: str, block: _Block, example: str) -> str:
    """``text`` with ``- example`` added as the block's last line; other bytes unchanged."""
    lines = text.splitlines(keepends=True)
    indent: Optional[int] = None
    last = block.header_line
    for number in range(block.header_line + 1, len(lines)):
        content = lines[number].rstrip("\r\n")
        if not content.strip():
            continue
        column = len(content) - len(content.lstrip(" "))
        # The block ends at the first line indented no deeper than its key (or than its
        # first line); a comment there belongs to the file, not to the block.
        if column <= block.key_column or (indent is not None and column < indent):
            break
        indent = column if indent is None else indent
        last = number
    if indent is None:
        indent = block.key_column + 2
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += "\n"
    lines.insert(last + 1, f"{' ' * indent}- {example}{_line_ending(lines[last])}")
    return "".join(lines)


STUDIO_NLU_HEADER = (
    'version: "3.1"\n'
    "# Examples taught in the editors' studio for intents that no other file of this\n"
    "# language holds yet. Move them to a topical file when you review them.\n"
    "nlu:\n"
)


def _new_studio_block(text: str, lang: str, intent: str, example: str) -> str:
    """``text`` (the studio file, possibly empty) with a new block for ``intent``."""
    if not text.strip():
        text = STUDIO_NLU_HEADER
    elif not text.endswith("\n"):
        text += "\n"
    return text + (f"- intent: {intent}\n  metadata:\n    language: {lang}\n"
                   f"  examples: |\n    - {example}\n")


# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" as entity annotations and
# has no way to escape them (rasa.shared.nlu.training_data.entities_parser.ENTITY_REGEX).
_ENTITY_ANNOTATION = re.compile(
    r"\[(?P<entity_text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)"
    r"|\{(?P<entity_dict>[^}]+?)\}|\[(?P<list_entity_dicts>.*?)\])")


def _write_checked(path: Path, new_text: str, verify: Callable[[Path], None]) -> None:
    """Writes ``new_text`` to ``path`` and re-reads it; restores the old content on failure.

    Raises:
        Exception: whatever ``verify`` raised, after the file was restored (or removed,
            when it did not exist before).
    """
    old = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    # Newline translation off: the text already holds the file's own line endings.
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(new_text)
    try:
        verify(path)
    except BaseException:
        if old is None:
            path.unlink()
        else:
            path.write_bytes(old)
        raise


def _duplicate_example(root: Path, lang: str, key: str) -> Optional[Tuple[str, str]]:
    """``(intent, file)`` of an existing example with the same text, or None."""
    for path in _nlu_files(root, lang):
        for text, intent in _example_texts(path):
            if _same_text_key(text) == key:
                return str(intent), _relative(root, path)
    return None


def add_training_example(root: Path, lang: str, intent: str, text: str) -> EditResult:
    """Adds ``text`` as a training example of ``intent`` in ``lang``.

    The example goes at the end of the first ``examples: |`` block of the intent in
    ``data/nlu/<lang>/*.yml`` (files in name order), or, when no file of the language has
    the intent, into ``data/nlu/<lang>/studio.yml`` (created if needed). Line breaks and
    runs of spaces in ``text`` become single spaces.

    Args:
        root: the project root.
        lang: ru, nb, fr, it or en.
        intent: an intent of the domain (not ``nlu_fallback``).
        text: the user's sentence, 1 to 300 characters.

    Returns:
        The file written (relative to ``root``) and what was added.

    Raises:
        EditRefused: nothing was written; the problems say why (unknown language or
            intent, empty, too long, a button payload, already an example of any intent in
            the language, part of a held-out or blind test set, entity-like brackets, or
            a file Rasa could not read back).
    """
    problems: List[Problem] = []
    if lang not in LANGUAGES:
        problems.append(_problem("lang", None, (
            f"'{lang}' is not one of the assistant's languages "
            f"({', '.join(LANGUAGES)}).")))
    if intent in NOT_TEACHABLE:
        problems.append(_problem("intent", None, (
            f"'{intent}' means the assistant did not understand; it cannot be taught. "
            f"Choose the intent the sentence should have had.")))
    elif intent not in domain_intents(root):
        problems.append(_problem("intent", None, (
            f"'{intent}' is not an intent the assistant knows. Choose one from the list.")))
    known_lang = lang if lang in LANGUAGES else None
    example, text_problems = _clean_text(text, "text", known_lang, "sentence")
    problems += text_problems
    if example and _ENTITY_ANNOTATION.search(example):
        problems.append(_problem("text", known_lang, (
            "Square brackets directly followed by '(', '{' or '[' mark entities in the "
            "training files, so this sentence cannot be stored as typed. Remove the brackets "
            "or put a space after ']'.")))
    if problems:
        raise EditRefused(problems)
    duplicate = _duplicate_example(root, lang, _same_text_key(example))
    if duplicate is not None:
        problems.append(_problem("text", lang, (
            f"This sentence is already an example of '{duplicate[0]}' in {duplicate[1]}.")))
    problems += _measurement_problem(root, lang, example, "text", "sentence")
    if problems:
        raise EditRefused(problems)

    with _WRITE_LOCK:
        target, new_text, old_examples = _planned_nlu_edit(root, lang, intent, example)
        expected = (example, intent, "[]")

        def verify(path: Path) -> None:
            new_examples = _nlu_examples(path.read_text(encoding="utf-8"))
            remaining = [(text, name) for text, name, _ in new_examples]
            if expected in new_examples:
                remaining.remove((example, intent))
            if expected not in new_examples or remaining != old_examples:
                raise ValueError("Rasa does not read the file back as the old examples plus "
                                 "the new one")

        try:
            _write_checked(target, new_text, verify)
        except Exception as failure:  # noqa: BLE001 - any reader failure refuses the edit
            raise EditRefused([_problem("text", lang, (
                f"The sentence could not be stored so that the assistant reads it back "
                f"exactly; {_relative(root, target)} was left unchanged. ({failure})"))]) \
                from failure
    return EditResult(file=_relative(root, target),
                      detail=f"Added '{example}' as an example of '{intent}'.")


def _planned_nlu_edit(root: Path, lang: str, intent: str, example: str
                      ) -> Tuple[Path, str, List[Tuple[str, str]]]:
    """``(file, its new text, its (text, intent) examples before)`` for adding ``example``."""
    folder = root / "data" / "nlu" / lang
    for path in sorted(folder.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        block = _literal_block(text, intent)
        if block is not None:
            return path, _append_to_block(text, block, example), _example_texts(path)
    path = folder / STUDIO_NLU_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    old = _example_texts(path) if text.strip() else []
    return path, _new_studio_block(text, lang, intent, example), old


# --------------------------------------------------------------------------- article files


def _article_path(root: Path, lang: str, article_id: str) -> Optional[Path]:
    """The file in ``data/kb/<lang>/`` whose front matter has ``id: <article_id>``."""
    for path in sorted((root / "data" / "kb" / lang).glob("*.md")):
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not match:
            continue
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and data.get("id") == article_id:
            return path
    return None


def _yaml_scalar(value: str, flow: bool = False) -> str:
    """``value`` written as one YAML list entry (quoted only when YAML needs it)."""
    dumped = yaml.safe_dump([value], allow_unicode=True, default_flow_style=flow,
                            width=2**31 - 1).strip()
    return dumped[1:-1] if flow else dumped[2:]


def _with_question(text: str, question: str) -> Optional[str]:
    """The article text with ``question`` added to its ``questions``; None if not found."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None
    start = match.start(1)
    head = text[start:match.end(1)]
    try:
        document = yaml.compose(head)
    except yaml.YAMLError:
        return None
    if not isinstance(document, yaml.MappingNode):
        return None
    for key, value in document.value:
        if key.value != "questions" or not isinstance(value, yaml.SequenceNode) \
                or not value.value:
            continue
        if value.flow_style:
            closing = start + value.end_mark.index - 1
            return text[:closing] + ", " + _yaml_scalar(question, flow=True) + text[closing:]
        lines = text.splitlines(keepends=True)
        first_line = text.count("\n", 0, start)
        last_item = value.value[-1]
        last = first_line + last_item.end_mark.line - (last_item.end_mark.column == 0)
        entry = f"{' ' * value.start_mark.column}- {_yaml_scalar(question)}"
        lines.insert(last + 1, entry + _line_ending(lines[last]))
        return "".join(lines)
    return None


def _parse_as(path_name: Path, text: str) -> Article:
    """``parse_article`` on ``text`` as if it were the file ``<lang>/<id>.md``."""
    with tempfile.TemporaryDirectory(prefix="studio-article-") as folder:
        path = Path(folder) / path_name.parent.name / path_name.name
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8", newline="")
        return parse_article(path)


@lru_cache(maxsize=1024)
def _parsed_content(folder: str, name: str, digest: str, text: str) -> Optional[Article]:
    """``parse_article`` of ``text`` as ``<folder>/<name>``; None when it does not parse."""
    del digest  # the cache key, so that the text itself is not hashed by the cache
    try:
        return _parse_as(Path(folder) / name, text)
    except ArticleError:
        return None


def _parsed(path: Path) -> Optional[Article]:
    """The article in ``path``, or None when it does not parse.

    Parsing all 180 articles takes about two seconds (pure-Python YAML), and the draft
    checks run as the editor types, so results are kept by file content.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    article = _parsed_content(path.parent.name, path.name, hashlib.sha1(data).hexdigest(), text)
    return None if article is None else replace(article, path=path)


def _language_articles(root: Path, lang: str) -> List[Article]:
    """The language's articles that parse (a broken one is reported by the build)."""
    found = (_parsed(path) for path in sorted((root / "data" / "kb" / lang).glob("*.md")))
    return [article for article in found if article is not None]


def add_article_question(root: Path, lang: str, article_id: str, question: str) -> EditResult:
    """Adds ``question`` to the ``questions`` of an existing article in one language.

    Args:
        root: the project root.
        lang: ru, nb, fr, it or en.
        article_id: the article's id (its front matter ``id``).
        question: the question as a user asks it, 1 to 300 characters.

    Returns:
        The article file written (relative to ``root``) and what was added.

    Raises:
        EditRefused: nothing was written (unknown language or article, empty, too long, a
            button payload, already a question of this or another article in the language,
            part of a held-out or blind test set, or an article that would not read back).
    """
    problems: List[Problem] = []
    if lang not in LANGUAGES:
        problems.append(_problem("lang", None, (
            f"'{lang}' is not one of the assistant's languages ({', '.join(LANGUAGES)}).")))
    known_lang = lang if lang in LANGUAGES else None
    cleaned, text_problems = _clean_text(question, "question", known_lang, "question")
    problems += text_problems
    path = _article_path(root, lang, article_id) if known_lang else None
    if known_lang and path is None:
        problems.append(_problem("article_id", lang, (
            f"There is no article '{article_id}' in {_language_name(lang)}.")))
    if problems:
        raise EditRefused(problems)
    assert path is not None and known_lang is not None
    try:
        article = parse_article(path)
    except ArticleError as broken:
        raise EditRefused([_problem("article_id", lang, (
            f"The article {_relative(root, path)} has a problem that must be fixed first: "
            f"{broken}"))]) from None
    key = _same_text_key(cleaned)
    for other in _language_articles(root, lang):
        if any(_same_text_key(q) == key for q in other.questions):
            where = ("this article" if other.id == article_id
                     else f"the article '{other.id}' ({_relative(root, other.path)})")
            problems.append(_problem("question", lang, (
                f"This question is already listed in {where}.")))
            break
    problems += _measurement_problem(root, lang, cleaned, "question", "question")
    if problems:
        raise EditRefused(problems)

    with _WRITE_LOCK:
        new_text = _with_question(path.read_text(encoding="utf-8"), cleaned)
        expected = article.questions + (cleaned,)

        def check_parsed(parsed: Article) -> None:
            if (parsed.questions, parsed.title, parsed.summary, parsed.body) != (
                    expected, article.title, article.summary, article.body):
                raise ValueError("the article does not read back as before plus the question")

        try:
            if new_text is None:
                raise ValueError("its list of questions was not found")
            # Checked in a temporary copy first, then again once written.
            check_parsed(_parse_as(path, new_text))
            _write_checked(path, new_text, lambda written: check_parsed(parse_article(written)))
        except (DataFileError, ValueError) as failure:
            raise EditRefused([_problem("question", lang, (
                f"The question could not be added so that the article reads back correctly; "
                f"{_relative(root, path)} was left unchanged. ({failure})"))]) from failure
    return EditResult(file=_relative(root, path),
                      detail=f"Added the question '{cleaned}' to '{article_id}'.")


# --------------------------------------------------------------------------- parity


# Same pattern as tests/unit/test_kb_catalogue.py (the shipped numbers are dotted).
PHONE = re.compile(r"\+?\d{1,3}(?:\.\d{2,4}){2,4}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+")
PRIORITY = re.compile(r"\bP[1-4]\b")
# Numbers with a unit of time, per language: "4 timer", "24 heures" and "4 hours" are all
# "4 h". Extends the hour words of tests/unit/test_kb_catalogue.py with minutes and days.
UNITS: Dict[str, Dict[str, str]] = {
    "en": {"h": r"hours?|hrs?|h", "min": r"minutes?|mins?", "d": r"days?"},
    "ru": {"h": r"час(?:а|ов)?|ч", "min": r"минут[аы]?|мин", "d": r"дн(?:я|ей)|день"},
    "nb": {"h": r"timer?", "min": r"minutt(?:er)?|min", "d": r"dag(?:er)?|døgn"},
    "fr": {"h": r"heures?|h", "min": r"minutes?|min", "d": r"jours?"},
    "it": {"h": r"or[ae]|h", "min": r"minut[oi]|min", "d": r"giorn[oi]"},
}
_DURATION = {lang: re.compile(
    r"\b(\d+)\s*(?:" + "|".join(f"(?P<{unit}>{words})" for unit, words in units.items())
    + r")\b", re.IGNORECASE) for lang, units in UNITS.items()}
PARITY_KINDS = {"phone numbers": "phones", "e-mail addresses": "emails",
                "web addresses": "urls", "priorities": "priorities",
                "times (numbers with hours, minutes or days)": "durations"}


class ParityFacts(TypedDict):
    """The facts that must be the same in every language of an article."""

    phones: List[str]
    emails: List[str]
    urls: List[str]
    priorities: List[str]
    durations: List[str]


def parity_facts(text: str, lang: str) -> ParityFacts:
    """Phone numbers, e-mail and web addresses, P1-P4 and durations ("4 h") in ``text``.

    Args:
        text: an article's title, summary and body.
        lang: its language (picks the words for hours, minutes and days).

    Returns:
        Each kind sorted; durations normalised to ``"<n> h"``, ``"<n> min"``, ``"<n> d"``.
    """
    emails = {e.rstrip(".").lower() for e in EMAIL.findall(text)}
    without_emails = EMAIL.sub(" ", text)
    urls = {u.rstrip(".,;:!?").lower() for u in URL.findall(without_emails)}
    plain = URL.sub(" ", without_emails)
    durations = set()
    pattern = _DURATION.get(lang)
    for match in pattern.finditer(plain) if pattern else ():
        unit = next(name for name, value in match.groupdict().items() if value)
        durations.add(f"{int(match.group(1))} {unit}")
    # The articles' dotted style ("+1.888.799.9666") and every other way of writing a
    # number ("+39 02 1234 5678"), compared as digits.
    phones = {("+" if p.startswith("+") else "") + re.sub(r"\D", "", p)
              for p in PHONE.findall(plain)} | set(phone_numbers(plain))
    return ParityFacts(phones=sorted(phones), emails=sorted(emails),
                       urls=sorted(urls), priorities=sorted(set(PRIORITY.findall(plain))),
                       durations=sorted(durations))


def parity_problems(texts: Mapping[str, str]) -> List[Problem]:
    """A problem for every language whose parity facts differ from the others'.

    The reference is the set most languages share (ties: the first in ``en, fr, it, nb,
    ru`` order having it). Tests that compare phone numbers or hours between languages
    (``tests/unit/test_kb_catalogue.py``) could call this instead.

    Args:
        texts: language -> the article's title, summary and body in that language.
    """
    facts = {lang: parity_facts(text, lang) for lang, text in texts.items()}
    problems = []
    order = sorted(facts, key=lambda lang: ("en", "fr", "it", "nb", "ru").index(lang)
                   if lang in LANGUAGES else 9)
    for label, kind in PARITY_KINDS.items():
        sets = {lang: frozenset(facts[lang][kind]) for lang in order}  # type: ignore[literal-required]
        counts = Counter(sets.values())
        if len(counts) <= 1:
            continue
        top = max(counts.values())
        reference = next(s for s in sets.values() if counts[s] == top)
        agreeing = [_language_name(lang) for lang in order if sets[lang] == reference]
        for lang in order:
            if sets[lang] == reference:
                continue
            missing, extra = sorted(reference - sets[lang]), sorted(sets[lang] - reference)
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"has {', '.join(extra)} instead" if missing else f"also has {', '.join(extra)}"]
                if extra else [])
            problems.append(_problem("parity", lang, (
                f"The {label} differ from the {' and '.join(agreeing)} version: "
                f"{'; '.join(parts)}. Every language must state the same.")))
    return problems


# --------------------------------------------------------------------------- new articles


def default_catalogue(root: Path) -> Path:
    """The shared catalogue beside the project: ``<root>/../shared/kb-catalogue.yml``."""
    return root.parent / "shared" / "kb-catalogue.yml"


def _catalogue_info(path: Path, article_id: str) -> CatalogueInfo:
    info = CatalogueInfo(path=str(path), available=False, listed=False, title=None, covers=[])
    if not path.is_file():
        return info
    info["available"] = True
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section in data.values() if isinstance(data, dict) else []:
        for entry in section if isinstance(section, list) else []:
            if isinstance(entry, dict) and entry.get("id") == article_id:
                return CatalogueInfo(
                    path=str(path), available=True, listed=True, title=entry.get("title"),
                    covers=[str(c) for c in entry.get("covers") or []])
    return info


TEMPLATE_BODIES: Dict[str, str] = {
    "en": ("Say in one or two sentences what this article helps with.\n\n"
           "## What to do\n\n1. First step.\n2. Second step.\n\n"
           "## If it still does not work\n\nWhat else to try, and who to contact.\n"),
    "ru": ("Одним-двумя предложениями скажите, с чем помогает эта статья.\n\n"
           "## Что сделать\n\n1. Первый шаг.\n2. Второй шаг.\n\n"
           "## Если не помогло\n\nЧто ещё попробовать и куда обратиться.\n"),
    "nb": ("Si med én eller to setninger hva denne artikkelen hjelper med.\n\n"
           "## Slik gjør du\n\n1. Første steg.\n2. Andre steg.\n\n"
           "## Hvis det fortsatt ikke virker\n\nHva du kan prøve, og hvem du kan kontakte.\n"),
    "fr": ("Dites en une ou deux phrases à quoi sert cet article.\n\n"
           "## Que faire\n\n1. Première étape.\n2. Deuxième étape.\n\n"
           "## Si cela ne fonctionne toujours pas\n\nQue tenter d'autre, et qui contacter.\n"),
    "it": ("Spiega in una o due frasi a cosa serve questo articolo.\n\n"
           "## Cosa fare\n\n1. Primo passaggio.\n2. Secondo passaggio.\n\n"
           "## Se non funziona ancora\n\nCos'altro provare e chi contattare.\n"),
}


def template(article_id: str) -> ArticleDraft:
    """A new article's starting point: headings in each language, everything else empty."""
    return ArticleDraft.parse_obj({"id": article_id, "languages": {
        lang: ArticleText(body=TEMPLATE_BODIES[lang]) for lang in LANGUAGES}})


def _flow_list(values: Iterable[str]) -> str:
    items = [" ".join(v.split()) for v in values]
    return "[" + ", ".join(_yaml_scalar(v, flow=True) for v in items) + "]"


def render_article(draft: ArticleDraft, lang: str) -> str:
    """The article file's text in ``lang``, laid out like the shipped articles.

    Raises:
        KeyError: when the draft has no text in ``lang``.
    """
    text = draft.languages[lang]  # type: ignore[index]
    questions = "".join(f"  - {_yaml_scalar(' '.join(q.split()))}\n"
                        for q in text.questions if q.strip())
    return (
        "---\n"
        f"id: {draft.id.strip()}\n"
        f"lang: {lang}\n"
        f"title: {_yaml_scalar(' '.join(text.title.split()))}\n"
        f"summary: {json.dumps(' '.join(text.summary.split()), ensure_ascii=False)}\n"
        f"tags: {_flow_list(text.tags or draft.tags)}\n"
        f"questions:\n{questions}"
        f"related: {_flow_list(draft.related)}\n"
        f"slug: {(text.slug or draft.id).strip()}\n"
        "---\n\n"
        f"{text.body.strip()}\n"
    )


def _existing_ids(articles: Mapping[str, List[Article]], root: Path) -> Dict[str, Set[str]]:
    """Language -> the ids of its article files (file names and parsed ids)."""
    return {lang: {path.stem for path in (root / "data" / "kb" / lang).glob("*.md")}
            | {article.id for article in articles[lang]} for lang in LANGUAGES}


def _text_problems(root: Path, draft: ArticleDraft, lang: str,
                   articles: List[Article]) -> List[Problem]:
    """What is missing or wrong in one language's text (before the real parser runs)."""
    text = draft.languages[lang]  # type: ignore[index]
    name = _language_name(lang)
    problems = [_problem(field, lang, f"The {name} {label} is empty.")
                for field, label in (("title", "title"), ("summary", "summary"),
                                     ("body", "article text"))
                if not getattr(text, field).strip()]
    if text.body.strip() and text.body.strip() == TEMPLATE_BODIES[lang].strip():
        problems.append(_problem("body", lang, (
            f"The {name} article text is still the template; write the article.")))
    questions = [q for q in text.questions if q.strip()]
    if len(questions) < MIN_QUESTIONS:
        problems.append(_problem("questions", lang, (
            f"The {name} version needs at least {MIN_QUESTIONS} questions a user would ask; "
            f"it has {len(questions)}.")))
    seen: Dict[str, int] = {}
    taken = {_same_text_key(q): a.id for a in articles for q in a.questions}
    for number, question in enumerate(text.questions):
        if not question.strip():
            continue
        field = f"questions[{number}]"
        cleaned, found = _clean_text(question, field, lang, "question")
        key = _same_text_key(cleaned)
        if key in seen:
            found.append(_problem(field, lang, (
                f"This question repeats question {seen[key] + 1}.")))
        elif key in taken:
            found.append(_problem(field, lang, (
                f"This question is already listed in the article '{taken[key]}'.")))
        seen.setdefault(key, number)
        problems += found or _measurement_problem(root, lang, cleaned, field, "question")
    slug = (text.slug or draft.id).strip()
    if text.slug and not ID_PATTERN.match(slug):
        problems.append(_problem("slug", lang, (
            f"The web address name '{slug}' may only use a-z, 0-9 and single hyphens.")))
    owner = next((a for a in articles if a.slug == slug), None)
    if slug and owner is not None:
        problems.append(_problem("slug", lang, (
            f"The web address name '{slug}' is already used by the {name} article "
            f"'{owner.id}'. Choose another.")))
    return problems


def _parser_problems(draft: ArticleDraft, lang: str, known: List[Problem]) -> List[Problem]:
    """The real parser's problems with the rendered file not reported already."""
    reported = {p["field"].split("[")[0] for p in known if p["lang"] == lang}
    try:
        _parse_as(Path(lang) / f"{draft.id.strip() or 'draft'}.md", render_article(draft, lang))
    except ArticleError as broken:
        return [_problem(p.field, lang, (
            f"The {_language_name(lang)} version could not be read as an article: "
            f"{p.field}: {p.message}."))
            for p in broken.problems
            if p.field.split("[")[0] not in reported and p.field != "id"]
    return []


def check_article_draft(root: Path, draft: ArticleDraft,
                        catalogue: Optional[Path] = None) -> DraftCheck:
    """Everything that would stop ``draft`` from becoming five article files.

    Checks the id (pattern, not used yet), that all five languages have a title, summary,
    article text and at least ``MIN_QUESTIONS`` questions, that each rendered file passes
    ``parse_article``, that related ids exist in every language, and parity: the same
    phone numbers, e-mail and web addresses, priorities and times in every language.

    Args:
        root: the project root.
        draft: the draft as typed so far.
        catalogue: the shared catalogue; default ``default_catalogue(root)``.

    Returns:
        The problems (empty: ready to create), an HTML preview per language and what the
        catalogue says about the id.
    """
    from bot.web.markdown import render

    article_id = draft.id.strip()
    problems: List[Problem] = []
    articles = {lang: _language_articles(root, lang) for lang in LANGUAGES}
    existing = _existing_ids(articles, root)
    if not article_id:
        problems.append(_problem("id", None, (
            "Give the article an id: lower-case words joined by hyphens, "
            "like 'screen-sharing'.")))
    elif not ID_PATTERN.match(article_id):
        problems.append(_problem("id", None, (
            f"The id '{article_id}' may only use a-z, 0-9 and single hyphens, "
            f"like 'screen-sharing'.")))
    else:
        used_in = [_language_name(lang) for lang in LANGUAGES if article_id in existing[lang]]
        if used_in:
            problems.append(_problem("id", None, (
                f"An article with the id '{article_id}' already exists "
                f"({', '.join(used_in)}). Add questions to it, or choose another id.")))
    for number, related in enumerate(draft.related):
        missing = [_language_name(lang) for lang in LANGUAGES if related not in existing[lang]]
        if related.strip() == article_id:
            problems.append(_problem(f"related[{number}]", None,
                                     "An article cannot be related to itself."))
        elif missing:
            problems.append(_problem(f"related[{number}]", None, (
                f"There is no article '{related}' in {', '.join(missing)}.")))
    for lang in LANGUAGES:
        if lang not in draft.languages:
            problems.append(_problem("languages", lang, (
                f"The {_language_name(lang)} version is missing; every article needs all "
                f"five languages.")))
            continue
        found = _text_problems(root, draft, lang, articles[lang])
        problems += found + _parser_problems(draft, lang, found + problems)
    texts: Dict[str, str] = {lang: f"{t.title}\n{t.summary}\n{t.body}"
                             for lang, t in draft.languages.items()
                             if t.body.strip() or t.summary.strip()}
    problems += parity_problems(texts)
    return DraftCheck(
        problems=problems,
        preview={lang: str(render(t.body)) for lang, t in draft.languages.items()},
        catalogue=_catalogue_info(catalogue or default_catalogue(root), article_id),
    )


def create_article(root: Path, draft: ArticleDraft,
                   catalogue: Optional[Path] = None) -> List[EditResult]:
    """Writes ``data/kb/<lang>/<id>.md`` in all five languages, or nothing.

    Args:
        root: the project root.
        draft: a draft that ``check_article_draft`` finds no problem with.
        catalogue: passed to ``check_article_draft``.

    Returns:
        The five files written, in ``LANGUAGES`` order.

    Raises:
        EditRefused: the draft's problems, or the knowledge base would not load with the
            new files (they are removed again).
    """
    with _WRITE_LOCK:
        problems = check_article_draft(root, draft, catalogue)["problems"]
        if problems:
            raise EditRefused(problems)
        article_id = draft.id.strip()
        kb = root / "data" / "kb"
        written: List[Path] = []
        try:
            for lang in LANGUAGES:
                path = kb / lang / f"{article_id}.md"
                if path.exists():
                    raise FileExistsError(f"{_relative(root, path)} already exists")
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("x", encoding="utf-8", newline="") as handle:
                    written.append(path)
                    handle.write(render_article(draft, lang))
            for path in written:
                parse_article(path)  # related ids and slugs were checked with the draft
        except (OSError, DataFileError) as failure:
            for path in written:
                path.unlink(missing_ok=True)
            raise EditRefused([_problem("id", None, (
                f"The article could not be created; nothing was written. ({failure})"))]) \
                from failure
    return [EditResult(file=_relative(root, path),
                       detail=f"Created the {_language_name(path.parent.name)} article "
                              f"'{article_id}'.")
            for path in written]

