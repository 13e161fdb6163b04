"""Per-message language identification for ru, nb, fr, it and en.

Writes ``message["language"]`` (also into the parse result)::

    {"language": "fr", "confidence": 0.97, "reliable": True,
     "source": "detected", "requested": None}

- ``language`` is this message's best guess. For ambiguous messages it honours the
  locale hint the widget sends in the message metadata.
- ``reliable`` is False for short or ambiguous messages; the conversation keeps its
  language then (see ``bot.language.choose_conversation_language``).
- ``requested`` names a language the user asks for ("answer in French").
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import SUPPORTED_LANGUAGES
from bot.language import locale_to_language

logger = logging.getLogger(__name__)

LANGUAGE = "language"
LANGUAGE_NAMES_FILE = Path(__file__).with_name("language_names.yml")
SHORT_MESSAGE_LEXICON_FILE = "short_messages.json"
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def words_of(text: str) -> List[str]:
    """Returns the lower-cased words of a text, without digits or punctuation."""
    return WORD_PATTERN.findall(text.lower())


class LanguageNameMatcher:
    """Finds which supported language a message names ("по-французски", "in English")."""

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        alternatives = []
        self._language_of: Dict[str, str] = {}
        for code, forms in names.items():
            for form in forms:
                key = " ".join(words_of(form))
                if key:
                    self._language_of[key] = code
                    alternatives.append(key)
        # Longest first so that "на французском" wins over a shorter overlap.
        alternatives.sort(key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alternatives)
        self._pattern = re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.UNICODE)

    @classmethod
    def from_file(cls, path: Path = LANGUAGE_NAMES_FILE) -> LanguageNameMatcher:
        """Loads the name forms from a YAML mapping of language code to phrases."""
        by_language: Dict[str, List[str]] = defaultdict(list)
        for forms in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for code, phrases in forms.items():
                by_language[code].extend(phrases)
        return cls(by_language)

    def named_language(self, text: str) -> str | None:
        """Returns the language named last in the text, or None."""
        normalised = " ".join(words_of(text))
        matches = list(self._pattern.finditer(normalised))
        if not matches:
            return None
        return self._language_of[re.sub(r"\s+", " ", matches[-1].group(0))]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class LanguageDetector(GraphComponent):
    """Detects each message's language with lingua, restricted to five languages."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {
            "languages": list(SUPPORTED_LANGUAGES),
            # Messages with fewer words than this never count as reliable.
            "min_words": 2,
            # Minimum lingua confidence for a reliable detection.
            "min_confidence": 0.7,
            # Message metadata key carrying the page locale, e.g. "fr-FR".
            "locale_hint_key": "locale",
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        short_messages: Dict[str, str] | None = None,
    ) -> None:
        """Creates the detector; lingua's models load on first use."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._short_messages: Dict[str, str] = short_messages or {}
        self._names = LanguageNameMatcher.from_file()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates an untrained detector (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Loads the detector with its learned short-message lexicon."""
        short_messages: Dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / SHORT_MESSAGE_LEXICON_FILE
                short_messages = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.debug("No short-message lexicon stored; using lingua alone.")
        return cls(config, model_storage, resource, short_messages)

    @cached_property
    def _lingua(self) -> Any:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
            for code in self._config["languages"]
        ]
        return (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_preloaded_language_models()
            .build()
        )

    def train(self, training_data: TrainingData) -> Resource:
        """Learns which short messages ("hei", "merci") belong to one language only.

        Training examples carry their language in the intent metadata
        (``metadata: {language: nb}``); a one- or two-word text seen in exactly one
        language becomes a hint for first messages, never a reliable detection.
        """
        seen: Dict[str, Counter] = defaultdict(Counter)
        for example in training_data.training_examples:
            language = self._training_language(example)
            text = example.get(TEXT)
            if not language or not text:
                continue
            key = " ".join(words_of(text))
            if key and len(key.split()) <= 2:
                seen[key][language] += 1
        lexicon = {key: next(iter(c)) for key, c in seen.items() if len(c) == 1}
        self._short_messages = lexicon
        with self._model_storage.write_to(self._resource) as directory:
            (directory / SHORT_MESSAGE_LEXICON_FILE).write_text(
                json.dumps(lexicon, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sets each example's language, from its metadata when it has one."""
        for example in training_data.training_examples:
            if not example.get(TEXT):
                continue
            known = self._training_language(example)
            if known:
                detection = self._result(known, 1.0, True, "metadata", None)
            else:
                detection = self.detect(example.get(TEXT))
            example.set(LANGUAGE, detection)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the language detection to every message that has text."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            metadata = message.get(METADATA) or {}
            hint = metadata.get(self._config["locale_hint_key"]) if isinstance(
                metadata, dict
            ) else None
            message.set(LANGUAGE, self.detect(text, hint), add_to_output=True)
        return messages

    def detect(self, text: str, locale_hint: Any = None) -> Dict[str, Any]:
        """Describes one text's language.

        Args:
            text: the user's message.
            locale_hint: the page locale the client sent, if any.

        Returns:
            The detection dictionary described in the module docstring.

        """
        hint = locale_to_language(locale_hint)
        requested = self._names.named_language(text)
        words = words_of(text)
        if not words:
            return self._result(hint or None, 0.0, False, "hint" if hint else "none", None)

        best, confidence = self._lingua_best(text)
        reliable = len(words) >= self._config["min_words"] and (
            confidence >= self._config["min_confidence"]
        )
        if reliable:
            return self._result(best, confidence, True, "detected", requested)
        if hint:
            return self._result(hint, confidence, False, "hint", requested)
        lexicon_language = self._short_messages.get(" ".join(words))
        if lexicon_language:
            return self._result(lexicon_language, confidence, False, "lexicon", requested)
        return self._result(best, confidence, False, "detected", requested)

    def _lingua_best(self, text: str) -> tuple[str, float]:
        values = self._lingua.compute_language_confidence_values(text)
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    @staticmethod
    def _training_language(example: Message) -> str | None:
        metadata = example.get(METADATA) or {}
        intent_metadata = metadata.get(METADATA_INTENT) if isinstance(metadata, dict) else None
        language = (intent_metadata or {}).get(LANGUAGE)
        return language if language in SUPPORTED_LANGUAGES else None

    @staticmethod
    def _result(
        language: str | None,
        confidence: float,
        reliable: bool,
        source: str,
        requested: str | None,
    ) -> Dict[str, Any]:
        return {
            "language": language,
            "confidence": round(confidence, 4),
            "reliable": reliable,
            "source": source,
            "requested": requested,
        }
