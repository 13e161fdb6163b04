"""Feedback storage on a real SQLite file, through the composition root."""

from __future__ import annotations

import pytest

from bot import composition
from bot.knowledge.feedback import KBFeedback
from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork


@pytest.fixture()
def sqlite_factory(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPBOT_VAR_DIR", str(tmp_path))
    composition.get_settings.cache_clear()
    composition._engine.cache_clear()
    from bot.storage.engine import make_engine, upgrade

    engine = make_engine(composition.get_settings().database_url)
    upgrade(engine)  # as `python -m bot db upgrade` does
    engine.dispose()
    yield composition.session_factory()
    composition._engine.cache_clear()
    composition.get_settings.cache_clear()


def test_votes_persist_and_are_summarised_worst_first(sqlite_factory, tmp_path):
    votes = [("screen-sharing", "ru", False), ("screen-sharing", "ru", False),
             ("screen-sharing", "en", True), ("recording", "ru", True)]
    with UnitOfWork(sqlite_factory) as uow:
        for article_id, lang, helpful in votes:
            uow.feedback.add(KBFeedback(article_id=article_id, lang=lang, question="q",
                                        helpful=helpful, sender_id="s"))
    assert (tmp_path / "helpbot.db").exists()
    with UnitOfWork(sqlite_factory) as uow:
        scores = uow.feedback.scores()
    assert [(s.article_id, s.lang, s.helpful, s.not_helpful) for s in scores] == [
        ("screen-sharing", "ru", 0, 2), ("recording", "ru", 1, 0), ("screen-sharing", "en", 1, 0)]


def test_a_failing_unit_of_work_rolls_back(sqlite_factory):
    with pytest.raises(RuntimeError):
        with UnitOfWork(sqlite_factory) as uow:
            uow.feedback.add(KBFeedback(article_id="x", lang="en", question="q", helpful=True))
            raise RuntimeError("boom")
    with UnitOfWork(sqlite_factory) as uow:
        assert uow.feedback.for_article("x") == []


def test_database_url_defaults_to_sqlite_under_var(tmp_path):
    assert Settings(var_dir=tmp_path).database_url == f"sqlite:///{tmp_path / 'helpbot.db'}"
    assert Settings(var_dir=tmp_path, database_url="postgresql://x/y").database_url == (
        "postgresql://x/y")


def test_feedback_command_lists_votes_worst_first(sqlite_factory, capsys):
    from bot.__main__ import main

    assert main(["feedback"]) == 0
    assert "no feedback yet" in capsys.readouterr().out
    with UnitOfWork(sqlite_factory) as uow:
        uow.feedback.add(KBFeedback(article_id="recording", lang="it", question="q",
                                    helpful=False))
    assert main(["feedback"]) == 0
    assert capsys.readouterr().out.split() == ["recording", "it", "👍", "0", "👎", "1"]
