"""`python -m bot report` as a manager runs it, over the hand-computed sets of both sides."""

from __future__ import annotations

import csv
import io

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from bot.live_agent.database import seed_agents
from bot.live_agent.database import upgrade as upgrade_live_agent
from bot.live_agent.models import Ticket
from bot.storage.engine import make_engine, upgrade
from tests.integration import test_live_agent_reports as humans
from tests.integration import test_reporting as assistant
from tests.integration.test_bot_cli import bot


def fill(var_dir):
    tracker = make_engine(f"sqlite:///{var_dir / 'conversations.db'}")
    SQLTrackerStore.Base.metadata.create_all(tracker)
    with tracker.begin() as connection:
        connection.execute(insert(SQLTrackerStore.SQLEvent.__table__), assistant.event_rows())
    tracker.dispose()
    db = make_engine(f"sqlite:///{var_dir / 'helpbot.db'}")
    upgrade(db)
    assistant.fill_assistant_db(db)
    db.dispose()
    live = make_engine(f"sqlite:///{var_dir / 'live_agent.db'}")
    upgrade_live_agent(live)
    with sessionmaker(bind=live, future=True)() as session:
        seed_agents(session)
        for key, (created, lang, plan, tier, priority, due, first, agent, claimed,
                  resolution_due, resolved, rating) in humans.TICKETS.items():
            session.execute(insert(Ticket.__table__).values(
                id=key, idempotency_key=key, sender_id=key, user_id="u", user_name="Name",
                user_email="e@x.no", account_id="a", plan=plan, support_tier=tier,
                language=lang, agent_language=lang, priority=priority,
                first_response_due=due, resolution_due=resolution_due, report={},
                transcript=[], status="resolved" if resolved else "open",
                claimed_by=agent, created_at=created, claimed_at=claimed,
                first_response_at=first, resolved_at=resolved, breached=False,
                rating=rating))
        session.commit()
    live.dispose()


def test_the_report_prints_a_table_per_figure_and_one_csv(tmp_path):
    fill(tmp_path)
    period = ("--since", "2026-11-10", "--until", "2026-11-12")
    text = bot("report", *period, var_dir=tmp_path)
    assert text.returncode == 0, text.stderr
    for title in ("Assistant: conversations", "Assistant: votes per article",
                  "Assistant: unanswered topics", "Humans: first response",
                  "Humans: Premier resolution", "Humans: CSAT", "Humans: agents' load",
                  "Humans: queue length"):
        assert title in text.stdout
    assert "xyzzy plugh" in text.stdout and "John" not in text.stdout
    table = bot("report", *period, "--csv", var_dir=tmp_path)
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    value = {(r["figure"], r["day"], r["language"], r["plan"], r["dimension"]): r["value"]
             for r in rows}
    assert value[("conversations", "2026-11-11", "it", "guest", "")] == "2"
    assert value[("handoff_rate", "2026-11-10", "fr", "pro", "")] == "1.0"
    assert value[("article_helpful", "2026-11-10", "en", "guest", "screen-sharing")] == "2"
    assert value[("first_response_met", "2026-11-10", "fr", "pro", "P2")] == "1"
    assert value[("csat", "2026-11-11", "ru", "enterprise", "4")] == "1"
    assert value[("agent_claimed", "2026-11-10", "", "", "marco")] == "1"


def test_a_bad_period_is_refused(tmp_path):
    result = bot("report", "--since", "yesterday", var_dir=tmp_path)
    assert result.returncode == 2 and "--since" in result.stderr
