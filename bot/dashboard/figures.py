"""What the dashboard draws, from both sides' reports and the manager's filters (pure).

The assistant's side is an ``AssistantReport`` (``bot.reporting.figures``); the humans'
side is the JSON of the live-agent service's ``GET /api/reports/tickets`` (read as plain
mappings: this package never imports the live-agent service). Filters by language and
plan apply to every figure kept per language and plan; the queue and the agents' load
are kept per hour and per agent only, so they always cover every language and plan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from pydantic import BaseModel

from bot import SUPPORTED_LANGUAGES
from bot.escalation.priority import FIRST_RESPONSE_HOURS, PRIORITIES, RESOLUTION_HOURS
from bot.reporting.figures import AssistantReport, rate

ALL = "all"
# The plan filter's choices, every one whether it has data or not: "guest" (not signed
# in), the accounts' plans (``bot.accounts.store.PLANS``, the table's CHECK constraint;
# a unit test keeps the two equal) and "unknown" (a user id without an account).
PLAN_FILTER = ("guest", "basic", "pro", "business", "education", "enterprise", "api",
               "unknown")
RATINGS = ("1", "2", "3", "4", "5")
# (article id, language) -> the article's title in that language, None if unknown.
Titles = Callable[[str, str], Optional[str]]


class Cards(BaseModel):
    """The assistant's work over the whole period and filter (rates 0.0-1.0)."""

    conversations: int
    contained: int
    handoffs: int
    kb_answered: int
    fallback: int
    containment_rate: float
    handoff_rate: float
    kb_answer_rate: float
    fallback_rate: float


class LanguageDay(BaseModel):
    """The assistant's rates for one language on one UTC day (all plans of the filter)."""

    lang: str
    day: str
    conversations: int
    containment_rate: float
    handoff_rate: float
    kb_answer_rate: float
    fallback_rate: float


class ArticleVotes(BaseModel):
    """👍/👎 on one article over the period (languages and plans of the filter)."""

    article_id: str
    title: str
    helpful: int
    not_helpful: int


class Topic(BaseModel):
    """An unanswered topic (masked by the engine; asked in at least two conversations)."""

    lang: str
    rank: int
    topic: str
    messages: int
    conversations: int


class FirstResponse(BaseModel):
    """First responses of one priority against its target."""

    priority: str
    target_hours: int
    met: int
    breached: int
    pending: int


class Resolution(BaseModel):
    """Premier and Premier+ tickets' resolution against their targets."""

    target_hours: Dict[str, int]  # priority -> hours (P1, P2)
    met: int
    breached: int
    pending: int
    resolved: int
    mean_hours: Optional[float]


class QueuePoint(BaseModel):
    """Open tickets at the end of one UTC hour (every language and plan)."""

    at: str
    open: int


class AgentLoad(BaseModel):
    """One agent's (staff id) claims and resolutions over the period."""

    agent_id: str
    claimed: int
    resolved: int


class Rating(BaseModel):
    """Tickets rated ``rating`` (1-5)."""

    rating: int
    tickets: int


class DashboardFigures(BaseModel):
    """Everything ``/dashboard`` shows for ``[since, until)`` and one filter."""

    since: str
    until: str
    period_days: int
    lang: str  # "all" or a language
    plan: str  # "all" or a plan
    languages: List[str]
    plans: List[str]  # the filter's plans: every known one, "unknown" once seen
    day_list: List[str]  # every UTC day of the period
    cards: Cards
    by_language_day: List[LanguageDay]
    articles: List[ArticleVotes]
    topics: List[Topic]
    tickets: int
    first_response: List[FirstResponse]
    resolution: Resolution
    queue: List[QueuePoint]
    queue_now: Optional[int]  # tickets open right now; None without the humans' report
    agents: List[AgentLoad]
    csat: List[Rating]
    rated: int
    csat_mean: Optional[float]
    humans_available: bool


def _keep(lang: str, plan: str, row_lang: str, row_plan: str) -> bool:
    return lang in (ALL, row_lang) and plan in (ALL, row_plan)


def _cards(rows: Sequence[Mapping[str, Any]]) -> Cards:
    total = sum(r["conversations"] for r in rows)
    handoffs = sum(r["handoffs"] for r in rows)
    kb = sum(r["kb_answered"] for r in rows)
    fallback = sum(r["fallback"] for r in rows)
    return Cards(conversations=total, contained=total - handoffs, handoffs=handoffs,
                 kb_answered=kb, fallback=fallback,
                 containment_rate=rate(total - handoffs, total),
                 handoff_rate=rate(handoffs, total), kb_answer_rate=rate(kb, total),
                 fallback_rate=rate(fallback, total))


def _by_language_day(rows: Sequence[Mapping[str, Any]]) -> List[LanguageDay]:
    groups: Dict[Tuple[str, str], List[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["lang"], row["day"])].append(row)
    out = []
    for (lang, day), group in sorted(groups.items()):
        cards = _cards(group)
        out.append(LanguageDay(lang=lang, day=day, conversations=cards.conversations,
                               containment_rate=cards.containment_rate,
                               handoff_rate=cards.handoff_rate,
                               kb_answer_rate=cards.kb_answer_rate,
                               fallback_rate=cards.fallback_rate))
    return out


def _articles(votes: Sequence[Mapping[str, Any]], lang: str, titles: Titles
              ) -> List[ArticleVotes]:
    counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    seen_in: Dict[str, str] = {}
    for vote in votes:
        counts[vote["article_id"]][0] += vote["helpful"]
        counts[vote["article_id"]][1] += vote["not_helpful"]
        seen_in.setdefault(vote["article_id"], vote["lang"])
    out = []
    for article, (up, down) in counts.items():
        title = None
        for language in (lang, "en", seen_in[article]):
            if language != ALL and title is None:
                title = titles(article, language)
        out.append(ArticleVotes(article_id=article, title=title or article, helpful=up,
                                not_helpful=down))
    # The articles people found least helpful first.
    return sorted(out, key=lambda a: (-a.not_helpful, -a.helpful, a.article_id))


def _add(total: Dict[str, int], counts: Mapping[str, Any]) -> None:
    for verdict in ("met", "breached", "pending"):
        total[verdict] += int(counts.get(verdict, 0))


def dashboard_figures(assistant: AssistantReport, tickets: Optional[Mapping[str, Any]],
                      period_days: int, titles: Titles, lang: str = ALL,
                      plan: str = ALL) -> DashboardFigures:
    """The dashboard's figures.

    Args:
        assistant: the assistant's report for the period (every language and plan).
        tickets: the live-agent service's ticket report for the same period; None when
            the service could not be asked (the humans' figures are then empty).
        period_days: the period's length in days.
        titles: the KB articles' titles.
        lang: "all" or one language.
        plan: "all" or one plan.
    """
    humans: Mapping[str, Any] = tickets or {}
    seen = ({r["plan"] for r in assistant["days"]} | {r["plan"] for r in assistant["votes"]}
            | {r["plan"] for r in humans.get("days", [])})
    plans = ([p for p in PLAN_FILTER if p != "unknown"] + sorted(seen - set(PLAN_FILTER))
             + (["unknown"] if "unknown" in seen else []))
    days = [r for r in assistant["days"] if _keep(lang, plan, r["lang"], r["plan"])]
    votes = [v for v in assistant["votes"] if _keep(lang, plan, v["lang"], v["plan"])]
    topics = [Topic(**t) for t in assistant["topics"] if lang in (ALL, t["lang"])]
    ticket_days = [d for d in humans.get("days", [])
                   if _keep(lang, plan, d["language"], d["plan"])]
    first = {p: {"met": 0, "breached": 0, "pending": 0} for p in PRIORITIES}
    premier = {"met": 0, "breached": 0, "pending": 0}
    csat = {r: 0 for r in RATINGS}
    resolved = 0
    hours_total = 0.0
    for day in ticket_days:
        for priority, counts in day["first_response"].items():
            if priority in first:
                _add(first[priority], counts)
        _add(premier, day["resolution_premier"])
        resolved += int(day["resolved_premier"])
        if day["resolution_hours_premier"] is not None:
            hours_total += float(day["resolution_hours_premier"]) * int(day["resolved_premier"])
        for rating in RATINGS:
            csat[rating] += int(day["csat"].get(rating, 0))
    agents: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for row in humans.get("agents", []):
        agents[row["agent_id"]][0] += int(row["claimed"])
        agents[row["agent_id"]][1] += int(row["resolved"])
    rated = sum(csat.values())
    return DashboardFigures(
        since=assistant["since"], until=assistant["until"], period_days=period_days,
        lang=lang, plan=plan, languages=list(SUPPORTED_LANGUAGES), plans=plans,
        day_list=_day_list(assistant["since"], assistant["until"]),
        cards=_cards(days), by_language_day=_by_language_day(days),
        articles=_articles(votes, lang, titles), topics=topics,
        tickets=sum(int(d["tickets"]) for d in ticket_days),
        first_response=[FirstResponse(priority=p, target_hours=FIRST_RESPONSE_HOURS[p], **c)
                        for p, c in first.items()],
        resolution=Resolution(target_hours=dict(RESOLUTION_HOURS), resolved=resolved,
                              mean_hours=round(hours_total / resolved, 2) if resolved
                              else None, **premier),
        queue=[QueuePoint(at=q["at"], open=q["open"]) for q in humans.get("queue", [])],
        queue_now=humans.get("open_now") if tickets is not None else None,
        agents=[AgentLoad(agent_id=a, claimed=c, resolved=r)
                for a, (c, r) in sorted(agents.items())],
        csat=[Rating(rating=int(r), tickets=n) for r, n in csat.items()], rated=rated,
        csat_mean=round(sum(int(r) * n for r, n in csat.items()) / rated, 2) if rated
        else None,
        humans_available=tickets is not None)


def _day_list(since: str, until: str) -> List[str]:
    start, end = date.fromisoformat(since), date.fromisoformat(until)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days)]
