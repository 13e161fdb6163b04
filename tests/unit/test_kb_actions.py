"""action_answer_from_kb and action_store_kb_feedback, rasa-sdk style with fakes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from actions.kb import ActionAnswerFromKB, ActionStoreKBFeedback
from bot import composition
from bot.storage.engine import Base
from bot.storage.unit_of_work import UnitOfWork
from bot.texts.catalogue import catalogue
from kb_index.search import Hit
from tests.trackers import make_tracker, parse_data, user_event


def hit(article_id, score=0.18, confident=True, related=(), lang="fr"):
    return Hit(id=article_id, lang=lang, score=score, title=f"T-{article_id}",
               summary=f"S-{article_id}", url=f"/{lang}/articles/{article_id}",
               related=related, lexical=9.0 if confident else 0.1, dense=0.9)


class FakeIndex:
    def __init__(self, hits):
        self.hits = hits
        self.queries = []
        self.vectors = []

    def answer_hits(self, question, lang, k=5, query_vector=None):
        self.queries.append((question, lang))
        self.vectors.append(query_vector)
        return self.hits

    def query_vector(self, payload):
        return None if payload is None else payload["vector"]

    def article(self, article_id, lang):
        return hit(article_id, 0.0, lang=lang)

    def is_confident_hit(self, h):
        return h.lexical > 1

    def answerable(self, hits):
        return self.is_confident_hit


class FakeSearcher:
    def __init__(self, index=None, error=None):
        self._index, self._error = index, error

    def index(self):
        if self._error:
            raise self._error
        return self._index


@pytest.fixture()
def database():
    engine = create_engine("sqlite://", future=True)
    Base.metadata.create_all(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    composition.override("session_factory", factory)
    yield factory
    composition.override("session_factory", None)


def use(searcher):
    composition.override("kb_searcher", searcher)


@pytest.fixture(autouse=True)
def restore():
    yield
    composition.override("kb_searcher", None)


def tracker(text, intent="ask_question", slots=None, entities=(), events=None, extra=None,
            active_loop=None):
    latest = parse_data(text, intent, entities=entities, **(extra or {}))
    return make_tracker(latest, sender="user-1", language="fr", slots=slots,
                        events=events or [user_event(latest)], active_loop=active_loop)


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return events, dispatcher.messages


@pytest.mark.parametrize(
    ("hits", "expected_slots", "texts_start", "custom_kb"),
    [
        ([hit("screen-sharing", related=("recording",))],
         [SlotSet("kb_article_id", "screen-sharing"),
          SlotSet("kb_question", "je ne peux pas partager")],
         ["S-screen-sharing", "Cette réponse"], "screen-sharing"),
        ([hit("a", 0.18), hit("b", 0.178)],
         [SlotSet("kb_article_id", None), SlotSet("kb_question", "je ne peux pas partager")],
         ["J'ai trouvé deux articles"], None),
        ([hit("a", confident=False)], [SlotSet("kb_article_id", None)], ["Désolé"], None),
        ([], [SlotSet("kb_article_id", None)], ["Désolé"], None),
    ],
)
def test_answer_from_kb(hits, expected_slots, texts_start, custom_kb):
    index = FakeIndex(hits)
    use(FakeSearcher(index))
    events, messages = run(ActionAnswerFromKB(), tracker("je ne peux pas partager"))
    assert index.queries == [("je ne peux pas partager", "fr")]
    assert events == expected_slots
    assert [m["text"][: len(t)] for m, t in zip(messages, texts_start, strict=True)] == texts_start
    payloads = [m["custom"] for m in messages if m.get("custom")]
    assert [p["kb"]["article_id"] for p in payloads] == ([custom_kb] if custom_kb else [])


def test_clear_answer_buttons_related_and_feedback():
    use(FakeSearcher(FakeIndex([hit("screen-sharing", related=("recording", "join-meeting"))])))
    _, (answer, feedback) = run(ActionAnswerFromKB(), tracker("partage écran"))
    assert [b["title"] for b in answer["buttons"]] == ["T-recording", "T-join-meeting"]
    # Words, not 👍/👎 alone: what the widget shows, and what the agent's transcript reads.
    assert [b["title"] for b in feedback["buttons"]] == ["Utile", "Pas utile"]
    assert answer["custom"]["kb"]["lang"] == "fr"


def test_article_button_opens_the_article_without_searching():
    index = FakeIndex([])
    use(FakeSearcher(index))
    events, messages = run(ActionAnswerFromKB(), tracker(
        '/ask_question{"article_id": "recording"}',
        entities=[{"entity": "article_id", "value": "recording"}],
        slots={"kb_question": "où sont mes enregistrements"}))
    assert index.queries == []
    assert messages[0]["custom"]["kb"]["article_id"] == "recording"
    assert SlotSet("kb_question", "où sont mes enregistrements") in events


def test_search_button_without_a_question_asks_for_one():
    index = FakeIndex([hit("x")])
    use(FakeSearcher(index))
    events, messages = run(ActionAnswerFromKB(), tracker("/ask_question"))
    assert index.queries == [] and events == []
    assert messages[0]["text"].startswith("Écrivez votre question")


@pytest.mark.parametrize(("previous", "key"), [(0, "clarify"), (1, "help_options"),
                                              (2, "help_options")])
def test_nlu_fallback_without_hit_clarifies_then_lists_options(previous, key):
    use(FakeSearcher(FakeIndex([])))
    fallback = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    events = [fallback, {"event": "bot"}] * previous + [fallback]
    _, (message,) = run(ActionAnswerFromKB(), tracker("blorp", "nlu_fallback", events=events))
    assert message["text"] in {v["text"] for v in catalogue()[key]["fr"]}
    assert bool(message.get("buttons")) == (key == "help_options")


def test_missing_index_gets_a_clear_reply():
    use(FakeSearcher(error=FileNotFoundError("no KB index")))
    events, messages = run(ActionAnswerFromKB(), tracker("partage écran"))
    assert events == [] and messages[0]["text"].startswith("Je ne peux pas effectuer")


@pytest.mark.parametrize(("intent", "helpful", "texts"), [
    ("kb_helpful", True, 1), ("kb_not_helpful", False, 1)])
def test_feedback_is_stored_with_article_language_and_question(database, intent, helpful, texts):
    slots = {"kb_article_id": "screen-sharing", "kb_question": "partager mon écran"}
    events, messages = run(ActionStoreKBFeedback(), tracker("/" + intent, intent, slots))
    assert events == [SlotSet("kb_article_id", None)]
    assert len(messages) == texts
    assert bool(messages[0]["buttons"]) == (not helpful)
    with UnitOfWork(database) as uow:
        (vote,) = uow.feedback.for_article("screen-sharing")
        assert (vote.lang, vote.question, vote.helpful, vote.sender_id) == (
            "fr", "partager mon écran", helpful, "user-1")


def test_feedback_without_an_answer_stores_nothing(database):
    run(ActionStoreKBFeedback(), tracker("👍", "kb_helpful"))
    with UnitOfWork(database) as uow:
        assert uow.feedback.scores() == []


def test_problem_report_without_a_matching_article_stays_quiet():
    use(FakeSearcher(FakeIndex([])))
    events, messages = run(ActionAnswerFromKB(), tracker("la vidéo saccade", "report_problem"))
    assert events == [SlotSet("kb_article_id", None)] and messages == []


def test_problem_report_with_a_matching_article_gets_it():
    use(FakeSearcher(FakeIndex([hit("poor-connection")])))
    _, messages = run(ActionAnswerFromKB(), tracker("la vidéo saccade", "report_problem"))
    assert messages[0]["custom"]["kb"]["article_id"] == "poor-connection"


def test_the_search_reuses_the_message_embedding_from_nlu():
    index = FakeIndex([hit("screen-sharing")])
    use(FakeSearcher(index))
    run(ActionAnswerFromKB(), tracker("partage d'écran", extra={
        "text_embedding": {"vector": "the NLU vector"}}))
    run(ActionAnswerFromKB(), tracker("partage d'écran"))
    assert index.vectors == ["the NLU vector", None]


def test_a_thumbs_down_inside_the_report_form_is_stored_without_the_help_menu(database):
    slots = {"kb_article_id": "audio-not-working", "kb_question": "le son coupe"}
    tr = tracker("/kb_not_helpful", "kb_not_helpful", slots, active_loop="problem_report_form")
    events, messages = run(ActionStoreKBFeedback(), tr)
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    with UnitOfWork(database) as uow:
        (vote,) = uow.feedback.for_article("audio-not-working")
        assert vote.helpful is False


# "I want to report a problem", with no symptom: the search ranks the article on how to
# report first, which the rule's next step (how to report it, or the report form) says
# again. The action leaves it out, in every language.
REPORTS = {"en": "I want to report a bug", "fr": "je veux signaler un problème",
           "it": "voglio segnalare un problema", "nb": "jeg vil rapportere et problem",
           "ru": "хочу сообщить о проблеме"}


def report_tracker(lang, intent="report_problem"):
    latest = parse_data(REPORTS[lang], intent)
    return make_tracker(latest, sender="user-1", language=lang, events=[user_event(latest)])


@pytest.mark.parametrize("lang", sorted(REPORTS))
def test_a_problem_report_gets_no_article_on_how_to_report_it(lang):
    use(FakeSearcher(FakeIndex([hit("report-problem-mobile", lang=lang),
                                hit("report-abuse", score=0.10, lang=lang)])))
    events, messages = run(ActionAnswerFromKB(), report_tracker(lang))
    assert (events, messages) == ([SlotSet("kb_article_id", None)], [])


@pytest.mark.parametrize("lang", sorted(REPORTS))
def test_a_problem_report_still_gets_the_troubleshooting_article(lang):
    use(FakeSearcher(FakeIndex([hit("poor-connection", lang=lang),
                                hit("report-problem-mobile", score=0.179, lang=lang)])))
    _, messages = run(ActionAnswerFromKB(), report_tracker(lang))
    assert messages[0]["custom"]["kb"]["article_id"] == "poor-connection"
    assert messages[0]["buttons"] == []  # no choice with the article on reporting


@pytest.mark.parametrize("lang", sorted(REPORTS))
def test_asking_how_to_report_still_gets_the_article(lang):
    use(FakeSearcher(FakeIndex([hit("report-problem-mobile", lang=lang)])))
    _, messages = run(ActionAnswerFromKB(), report_tracker(lang, intent="ask_question"))
    assert messages[0]["custom"]["kb"]["article_id"] == "report-problem-mobile"


# A 👍/👎 typed when no article was shown (nothing stored): no "thanks for the feedback",
# no "I've passed that on", in every language.
@pytest.mark.parametrize("lang", ["ru", "nb", "fr", "it", "en"])
@pytest.mark.parametrize("intent", ["kb_helpful", "kb_not_helpful"])
def test_feedback_without_an_article_thanks_for_nothing(database, lang, intent):
    latest = parse_data("una stella", intent)
    tr = make_tracker(latest, sender="user-1", language=lang, events=[user_event(latest)])
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionStoreKBFeedback().run(dispatcher, tr, {}))
    texts = [m["text"] for m in dispatcher.messages]
    assert texts and not {catalogue()["kb_feedback_thanks"][lang][0]["text"],
                          catalogue()["kb_feedback_sorry"][lang][0]["text"]} & set(texts)


@pytest.mark.parametrize("lang", ["ru", "nb", "fr", "it", "en"])
def test_the_vote_buttons_say_what_the_widget_shows(lang):
    """The transcript an agent reads names the vote as the user saw it in the widget."""
    import yaml

    from bot.texts.catalogue import text

    labels = yaml.safe_load((Path(__file__).parents[2] / "bot/texts/widget_labels.yml")
                            .read_text(encoding="utf-8"))
    widget = labels[lang]["widget"]
    assert (text("kb_vote_helpful", lang), text("kb_vote_not_helpful", lang)) == (
        widget["helpful"], widget["not_helpful"])
