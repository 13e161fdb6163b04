"""Loading and validating KB articles: ``data/kb/<lang>/<id>.md`` with YAML front matter.

A broken or incomplete article stops the build with an error naming the file and the
field; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

import yaml

LANGUAGES = ("ru", "nb", "fr", "it", "en")
MIN_QUESTIONS = 5
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


class ArticleError(ValueError):
    """An article file is broken; the message names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: field '{field}': {problem}")
        self.path = path
        self.field = field


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


def _text(path: Path, data: Dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ArticleError(path, field, "missing or empty")
    return value.strip()


def _text_list(path: Path, data: Dict[str, Any], field: str, minimum: int = 0) -> Tuple[str, ...]:
    value = data.get(field, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ArticleError(path, field, "must be a list of non-empty strings")
    if len(value) < minimum:
        raise ArticleError(path, field, f"needs at least {minimum} entries, has {len(value)}")
    return tuple(v.strip() for v in value)


def parse_article(path: Path) -> Article:
    """Parses and validates one article file.

    Raises:
        ArticleError: naming the file and the first broken field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ArticleError(path, "file", "is not UTF-8 text") from None
    match = FRONT_MATTER.match(text)
    if not match:
        raise ArticleError(path, "front matter", "the file must start with a '---' YAML block")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ArticleError(path, "front matter", f"invalid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ArticleError(path, "front matter", "must be a YAML mapping")

    article_id = _text(path, data, "id")
    if not ID_PATTERN.match(article_id):
        raise ArticleError(path, "id", f"'{article_id}' is not a lower-case hyphenated id")
    if article_id != path.stem:
        raise ArticleError(path, "id", f"'{article_id}' does not match the file name")
    lang = _text(path, data, "lang")
    if lang not in LANGUAGES:
        raise ArticleError(path, "lang", f"'{lang}' is not one of {', '.join(LANGUAGES)}")
    if lang != path.parent.name:
        raise ArticleError(path, "lang", f"'{lang}' does not match the folder '{path.parent.name}'")
    slug = _text(path, data, "slug")
    if not ID_PATTERN.match(slug):
        raise ArticleError(path, "slug", f"'{slug}' is not a lower-case ascii slug")
    body = match.group(2).strip()
    if not body:
        raise ArticleError(path, "body", "missing or empty")
    return Article(
        id=article_id,
        lang=lang,
        title=_text(path, data, "title"),
        summary=_text(path, data, "summary"),
        tags=_text_list(path, data, "tags"),
        questions=_text_list(path, data, "questions", MIN_QUESTIONS),
        related=_text_list(path, data, "related"),
        slug=slug,
        body=body,
        path=path,
    )


def load_articles(root: Path, languages: Iterable[str] = LANGUAGES) -> List[Article]:
    """Loads every article under ``root/<lang>/``, checking that related ids exist.

    Raises:
        ArticleError: for the first broken article or dangling ``related`` id.
    """
    articles = [
        parse_article(path)
        for lang in languages
        for path in sorted((root / lang).glob("*.md"))
    ]
    ids_by_lang: Dict[str, set] = {}
    for article in articles:
        ids_by_lang.setdefault(article.lang, set()).add(article.id)
    for article in articles:
        for related in article.related:
            if related not in ids_by_lang[article.lang]:
                raise ArticleError(
                    article.path, "related", f"'{related}' is not an article in '{article.lang}'")
    return articles
