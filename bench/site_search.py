"""Site search quality: the help center's search box against the chat, per language.

On the KB development questions (``data/kb_eval/<lang>.tsv``: question<TAB>expected id,
``-`` = no article answers it), per language:

- ``site hybrid``: the search box as shipped (``bot.web.site_search.site_hits``): the
  chat's answer first, then the hybrid search's relevant hits, on an index that never
  embeds (as in the web process), with the query's e5 vector;
- ``site RRF``: the alternative ordering, the hybrid search's relevant hits alone
  (``relevant_hits(KBIndex.search(...))``, the same dense listing bar,
  ``ANSWER_MIN_DENSE``);
- ``site lexical``: the old search box, BM25F only (also what the box falls back to
  when Rasa is down);
- ``chat``: the assistant's answer decision (``bot.knowledge.answer.answer_question``):
  hit@1 = a clear answer with the expected article; hit@3 = the expected article among
  what the chat offers (the clear answer, or the two buttons of "did you mean").

Site hit@k counts what the page lists (after ``relevant_hits``): an empty list is a miss.
``declined`` is the share of questions without an article for which the page lists
nothing (the chat: gives no answer and no choice).

The query vectors are computed here with e5 (``kb_index.embedding.e5_queries``), as the
NLU pipeline computes the vector it publishes; the product's web process gets it from
Rasa's ``/model/parse`` instead. Intent routing is not part of this measure: every
question goes to the KB, as a search box query does.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/site_search.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.kb_eval import load_current_index, load_eval  # noqa: E402
from bot.knowledge.answer import answer_question  # noqa: E402
from bot.web.site_search import CANDIDATES, lexical_hits, site_hits  # noqa: E402
from kb_index.articles import LANGUAGES  # noqa: E402
from kb_index.embedding import e5_model_id, e5_queries, pack  # noqa: E402
from kb_index.search import ANSWER_MIN_DENSE, KBIndex, relevant_hits  # noqa: E402

DEFAULT_OUT = ROOT / "var" / "bench" / "site_search.json"
# A system: (question, lang, vector) -> the article ids it shows, best first.
System = Callable[[str, str, np.ndarray], List[str]]
Rows = List[Tuple[str, Optional[str]]]


def systems(index: KBIndex, chat_index: KBIndex) -> Dict[str, System]:
    """The compared rankings; ``index`` never embeds, ``chat_index`` is the action server's."""
    def chat(question: str, lang: str, vector: np.ndarray) -> List[str]:
        decision = answer_question(chat_index, question, lang, pack(vector, e5_model_id()))
        return [hit.id for hit in decision.hits]

    return {
        "site hybrid": lambda q, lang, v: [h.id for h in site_hits(index, q, lang, v)],
        "site RRF": lambda q, lang, v: [h.id for h in relevant_hits(
            index.search(q, lang, k=CANDIDATES, query_vector=v), min_dense=ANSWER_MIN_DENSE)],
        "site lexical": lambda q, lang, v: [h.id for h in lexical_hits(index, q, lang)],
        "chat": chat,
    }


def score(system: System, rows: Rows, lang: str, vectors: Dict[str, np.ndarray],
          chat: bool) -> Dict[str, float]:
    """hit@1, hit@3 (answerable questions) and declined (unanswerable ones), 0-1."""
    hit1 = hit3 = declined = 0
    answerable = [(q, e) for q, e in rows if e]
    unanswerable = [q for q, e in rows if e is None]
    for question, expected in answerable:
        shown = system(question, lang, vectors[question])
        # The chat answers only a clear decision; a choice of two is not a hit@1.
        first = shown[:1] if not chat or len(shown) == 1 else []
        hit1 += first == [expected]
        hit3 += expected in shown[:3]
    for question in unanswerable:
        declined += not system(question, lang, vectors[question])
    return {"n": len(answerable), "hit@1": hit1 / max(1, len(answerable)),
            "hit@3": hit3 / max(1, len(answerable)), "n_none": len(unanswerable),
            "declined": declined / max(1, len(unanswerable))}


def table(results: Dict[str, Dict[str, Dict[str, float]]], names: Sequence[str]) -> str:
    """A markdown table: per language, hit@1 / hit@3 (%) of each system, and declined."""
    head = "| lang | n | " + " | ".join(f"{n} hit@1 / hit@3" for n in names) + " | " + \
        " | ".join(f"{n} declined" for n in names) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(names))]
    for lang in [*LANGUAGES, "all"]:
        first = results[names[0]][lang]
        cells = [f"{100 * results[n][lang]['hit@1']:.1f} / {100 * results[n][lang]['hit@3']:.1f}"
                 for n in names]
        declined = [f"{100 * results[n][lang]['declined']:.0f}%" for n in names]
        lines.append(f"| {lang} | {first['n']:.0f} (+{first['n_none']:.0f} none) | "
                     + " | ".join(cells) + " | " + " | ".join(declined) + " |")
    return "\n".join(lines)


def pooled(per_lang: Dict[str, Dict[str, float]]) -> Dict[str, float]:
    """All languages together, weighted by question counts."""
    n = sum(m["n"] for m in per_lang.values())
    n_none = sum(m["n_none"] for m in per_lang.values())
    return {"n": n, "n_none": n_none,
            "hit@1": sum(m["hit@1"] * m["n"] for m in per_lang.values()) / max(1, n),
            "hit@3": sum(m["hit@3"] * m["n"] for m in per_lang.values()) / max(1, n),
            "declined": sum(m["declined"] * m["n_none"] for m in per_lang.values())
            / max(1, n_none)}


def main() -> int:
    """Runs every system on every language, prints the table, writes ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    chat_index = load_current_index()  # embeds by itself when it must, as actions do
    site_index = KBIndex(index=chat_index.index, vectors=chat_index.vectors,
                         embed_query=None, answer_model=chat_index.answer_model)
    evals = {lang: load_eval(lang) for lang in LANGUAGES}
    texts = sorted({q for rows in evals.values() for q, _ in rows})
    started = time.perf_counter()
    vectors = dict(zip(texts, e5_queries(texts), strict=True))
    print(f"embedded {len(texts)} questions in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)

    compared = systems(site_index, chat_index)
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    for name, system in compared.items():
        started = time.perf_counter()
        results[name] = {lang: score(system, evals[lang], lang, vectors, name == "chat")
                         for lang in LANGUAGES}
        results[name]["all"] = pooled(results[name])
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(table(results, list(compared)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
