"""The kb_index command line: build errors, single and batch JSON queries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb"


def kb(*args):
    return subprocess.run([sys.executable, "-m", "kb_index", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-build")
    result = kb("build", "--source", str(FIXTURES), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "built 7 articles in 3 languages" in result.stdout
    return out


def test_query_prints_json_hits(built):
    result = kb("query", "--index", str(built), "--lang", "ru", "--json",
                "не могу показать экран")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert hits[0]["id"] == "screen-sharing" and hits[0]["lang"] == "ru"
    assert set(hits[0]) == {"id", "lang", "score"}


def test_batch_prints_one_json_line_per_question_in_order(built, tmp_path):
    batch = tmp_path / "questions.tsv"
    batch.write_text("ru\tзабыл пароль\n# comment\n\nen\thow do I record a meeting\n"
                     "nb\tjeg har glemt passordet\n", encoding="utf-8")
    result = kb("query", "--index", str(built), "--batch", str(batch), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["hits"][0]["id"] for line in lines] == [
        "sign-in-password", "recording", "sign-in-password"]


def test_batch_with_a_bad_line_names_it(built, tmp_path):
    batch = tmp_path / "bad.tsv"
    batch.write_text("en\tok\nde\thallo\n", encoding="utf-8")
    result = kb("query", "--index", str(built), "--batch", str(batch), "--json")
    assert result.returncode == 2 and f"{batch}:2" in result.stderr


def test_broken_article_fails_the_build_naming_file_and_field(tmp_path):
    source = tmp_path / "kb"
    shutil.copytree(FIXTURES, source)
    broken = source / "nb" / "sign-in-password.md"
    broken.write_text(broken.read_text().replace("summary:", "sumary:"))
    result = kb("build", "--source", str(source), "--out", str(tmp_path / "out"),
                "--lexical-only")
    assert result.returncode == 1
    assert f"{broken}: summary: missing" in result.stderr
    assert not (tmp_path / "out" / "CURRENT").exists()


def test_query_without_an_index_says_how_to_build_one(tmp_path):
    result = kb("query", "--index", str(tmp_path), "--lang", "en", "hello")
    assert result.returncode == 1 and "python -m kb_index build" in result.stderr
