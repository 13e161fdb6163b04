"""Command line: ``python -m bot run`` starts the whole product on localhost."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import List

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
    return 2


if __name__ == "__main__":
    sys.exit(main())
