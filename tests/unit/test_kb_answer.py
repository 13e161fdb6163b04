"""Deciding how to answer from KB hits, and the messages for each outcome."""

from __future__ import annotations

import pytest

from bot.knowledge.answer import (
    REPORTING_ARTICLES,
    KBDecision,
    answer_messages,
    answer_question,
    article_payload,
    articles_not_answering,
    consecutive_fallbacks,
    decide,
)
from bot.texts.catalogue import catalogue
from kb_index.search import Hit
from tests.conftest import LANGUAGES


def hit(article_id, score, confident=True, related=()):
    return Hit(id=article_id, lang="en", score=score, title=article_id.title(),
               summary=f"About {article_id}.", url=f"/en/articles/{article_id}",
               related=related, lexical=10.0 if confident else 0.0,
               dense=0.9 if confident else 0.5)


def confident(h):
    return h.lexical > 0


@pytest.mark.parametrize(
    ("hits", "outcome", "ids"),
    [
        ([], "none", []),
        ([hit("a", 0.18, confident=False)], "none", []),
        ([hit("a", 0.18)], "clear", ["a"]),
        ([hit("a", 0.18), hit("b", 0.10)], "clear", ["a"]),
        ([hit("a", 0.18), hit("b", 0.178)], "ambiguous", ["a", "b"]),
        ([hit("a", 0.18), hit("b", 0.179, confident=False)], "clear", ["a"]),
    ],
)
def test_decide(hits, outcome, ids):
    decision = decide(hits, confident)
    assert decision.outcome == outcome
    assert [h.id for h in decision.hits] == ids


def test_clear_answer_has_summary_card_link_related_buttons_and_feedback():
    top = hit("screen-sharing", 0.18, related=("recording", "missing", "meeting-security",
                                               "breakout-rooms"))
    articles = {i: hit(i, 0.0) for i in ("recording", "meeting-security", "breakout-rooms")}
    answer, feedback = answer_messages(KBDecision("clear", [top]), "ru", articles.get)
    # The text is the summary; the one way to the article is the card's title link.
    assert answer["text"] == "About screen-sharing."
    assert [b["payload"] for b in answer["buttons"]] == [
        article_payload("recording"), article_payload("meeting-security")]
    assert answer["json_message"] == {"kb": {
        "article_id": "screen-sharing", "lang": "en", "score": 0.18,
        "title": "Screen-Sharing", "url": "/en/articles/screen-sharing"}}
    assert [b["payload"] for b in feedback["buttons"]] == ["/kb_helpful", "/kb_not_helpful"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_answer_text_never_repeats_the_article_link(lang):
    top = Hit(id="recording", lang=lang, score=0.7, title="Recording «title»",
              summary="Click Record.", url=f"/{lang}/articles/recording-a-meeting",
              related=(), lexical=9.0, dense=0.9)
    answer, _ = answer_messages(KBDecision("clear", [top]), lang, lambda i: None)
    assert answer["text"] == "Click Record."
    assert top.url not in answer["text"] and "/articles/" not in answer["text"]
    assert "http" not in answer["text"] and top.title not in answer["text"]
    card = answer["json_message"]["kb"]
    assert (card["url"], card["title"], card["lang"]) == (top.url, top.title, lang)


def test_ambiguous_answer_offers_both_articles():
    (message,) = answer_messages(KBDecision("ambiguous", [hit("a", 1), hit("b", 1)]), "nb",
                                 lambda i: None)
    assert [b["payload"] for b in message["buttons"]] == [article_payload("a"),
                                                          article_payload("b")]
    assert "Hvilken" in message["text"]


@pytest.mark.parametrize(
    ("failures", "key", "with_options"),
    [(0, "kb_no_answer", True), (1, "clarify", False), (2, "help_options", True)],
)
def test_no_hit_depends_on_how_many_messages_failed(failures, key, with_options):
    (message,) = answer_messages(KBDecision("none", []), "it", lambda i: None, failures)
    assert message["text"] in {v["text"] for v in catalogue()[key]["it"]}
    payloads = [b["payload"] for b in message.get("buttons", [])]
    assert payloads == (["/ask_question", "/request_human", "/report_problem", "/ask_my_plan"]
                        if with_options else [])


def test_consecutive_fallbacks_counts_only_the_latest_run():
    def user(intent):
        return {"event": "user", "parse_data": {"intent": {"name": intent}}}
    bot = {"event": "bot"}
    assert consecutive_fallbacks([user("nlu_fallback"), bot, user("greet"), bot,
                                  user("nlu_fallback"), bot, user("nlu_fallback")]) == 2
    assert consecutive_fallbacks([user("greet")]) == 0
    assert consecutive_fallbacks([]) == 0


class RankedIndex:
    """answer_hits returns the given ranking; the rule is ``confident``."""

    def __init__(self, hits):
        self.hits = hits

    def query_vector(self, payload):
        return None

    def answer_hits(self, question, lang, k=5, query_vector=None):
        return self.hits

    def answerable(self, hits):
        assert hits == self.hits  # the rule sees the full ranking
        return confident


# A problem report is followed by how to report it (or the report form): an article on
# reporting would be the same answer twice; a troubleshooting article may come first.
@pytest.mark.parametrize(
    ("intent", "ranking", "outcome", "ids"),
    [
        ("report_problem", [("report-problem-mobile", 0.18)], "none", []),
        ("report_problem", [("contact-support", 0.18), ("submit-web-ticket", 0.179)],
         "none", []),
        # The best answer is about reporting: the next one only shares words with it.
        ("report_problem", [("report-problem-mobile", 0.18), ("report-abuse", 0.10)],
         "none", []),
        ("report_problem", [("report-problem-mobile", 0.18), ("poor-connection", 0.179)],
         "none", []),
        # A troubleshooting article first: it answers; a close reporting one is dropped.
        ("report_problem", [("audio-not-working", 0.18), ("report-problem-mobile", 0.179)],
         "clear", ["audio-not-working"]),
        ("report_problem", [("audio-not-working", 0.18), ("poor-connection", 0.179)],
         "ambiguous", ["audio-not-working", "poor-connection"]),
        ("report_problem", [("report-abuse", 0.18)], "clear", ["report-abuse"]),
        ("ask_question", [("report-problem-mobile", 0.18)], "clear",
         ["report-problem-mobile"]),
        ("nlu_fallback", [("contact-support", 0.18)], "clear", ["contact-support"]),
    ],
)
def test_a_problem_report_is_not_answered_with_how_to_report_it(intent, ranking, outcome,
                                                                ids):
    hits = [hit(article_id, score) for article_id, score in ranking]
    decision = answer_question(RankedIndex(hits), "q", "en",
                               exclude=articles_not_answering(intent))
    assert (decision.outcome, [h.id for h in decision.hits]) == (outcome, ids)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reporting_articles_exist_in_every_language(lang):
    from kb_index.articles import load_articles
    from kb_index.build import DEFAULT_SOURCE

    ids = {a.id for a in load_articles(DEFAULT_SOURCE, [lang])}
    assert REPORTING_ARTICLES <= ids
