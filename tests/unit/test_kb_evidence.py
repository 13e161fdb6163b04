"""A short social intent never swallows a message the KB clearly knows about.

The router learns the social vocabulary from the training data, removes it from the
message, and asks the KB about what is left. The KB here is a fake that knows a few
topics, so the test checks the routing, not the search.
"""

from __future__ import annotations

from typing import List, Optional

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import composition
from bot.nlu.components.kb_evidence import EVIDENCE_KEY, KBEvidenceRouter, remainder_of

SOCIAL_EXAMPLES = {
    "deny": ["no", "nope", "I can't, sorry", "non", "je ne peux pas", "no grazie", "non posso",
             "nei", "jeg kan ikke", "нет", "не могу", "not now"],
    "affirm": ["yes", "great", "the answer is yes", "oui", "c'est bien", "sì", "va bene",
               "ja", "flott", "да", "отлично", "ok so"],
    "thank": ["thanks", "merci", "grazie", "takk", "спасибо", "thank you so much"],
    "cancel": ["cancel", "stop", "annuler", "annulla", "avbryt", "отмена"],
}
# Words the fake KB knows, and the article each points to.
TOPICS = {"hear": "audio-not-working", "sound": "audio-not-working",
          "son": "audio-not-working", "audio": "audio-not-working",
          "lyden": "audio-not-working", "слышу": "audio-not-working",
          "webcam": "video-not-working", "subscription": "cancel-subscription",
          "abbonamento": "cancel-subscription", "minutes": "meeting-time-limit",
          "минут": "meeting-time-limit", "minuti": "meeting-time-limit",
          "minutter": "meeting-time-limit", "minutes,": "meeting-time-limit"}


class FakeHit:
    def __init__(self, article_id: str, lexical: float = 9.0, probability: float = 0.0
                 ) -> None:
        self.id, self.score, self.lexical = article_id, 1.0, lexical
        self.probability = probability


# What the answer model gives whole messages: symptoms with numbers read as ratings get
# 0.95+, feedback that names a topic stays below the router's 0.8.
ANSWER_MODEL = {
    "meeting cut off after 40 mins, there were 3 of us": ("meeting-time-limit", 0.99),
    "coupé au bout de 40 min alors qu'on était 3": ("meeting-time-limit", 0.97),
    "ci butta fuori dopo 40 min, eravamo in 3": ("meeting-time-limit", 0.95),
    "нас трое и через 40 мин всё обрывается": ("meeting-time-limit", 0.95),
    "vi var 3 stykker og møtet stoppet etter 40 min": ("meeting-time-limit", 0.96),
    "5 stars, the agent solved my billing problem": ("billing-discrepancy", 0.65),
    "5 étoiles, l'agent a réglé mon problème de facture": ("billing-discrepancy", 0.6),
    "5 stelle, l'operatore ha risolto il problema della fattura": ("billing-discrepancy", 0.6),
    "5 stjerner, agenten løste fakturaproblemet": ("billing-discrepancy", 0.6),
    "5 звёзд, оператор решил проблему со счётом": ("billing-discrepancy", 0.6),
}


class FakeIndex:
    answer_model = "a trained answer model"

    def query_vector(self, payload: object) -> None:
        return None

    def answer_hits(self, text: str, lang: str, k: int = 5,
                    query_vector: object = None) -> List[FakeHit]:
        article, probability = ANSWER_MODEL.get(text, ("help-center", 0.3))
        return [FakeHit(article, lexical=0.0, probability=probability)]

    def search(self, query: str, lang: str, k: int = 5,
               query_vector: object = None) -> List[FakeHit]:
        found = [TOPICS[w] for w in query.split() if w in TOPICS]
        if found:
            return [FakeHit(found[0])]
        # Anything else: a weak lexical match, as e5 + BM25 give for "happy monday".
        return [FakeHit("help-center", lexical=2.0)]

    def is_confident_hit(self, hit: FakeHit) -> bool:
        return True


class FakeSearcher:
    def __init__(self, index: Optional[FakeIndex]) -> None:
        self._index = index

    def index(self) -> FakeIndex:
        if self._index is None:
            raise FileNotFoundError("no KB index built")
        return self._index


@pytest.fixture()
def router(tmp_path):
    examples = [Message(data={"text": text, "intent": intent})
                for intent, texts in SOCIAL_EXAMPLES.items() for text in texts]
    storage, resource = LocalModelStorage(tmp_path), Resource("router")
    context = ExecutionContext(None, node_name="router")
    config = KBEvidenceRouter.get_default_config()
    KBEvidenceRouter.create(config, storage, resource, context).train(TrainingData(examples))
    composition.override("kb_searcher", FakeSearcher(FakeIndex()))
    yield KBEvidenceRouter.load(config, storage, resource, context)
    composition.override("kb_searcher", None)


def parsed(text: str, intent: str, language: str, confidence: float = 0.97) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "ask_question", "confidence": 1 - confidence}])
    message.set("language", {"language": language})
    return message


@pytest.mark.parametrize(("language", "text", "classified", "article"), [
    ("en", "I can't hear anyone", "deny", "audio-not-working"),
    ("en", "the sound is choppy", "affirm", "audio-not-working"),
    ("fr", "le son est haché", "affirm", "audio-not-working"),
    ("it", "la mia webcam non funziona", "affirm", "video-not-working"),
    ("ru", "встреча оборвалась через 40 минут", "thank", "meeting-time-limit"),
    ("ru", "я ничего не слышу", "deny", "audio-not-working"),
    ("nb", "lyden hakker", "affirm", "audio-not-working"),
    ("nb", "møtet stoppet etter 40 minutter", "thank", "meeting-time-limit"),
    ("it", "voglio annullare il mio abbonamento", "cancel", "cancel-subscription"),
    ("en", "cancel my subscription", "cancel", "cancel-subscription"),
])
def test_a_symptom_classified_as_small_talk_goes_to_the_kb(router, language, text,
                                                           classified, article):
    message = parsed(text, classified, language)
    router.process([message])
    assert message.get("intent")["name"] == "ask_question"
    assert message.get("intent")["confidence"] == pytest.approx(0.97)
    assert message.get(EVIDENCE_KEY)["article_id"] == article
    assert message.get(EVIDENCE_KEY)["overridden"] == classified
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["ask_question", classified]
    assert ranking[1]["confidence"] == pytest.approx(0.03)  # the question's old score


@pytest.mark.parametrize(("language", "text", "intent"), [
    ("en", "no", "deny"), ("en", "thanks", "thank"), ("en", "cancel", "cancel"),
    ("fr", "non merci", "deny"), ("fr", "oui", "affirm"),
    ("it", "no grazie", "deny"), ("it", "annulla", "cancel"),
    ("nb", "nei takk", "deny"), ("nb", "ja", "affirm"),
    ("ru", "нет", "deny"), ("ru", "спасибо", "thank"),
    ("en", "/deny", "deny"),
    # Content words left, but only a weak lexical match: small talk stays small talk.
    ("en", "hi all, happy monday", "greet"), ("fr", "bon, je dois filer, à la prochaine",
                                              "goodbye"),
    ("it", "perfetto, ci sentiamo la settimana prossima", "goodbye"),
    ("nb", "jepp, det er den kontoen det gjelder", "affirm"),
    ("ru", "ладно, я пошел, пока", "goodbye"),
])
def test_real_small_talk_keeps_its_intent(router, language, text, intent):
    message = parsed(text, intent, language)
    router.process([message])
    assert message.get("intent")["name"] == intent
    assert message.get(EVIDENCE_KEY) is None


@pytest.mark.parametrize(("language", "text"), [
    ("en", "meeting cut off after 40 mins, there were 3 of us"),
    ("fr", "coupé au bout de 40 min alors qu'on était 3"),
    ("it", "ci butta fuori dopo 40 min, eravamo in 3"),
    ("ru", "нас трое и через 40 мин всё обрывается"),
    ("nb", "vi var 3 stykker og møtet stoppet etter 40 min"),
])
def test_a_symptom_read_as_a_rating_goes_to_the_kb_on_the_answer_models_word(
        router, language, text):
    message = parsed(text, "rate", language)
    router.process([message])
    assert message.get("intent")["name"] == "ask_question"
    assert message.get(EVIDENCE_KEY)["article_id"] == "meeting-time-limit"


@pytest.mark.parametrize(("language", "text"), [
    ("en", "5 stars, the agent solved my billing problem"),
    ("fr", "5 étoiles, l'agent a réglé mon problème de facture"),
    ("it", "5 stelle, l'operatore ha risolto il problema della fattura"),
    ("nb", "5 stjerner, agenten løste fakturaproblemet"),
    ("ru", "5 звёзд, оператор решил проблему со счётом"),
])
def test_a_rating_that_names_a_topic_stays_a_rating(router, language, text):
    message = parsed(text, "rate", language)
    router.process([message])
    assert message.get("intent")["name"] == "rate"


@pytest.mark.parametrize("intent", ["request_human", "ask_my_plan", "report_problem",
                                    "ask_question"])
def test_intents_the_user_chose_are_never_overridden(router, intent):
    message = parsed("I can't hear anyone", intent, "en")
    router.process([message])
    assert message.get("intent")["name"] == intent


def test_without_a_kb_index_messages_pass_unchanged(router):
    composition.override("kb_searcher", FakeSearcher(None))
    router._searcher = None
    message = parsed("I can't hear anyone", "deny", "en")
    router.process([message])
    assert message.get("intent")["name"] == "deny"


@pytest.mark.parametrize(("text", "remainder"), [
    ("I can't hear anyone", "hear anyone"),
    ("non, je ne peux pas", ""),
    ("нет, не могу", ""),
])
def test_remainder_drops_only_social_words(text, remainder):
    social = frozenset({"i", "can't", "non", "je", "ne", "peux", "pas", "нет", "не", "могу"})
    assert remainder_of(text, social) == remainder
