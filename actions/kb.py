"""Answers questions from the knowledge base and records 👍/👎 feedback on the answers."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity, intent, language
from bot import composition
from bot.channels.payloads import is_payload
from bot.knowledge.answer import (
    answer_messages,
    answer_question,
    articles_not_answering,
    consecutive_fallbacks,
    decide,
)
from bot.knowledge.feedback import KBFeedback
from bot.texts.catalogue import render
from kb_index.embedding import PARSE_KEY

logger = logging.getLogger(__name__)

ARTICLE_SLOT = "kb_article_id"
QUESTION_SLOT = "kb_question"


class ActionAnswerFromKB(Action):
    """Replies with the best article in the user's language, a choice of two, or no hit."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_answer_from_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Searches the KB with the latest user message (or opens a chosen article)."""
        lang = language(tracker)
        question = (tracker.latest_message or {}).get("text") or ""
        searcher = composition.kb_searcher()
        try:
            index = searcher.index()
            chosen = entity(tracker, "article_id")
            if not chosen and is_payload(question):
                if intent(tracker) == "report_problem":
                    # The "Report a problem" button (after a 👎, in the help menu): no
                    # symptom to search for; the rule goes on to the report itself.
                    return [SlotSet(ARTICLE_SLOT, None)]
                # The "search the help center" button: nothing to search for yet.
                dispatcher.utter_message(**render("kb_prompt", lang))
                return []
            if chosen:
                article = index.article(chosen, lang)
                hits = [article] if article else []
                question = tracker.get_slot(QUESTION_SLOT) or question
                decision = decide(hits, lambda hit: True)
            else:
                # The NLU pipeline already embedded this message: reuse its vector.
                decision = answer_question(index, question, lang,
                                           tracker.latest_message.get(PARSE_KEY),
                                           exclude=articles_not_answering(intent(tracker)))
        except (FileNotFoundError, ValueError):
            logger.exception("KB search failed for %r in %s", question, lang)
            dispatcher.utter_message(**render("kb_unavailable", lang))
            return []

        if intent(tracker) == "report_problem" and decision.outcome == "none":
            # The rule goes on with how to report the problem (or the report form): no
            # "no article" noise, and no article on reporting (left out above).
            return [SlotSet(ARTICLE_SLOT, None)]
        failures = consecutive_fallbacks(tracker.events)
        for message in answer_messages(decision, lang, lambda i: index.article(i, lang), failures):
            dispatcher.utter_message(**message)
        if decision.outcome == "clear":
            return [SlotSet(ARTICLE_SLOT, decision.hits[0].id), SlotSet(QUESTION_SLOT, question)]
        if decision.outcome == "ambiguous":
            return [SlotSet(ARTICLE_SLOT, None), SlotSet(QUESTION_SLOT, question)]
        return [SlotSet(ARTICLE_SLOT, None)]


class ActionStoreKBFeedback(Action):
    """Stores a 👍/👎 vote with the article, language and question it is about."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_store_kb_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Writes the vote; thanks the user, or offers help after a 👎."""
        article_id = tracker.get_slot(ARTICLE_SLOT)
        lang = language(tracker)
        helpful = intent(tracker) == "kb_helpful"
        if article_id:
            with composition.unit_of_work() as uow:
                uow.feedback.add(KBFeedback(
                    article_id=article_id,
                    lang=lang,
                    question=tracker.get_slot(QUESTION_SLOT) or "",
                    helpful=helpful,
                    sender_id=tracker.sender_id,
                ))
        if not article_id:
            # Nothing was stored (no article was shown): no thanks for "feedback".
            if helpful:
                dispatcher.utter_message(**render("kb_feedback_no_article", lang))
            elif not tracker.active_loop_name:
                dispatcher.utter_message(**render("help_options_after_no", lang),
                                         buttons=render("help_options", lang)["buttons"])
        elif helpful or tracker.active_loop_name:
            # Inside a form only a short thanks: the form's question comes next.
            dispatcher.utter_message(**render("kb_feedback_thanks", lang))
        else:
            # The help options as buttons under the apology, not "I didn't understand".
            dispatcher.utter_message(**render("kb_feedback_sorry", lang),
                                     buttons=render("help_options", lang)["buttons"])
        return [SlotSet(ARTICLE_SLOT, None)]
