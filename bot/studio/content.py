"""What an editor can teach: the domain's intents (with what each means) and the articles.

Read from the content root on every call: an edit or a new article shows at once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

from bot import SUPPORTED_LANGUAGES

INTENT_DESCRIPTIONS = Path(__file__).resolve().parent / "intents.yml"
# Decided by the pipeline, never taught: a message either means an intent or falls back.
NOT_TEACHABLE = frozenset({"nlu_fallback"})


def domain_intents(root: Path) -> List[str]:
    """Every teachable intent of the domain (``root/domain/**/*.yml``, or ``domain.yml``).

    In file order, without ``nlu_fallback``.
    """
    folder = root / "domain"
    paths = sorted(folder.rglob("*.yml")) if folder.is_dir() else [root / "domain.yml"]
    intents: List[str] = []
    for path in paths:
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in (data.get("intents") or []) if isinstance(data, dict) else []:
            names = [entry] if isinstance(entry, str) else \
                [str(name) for name in entry] if isinstance(entry, dict) else []
            intents += [n for n in names if n not in intents and n not in NOT_TEACHABLE]
    return intents


def intent_descriptions(path: Path = INTENT_DESCRIPTIONS) -> Dict[str, Dict[str, str]]:
    """``{intent: {lang: what it means}}`` for the studio's interface languages."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(name): {str(k): str(v) for k, v in texts.items()}
            for name, texts in data.items()}


def teachable_intents(root: Path, interface_language: str = "en") -> Dict[str, str]:
    """``{intent: description}`` in the interface language (English when missing)."""
    descriptions = intent_descriptions()
    return {name: descriptions.get(name, {}).get(interface_language)
            or descriptions.get(name, {}).get("en") or name
            for name in domain_intents(root)}


def missing_descriptions(intents: List[str], descriptions: Dict[str, Dict[str, str]],
                         languages: tuple = SUPPORTED_LANGUAGES) -> List[str]:
    """``"intent/lang"`` for every description missing or empty."""
    return [f"{name}/{lang}" for name in intents for lang in languages
            if not descriptions.get(name, {}).get(lang, "").strip()]


def article_titles(root: Path) -> Dict[str, Dict[str, str]]:
    """``{lang: {article id: title}}`` from the front matter of ``root/data/kb``.

    Parsed again only when an article file changed (its size or modification time).
    """
    from kb_index.articles import source_stamp

    folder = root / "data" / "kb"
    return _titles(folder, source_stamp(folder))


@lru_cache(maxsize=4)
def _titles(folder: Path, stamp: tuple) -> Dict[str, Dict[str, str]]:
    from kb_index.articles import load_articles

    titles: Dict[str, Dict[str, str]] = {lang: {} for lang in SUPPORTED_LANGUAGES}
    for article in load_articles(folder):
        titles.setdefault(article.lang, {})[article.id] = article.title
    return titles


def catalogue_path(root: Path) -> Path:
    """``shared/kb-catalogue.yml`` beside the content root (or beside the project)."""
    from bot.settings import PROJECT_ROOT

    beside = root.parent / "shared" / "kb-catalogue.yml"
    return beside if beside.exists() else PROJECT_ROOT.parent / "shared" / "kb-catalogue.yml"
