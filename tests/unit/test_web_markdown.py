"""The article Markdown renderer: the structure KB articles use, and no injected markup."""

from __future__ import annotations

import pytest

from bot.web.markdown import render


@pytest.mark.parametrize("markdown, html", [
    ("Plain text.", "<p>Plain text.</p>"),
    ("One\nparagraph.\n\nTwo.", "<p>One paragraph.</p>\n<p>Two.</p>"),
    ("## Section", "<h2>Section</h2>"),
    ("# Top", "<h2>Top</h2>"),  # the page title is the only h1
    ("### Sub", "<h3>Sub</h3>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
    ("- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>"),
    ("Click **Share** now", "<p>Click <strong>Share</strong> now</p>"),
    ("Intro:\n- item", "<p>Intro:</p>\n<ul>\n<li>item</li>\n</ul>"),
])
def test_structure(markdown, html):
    assert str(render(markdown)) == html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**<b onclick=alert(1)>x</b>**",
    "## <iframe src=//evil>",
    "- <a href=javascript:alert(1)>x</a>",
])
def test_html_in_an_article_is_text(hostile):
    html = str(render(hostile))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<a " not in html and "<b " not in html
    assert "&lt;" in html
