"""How the assistant answers from the knowledge base: a clear hit, a choice, or no hit.

Pure functions over search hits; ``actions/kb.py`` is the thin rasa-sdk adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    FrozenSet,
    List,
    Literal,
    Optional,
    Sequence,
    TypedDict,
)

from bot.texts.catalogue import render, text
from kb_index.search import Hit

# The runner-up is "close" when its fused score is at least this share of the top one.
CLOSE_SECOND_RATIO = 0.97
MAX_RELATED_BUTTONS = 2

# The articles on how to report a problem or reach support. When someone reports a
# problem, the step after the answer says exactly that (how to report it, for those who
# may not reach a person; the report form, for those who may), so such an article would
# be the same answer twice: only a troubleshooting article is worth showing first.
REPORTING_ARTICLES = frozenset({"report-problem-mobile", "contact-support",
                                "submit-web-ticket"})

Outcome = Literal["clear", "ambiguous", "none"]
IsConfident = Callable[[Hit], bool]


@dataclass(frozen=True)
class KBDecision:
    """What to answer: the outcome and the hits it is about."""

    outcome: Outcome
    hits: Sequence[Hit]


def decide(hits: Sequence[Hit], is_confident: IsConfident) -> KBDecision:
    """Classifies ranked hits as a clear answer, a close choice between two, or no answer."""
    if not hits or not is_confident(hits[0]):
        return KBDecision("none", [])
    top = hits[0]
    if len(hits) > 1:
        second = hits[1]
        if is_confident(second) and second.score >= CLOSE_SECOND_RATIO * top.score:
            return KBDecision("ambiguous", [top, second])
    return KBDecision("clear", [top])


def articles_not_answering(intent: Optional[str]) -> FrozenSet[str]:
    """The articles that cannot be the answer to a message with this intent.

    A problem report is followed by how to report it (or by the report form), so the
    articles that explain reporting are left out: one reply, not an article and its
    near-duplicate. Every other intent may be answered by any article.
    """
    return REPORTING_ARTICLES if intent == "report_problem" else frozenset()


def answer_question(index: Any, question: str, lang: str,
                    vector_payload: object = None,
                    exclude: Collection[str] = ()) -> KBDecision:
    """Searches the KB for a user's question and decides the answer, as the assistant does.

    Args:
        index: a loaded ``kb_index.search.KBIndex``.
        question: the user's message.
        lang: the conversation language.
        vector_payload: the e5 vector the NLU pipeline published for the message, if any.
        exclude: article ids that may not be the answer (``articles_not_answering``).
    """
    vector = index.query_vector(vector_payload)
    hits = index.answer_hits(question, lang, k=5, query_vector=vector)
    return without(decide(hits, index.answerable(hits)), exclude)


def without(decision: KBDecision, exclude: Collection[str]) -> KBDecision:
    """The decision with the excluded articles left out.

    When the best answer is an excluded article, the message is about what that article
    says, so no other article answers it (the next-ranked one merely shares words, e.g.
    "report" with the article on reporting abuse): no article. An excluded runner-up of
    a choice is dropped, leaving the clear answer.
    """
    if not decision.hits or decision.hits[0].id in exclude:
        return KBDecision("none", [])
    kept = [hit for hit in decision.hits if hit.id not in exclude]
    return decision if len(kept) == len(decision.hits) else KBDecision("clear", kept)


def consecutive_fallbacks(events: Sequence[Dict[str, Any]]) -> int:
    """Counts the latest user messages in a row that NLU did not understand."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != "nlu_fallback":
            break
        count += 1
    return count


def article_payload(article_id: str) -> str:
    """The button payload that opens one article directly, bypassing NLU."""
    return '/ask_question{"article_id": "' + article_id + '"}'


class KBCard(TypedDict):
    """``custom.kb`` of a KB answer: the article the widget shows as a card (``kbCard``)."""

    article_id: str
    lang: str
    # The answer model's probability, or the hybrid search's fused score without one.
    score: float
    title: str
    url: str


class KBCustom(TypedDict):
    """The ``custom`` payload of a KB answer."""

    kb: KBCard


def kb_custom_payload(hit: Hit) -> KBCustom:
    """The custom payload attached to every KB answer."""
    return {"kb": {"article_id": hit.id, "lang": hit.lang, "score": hit.score,
                   "title": hit.title, "url": hit.url}}


def answer_messages(
    decision: KBDecision,
    lang: str,
    related: Callable[[str], Optional[Hit]],
    fallback_failures: int = 0,
) -> List[Dict[str, Any]]:
    """Returns the ``dispatcher.utter_message`` keyword arguments for a decision.

    Args:
        decision: the outcome of ``decide``.
        lang: the conversation language, for the texts.
        related: looks up a related article in the user's language by id.
        fallback_failures: consecutive messages NLU did not understand, this one
            included; 0 when the user asked a recognised question.
    """
    if decision.outcome == "none":
        if fallback_failures == 1:
            return [render("clarify", lang)]
        if fallback_failures >= 2:
            return [render("help_options", lang)]
        return [{**render("kb_no_answer", lang),
                 "buttons": render("help_options", lang)["buttons"]}]
    if decision.outcome == "ambiguous":
        return [{
            **render("kb_did_you_mean", lang),
            "buttons": [{"title": hit.title, "payload": article_payload(hit.id)}
                        for hit in decision.hits],
        }]
    hit = decision.hits[0]
    related_hits = [r for r in (related(i) for i in hit.related) if r][:MAX_RELATED_BUTTONS]
    return [
        {
            # The summary only: the card (``custom.kb``) carries the title and the link.
            **render("kb_answer", lang, summary=hit.summary),
            "json_message": kb_custom_payload(hit),
            "buttons": [{"title": r.title, "payload": article_payload(r.id)}
                        for r in related_hits],
        },
        {
            **render("kb_was_it_helpful", lang),
            "buttons": [{"title": text("kb_vote_helpful", lang), "payload": "/kb_helpful"},
                        {"title": text("kb_vote_not_helpful", lang),
                         "payload": "/kb_not_helpful"}],
        },
    ]
