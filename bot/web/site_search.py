"""The site's search box: the chat's hybrid ranking, with the query vector from the assistant.

The web process never loads the embedding model. It asks Rasa to parse the query
(``POST /model/parse``, behind the ``--auth-token``): the NLU pipeline embeds it with e5
and publishes the vector as ``kb_index.embedding.PARSE_KEY``. ``/model/parse`` runs the
NLU graph on a throw-away in-memory tracker: no conversation is created or stored.

Ranking (``site_hits``), always in the page's language (another language's articles
only through the index's cross-language fallback, shown as the page-language version):

1. the article the chat would answer the same message with (``KBIndex.answer_hits`` and
   ``bot.knowledge.answer.decide``, as ``answer_question``: a clear answer, or the two
   of a "did you mean"), first;
2. then the hybrid search's (BM25F + e5, rank fusion) relevant hits
   (``kb_index.search.relevant_hits``), without repeats; a hit listed on its e5
   similarity alone needs the chat's bar for that, ``ANSWER_MIN_DENSE`` (0.89): off-topic
   questions reach 0.86-0.89, and with the lower listing bar the box listed something
   for 28% of the development questions no article answers (12% at 0.89, lexical 10%).

When Rasa is down, slow (``DEFAULT_TIMEOUT`` seconds) or answers without a usable
vector, the box falls back to the lexical ranking the site always had; the page says
so quietly (``SiteResults.degraded``). After a failure Rasa is not asked again for
``RETRY_AFTER`` seconds, so a hung server costs one timeout, not one per search.

Measured in ``bench/site_search.py`` (see ``bench/README.md``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, TypedDict

import httpx
import numpy as np

from bot.knowledge.answer import decide
from kb_index.embedding import PARSE_KEY, TextEmbedding
from kb_index.search import ANSWER_MIN_DENSE, Hit, KBIndex, SearchConfig, relevant_hits

logger = logging.getLogger(__name__)

# Seconds for each phase of the /model/parse call (httpx: connect, write, read): the
# reply is one small JSON body, so Rasa gets about this long to parse. A warm parse took
# 55-130 ms on the shared 2-core machine; the first one per language loads spaCy/lingua.
DEFAULT_TIMEOUT = 2.0
RETRY_AFTER = 15.0  # seconds without asking Rasa after a failure
VECTOR_CACHE_SIZE = 256  # recent queries whose vector is kept (about 2 KB each)
CANDIDATES = 10  # hits ranked per search; the relevant ones are listed
LEXICAL = SearchConfig(dense=False)

Clock = Callable[[], float]


class ParseRequest(TypedDict):
    """The body of Rasa's ``POST /model/parse``."""

    text: str


class ParseResult(TypedDict, total=False):
    """The part of Rasa's parse result the site reads (it carries more)."""

    text: str
    text_embedding: TextEmbedding  # ``PARSE_KEY``


@dataclass(frozen=True)
class SiteResults:
    """What the search box lists.

    Attributes:
        hits: the listed articles in the page's language, best first (possibly empty).
        degraded: True when the assistant gave no vector and the lexical ranking was
            used; the page may say so quietly.
    """

    hits: Sequence[Hit]
    degraded: bool = False


class RasaVectors:
    """Gets a query's e5 vector from Rasa's ``/model/parse`` (no model in this process).

    Args:
        rasa_url: base URL of a Rasa server, e.g. ``http://127.0.0.1:5005``.
        token: Rasa's ``--auth-token`` (``Settings.rasa_token``).
        timeout: seconds per phase of the call (connect, send, wait for the reply); a
            slower answer counts as a failure.
        retry_after: seconds during which Rasa is not asked again after a failure.
        transport: an ``httpx`` transport (tests pass ``httpx.MockTransport``).
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(self, rasa_url: str, token: str, timeout: float = DEFAULT_TIMEOUT,
                 retry_after: float = RETRY_AFTER,
                 transport: Optional[httpx.BaseTransport] = None,
                 clock: Clock = time.monotonic) -> None:
        self._url = rasa_url.rstrip("/") + "/model/parse"
        self._token = token
        self._timeout = timeout
        self._retry_after = retry_after
        self._transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._cache: OrderedDict[str, TextEmbedding] = OrderedDict()

    def payload(self, text: str) -> Optional[TextEmbedding]:
        """The ``PARSE_KEY`` payload Rasa publishes for ``text``, or None.

        Never raises: Rasa down, slow, refusing the token, answering without a vector
        or with malformed JSON all give None, logged once per ``retry_after``: at INFO,
        but a refused token (a configuration error that would degrade every search) at
        WARNING.
        """
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
            if self._clock() < self._down_until:
                return None
        found = self._ask(text)
        with self._lock:
            if found is None:
                self._down_until = self._clock() + self._retry_after
            else:
                self._cache[text] = found
                while len(self._cache) > VECTOR_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return found

    def _ask(self, text: str) -> Optional[TextEmbedding]:
        body: ParseRequest = {"text": text}
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as client:
                response = client.post(self._url, params={"token": self._token}, json=body)
            response.raise_for_status()
            parsed: Any = response.json()
        except (httpx.HTTPError, ValueError) as error:
            refused = (isinstance(error, httpx.HTTPStatusError)
                       and error.response.status_code in (401, 403))
            logger.log(logging.WARNING if refused else logging.INFO,
                       "site search without the assistant's vector (%s: %s); lexical ranking",
                       type(error).__name__, error)
            return None
        vector = parsed.get(PARSE_KEY) if isinstance(parsed, dict) else None
        if not isinstance(vector, dict):
            logger.info("Rasa's parse result has no %r; lexical ranking", PARSE_KEY)
            return None
        return vector  # type: ignore[return-value]  # checked by KBIndex.query_vector


def site_hits(index: KBIndex, query: str, lang: str, vector: np.ndarray) -> List[Hit]:
    """The search box's listed hits for a query with its e5 vector (see the module doc).

    Args:
        index: a loaded KB index whose ``embed_query`` is None (the web process must not
            embed; with a vector nothing is embedded anyway).
        query: the query as typed (at most ``site.MAX_QUERY_CHARS``).
        lang: the page's language.
        vector: the query's e5 vector, shape (384,) float32 (``KBIndex.query_vector``).

    Returns:
        Up to ``CANDIDATES`` hits in ``lang``, best first; empty when nothing is relevant.

    Raises:
        ValueError: ``lang`` has no articles in the index.
    """
    hybrid = relevant_hits(index.search(query, lang, k=CANDIDATES, query_vector=vector),
                           min_dense=ANSWER_MIN_DENSE)
    answers = index.answer_hits(query, lang, k=5, query_vector=vector)
    decision = decide(answers, index.answerable(answers))
    first = [hit for hit in decision.hits if hit.lang == lang]
    shown = {hit.id for hit in first}
    return [*first, *(hit for hit in hybrid if hit.id not in shown)][:CANDIDATES]


def lexical_hits(index: KBIndex, query: str, lang: str) -> List[Hit]:
    """The lexical-only listing the site had before (BM25F, ``relevant_hits``)."""
    return relevant_hits(index.search(query, lang, k=CANDIDATES, config=LEXICAL))


class SiteSearch:
    """The search box: ``(query, lang)`` to ``SiteResults``.

    Args:
        index: returns the loaded KB index (``composition.site_kb_index``); may raise
            ``FileNotFoundError`` when none is built.
        vectors: returns the assistant's ``PARSE_KEY`` payload for a text, or None
            (``RasaVectors.payload``).
    """

    def __init__(self, index: Callable[[], KBIndex],
                 vectors: Callable[[str], Optional[TextEmbedding]]) -> None:
        self._index = index
        self._vectors = vectors

    def __call__(self, query: str, lang: str) -> SiteResults:
        """Ranks ``query`` on the ``lang`` page.

        Raises:
            FileNotFoundError: no KB index is built.
            ValueError: ``lang`` has no articles in the index.
        """
        index = self._index()
        if not query.strip():
            return SiteResults(())
        vector = index.query_vector(self._vectors(query))
        if vector is None:
            return SiteResults(lexical_hits(index, query, lang), degraded=True)
        return SiteResults(site_hits(index, query, lang, vector))


def rasa_site_search(rasa_url: str, token: str, index: Callable[[], KBIndex],
                     timeout: float = DEFAULT_TIMEOUT) -> SiteSearch:
    """The product's search box: vectors from the Rasa server at ``rasa_url``."""
    return SiteSearch(index, RasaVectors(rasa_url, token, timeout).payload)

