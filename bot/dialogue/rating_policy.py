"""Stores a rating typed right after the rating question, whatever its intent.

After a live agent resolves a ticket, ``action_after_handoff`` asks "from 1 to 5?". The
rule for intent ``rate`` covers the buttons and typical replies, but a rating in words
is often classified as something else: "una stella, nessuno mi ha risolto il problema"
reads like ``kb_helpful``, "одна звезда" like nothing at all. This policy reads the
reply itself (``bot.handoff.rating.rating_in_text``): when the last action before the
user's message was the rating question and the reply holds a rating, it predicts
``action_store_rating`` with confidence 1 and a priority above the RulePolicy's, so it
wins over whatever rule the intent would trigger. A reply without a rating is left to
the other policies (a question is answered as a question).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot import DEFAULT_LANGUAGE
from bot.handoff.rating import rating_in_text

logger = logging.getLogger(__name__)

# Actions Rasa runs by itself between a bot's question and the user's reply.
_NOT_A_QUESTION = frozenset({ACTION_LISTEN_NAME, "action_extract_slots"})


def action_before_user(tracker: DialogueStateTracker) -> Optional[str]:
    """The last action (other than listening) before the user's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None  # an earlier user turn: no bot action between the two
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted):
            if event.action_name not in _NOT_A_QUESTION:
                return event.action_name
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RatingReplyPolicy(Policy):
    """Predicts ``action_store_rating`` for a rating typed in reply to the rating question."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the policy's default config."""
        return {
            # Above the RulePolicy: a rule for the reply's intent must not win.
            "priority": RULE_POLICY_PRIORITY + 1,
            "question_action": "action_after_handoff",
            "store_action": "action_store_rating",
            "language_slot": "language",
        }

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        """Nothing to learn: the decision reads the text (kept for the graph's sake)."""
        return self._resource

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        """The action this policy insists on, or None to leave the turn to the others.

        Args:
            tracker: the conversation so far.

        Returns:
            ``store_action`` for a rating typed after the question; ``action_listen``
            after ``store_action`` (whatever intent led there); else None.
        """
        store = self.config["store_action"]
        if tracker.latest_action_name == store:
            return ACTION_LISTEN_NAME
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        if action_before_user(tracker) != self.config["question_action"]:
            return None
        text = tracker.latest_message.text if tracker.latest_message else None
        lang = tracker.get_slot(self.config["language_slot"]) or DEFAULT_LANGUAGE
        if rating_in_text(text or "", str(lang)) is None:
            return None
        return store

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[str, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        """Confidence 1 for ``next_action``; all zeros when it has no opinion."""
        probabilities = self._default_predictions(domain)
        action = self.next_action(tracker)
        if action is not None and action in domain.action_names_or_texts:
            logger.debug("RatingReplyPolicy predicts %s", action)
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
