"""How much the ticket summary saves the agent: its length against the transcript's, and
whether every fact the agent needs is in it.

Reads the tickets of one or more live-agent databases (the tickets the assistant really
handed over: ``var/live_agent.db`` after ``make run``, or the end-to-end tests' databases),
builds each summary with ``bot.live_agent.ticket_summary`` as the console does, and reports
per language of the user:

- transcript words (what the agent would otherwise read: every line of the conversation
  with the assistant) and summary words (headline, what happened, the articles offered);
- the share of the facts found in the summary text: plan, user's language, priority,
  product, the description, the time of the problem, and each article offered with the
  user's vote on it (each fact is counted once per ticket when the ticket has it).

Usage:
    .venv/bin/python bench/ticket_summary.py [DB ...] [--lang en]
    # e.g. the e2e tests' databases:
    .venv/bin/python bench/ticket_summary.py /tmp/pytest-of-$USER/pytest-*/var*/live_agent.db
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def tickets(path: Path) -> Iterator[Dict[str, Any]]:
    """The tickets of one live-agent database, as the summary reads them."""
    from sqlalchemy import create_engine, select

    from bot.live_agent.models import Ticket

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            columns = [Ticket.id, Ticket.plan, Ticket.language, Ticket.agent_language,
                       Ticket.priority, Ticket.created_at, Ticket.report, Ticket.transcript]
            for row in connection.execute(select(*columns)):
                yield dict(row._mapping)
    finally:
        engine.dispose()


def words(text: str) -> int:
    return len(str(text).split())


def measure(ticket: Mapping[str, Any], lang: str) -> Tuple[int, int, int, int]:
    """(transcript words, summary words, facts found, facts expected) for one ticket."""
    from bot.live_agent.ticket_summary import ticket_summary

    summary = ticket_summary(ticket, lang)
    articles = summary["articles"]
    text = " ".join([summary["headline"], summary["what"], summary["reported"],
                     *(f"{a['title']} {a['vote_label']}" for a in articles)])
    report = ticket.get("report") or {}
    expected = [summary["plan"], summary["language"], summary["priority"]]
    if report.get("product"):
        expected.append(summary["product"])
    if report.get("description"):
        expected.append(str(report["description"]))
    if report.get("time"):
        expected.append(summary["when"])
    offered = [entry.get("article") for entry in ticket.get("transcript") or []
               if entry.get("from") == "assistant" and isinstance(entry.get("article"), dict)]
    titles = {str(a.get("title") or "") for a in offered if a.get("title")}
    expected += sorted(titles)
    expected += [a["vote_label"] for a in articles if a["vote"]]
    found = sum(1 for fact in expected if fact and fact in text)
    transcript_words = sum(words(entry.get("text") or "")
                           for entry in ticket.get("transcript") or [])
    return transcript_words, words(text), found, len(expected)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="*", default=[str(ROOT / "var" / "live_agent.db")])
    parser.add_argument("--lang", default="en", help="the agent's language (default en)")
    args = parser.parse_args(argv)
    # Resolved: pytest's "...current" folders are links to the numbered ones.
    paths = sorted({Path(p).resolve() for pattern in args.databases
                    for p in glob.glob(pattern)})
    by_lang: Dict[str, List[Tuple[int, int, int, int]]] = defaultdict(list)
    for path in paths:
        for ticket in tickets(path):
            by_lang[str(ticket["language"])].append(measure(ticket, args.lang))
    if not by_lang:
        print("no tickets found in", [str(p) for p in paths] or args.databases)
        return 1
    print(f"{len(paths)} databases; summaries in {args.lang!r}\n")
    print("| user language | tickets | transcript words (median) | summary words (median) "
          "| summary / transcript | facts in the summary |")
    print("|---|---|---|---|---|---|")
    results = {}
    for lang in sorted(by_lang):
        rows = by_lang[lang]
        transcript = sorted(r[0] for r in rows)
        summary = sorted(r[1] for r in rows)
        found, expected = sum(r[2] for r in rows), sum(r[3] for r in rows)
        ratio = sum(r[1] for r in rows) / max(1, sum(r[0] for r in rows))
        median_t, median_s = transcript[len(rows) // 2], summary[len(rows) // 2]
        results[lang] = {"tickets": len(rows), "transcript_words_median": median_t,
                         "summary_words_median": median_s, "ratio": round(ratio, 3),
                         "facts_found": found, "facts_expected": expected}
        print(f"| {lang} | {len(rows)} | {median_t} | {median_s} | {ratio:.2f} "
              f"| {found}/{expected} ({100 * found / max(1, expected):.0f} %) |")
    out = ROOT / "var" / "bench" / "ticket_summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
