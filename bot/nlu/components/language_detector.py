"""Per-message language identification for ru, nb, fr, it and en.

Writes ``message["language"]`` (also into the parse result), a
``bot.language.LanguageDetection``::

    {"language": "fr", "confidence": 0.97, "reliable": True,
     "source": "detected", "requested": None}

- ``language`` is this message's best guess. For ambiguous messages it honours the
  locale hint the widget sends in the message metadata.
- ``reliable`` means strong evidence, the only kind that switches a conversation: after
  removing product terms (``data/glossary.yml``, in every language), URLs, e-mail
  addresses and error codes, at least two words remain, lingua is confident, and the
  function words ("je", "не", "the", "og"...) belong to the same language. "Breakout
  rooms", "il mio screen sharing non va" minus its feature name, a name, a URL, an emoji
  or "ok" are not reliable; "у меня не работает breakout rooms" is reliable Russian.
- ``requested`` names a language the user asks for ("answer in French").
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import SUPPORTED_LANGUAGES
from bot.nlu.conversation_language import DetectionSource, LanguageDetection, locale_to_language
from kb_index.glossary import Glossary, load_glossary

logger = logging.getLogger(__name__)

LANGUAGE = "language"
LANGUAGE_NAMES_FILE = Path(__file__).with_name("language_names.yml")
SHORT_MESSAGE_LEXICON_FILE = "short_messages.json"
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
# Not words of any language: links, addresses, and tokens with a digit or an underscore
# (error codes, meeting IDs, "ERR_CONNECTION_REFUSED", "0x80070005", "E-1132").
NOT_LANGUAGE = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|\S*[\d_]\S*", re.UNICODE | re.IGNORECASE)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[a-zA-Z\u00C0-\u024F]")
# Languages that are the only supported one written in their script.
SCRIPT_LANGUAGES = {"ru": CYRILLIC}
# Function words: closed-class words (pronouns, articles, prepositions, conjunctions,
# auxiliaries, negation, question words) that every real sentence has and no product
# name does. Elided forms appear without their apostrophe: "n'arrive" counts "n", "can't"
# counts "t". A word shared by languages ("a", "i", "in") counts for each of them.
FUNCTION_WORDS: Dict[str, frozenset] = {
    "ru": frozenset("""
        и в во не ни на я мне меня мной мой моя моё мое мои моего ты тебе тебя вы вас вам
        ваш ваша ваше ваши он она оно они его её ее их им ему ей мы нас нам наш наша это
        этот эта эти то та те так же ли бы уже ещё еще или а но да нет что чтобы как где
        когда почему зачем куда откуда кто чем чего какой какая какие который которая у к ко
        по из за от о об обо для при до после через без над под между про с со тоже только
        всё все вот там тут здесь сейчас можно нельзя надо нужно есть был была было были будет
        себя свой своя своё свои""".split()),
    "nb": frozenset("""
        og i jeg meg min mitt mine du deg din ditt dine han hun ham henne den det de dem vi oss
        vår vårt våre dere deres seg sin sitt sine en ei et er var har hadde blir ble være
        ikke ikkje på pa til fra for med av om som at men eller så hvis når hvor hvordan hva
        hvorfor hvem hvilken hvilke kan kunne skal skulle vil ville må får fikk noen noe
        ingen dette disse her der også bare etter uten mot hos enn""".split()),
    "fr": frozenset("""
        je j me m moi tu te t toi il elle on nous vous ils elles le la les l un une des du de d
        au aux et ou où mais donc car ni ne n pas plus jamais rien que qu qui quoi dont dans sur
        pour par avec sans sous chez vers entre ce cet cette ces c ça ca mon ma mes ton ta tes
        son sa ses notre nos votre vos leur leurs lui y en est suis es sommes êtes sont ai as
        avons avez ont peux peut pouvez pouvons comment pourquoi quand combien quel quelle
        quels quelles à a""".split()),
    "it": frozenset("""
        io mi me tu ti te lui lei si ci noi vi voi loro il lo la i gli le l un uno una di del
        dello della dei degli delle dell a al allo alla ai agli alle all da dal dallo dalla
        dai dagli dalle dall in nel nello nella nei negli nelle nell con su sul sullo sulla
        sui sugli sulle sull per tra fra e ed o ma non né che chi cosa come perché perche
        quando dove quanto quale quali mio mia miei mie tuo tua tuoi tue suo sua suoi sue
        nostro nostra vostro vostra questo questa questi queste quello quella è sono sei
        siamo siete ho hai ha abbiamo avete hanno posso puoi può possiamo potete anche più
        già ancora c d""".split()),
    "en": frozenset("""
        i me my mine myself you your yours he him his she her it its we us our they them
        their the a an and or but not no nor to of in on at by for with from into onto about
        as is am are was were be been being do does did done have has had can could will
        would should shall may might must this that these those there here what which who
        whom whose how why when where if then than so t s m re ve ll d don doesn didn isn
        aren wasn weren won cannot""".split()),
}


def words_of(text: str) -> List[str]:
    """Returns the lower-cased words of a text, without digits or punctuation."""
    return WORD_PATTERN.findall(text.lower())


class LanguageNameMatcher:
    """Finds which supported language a message names ("по-французски", "in English")."""

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        alternatives = []
        self._language_of: Dict[str, str] = {}
        for code, forms in names.items():
            for form in forms:
                key = " ".join(words_of(form))
                if key:
                    self._language_of[key] = code
                    alternatives.append(key)
        # Longest first so that "на французском" wins over a shorter overlap.
        alternatives.sort(key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alternatives)
        self._pattern = re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.UNICODE)

    @classmethod
    def from_file(cls, path: Path = LANGUAGE_NAMES_FILE) -> LanguageNameMatcher:
        """Loads the name forms from a YAML mapping of language code to phrases."""
        by_language: Dict[str, List[str]] = defaultdict(list)
        for forms in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for code, phrases in forms.items():
                by_language[code].extend(phrases)
        return cls(by_language)

    def named_language(self, text: str) -> str | None:
        """Returns the language named last in the text, or None."""
        normalised = " ".join(words_of(text))
        matches = list(self._pattern.finditer(normalised))
        if not matches:
            return None
        return self._language_of[re.sub(r"\s+", " ", matches[-1].group(0))]


@dataclass(frozen=True)
class Evidence:
    """What is left of a message to judge its language by.

    Attributes:
        words: lower-cased words without product terms, links or codes.
        function_words: language code -> how many of ``words`` are its function words.
        concepts: glossary concept ids found (and removed), in order.
    """

    words: Tuple[str, ...]
    function_words: Mapping[str, int]
    concepts: Tuple[str, ...]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class LanguageDetector(GraphComponent):
    """Detects each message's language with lingua, restricted to five languages."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Returns the component's default config."""
        return {
            "languages": list(SUPPORTED_LANGUAGES),
            # Messages with fewer words than this (product terms, links and codes
            # removed) never count as reliable.
            "min_words": 2,
            # Minimum lingua confidence for a reliable detection...
            "min_confidence": 0.7,
            # ...or this much when at least two function words of the language outnumber
            # every other language's ("il mio non va": lingua unsure, grammar clear).
            "min_confidence_with_grammar": 0.4,
            # A sentence in a script only one supported language uses (Cyrillic) needs
            # this many words instead of function words; a two-word name does not switch.
            "min_words_by_script": 3,
            # An unreliable message this clear may still set a conversation's first
            # language when no page locale came with it ("merci beaucoup", "tusen takk").
            "clear_confidence": 0.9,
            # Message metadata key carrying the page locale, e.g. "fr-FR".
            "locale_hint_key": "locale",
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        short_messages: Dict[str, str] | None = None,
    ) -> None:
        """Creates the detector; lingua's models load on first use."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._short_messages: Dict[str, str] = short_messages or {}
        self._names = LanguageNameMatcher.from_file()
        self._glossary: Glossary = load_glossary()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates an untrained detector (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Loads the detector with its learned short-message lexicon."""
        short_messages: Dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / SHORT_MESSAGE_LEXICON_FILE
                short_messages = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.debug("No short-message lexicon stored; using lingua alone.")
        return cls(config, model_storage, resource, short_messages)

    @cached_property
    def _lingua(self) -> Any:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
            for code in self._config["languages"]
        ]
        return (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_preloaded_language_models()
            .build()
        )

    def train(self, training_data: TrainingData) -> Resource:
        """Learns which short messages ("hei", "merci") belong to one language only.

        Training examples carry their language in the intent metadata
        (``metadata: {language: nb}``); a one- or two-word text seen in exactly one
        language becomes a hint for first messages, never a reliable detection.
        """
        seen: Dict[str, Counter] = defaultdict(Counter)
        for example in training_data.training_examples:
            language = self._training_language(example)
            text = example.get(TEXT)
            if not language or not text:
                continue
            key = " ".join(words_of(text))
            if key and len(key.split()) <= 2:
                seen[key][language] += 1
        lexicon = {key: next(iter(c)) for key, c in seen.items() if len(c) == 1}
        self._short_messages = lexicon
        with self._model_storage.write_to(self._resource) as directory:
            (directory / SHORT_MESSAGE_LEXICON_FILE).write_text(
                json.dumps(lexicon, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sets each example's language, from its metadata when it has one."""
        for example in training_data.training_examples:
            if not example.get(TEXT):
                continue
            known = self._training_language(example)
            if known:
                detection = self._result(known, 1.0, True, "metadata", None)
            else:
                detection = self.detect(example.get(TEXT))
            example.set(LANGUAGE, detection)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the language detection to every message that has text."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            metadata = message.get(METADATA) or {}
            hint = metadata.get(self._config["locale_hint_key"]) if isinstance(
                metadata, dict
            ) else None
            message.set(LANGUAGE, self.detect(text, hint), add_to_output=True)
        return messages

    def detect(self, text: str, locale_hint: Any = None) -> LanguageDetection:
        """Describes one text's language.

        Args:
            text: the user's message.
            locale_hint: the page locale the client sent, if any (e.g. ``"fr-FR"``).

        Returns:
            The detection described in the module docstring. When the message is not
            reliable, ``language`` is, in order: the locale hint, the short-message
            lexicon, a clear detection ("merci beaucoup"), Cyrillic script, and
            lingua's guess (``source="guess"``, which never picks a first language).
        """
        hint = locale_to_language(locale_hint)
        requested = self._names.named_language(text)
        words = words_of(text)
        if not words:
            return self._result(hint or None, 0.0, False, "hint" if hint else "none", None)

        evidence = self.evidence(text)
        measured = " ".join(evidence.words) if evidence.words else text
        best, confidence = self._lingua_best(measured)
        reliable = bool(evidence.words) and self._is_reliable(best, confidence, evidence)
        if not reliable and evidence.words and evidence.words != tuple(words):
            # Removing terms can leave lingua too little ("I can't share my screen in a
            # meeting" -> "I can't in a"); the whole message still counts if lingua and
            # the function words agree on it.
            whole, whole_confidence = self._lingua_best(text)
            if self._is_reliable(whole, whole_confidence, evidence):
                best, confidence, reliable = whole, whole_confidence, True
        if reliable:
            return self._result(best, confidence, True, "detected", requested)
        if hint:
            return self._result(hint, confidence, False, "hint", requested)
        if evidence.words:
            # Only glossary terms: a short-message entry or lingua would name the
            # language the term happens to look like, which is no evidence.
            lexicon_language = self._short_messages.get(" ".join(words))
            if lexicon_language:
                return self._result(lexicon_language, confidence, False, "lexicon",
                                    requested)
            if confidence >= self._config["clear_confidence"]:
                return self._result(best, confidence, False, "detected", requested)
        if CYRILLIC.search(text) and not LATIN.search(text):
            return self._result("ru", confidence, False, "script", requested)
        return self._result(best, confidence, False, "guess", requested)

    def evidence(self, text: str) -> Evidence:
        """The words of a message that say something about its language.

        Removes URLs, e-mail addresses, error codes and every glossary term (in any of
        the five languages), then counts each language's function words.
        """
        cleaned = NOT_LANGUAGE.sub(" ", text)
        cleaned, concepts = self._glossary.strip(cleaned)
        words = tuple(words_of(cleaned))
        counts = {lang: 0 for lang in self._config["languages"]}
        for word in words:
            for part in re.split(r"[-'’]", word):
                for lang in counts:
                    if part in FUNCTION_WORDS.get(lang, ()):
                        counts[lang] += 1
        return Evidence(words=words, function_words=counts, concepts=tuple(concepts))

    def _is_reliable(self, language: str, confidence: float, evidence: Evidence) -> bool:
        if len(evidence.words) < self._config["min_words"]:
            return False
        if (language in SCRIPT_LANGUAGES
                and len(evidence.words) >= self._config["min_words_by_script"]
                and confidence >= self._config["min_confidence"]
                and all(SCRIPT_LANGUAGES[language].search(w) and not LATIN.search(w)
                        for w in evidence.words)):
            # The only supported language in its script: a sentence needs no function
            # word ("Результат оказался ошеломляющим"), only enough words to be one.
            return True
        own = evidence.function_words.get(language, 0)
        others = max((n for lang, n in evidence.function_words.items() if lang != language),
                     default=0)
        if own < 1 or own < others:
            return False
        if confidence >= self._config["min_confidence"]:
            return True
        return (own >= 2 and own > others
                and confidence >= self._config["min_confidence_with_grammar"])

    def _lingua_best(self, text: str) -> tuple[str, float]:
        values = self._lingua.compute_language_confidence_values(text)
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)

    @staticmethod
    def _training_language(example: Message) -> str | None:
        metadata = example.get(METADATA) or {}
        intent_metadata = metadata.get(METADATA_INTENT) if isinstance(metadata, dict) else None
        language = (intent_metadata or {}).get(LANGUAGE)
        return language if language in SUPPORTED_LANGUAGES else None

    @staticmethod
    def _result(
        language: str | None,
        confidence: float,
        reliable: bool,
        source: DetectionSource,
        requested: str | None,
    ) -> LanguageDetection:
        return {
            "language": language,
            "confidence": round(confidence, 4),
            "reliable": reliable,
            "source": source,
            "requested": requested,
        }
