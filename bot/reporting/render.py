"""Text tables and one long CSV of both sides' figures (``python -m bot report``).

The assistant's side comes as ``AssistantReport``; the humans' side as the JSON the
live-agent service answers on ``GET /api/reports/tickets`` (``TicketReport.dict()``),
read here as plain mappings so this hop never imports the live-agent service.

The CSV has one figure per line: ``figure,day,language,plan,dimension,value`` (a
dimension is a priority, a rating, an article, an agent id or a topic; ``day`` is an ISO
date, or an ISO hour for ``queue_open``).
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, List, Mapping, Sequence, Tuple

from bot.reporting.figures import AssistantReport

Table = Tuple[str, Sequence[str], List[Sequence[Any]]]
CSV_COLUMNS = ("figure", "day", "language", "plan", "dimension", "value")
PRIORITIES = ("P1", "P2", "P3", "P4")
RATINGS = ("1", "2", "3", "4", "5")


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def assistant_tables(report: AssistantReport) -> List[Table]:
    """The assistant's figures as (title, columns, rows) tables."""
    days = [(r["day"], r["lang"], r["plan"], r["conversations"],
             _percent(r["containment_rate"]), _percent(r["handoff_rate"]),
             _percent(r["kb_answer_rate"]), _percent(r["fallback_rate"]))
            for r in report["days"]]
    votes = [(r["day"], r["lang"], r["plan"], r["article_id"], r["helpful"], r["not_helpful"])
             for r in report["votes"]]
    topics = [(r["lang"], r["rank"], r["topic"], r["messages"], r["conversations"])
              for r in report["topics"]]
    return [
        ("Assistant: conversations", ("day", "lang", "plan", "conversations", "contained",
                                      "handoff", "KB answer", "fallback"), list(days)),
        ("Assistant: votes per article", ("day", "lang", "plan", "article", "👍", "👎"),
         list(votes)),
        ("Assistant: unanswered topics", ("lang", "rank", "topic", "messages",
                                          "conversations"), list(topics)),
    ]


def ticket_tables(report: Mapping[str, Any]) -> List[Table]:
    """The humans' figures (the live-agent JSON) as tables."""
    first: List[Sequence[Any]] = []
    resolution: List[Sequence[Any]] = []
    csat: List[Sequence[Any]] = []
    agents: List[Sequence[Any]] = []
    queue: List[Sequence[Any]] = []
    for row in report.get("days", []):
        key = (row["day"], row["language"], row["plan"])
        for priority in PRIORITIES:
            counts = row["first_response"].get(priority) or {}
            if any(counts.values()):
                first.append((*key, priority, counts["met"], counts["breached"],
                              counts["pending"]))
        premier = row["resolution_premier"]
        hours = row["resolution_hours_premier"]
        if any(premier.values()):
            resolution.append((*key, premier["met"], premier["breached"],
                               premier["pending"], row["resolved_premier"],
                               "" if hours is None else hours))
        csat.append((*key, *[row["csat"].get(r, 0) for r in RATINGS], row["rated"]))
    for row in report.get("agents", []):
        agents.append((row["day"], row["agent_id"], row["claimed"], row["resolved"]))
    for point in report.get("queue", []):
        queue.append((point["at"], point["open"]))
    return [
        ("Humans: first response", ("day", "lang", "plan", "priority", "met", "breached",
                                    "pending"), first),
        ("Humans: Premier resolution", ("day", "lang", "plan", "met", "breached", "pending",
                                        "resolved", "mean h"), resolution),
        ("Humans: CSAT", ("day", "lang", "plan", *RATINGS, "rated"), csat),
        ("Humans: agents' load", ("day", "agent", "claimed", "resolved"), agents),
        ("Humans: queue length (open tickets, hourly)", ("at", "open"), queue),
    ]


def text_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A titled, column-aligned plain-text table ("(none)" without rows)."""
    body = [[str(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(columns)]
    lines = [title, "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body]
    if not body:
        lines.append("(none)")
    return "\n".join(lines)


def csv_rows(assistant: AssistantReport, tickets: Mapping[str, Any]) -> List[Tuple[Any, ...]]:
    """Every figure of both sides as ``CSV_COLUMNS`` rows."""
    rows: List[Tuple[Any, ...]] = []
    for r in assistant["days"]:
        key = (r["day"], r["lang"], r["plan"])
        for figure in ("conversations", "contained", "handoffs", "kb_answered", "fallback",
                       "user_messages", "containment_rate", "handoff_rate",
                       "kb_answer_rate", "fallback_rate"):
            rows.append((figure, *key, "", r[figure]))
    for v in assistant["votes"]:
        key = (v["day"], v["lang"], v["plan"])
        rows.append(("article_helpful", *key, v["article_id"], v["helpful"]))
        rows.append(("article_not_helpful", *key, v["article_id"], v["not_helpful"]))
    for t in assistant["topics"]:
        rows.append(("unanswered_topic_messages", "", t["lang"], "", t["topic"],
                     t["messages"]))
    for d in tickets.get("days", []):
        key = (d["day"], d["language"], d["plan"])
        rows.append(("tickets", *key, "", d["tickets"]))
        for priority, counts in sorted(d["first_response"].items()):
            for verdict in ("met", "breached", "pending"):
                rows.append((f"first_response_{verdict}", *key, priority, counts[verdict]))
        for verdict in ("met", "breached", "pending"):
            rows.append((f"premier_resolution_{verdict}", *key, "",
                         d["resolution_premier"][verdict]))
        if d["resolution_hours_premier"] is not None:
            rows.append(("premier_resolution_hours_mean", *key, "",
                         d["resolution_hours_premier"]))
        for rating in RATINGS:
            rows.append(("csat", *key, rating, d["csat"].get(rating, 0)))
    for a in tickets.get("agents", []):
        rows.append(("agent_claimed", a["day"], "", "", a["agent_id"], a["claimed"]))
        rows.append(("agent_resolved", a["day"], "", "", a["agent_id"], a["resolved"]))
    for q in tickets.get("queue", []):
        rows.append(("queue_open", q["at"], "", "", "", q["open"]))
    return rows


def as_csv(assistant: AssistantReport, tickets: Mapping[str, Any]) -> str:
    """Both sides as one CSV (header ``CSV_COLUMNS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(assistant, tickets))
    return out.getvalue()


def as_text(assistant: AssistantReport, tickets: Mapping[str, Any]) -> str:
    """Both sides as text tables, one per figure."""
    tables = assistant_tables(assistant) + ticket_tables(tickets)
    return "\n\n".join(text_table(*table) for table in tables) + "\n"
