"""Keeps one ``priority`` entity per message: an explicit level beats a word like "urgent".

At the priority step people correct the proposal in one breath: "non c'est plus urgent
que ça, mettez P2" holds "P2" and "urgent", and Rasa's ``from_entity`` slot mapping takes
the last value found, so the word ("urgent" -> P1) overrode the level the user asked for.
This component runs after ``EntitySynonymMapper`` and replaces every ``priority`` entity
of a message by one:

- an *explicit* level (a digit: "P2", "priority 2", "niveau 2", "приоритет 2",
  "prioritet 2", "livello 2"; or an ordinal: "второй уровень") beats a word
  ("urgent", "critique", "срочно", "haster", "alta");
- among several of the same kind, the last one wins (the user corrects themself).

A span with a digit 1-4 is P<digit> whatever the synonym table says, so a form the
table lacks ("prio 2", "level #3") still means what it says.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

PRIORITY_ENTITY = "priority"
LEVELS = ("P1", "P2", "P3", "P4")
_DIGIT = re.compile(r"(?<!\d)([1-4])(?!\d)")
# Ordinals that name a level in words ("второй уровень", "третий приоритет").
_ORDINALS = re.compile(r"перв|втор|трет|четв[её]рт", re.IGNORECASE)


def reading(entity: Dict[str, Any], text: str) -> Tuple[bool, Optional[str]]:
    """Whether a priority entity is explicit, and the level it names.

    Args:
        entity: a ``priority`` entity after synonym mapping (value "P1"... or a form).
        text: the message text its ``start``/``end`` point into.

    Returns:
        ``(explicit, level)``; the level is None when it is not one of P1-P4.
    """
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    span = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
    span = span or str(entity.get(ENTITY_ATTRIBUTE_VALUE) or "")
    digit = _DIGIT.search(span)
    if digit:
        return True, f"P{digit.group(1)}"
    value = str(entity.get(ENTITY_ATTRIBUTE_VALUE) or "").upper()
    level = value if value in LEVELS else None
    return bool(_ORDINALS.search(span)), level


def resolve(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """The entities with the ``priority`` ones replaced by the single one that counts.

    Args:
        entities: the message's entities, in any order.
        text: the message text.

    Returns:
        The other entities unchanged, then at most one ``priority`` entity: the last
        explicit level, else the last word; its value is the level (P1-P4).
    """
    others = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) != PRIORITY_ENTITY]
    candidates = []
    for entity in entities:
        if entity.get(ENTITY_ATTRIBUTE_TYPE) != PRIORITY_ENTITY:
            continue
        explicit, level = reading(entity, text)
        if level is not None:
            position = entity.get(ENTITY_ATTRIBUTE_START)
            candidates.append(((explicit, position if isinstance(position, int) else -1),
                               entity, level))
    if not candidates:
        return others
    _, chosen, level = max(candidates, key=lambda item: item[0])
    return others + [{**chosen, ENTITY_ATTRIBUTE_VALUE: level}]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class PriorityResolver(GraphComponent):
    """Resolves several ``priority`` entities of a message to the one the user meant."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext
               ) -> PriorityResolver:
        """Creates the component (it has nothing to train)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data unchanged (annotations are already resolved)."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Keeps one priority entity per message."""
        for message in messages:
            entities = message.get(ENTITIES) or []
            if sum(e.get(ENTITY_ATTRIBUTE_TYPE) == PRIORITY_ENTITY for e in entities) > 0:
                message.set(ENTITIES, resolve(entities, message.get(TEXT) or ""),
                            add_to_output=True)
        return messages
