"""The KB loader: every broken article fails with an error naming its file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_index.articles import ArticleError, load_articles, parse_article

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
GOOD = (FIXTURES / "en" / "recording.md").read_text(encoding="utf-8")


def write(tmp_path, text, lang="en", name="recording.md"):
    path = tmp_path / lang / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_articles_load():
    articles = load_articles(FIXTURES)
    assert {(a.id, a.lang) for a in articles} >= {("recording", "en"), ("screen-sharing", "ru")}
    recording = next(a for a in articles if a.id == "recording" and a.lang == "en")
    assert recording.url == "/en/articles/record-meeting"
    assert len(recording.questions) == 5
    assert recording.related == ("screen-sharing",)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace("---\n", "", 1), "front matter"),
        (lambda t: t.replace("title: Recording a meeting", "title: [unclosed"), "front matter"),
        (lambda t: t.replace("title: Recording a meeting\n", ""), "title"),
        (lambda t: t.replace("summary: Hosts can record locally or to the cloud with the Record "
                             "button.", "summary: ''"), "summary"),
        (lambda t: t.replace("  - who can record\n  - recording button missing\n", ""),
         "questions"),
        (lambda t: t.replace("lang: en", "lang: de"), "lang"),
        (lambda t: t.replace("lang: en", "lang: ru"), "lang"),
        (lambda t: t.replace("id: recording", "id: Recording Now"), "id"),
        (lambda t: t.replace("id: recording", "id: other-id"), "id"),
        (lambda t: t.replace("slug: record-meeting", "slug: Record Meeting"), "slug"),
        (lambda t: t.replace("tags: [record, recording, cloud]", "tags: record"), "tags"),
        (lambda t: t.split("---\n")[0] + "---\n" + t.split("---\n")[1] + "---\n", "body"),
    ],
)
def test_broken_article_names_file_and_field(tmp_path, edit, field):
    path = write(tmp_path, edit(GOOD))
    with pytest.raises(ArticleError) as caught:
        parse_article(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value)


def test_dangling_related_id_fails_the_load(tmp_path):
    shutil.copytree(FIXTURES / "en", tmp_path / "en")
    (tmp_path / "en" / "screen-sharing.md").unlink()
    with pytest.raises(ArticleError, match="related.*'screen-sharing'"):
        load_articles(tmp_path, languages=["en"])


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "en" / "recording.md"
    path.parent.mkdir()
    path.write_bytes(b"---\nid: recording\n\xff\xfe\n---\nbody")
    with pytest.raises(ArticleError, match="file"):
        parse_article(path)
