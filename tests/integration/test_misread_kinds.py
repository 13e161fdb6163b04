"""Kinds of messages a tester found misread, each row in all five languages.

1. A language named as the *topic* of a feature question ("captions in Spanish?") is
   not a request to switch the conversation language; a real switch request still is.
2. A feature question with "automatic" in it is a question, not ``bot_challenge``;
   "are you a bot?" still is.
3. Questions no article covers (integrations, polls) are declined honestly: the KB
   path says "no article", not a clarification or an unrelated article.
4. Double charges, wrong amounts and refunds of a charge get the billing article,
   not the cancellation article.
5. Uninvited people disrupting a meeting, and a participant left in the waiting room,
   get the passcode-and-waiting-room article, not the abuse form (reporting a
   participant still gets the abuse form).
6. Automatic renewal, even of "my" plan, gets the cancellation article, not
   ``ask_my_plan``; an update that fails gets the installing-and-updating article.

Each row asserts what the user must get: the article (a card, not a choice of two),
an honest "no article" on the KB path, or the intent family. Never scores. The
messages are not training examples (checked below), so the rows measure how the
model generalises, like the blind sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import pytest

from tests.conftest import LANGUAGES, PROJECT_ROOT

# What the user must get, besides an article id.
DECLINED = "<no article>"  # the KB path answers "no article" (no card, no choice)
SWITCH = "<change_language>"  # the conversation language is switched
BOT = "<bot_challenge>"  # "I am a virtual assistant"


@dataclass(frozen=True)
class Row:
    kind: str
    expected: str
    messages: Dict[str, str]
    # A control is what the tester said must keep working, in the tester's words; it
    # may be a training example. Every other row must not be one.
    control: bool = False


ROWS: List[Row] = [
    # 1. A language as the topic of a feature question.
    Row("language-topic", DECLINED, {
        "ru": "можно ли субтитры на русском?",
        "nb": "kan jeg få teksting (live captions) på norsk?",
        "fr": "est-ce que les sous-titres existent en français ?",
        "it": "ci sono i sottotitoli in italiano?",
        "en": "are captions available in Spanish?",
    }),
    Row("language-topic", DECLINED, {
        "ru": "есть ли расшифровка встречи на норвежском?",
        "nb": "støtter transkripsjonen nynorsk?",
        "fr": "peut-on avoir la transcription en italien ?",
        "it": "la trascrizione funziona in francese?",
        "en": "does the transcript work in Norwegian?",
    }),
    Row("language-topic", DECLINED, {
        "ru": "приложение есть на немецком языке?",
        "nb": "er appen tilgjengelig på svensk?",
        "fr": "l'application est-elle disponible en allemand ?",
        "it": "l'app è disponibile in tedesco?",
        "en": "is the desktop app available in German?",
    }),
    Row("language-topic", DECLINED, {
        "ru": "субтитры в вебинаре можно сделать на английском?",
        "nb": "kan webinaret ha teksting på engelsk for utenlandske deltakere?",
        "fr": "sous-titres en anglais pendant un webinar, c'est possible ?",
        "it": "posso avere i sottotitoli in inglese durante il webinar?",
        "en": "can webinar attendees see subtitles in Italian?",
    }),
    Row("language-topic", "support-languages", {
        "ru": "поддержка отвечает на русском?",
        "nb": "snakker supportagentene russisk?",
        "fr": "le support parle-t-il russe ?",
        "it": "il supporto parla russo?",
        "en": "do your support agents speak Russian?",
    }),
    Row("language-switch", SWITCH, {
        "ru": "давай перейдём на французский",
        "nb": "svar på engelsk",
        "fr": "parlez-vous italien ?",
        "it": "rispondimi in inglese",
        "en": "answer in French",
    }),
    Row("language-switch", SWITCH, {
        "ru": "говоришь по-итальянски?",
        "nb": "kan du ta det på italiensk?",
        "fr": "on peut continuer en norvégien ?",
        "it": "puoi passare al francese?",
        "en": "can we continue in Norwegian?",
    }),
    # 2. "Automatic" in a feature question.
    Row("automatic", DECLINED, {
        "ru": "есть автоматические субтитры?",
        "nb": "finnes det automatisk teksting?",
        "fr": "est-ce qu'il y a des sous-titres automatiques ?",
        "it": "ci sono i sottotitoli automatici?",
        "en": "is there automatic transcription?",
    }),
    Row("automatic", "cancel-subscription", {
        "ru": "подписка продлевается автоматически?",
        "nb": "fornyes abonnementet automatisk?",
        "fr": "l'abonnement se renouvelle automatiquement ?",
        "it": "l'abbonamento si rinnova automaticamente?",
        "en": "does the subscription renew automatically?",
    }),
    Row("automatic", "install-update", {
        "ru": "приложение обновляется автоматически?",
        "nb": "oppdaterer appen seg automatisk?",
        "fr": "mise à jour automatique de l'appli ?",
        "it": "l'app si aggiorna in automatico?",
        "en": "does the app update automatically?",
    }),
    Row("automatic", "breakout-rooms", {
        "ru": "можно автоматически распределить участников по сессионным залам?",
        "nb": "kan grupperommene fordeles automatisk?",
        "fr": "répartition automatique dans les salles de sous-groupes ?",
        "it": "le stanze di gruppo si possono assegnare in automatico?",
        "en": "can breakout rooms assign people automatically?",
    }),
    Row("bot-challenge", BOT, {
        "ru": "ты бот?",
        "nb": "er du en robot?",
        "fr": "es-tu un robot ?",
        "it": "sei un bot?",
        "en": "are you a bot?",
    }, control=True),
    Row("bot-challenge", BOT, {
        "ru": "мне отвечает автомат?",
        "nb": "er dette et automatisk svar?",
        "fr": "c'est une réponse automatique ?",
        "it": "mi risponde un sistema automatico?",
        "en": "is this an automated reply?",
    }),
    # 3. Nothing in the KB covers it.
    Row("no-article", DECLINED, {
        "ru": "есть интеграция со Slack?",
        "nb": "integrasjon med Slack?",
        "fr": "intégration avec Slack ?",
        "it": "integrazione con Slack?",
        "en": "slack integration?",
    }),
    Row("no-article", DECLINED, {
        "ru": "работает с Trello?",
        "nb": "funker det med Trello?",
        "fr": "ça marche avec Trello ?",
        "it": "funziona con Trello?",
        "en": "does it work with Trello?",
    }),
    Row("no-article", DECLINED, {
        "ru": "как сделать опрос?",
        "nb": "hvordan lager jeg en avstemning?",
        "fr": "comment faire un sondage",
        "it": "come faccio un sondaggio?",
        "en": "how do I create a poll",
    }),
    Row("no-article", DECLINED, {
        "ru": "можно подключить Google Диск?",
        "nb": "kan jeg koble til Google Drive?",
        "fr": "connecter à Google Drive",
        "it": "si collega a google drive?",
        "en": "can I hook it up to google drive",
    }),
    Row("no-article", DECLINED, {
        "ru": "интеграция с джирой есть?",
        "nb": "kobling mot Jira?",
        "fr": "intégration jira",
        "it": "c'è un'integrazione con Jira",
        "en": "jira integration pls",
    }),
    # 4. A charge that is wrong is a billing question, not a cancellation.
    Row("billing", "billing-discrepancy", {
        "ru": "с меня дважды списали за подписку",
        "nb": "jeg ble trukket to ganger for abonnementet",
        "fr": "j'ai été prélevé deux fois pour l'abonnement",
        "it": "mi avete addebitato due volte l'abbonamento",
        "en": "I was charged twice for my subscription",
    }),
    Row("billing", "billing-discrepancy", {
        "ru": "списали неправильную сумму",
        "nb": "feil beløp trukket fra kortet",
        "fr": "montant incorrect débité sur ma carte",
        "it": "importo sbagliato addebitato",
        "en": "you charged me the wrong amount",
    }),
    Row("billing", "billing-discrepancy", {
        "ru": "верните деньги за двойное списание",
        "nb": "jeg vil ha refusjon for et dobbelt trekk",
        "fr": "je veux être remboursé d'un prélèvement en double",
        "it": "voglio il rimborso di un doppio addebito",
        "en": "refund the double charge on my card",
    }),
    Row("billing", "billing-discrepancy", {
        "ru": "двойное списание за pro",
        "nb": "double charge på pro-abonnementet",
        "fr": "double prélèvement abonnement pro",
        "it": "doppio addebito abbonamento pro",
        "en": "double charge on pro plan??",
    }),
    Row("billing", "billing-discrepancy", {
        "ru": "за подписку списали больше, чем должно быть",
        "nb": "abonnementet kostet mer enn det skulle denne måneden",
        "fr": "l'abonnement m'a été facturé plus cher que prévu",
        "it": "l'abbonamento mi è costato più del previsto questo mese",
        "en": "the pro plan charge was higher than it should be",
    }),
    Row("billing", "cancel-subscription", {
        "ru": "хочу отменить подписку pro, как это сделать",
        "nb": "hvordan sier jeg opp abonnementet",
        "fr": "comment je résilie mon abonnement pro",
        "it": "come faccio a disdire l'abbonamento pro",
        "en": "I want to stop paying for pro, how do I cancel",
    }),
    # 5. Uninvited people disrupting a meeting, and a participant left in the waiting
    #    room, get the passcode-and-waiting-room article; reporting a participant still
    #    gets the abuse form.
    Row("intruders", "meeting-security", {
        "ru": "посторонние влезли в наш онлайн-класс и устроили балаган",
        "nb": "noen ukjente kom inn i foreldremøtet og begynte å kødde",
        "fr": "des intrus ont débarqué dans notre réunion d'équipe et ont tout chamboulé",
        "it": "degli intrusi sono entrati nella nostra riunione e hanno fatto casino",
        "en": "strangers barged into our parents' meeting and made a mess of it",
    }),
    Row("waiting-room", "meeting-security", {
        "ru": "я в зале ожидания, а ведущий меня не замечает",
        "nb": "jeg venter i venterommet, men verten ser meg ikke",
        "fr": "j'attends dans la salle d'attente mais l'organisateur ne me voit pas",
        "it": "sono in sala d'attesa ma l'organizzatore non mi vede",
        "en": "I'm sitting in the waiting room and the organiser doesn't notice me",
    }),
    Row("abuse-report", "report-abuse", {
        "ru": "участник оскорблял меня весь урок, хочу на него пожаловаться",
        "nb": "en deltaker kalte meg stygge ting, hvordan melder jeg ham?",
        "fr": "un participant m'a insulté pendant tout le cours, je veux le dénoncer",
        "it": "un partecipante mi ha insultato per tutta la lezione, voglio denunciarlo",
        "en": "a participant insulted me through the whole lesson, I want to report him",
    }),
    # 6. Automatic renewal (of "my" plan too) gets the cancellation article, not "which
    #    plan am I on"; an update that fails gets the installing-and-updating article.
    Row("renewal", "cancel-subscription", {
        "ru": "не хочу, чтобы pro продлевался, где это выключить?",
        "nb": "jeg vil ikke at Pro skal fornyes, hvor slår jeg det av?",
        "fr": "je ne veux pas que mon Pro soit reconduit, où je désactive ça ?",
        "it": "non voglio che il mio Pro si rinnovi, dove lo disattivo?",
        "en": "I don't want my Pro plan to renew, where do I switch that off?",
    }),
    Row("renewal", "cancel-subscription", {
        "ru": "моя подписка pro продлевается автоматически?",
        "nb": "blir pro-abonnementet mitt fornyet automatisk?",
        "fr": "mon abonnement pro est renouvelé automatiquement ?",
        "it": "il mio abbonamento pro viene rinnovato automaticamente?",
        "en": "is my pro subscription renewed automatically?",
    }),
    Row("update", "install-update", {
        "ru": "обновление приложения постоянно срывается с ошибкой",
        "nb": "oppdateringen av appen stopper med en feilmelding",
        "fr": "la mise à jour de l'appli s'arrête avec une erreur",
        "it": "l'aggiornamento dell'app si interrompe con un errore",
        "en": "the app update stops with an error message",
    }),
]

CASES: List[Tuple[str, str, str]] = [
    (row.expected, language, row.messages[language]) for row in ROWS for language in LANGUAGES]
IDS = [f"{row.kind}-{language}-{number}"
       for number, row in enumerate(ROWS) for language in LANGUAGES]


def test_every_row_is_in_all_five_languages():
    assert all(sorted(row.messages) == sorted(LANGUAGES) for row in ROWS)


@dataclass(frozen=True)
class Outcome:
    """What the user got: the intent acted on, and the KB decision on the KB path."""

    intent: str
    kb: str  # an article id (a card), "ambiguous:a/b", DECLINED, or "" off the KB path

    def __str__(self) -> str:
        return f"{self.intent} -> {self.kb or '(not the KB path)'}"


def kb_outcome(decision) -> str:
    """An article id for a card, "ambiguous:a/b" for a choice, DECLINED for no article."""
    if decision.outcome == "clear":
        return decision.hits[0].id
    if decision.outcome == "ambiguous":
        return "ambiguous:" + "/".join(hit.id for hit in decision.hits)
    return DECLINED


@pytest.fixture(scope="module")
def outcomes(trained_model) -> Dict[Tuple[str, str], Outcome]:
    from bot.knowledge.answer import answer_question, articles_not_answering
    from bot.nlu.evaluation import KB_INTENTS, parse_all
    from kb_index.search import default_searcher

    index = default_searcher().index()
    parsed = parse_all(trained_model, [message for _, _, message in CASES])
    results = {}
    for (_, language, message), result in zip(CASES, parsed, strict=True):
        intent = result["intent"]["name"]
        kb = ""
        if intent in KB_INTENTS:
            kb = kb_outcome(answer_question(index, message, language,
                                            result.get("text_embedding"),
                                            exclude=articles_not_answering(intent)))
        results[(language, message)] = Outcome(intent, kb)
    return results


@pytest.mark.parametrize(("expected", "language", "message"), CASES, ids=IDS)
def test_the_user_gets_what_the_kind_needs(outcomes, expected, language, message):
    got = outcomes[(language, message)]
    if expected == SWITCH:
        assert got.intent == "change_language", got
    elif expected == BOT:
        assert got.intent == "bot_challenge", got
    elif expected == DECLINED:
        # Honest "no article": a recognised question (a fallback would ask the user to
        # rephrase instead), and no article card or choice.
        assert got.intent == "ask_question" and got.kb == DECLINED, got
    else:
        # The article's card; after a low-confidence parse the KB answers too.
        assert got.kb == expected, got


def test_the_rows_are_not_training_examples():
    """The rows measure generalisation: none is an NLU, KB or no-article example."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.components.language_detector import words_of
    from kb_index.answer_model import load_no_article_questions
    from kb_index.articles import load_articles

    def key(text: str) -> str:
        return " ".join(words_of(text))

    seen = set()
    for language in LANGUAGES:
        training = load_data(str(PROJECT_ROOT / "data" / "nlu" / language))
        seen |= {key(m.get("text")) for m in training.training_examples}
    seen |= {key(q) for q in load_no_article_questions(PROJECT_ROOT / "data" / "kb_no_article",
                                                       LANGUAGES)}
    for article in load_articles(PROJECT_ROOT / "data" / "kb"):
        seen |= {key(q) for q in [article.title, *article.questions]}
    rows = [row.messages[language] for row in ROWS if not row.control
            for language in LANGUAGES]
    assert [message for message in rows if key(message) in seen] == []
