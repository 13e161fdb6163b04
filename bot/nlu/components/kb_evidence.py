"""Uses the knowledge base's own confidence as evidence for the intent.

People describe problems in few words, and those words often look like small talk to an
intent classifier: "I can't hear anyone" reads like ``deny``, "the sound is choppy" like
``affirm``, "встреча оборвалась" like ``thank``. A short social intent must never swallow
such a message. This component runs after the intent classifier:

1. At training time it learns the *social vocabulary*: every word of the training
   examples of the short social intents (greet, goodbye, thank, affirm, deny, rate,
   cancel).
2. At inference, when the classifier's intent is social (or out of scope), it removes the
   social words from the message. If something is left and the KB search gives a hit
   with a strong lexical (BM25F) score for what is left, or the KB answer model
   (``kb_index.answer_model``) names an article for the message with high probability, the
   intent becomes ``ask_question`` with the social intent's confidence, so the KB
   answers ("meeting cut off after 40 mins, there were 3 of us" is not a rating). "no",
   "thanks", "cancel" leave nothing and keep their intent; "cancel my subscription"
   leaves "subscription" and is answered.

The decision and its evidence are published in the parse result under ``kb_evidence``
(``{"article_id", "score", "remainder", "overridden"}``) for evaluation and debugging.
Without a built KB index the component passes messages through unchanged.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, FrozenSet, List, Optional, TypedDict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components.language_detector import LANGUAGE, words_of

logger = logging.getLogger(__name__)

EVIDENCE_KEY = "kb_evidence"
VOCABULARY_FILE = "social_vocabulary.json"


class KBEvidence(TypedDict):
    """What the KB said about a message whose intent looked social."""

    article_id: Optional[str]
    score: float
    remainder: str
    overridden: Optional[str]


def remainder_of(text: str, social_words: FrozenSet[str]) -> str:
    """The words of ``text`` that are not social vocabulary, joined by spaces."""
    return " ".join(w for w in words_of(text) if w not in social_words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KBEvidenceRouter(GraphComponent):
    """Turns a social intent into ``ask_question`` when the KB clearly knows the topic."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {
            # Intents whose words form the social vocabulary.
            "social_intents": ["greet", "goodbye", "thank", "affirm", "deny", "rate",
                               "cancel"],
            # Intents that the KB evidence may override.
            # Not bot_challenge: "are you a bot?" matches the article about the assistant.
            "overridable_intents": ["greet", "goodbye", "thank", "affirm", "deny", "rate",
                                    "cancel", "out_of_scope"],
            "target_intent": "ask_question",
            # BM25F score the non-social words must reach. Only lexical evidence counts:
            # e5 similarities of leftover fragments ("happy monday") are 0.8-0.9 for
            # any article, so they cannot tell a topic from noise.
            "min_lexical": 6.0,
            # Or the answer model's probability for an article, on the whole message.
            # Symptoms read as ratings ("cut off after 40 min, there were 3 of us") get
            # 0.95-0.99; feedback that names a topic ("5 stars, the agent solved my
            # billing problem", "annule tout stp") 0.4-0.65.
            "min_probability": 0.8,
        }

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, social_words: FrozenSet[str] = frozenset()) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.social_words = social_words
        self._searcher: Any = None

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> KBEvidenceRouter:
        """Creates an untrained router (see parent class for full docstring)."""
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the social vocabulary from the social intents' examples."""
        social = set(self._config["social_intents"])
        words = {w for example in training_data.intent_examples
                 if example.get(INTENT) in social for w in words_of(example.get(TEXT) or "")}
        self.social_words = frozenset(words)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KBEvidenceRouter:
        """Loads the social vocabulary stored at training time."""
        config = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = []
        return cls(config, model_storage, resource, frozenset(words))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data as it is."""
        return training_data

    def _kb(self) -> Any:
        if self._searcher is None:
            from bot import composition

            self._searcher = composition.kb_searcher()
        return self._searcher

    def evidence(self, text: str, lang: str, vector_payload: Any = None
                 ) -> Optional[KBEvidence]:
        """Searches the KB with the non-social part of ``text``; None without an index."""
        remainder = remainder_of(text, self.social_words)
        if not remainder:
            return KBEvidence(article_id=None, score=0.0, remainder="", overridden=None)
        try:
            index = self._kb().index()
        except (FileNotFoundError, ValueError):
            logger.warning("KB index unavailable: intents are not checked against the KB")
            return None
        # The e5 vector of the whole message is a good query only when little was removed.
        vector = index.query_vector(vector_payload) if remainder == " ".join(
            words_of(text)) else None
        hits = index.search(remainder, lang, k=1, query_vector=vector)
        if hits and hits[0].lexical >= float(self._config["min_lexical"]):
            return KBEvidence(article_id=hits[0].id, score=float(hits[0].score),
                              remainder=remainder, overridden=None)
        if index.answer_model is not None:
            # The whole message: removing social words loses numbers and verbs that
            # carry the topic ("cut off after 40 min, there were 3 of us").
            answers = index.answer_hits(text, lang, k=1,
                                        query_vector=index.query_vector(vector_payload))
            if answers and answers[0].probability >= float(self._config["min_probability"]):
                return KBEvidence(article_id=answers[0].id, score=answers[0].probability,
                                  remainder=remainder, overridden=None)
        return KBEvidence(article_id=None, score=0.0, remainder=remainder, overridden=None)

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides a social intent when the KB is confident about the rest."""
        from kb_index.embedding import PARSE_KEY

        overridable = set(self._config["overridable_intents"])
        target = self._config["target_intent"]
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            text = message.get(TEXT) or ""
            if name not in overridable or not text or text.startswith("/"):
                continue
            lang = (message.get(LANGUAGE) or {}).get("language") or "en"
            found = self.evidence(text, lang, message.get(PARSE_KEY))
            if found is None or found["article_id"] is None:
                continue
            found["overridden"] = name
            # Swap the two confidences: the social intent keeps what the classifier
            # gave the question, so the ranking stays honest about the classifier.
            confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            ranking = list(message.get("intent_ranking") or [])
            target_confidence = next((float(r[PREDICTED_CONFIDENCE_KEY]) for r in ranking
                                      if r.get(INTENT_NAME_KEY) == target), 0.0)
            chosen = {INTENT_NAME_KEY: target, PREDICTED_CONFIDENCE_KEY: confidence}
            swapped = [chosen] + [
                {**r, PREDICTED_CONFIDENCE_KEY: target_confidence}
                if r.get(INTENT_NAME_KEY) == name else r
                for r in ranking if r.get(INTENT_NAME_KEY) != target]
            message.set(INTENT, chosen, add_to_output=True)
            message.set("intent_ranking", sorted(
                swapped, key=lambda r: -float(r[PREDICTED_CONFIDENCE_KEY])), add_to_output=True)
            message.set(EVIDENCE_KEY, found, add_to_output=True)
        return messages
