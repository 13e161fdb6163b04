"""Loading and validating KB articles: ``data/kb/<lang>/<id>.md`` with YAML front matter.

A broken or incomplete article stops the build with an error naming the file and the
field; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

from pydantic import Field, validator

from kb_index.data_files import (
    LANGUAGES,
    DataFileError,
    DataModel,
    Language,
    Problem,
    Text,
    check,
    describe,
    display_path,
    duplicates,
    parse_yaml,
    read_text,
)

__all__ = ["LANGUAGES", "MIN_QUESTIONS", "Article", "ArticleError", "FrontMatter",
           "load_articles", "parse_article"]

MIN_QUESTIONS = 5
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


class ArticleError(DataFileError):
    """An article file is broken; the message names the file and the field.

    ``ArticleError(path, field, problem)``; ``field`` is the first problem's field path.
    """


@dataclass(frozen=True)
class Article:
    """One article in one language."""

    id: str
    lang: str
    title: str
    summary: str
    tags: Tuple[str, ...]
    questions: Tuple[str, ...]
    related: Tuple[str, ...]
    slug: str
    body: str
    path: Path

    @property
    def url(self) -> str:
        """The article's help-center path."""
        return f"/{self.lang}/articles/{self.slug}"


class FrontMatter(DataModel):
    """An article's YAML front matter (the checks that need no other file)."""

    id: Text
    lang: Language
    title: Text
    summary: Text
    tags: List[Text] = Field(default_factory=list)
    questions: List[Text] = Field(..., min_items=MIN_QUESTIONS)
    related: List[Text] = Field(default_factory=list)
    slug: Text

    @validator("tags", "questions", "related", pre=True)
    def _blank_list_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @validator("id")
    def _id_pattern(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"'{value}' is not a lower-case hyphenated id")
        return value

    @validator("slug")
    def _slug_pattern(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"'{value}' is not a lower-case ascii slug")
        return value


def _file_checks(path: Path, front: FrontMatter) -> List[Problem]:
    """What the front matter must agree on with the file's name and folder; no repeats."""
    problems = []
    if front.id != path.stem:
        problems.append(Problem("id", f"'{front.id}' does not match the file name"))
    if front.lang != path.parent.name:
        problems.append(Problem(
            "lang", f"'{front.lang}' does not match the folder '{path.parent.name}'"))
    for name in ("tags", "questions", "related"):
        problems += duplicates((value, f"{name}[{number}]")
                               for number, value in enumerate(getattr(front, name)))
    return problems


def parse_article(path: Path) -> Article:
    """Parses and validates one article file.

    Raises:
        ArticleError: naming the file and every broken field (the first in ``field``).
    """
    text = read_text(path, ArticleError)
    match = FRONT_MATTER.match(text)
    if not match:
        raise ArticleError(path, "front matter", "the file must start with a '---' YAML block")
    data = parse_yaml(match.group(1), path, ArticleError, "front matter", first_line=2)
    if not isinstance(data, dict):
        raise ArticleError(path, "front matter", f"expected a mapping, got {describe(data)}")
    front, problems = check(FrontMatter, data)
    if front is not None:
        problems = _file_checks(path, front)
    body = match.group(2).strip()
    if not body:
        problems.append(Problem("body", "is empty"))
    if front is None or problems:
        raise ArticleError.of(path, problems)
    return Article(
        id=front.id,
        lang=front.lang,
        title=front.title,
        summary=front.summary,
        tags=tuple(front.tags),
        questions=tuple(front.questions),
        related=tuple(front.related),
        slug=front.slug,
        body=body,
        path=path,
    )


def load_articles(root: Path, languages: Iterable[str] = LANGUAGES) -> List[Article]:
    """Loads every article under ``root/<lang>/``, checking the articles against each other.

    In each language the ``related`` ids must be articles and no two articles may share a
    slug (one URL).

    Raises:
        ArticleError: for the first broken article, dangling ``related`` id or shared slug.
    """
    articles = [
        parse_article(path)
        for lang in languages
        for path in sorted((root / lang).glob("*.md"))
    ]
    ids_by_lang: Dict[str, set] = {}
    slugs: Dict[Tuple[str, str], Path] = {}
    for article in articles:
        ids_by_lang.setdefault(article.lang, set()).add(article.id)
    for article in articles:
        problems = [
            Problem(f"related[{number}]", f"'{related}' is not an article in '{article.lang}'")
            for number, related in enumerate(article.related)
            if related not in ids_by_lang[article.lang]]
        first = slugs.setdefault((article.lang, article.slug), article.path)
        if first != article.path:
            problems.append(Problem(
                "slug", f"'{article.slug}' is already the slug of {display_path(first)}"))
        if problems:
            raise ArticleError.of(article.path, problems)
    return articles


def source_stamp(root: Path) -> Tuple[Tuple[str, int, int], ...]:
    """Path, modification time and size of every article under ``root``.

    It changes when an article is added, edited or removed: a cache key without parsing.
    """
    return tuple(sorted((str(path), path.stat().st_mtime_ns, path.stat().st_size)
                        for path in root.glob("*/*.md")))
