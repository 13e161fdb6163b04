"""What the agent reads first: the report in the agent's language, and a short summary.

Pure functions of a ticket's fields (the structured report and the transcript the
assistant stored, ``bot.handoff.transcript``): no database, no clock. Times are shown in
the user's time zone (``report["timezone"]``, else UTC) as readable dates
(Babel, in the agent's language); codes become names ("webinar" -> "Webinars"), booleans
"Yes"/"No", the "none" request ID "None given".
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any, Dict, List, Mapping, Optional, Sequence, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from bot.live_agent.agent_texts import label, name_of

# The report's keys in the order the agent reads them; others follow as they came.
REPORT_ORDER = ("product", "description", "time", "logs", "request_id", "timezone")
NO_REQUEST_ID = "none"
DATE_PATTERN = "d MMM y, HH:mm"
DATE_PATTERNS = {"nb": "d. MMM y, HH:mm"}  # Norwegian writes the day as an ordinal


class ReportLine(TypedDict):
    """One line of the readable report: ``{"key": "logs", "label": "Logs…", "value": "Yes"}``."""

    key: str
    label: str
    value: str


class OfferedArticle(TypedDict):
    """An article the assistant offered before the handoff, and the user's vote on it."""

    article_id: str
    title: str
    url: str
    vote: Optional[str]  # "up" | "down" | None
    vote_label: str  # "helpful", "not helpful", "no vote" (agent's language; words, no emoji)


class TicketSummary(TypedDict):
    """The summary at the top of a claimed ticket, in the agent's language.

    Keys:
        headline: "Business plan · writes in Russian · answer in English · P2 – high".
        what: "Webinars: the link doesn't work (30 Nov 2026, 15:00)".
        what_language: "in Russian, as the user wrote it (not translated)" when the
            user's language is not the reader's (nothing can translate it here: no
            network, no MT model); "" otherwise.
        reported: when the ticket was handed over, in the user's time zone.
        plan, language, product, when, priority: the same facts one by one.
        articles: the articles offered, with the votes.
    """

    headline: str
    what: str
    what_language: str
    reported: str
    plan: str
    language: str
    product: str
    when: str
    priority: str
    articles: List[OfferedArticle]


def user_zone(report: Mapping[str, Any]) -> tzinfo:
    """The user's time zone from the report (``"timezone"``: IANA name); UTC otherwise."""
    name = report.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.utc


def readable_time(value: Any, zone: tzinfo, lang: str) -> Optional[str]:
    """An ISO 8601 string or a datetime as "30 Nov 2026, 15:00" in ``zone``; else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return format_datetime(value.astimezone(zone), DATE_PATTERNS.get(lang, DATE_PATTERN),
                           tzinfo=zone,
                           locale=lang if lang != "nb" else "nb_NO")


def readable_value(key: str, value: Any, report: Mapping[str, Any], lang: str) -> str:
    """One report value as the agent reads it (never ``true``, ``none`` or raw ISO)."""
    if value is None or value == "" or (key == "request_id" and value == NO_REQUEST_ID):
        return label("none", lang)
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if key == "product":
        return name_of("products", str(value), lang)
    if key == "time":
        return readable_time(value, user_zone(report), lang) or str(value)
    return str(value)


def readable_report(report: Mapping[str, Any], lang: str = "en") -> List[ReportLine]:
    """The structured report, labelled and readable in the agent's language.

    Args:
        report: the ticket's report (``{"product": "webinar", "logs": True, ...}``).
        lang: the agent's language.

    Returns:
        One ``ReportLine`` per key: the known keys in ``REPORT_ORDER``, then the rest.
    """
    keys = [k for k in REPORT_ORDER if k in report] + [k for k in report
                                                       if k not in REPORT_ORDER]
    lines: List[ReportLine] = []
    for key in keys:
        try:
            title = label(key, lang)
        except KeyError:
            title = key.replace("_", " ").capitalize()
        lines.append({"key": key, "label": title,
                      "value": readable_value(key, report[key], report, lang)})
    return lines


def offered_articles(transcript: Sequence[Mapping[str, Any]], lang: str = "en"
                     ) -> List[OfferedArticle]:
    """The articles the assistant offered, each once, with the user's vote after it.

    A vote is the user's 👍/👎 click (``"vote"``, or an old ticket's "/kb_helpful" text)
    after the article and before the next one.
    """
    found: Dict[str, OfferedArticle] = {}
    latest: Optional[str] = None
    for entry in transcript:
        article = entry.get("article")
        if entry.get("from") == "assistant" and isinstance(article, Mapping):
            latest = str(article.get("article_id") or "")
            if latest and latest not in found:
                found[latest] = {"article_id": latest, "title": str(article.get("title") or ""),
                                 "url": str(article.get("url") or ""), "vote": None,
                                 "vote_label": label("vote_none", lang)}
        elif entry.get("from") == "user" and latest in found:
            vote = entry.get("vote") or {"/kb_helpful": "up", "/kb_not_helpful": "down"}.get(
                str(entry.get("payload") or entry.get("text") or ""))
            if vote in ("up", "down"):
                found[str(latest)]["vote"] = str(vote)
                found[str(latest)]["vote_label"] = label(f"vote_{vote}", lang)
                latest = None
    return list(found.values())


def ticket_summary(ticket: Mapping[str, Any], lang: str = "en") -> TicketSummary:
    """The summary at the top of a claimed ticket.

    Args:
        ticket: the ticket's fields: ``plan``, ``language``, ``agent_language``,
            ``priority``, ``created_at`` (datetime), ``report`` (dict) and
            ``transcript`` (list of ``TranscriptEntry`` dicts).
        lang: the agent's language.

    Returns:
        A ``TicketSummary`` in ``lang``, times in the user's time zone.
    """
    report: Mapping[str, Any] = ticket.get("report") or {}
    zone = user_zone(report)
    plan = name_of("plans", str(ticket.get("plan") or ""), lang)
    language = name_of("languages", str(ticket.get("language") or ""), lang)
    answer_language = str(ticket.get("agent_language") or ticket.get("language") or "")
    answer = ("" if answer_language == ticket.get("language") else " · " + label(
        "answer_in", lang, language=name_of("languages", answer_language, lang)))
    priority = name_of("priorities", str(ticket.get("priority") or ""), lang)
    product = readable_value("product", report.get("product"), report, lang)
    when = readable_value("time", report.get("time"), report, lang)
    description = str(report.get("description") or label("none", lang))
    user_language = str(ticket.get("language") or "")
    # The description is the user's own text: say so when the reader's language differs.
    what_language = ("" if not report.get("description") or user_language in ("", lang)
                     else label("as_written", lang, language=language))
    return {
        "headline": label("headline", lang, plan=plan, language=language, answer=answer,
                          priority=priority),
        "what": label("what_when", lang, product=product, description=description,
                      when=when),
        "what_language": what_language,
        "reported": readable_time(ticket.get("created_at"), zone, lang) or "",
        "plan": plan, "language": language, "product": product, "when": when,
        "priority": priority,
        "articles": offered_articles(ticket.get("transcript") or [], lang),
    }
