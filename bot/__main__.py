"""Command line: ``python -m bot run`` starts the whole product on localhost."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List

from pydantic import ValidationError

from bot.runtime.processes import product_services
from bot.runtime.supervisor import ServiceFailed, Supervisor
from bot.settings import get_settings
from bot.storage.engine import SchemaOutOfDate


def prepare_database(seed_demo: bool) -> int:
    """Migrates the database to the latest schema; seeds the demo accounts if asked."""
    from sqlalchemy.orm import sessionmaker

    from bot.accounts.demo import DemoDataError, seed_accounts
    from bot.storage.engine import make_engine, upgrade
    from bot.storage.unit_of_work import UnitOfWork

    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    if seed_demo:
        try:
            with UnitOfWork(sessionmaker(bind=engine, future=True)) as uow:
                users = seed_accounts(uow.accounts)
        except DemoDataError as error:
            print(f"error: {error}")
            return 1
        print(f"database ready; {users} demo users seeded")
    engine.dispose()
    return 0


def token(user_id: str, hours: float) -> int:
    """Prints a development help-center token for a user of the database."""
    from datetime import timedelta

    from bot import composition
    from bot.accounts.identity import issue_token

    settings = get_settings()
    if settings.environment == "production":
        print("error: development tokens are not issued in production mode")
        return 1
    with composition.unit_of_work() as uow:
        if uow.accounts.user_account(user_id) is None:
            known = ", ".join(uow.accounts.user_ids()) or "none (run `python -m bot db seed`)"
            print(f"error: no user {user_id!r}; known users: {known}", file=sys.stderr)
            return 1
    print(issue_token(user_id, settings.jwt_secret, timedelta(hours=hours)))
    return 0


def run() -> int:
    """Starts every service, prints the URLs, and keeps them up until Ctrl-C or SIGTERM."""
    settings = get_settings()
    if not settings.model_path.exists():
        print(f"error: no trained model at {settings.model_path}; run `make run`.")
        return 1
    if prepare_database(seed_demo=settings.environment == "development"):
        return 1
    services = product_services(settings)
    supervisor = Supervisor(services, settings)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a background launch may inherit SIGINT as ignored.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        print("Starting helpbot (logs in var/log/) ...", flush=True)
        supervisor.start()
        print("\nhelpbot is running:")
        for service in services:
            for label, url in service.urls.items():
                print(f"  {label:<55} {url}")
        if settings.start_live_agent:
            print(f"\nOpen the help center: {settings.web_url}/  (the chat is at the bottom "
                  "right; \"Sign in as\" tries each demo plan)")
        print("Try:  curl -s -XPOST", f"{settings.rasa_url}/webhooks/helpcenter/webhook",
              "-d '{\"sender\": \"me\", \"message\": \"jeg har glemt passordet\"}'")
        print("Press Ctrl-C to stop.", flush=True)
        # Ends only through Ctrl-C or SIGTERM (KeyboardInterrupt below): a child that
        # crashes is restarted alone, after a growing wait, with one line here each time.
        supervisor.watch()
    except ServiceFailed as error:
        print(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        print("\nStopping helpbot ...")
        return 0
    finally:
        supervisor.stop()


def evaluate(model: str | None) -> int:
    """Prints held-out intent accuracy and macro-F1 per language."""
    from bot.nlu.evaluation import (
        BLIND_SETS,
        compare_with_last_run,
        evaluate_no_article,
        evaluate_symptoms,
        format_table,
    )
    from bot.nlu.evaluation import evaluate as evaluate_model
    from kb_index.search import default_searcher

    settings = get_settings()
    model_path = Path(model or settings.model_path)
    results = evaluate_model(model_path)
    previous = compare_with_last_run(results, settings.var_dir / "nlu-eval-last.json")
    print("Held-out intents (ECE and wrong@0.9: the classifier's own confidence)")
    print(format_table(results, previous))
    if previous:
        print("(F1 change: against the previous `python -m bot evaluate` run)")
    index = default_searcher().index()
    for name, symptoms, no_article in BLIND_SETS:
        print(f"\nBlind set {name}: symptoms answered with the right article; questions "
              "without an article declined")
        declined = evaluate_no_article(model_path, index, directory=no_article)
        for score in evaluate_symptoms(model_path, index, directory=symptoms).values():
            other = declined[score.language]
            print(f"{score.language:<5} {score.right_article:>3}/{score.examples:<3} "
                  f"{score.share:>6.1%}  unasked escalations: {score.unasked_escalations}"
                  f"   declined {other.declined:>2}/{other.examples:<2} {other.share:>6.1%}")
    return 0


def feedback() -> int:
    """Prints 👍/👎 counts per KB article and language, worst first."""
    from bot import composition

    with composition.unit_of_work() as uow:
        scores = uow.feedback.scores()
    if not scores:
        print("no feedback yet")
    for score in scores:
        print(f"{score.article_id:<28} {score.lang:<3} "
              f"👍 {score.helpful:>4}  👎 {score.not_helpful:>4}")
    return 0


def retrain_command(by: str, json_progress: bool, promote: bool, margins: str,
                    job_id: str | None) -> int:
    """Retrains with the per-language gate; exit 0 promoted/passed, 3 refused, 1 error."""
    import json

    from bot.studio.gate import Margins
    from bot.studio.retrain import (
        JobStatus,
        RetrainError,
        StudioPaths,
        default_options,
        retrain,
    )

    settings = get_settings()
    try:
        options = default_options(settings, by=by, promote=promote,
                                  margins=Margins.parse_pairs(margins), job_id=job_id)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    def show(status: JobStatus) -> None:
        if json_progress:  # one line per change: the web reads the job id from the first
            print(json.dumps({"job_id": status.job_id, "state": status.state,
                              "progress": status.progress, "message": status.message}),
                  flush=True)
            return
        running = next((s.name for s in status.steps if s.state == "running"), "")
        filled = int(30 * status.progress)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {status.progress:>4.0%} "
              f"{running:<20}", end="", flush=True)

    try:
        status = retrain(StudioPaths.from_settings(settings), options, on_change=show)
    except RetrainError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    if not json_progress:
        print()
        for step in status.steps:
            seconds = "" if step.seconds is None else f"{step.seconds:7.1f} s"
            print(f"  {step.name:<20} {step.state:<8} {seconds}")
        for row in status.report.rows:
            before = "-" if row.before is None else f"{row.before:.3f}"
            after = "-" if row.after is None else f"{row.after:.3f}"
            print(f"  {row.measure:<19} {row.lang:<3} {before:>6} -> {after:>6}"
                  f"  {'ok' if row.ok else 'WORSE'}")
        print(f"{status.state}: {status.message}")
        print(f"(job folder: {StudioPaths.from_settings(settings).jobs_dir / status.job_id})")
    return {"promoted": 0, "passed": 0, "refused": 3}.get(status.state, 1)


def models_command() -> int:
    """Prints the model history: version, promotion, data revision, scores, in service."""
    from bot.studio.gate import MEASURES
    from bot.studio.registry import Registry

    registry = Registry(get_settings().model_path.parent / "history")
    versions = registry.list_versions()
    if not versions:
        print("no model history yet (`python -m bot retrain` records one)")
        return 0
    current = registry.in_service()
    short = {"intent_f1": "F1", "kb_hit_at_1": "hit@1", "priority_accuracy": "prio",
             "conversation_tests": "conv"}
    for meta in versions:
        marker = "*" if current is not None and meta.version == current.version else " "
        promoted = (f"{meta.promoted_at:%Y-%m-%d %H:%M} by {meta.promoted_by}"
                    if meta.promoted_at else "never promoted")
        revision = meta.data_revision
        print(f"{marker} {meta.version:<28} {promoted:<32} data {revision.commit[:8] or '-'}"
              f"{'+dirty' if revision.dirty else ''} sha {revision.data_sha256[:8]}")
        for measure in MEASURES:
            values = meta.scores.get(measure, {})
            if values:
                print(f"    {short[measure]:<6} " + "  ".join(
                    f"{lang} {value:.3f}" for lang, value in values.items()))
    print("(* in service)")
    return 0


def rollback_command(version: str | None, by: str) -> int:
    """Promotes an older model (default: the one before the model in service)."""
    from bot.studio.registry import Registry, RegistryError, replica_urls

    settings = get_settings()
    registry = Registry(settings.model_path.parent / "history")
    try:
        report = registry.rollback(
            settings.model_path, settings.kb_build_dir,
            replica_urls(settings.host, settings.rasa_port, settings.rasa_replicas),
            settings.rasa_token, version=version, by=by)
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"in service: {report.version} ({report.seconds:.1f} s)")
    for replica in report.replicas:
        print(f"  {replica.url}: {replica.state} {replica.message}")
    return 0


def parse_since(value: str, today: date) -> date:
    """``"7d"`` (the last 7 days, today included) or an ISO date, as the first day."""
    if value.endswith("d") and value[:-1].isdigit():
        return today - timedelta(days=max(int(value[:-1]), 1) - 1)
    return date.fromisoformat(value)


def report_command(since: str, until: str | None, as_csv: bool) -> int:
    """Prints the figures of both sides, a table per figure or one CSV.

    The assistant's come from the rollup, brought up to date first; the humans' from
    the live-agent database (this command is a composition root, like ``run``).
    """
    from datetime import datetime, timezone

    from sqlalchemy import inspect
    from sqlalchemy.orm import sessionmaker

    from bot.live_agent.reports import ticket_report
    from bot.reporting.figures import assistant_report
    from bot.reporting.render import as_csv as render_csv
    from bot.reporting.render import as_text
    from bot.reporting.rollup import update
    from bot.storage.engine import make_engine, require_current_schema

    settings = get_settings()
    today = datetime.now(timezone.utc).date()
    try:
        start = parse_since(since, today)
        end = date.fromisoformat(until) if until else today + timedelta(days=1)
    except ValueError:
        print("error: --since is 'Nd' or YYYY-MM-DD; --until is YYYY-MM-DD", file=sys.stderr)
        return 2
    if start >= end:
        print("error: --since must be before --until", file=sys.stderr)
        return 2
    db = make_engine(settings.database_url)
    tracker = make_engine(settings.tracker_store_url)
    live = make_engine(settings.live_agent_database_url)
    try:
        require_current_schema(db)
        update(tracker, db)
        assistant = assistant_report(db, start, end)
        tickets: Dict[str, Any] = {}
        if inspect(live).has_table("tickets"):
            with sessionmaker(bind=live, future=True)() as session:
                tickets = ticket_report(session, start, end).dict()
        else:
            print("(no live-agent database yet: no humans' figures)", file=sys.stderr)
    finally:
        for engine in (db, tracker, live):
            engine.dispose()
    sys.stdout.write(render_csv(assistant, tickets) if as_csv else as_text(assistant, tickets))
    return 0


def main(argv: List[str] | None = None) -> int:
    """Parses the command line and runs the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start Rasa and the action server, print the URLs")
    evaluate_parser = commands.add_parser(
        "evaluate", help="score the model per language: held-out intents, calibration, "
                         "blind symptom messages")
    evaluate_parser.add_argument("--model", help="model archive (default: the trained one)")
    commands.add_parser("feedback", help="votes on KB answers per article and language")
    database = commands.add_parser("db", help="database schema and demo data")
    database.add_argument("action", choices=["upgrade", "seed"],
                          help="upgrade: migrate to the latest schema; seed: also load "
                               "data/demo/accounts.yml")
    token_parser = commands.add_parser("token", help="print a development token for a user")
    token_parser.add_argument("user_id", help="a user id from data/demo/accounts.yml")
    token_parser.add_argument("--hours", type=float, default=12.0, help="lifetime (12)")
    retrain_parser = commands.add_parser(
        "retrain", help="validate, build the index, train a candidate, gate it per "
                        "language against the model in service, promote it if it passes")
    retrain_parser.add_argument("--by", default="cli", help="who retrains (an editor)")
    retrain_parser.add_argument("--json-progress", action="store_true",
                                help="one JSON line per status change instead of a bar")
    retrain_parser.add_argument("--no-promote", action="store_true",
                                help="gate the candidate but keep the model in service")
    retrain_parser.add_argument("--margins", default="",
                                help="largest allowed fall per measure, e.g. "
                                     "intent_f1=0.02,kb_hit_at_1=0.03")
    retrain_parser.add_argument("--job-id", help="the job's folder name (default: new)")
    commands.add_parser("models", help="the model history: versions, scores, in service")
    rollback_parser = commands.add_parser(
        "rollback", help="put an older model back in service (default: the previous one)")
    rollback_parser.add_argument("version", nargs="?", help="a version from `models`")
    rollback_parser.add_argument("--by", default="cli", help="who rolls back")
    report_parser = commands.add_parser(
        "report", help="the help center's figures per day, language and plan: the "
                       "assistant's and the humans' (README, \"Figures\")")
    report_parser.add_argument("--since", default="7d",
                               help="'Nd' (the last N days, today included) or YYYY-MM-DD")
    report_parser.add_argument("--until", help="first day not included (default: tomorrow)")
    report_parser.add_argument("--csv", action="store_true",
                               help="one CSV: figure,day,language,plan,dimension,value")
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except ValidationError as error:  # the settings object refused the environment
        for problem in error.errors():
            print(f"error: {problem['msg']}", file=sys.stderr)
        return 1
    except SchemaOutOfDate as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "db":
        return prepare_database(seed_demo=args.action == "seed")
    if args.command == "token":
        return token(args.user_id, args.hours)
    if args.command == "feedback":
        return feedback()
    if args.command == "run":
        return run()
    if args.command == "evaluate":
        return evaluate(args.model)
    if args.command == "retrain":
        return retrain_command(args.by, args.json_progress, not args.no_promote,
                               args.margins, args.job_id)
    if args.command == "models":
        return models_command()
    if args.command == "rollback":
        return rollback_command(args.version, args.by)
    if args.command == "report":
        return report_command(args.since, args.until, args.csv)
    return 2


if __name__ == "__main__":
    sys.exit(main())
