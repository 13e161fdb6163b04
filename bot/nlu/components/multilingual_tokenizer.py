"""A tokenizer that picks a blank spaCy pipeline per message by its detected language.

Blank pipelines carry only each language's tokenizer rules (elisions in French and
Italian, hyphenated Russian adverbs, abbreviations), so nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Dict, List

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import SUPPORTED_LANGUAGES
from bot.nlu.components.language_detector import LANGUAGE

# spaCy's language-neutral tokenizer, for intent and action names and unknown text.
NEUTRAL = "xx"


@cache
def blank_pipeline(language: str) -> Any:
    """Returns a cached blank spaCy pipeline (tokenizer only) for a language code."""
    return spacy.blank(language)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class MultilingualTokenizer(Tokenizer):
    """Tokenizes each message with the spaCy rules of its detected language."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "languages": list(SUPPORTED_LANGUAGES),
        }

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        """Creates the tokenizer (see parent class for full docstring)."""
        return cls(config)

    def language_of(self, message: Message, attribute: str) -> str:
        """Returns the spaCy language code to tokenize this attribute with."""
        if attribute != TEXT:
            return NEUTRAL
        detection: Dict[str, Any] | None = message.get(LANGUAGE)
        language = (detection or {}).get("language")
        return str(language) if language in self._config["languages"] else NEUTRAL

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Tokenizes the attribute's text (see parent class for full docstring)."""
        text = message.get(attribute)
        doc = blank_pipeline(self.language_of(message, attribute))(text)
        tokens = [
            Token(token.text, token.idx)
            for token in doc
            if not token.is_space and not token.is_punct
        ]
        if not tokens and text.strip():
            # Keep messages made only of punctuation ("?", "!!") featurizable.
            tokens = [Token(text.strip(), text.index(text.strip()))]
        return self._apply_token_pattern(tokens)
