"""The article Markdown renderer: every shipped article's structure, and no injected markup.

The article test derives what each body must look like from its Markdown source with a
small line scanner (independent of the renderer) and checks the rendered HTML with the
standard library's ``html.parser``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Dict, List, Optional, Tuple

import pytest

from bot.web.markdown import render
from kb_index.articles import LANGUAGES, load_articles
from tests.conftest import PROJECT_ROOT

ARTICLES = load_articles(PROJECT_ROOT / "data" / "kb")

# Everything the renderer may emit; any other tag would be markup from an article.
ALLOWED_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a",
                "code", "pre", "blockquote", "br", "hr",
                "table", "thead", "tbody", "tr", "th", "td"}
LITERAL_EMPHASIS = re.compile(r"\*\*|(?<![\w*])\*[^\s*][^*\n]*\*(?![\w*])")
LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|(?P<number>\d{1,9})[.)])[ \t]+\S")


# --- what the source says ------------------------------------------------------------

@dataclass
class SourceLists:
    """The list structure written in a Markdown body."""

    sub_lists: int = 0  # lists indented under a list item
    ordered: List[Tuple[int, int]] = field(default_factory=list)  # top level: (start, items)


def source_lists(body: str) -> SourceLists:
    """Scans the body: indented items under an item are a sub-list; numbered items at the
    top level that are separated only by sub-lists, blank or indented lines are one list."""
    found = SourceLists()
    run: Optional[List[int]] = None  # [start, items] of the open top-level ordered list
    previous_nested = False
    for line in body.splitlines():
        if not line.strip():
            continue
        item = LIST_ITEM.match(line)
        indented = line[:1] in (" ", "\t")
        if item and indented:
            if not previous_nested:
                found.sub_lists += 1
            previous_nested = True
            continue
        previous_nested = False
        if item and item.group("number"):
            if run is None:
                run = [int(item.group("number")), 0]
                found.ordered.append((0, 0))
            run[1] += 1
            found.ordered[-1] = (run[0], run[1])
        elif not indented:  # a bullet, paragraph or heading ends a numbered list
            run = None
    return found


# --- what the HTML says --------------------------------------------------------------

@dataclass
class RenderedList:
    tag: str
    parent: Optional[str]
    start: int
    items: int = 0


class Structure(HTMLParser):
    """The rendered lists (with their parent element), every tag, and the visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: List[str] = []
        self.lists: List[RenderedList] = []
        self.open_lists: List[RenderedList] = []
        self.tags: set = set()
        self.text: List[str] = []
        self.feed(html)
        self.close()
        assert not self.stack, f"unclosed elements {self.stack}"

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in ("br", "hr", "img"):
            return
        if tag == "li" and self.stack and self.stack[-1] in ("ol", "ul"):
            self.open_lists[-1].items += 1
        if tag in ("ol", "ul"):
            start = int(dict(attrs).get("start") or 1)
            rendered = RenderedList(tag, self.stack[-1] if self.stack else None, start)
            self.lists.append(rendered)
            self.open_lists.append(rendered)
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()
        if tag in ("ol", "ul"):
            self.open_lists.pop()

    def handle_data(self, data):
        self.text.append(data)


# --- every shipped article -----------------------------------------------------------

@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: f"{a.lang}/{a.id}")
def test_every_article_keeps_its_structure(article):
    html = str(render(article.body))
    rendered = Structure(html)
    source = source_lists(article.body)
    text = "".join(rendered.text)

    nested = [lst for lst in rendered.lists if lst.parent == "li"]
    assert len(nested) == source.sub_lists, "a sub-list was flattened"
    top_ordered = [(lst.start, lst.items) for lst in rendered.lists
                   if lst.tag == "ol" and lst.parent != "li"]
    assert top_ordered == source.ordered, "numbered steps split or restarted"
    assert not LITERAL_EMPHASIS.search(text), "literal * emphasis left in the text"
    assert "|---" not in text, "a table left as pipes"
    assert "<script" not in html.lower()
    assert rendered.tags <= ALLOWED_TAGS, f"unexpected tags {rendered.tags - ALLOWED_TAGS}"


def test_every_language_is_covered():
    assert {a.lang for a in ARTICLES} == set(LANGUAGES)
    assert len(ARTICLES) == 180


def test_the_scanner_sees_audio_not_workings_steps_as_one_list():
    article = next(a for a in ARTICLES if (a.lang, a.id) == ("en", "audio-not-working"))
    assert source_lists(article.body) == SourceLists(sub_lists=1, ordered=[(1, 6)])


# --- small cases in each language ----------------------------------------------------

WORDS: Dict[str, Dict[str, str]] = {
    "ru": {"a": "Откройте настройки", "b": "Проверьте разрешения", "c": "Windows",
           "d": "macOS", "e": "Перезапустите приложение", "em": "только",
           "strong": "Демонстрация экрана", "h1": "Перед звонком", "h3": "Номера"},
    "nb": {"a": "Åpne innstillingene", "b": "Sjekk tillatelsene", "c": "Windows",
           "d": "macOS", "e": "Start appen på nytt", "em": "bare",
           "strong": "Del skjerm", "h1": "Før du ringer", "h3": "Numre"},
    "fr": {"a": "Ouvrez les paramètres", "b": "Vérifiez les autorisations", "c": "Windows",
           "d": "macOS", "e": "Redémarrez l'application", "em": "seulement",
           "strong": "Partager l'écran", "h1": "Avant d'appeler", "h3": "Numéros"},
    "it": {"a": "Apri le impostazioni", "b": "Controlla le autorizzazioni", "c": "Windows",
           "d": "macOS", "e": "Riavvia l'app", "em": "solo",
           "strong": "Condividi schermo", "h1": "Prima di chiamare", "h3": "Numeri"},
    "en": {"a": "Open the settings", "b": "Check the permissions", "c": "Windows",
           "d": "macOS", "e": "Restart the app", "em": "only",
           "strong": "Share Screen", "h1": "Before you call", "h3": "Numbers"},
}

CASES = {
    "nested list": (
        "- {a}\n  - {c}\n  - {d}\n- {e}",
        "<ul>\n<li>{a}\n<ul>\n<li>{c}</li>\n<li>{d}</li>\n</ul>\n</li>\n<li>{e}</li>\n</ul>\n"),
    "numbered list with a sub-list": (
        "1. {a}\n2. {b}\n   - {c}\n   - {d}\n3. {e}",
        "<ol>\n<li>{a}</li>\n<li>{b}\n<ul>\n<li>{c}</li>\n<li>{d}</li>\n</ul>\n</li>\n"
        "<li>{e}</li>\n</ol>\n"),
    "emphasis and strong": (
        "{a}, *{em}* **{strong}**.",
        "<p>{a}, <em>{em}</em> <strong>{strong}</strong>.</p>\n"),
    "heading shift": (
        "# {h1}\n\n{a}\n\n### {h3}",
        "<h2>{h1}</h2>\n<p>{a}</p>\n<h3>{h3}</h3>\n"),
    "script in the text": (
        "{a} <script>alert(1)</script>",
        "<p>{a} &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    "javascript: link": (
        "[{a}](javascript:alert(1))",
        "<p>[{a}](javascript:alert(1))</p>\n"),
}


def _escaped(words: Dict[str, str]) -> Dict[str, str]:
    return {key: value.replace("&", "&amp;") for key, value in words.items()}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_small_case(lang, case):
    markdown, html = CASES[case]
    assert str(render(markdown.format(**WORDS[lang]))) == html.format(**_escaped(WORDS[lang]))


# --- the structure the site relies on ------------------------------------------------

@pytest.mark.parametrize("markdown, html", [
    ("Plain text.", "<p>Plain text.</p>\n"),
    ("One\nparagraph.\n\nTwo.", "<p>One\nparagraph.</p>\n<p>Two.</p>\n"),
    ("## Section", "<h2>Section</h2>\n"),
    ("# Top", "<h2>Top</h2>\n"),  # the page title is the only h1
    ("### Sub", "<h3>Sub</h3>\n"),
    ("###### Deep", "<h6>Deep</h6>\n"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
    ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"),
    ("- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n"),
    ("Click **Share** now", "<p>Click <strong>Share</strong> now</p>\n"),
    ("Intro:\n- item", "<p>Intro:</p>\n<ul>\n<li>item</li>\n</ul>\n"),
    ("| A | B |\n|---|---|\n| 1 | 2 |",
     "<table>\n<thead>\n<tr>\n<th>A</th>\n<th>B</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
     "<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"),
    ("[Help](https://example.com/help)", '<p><a href="https://example.com/help">Help</a></p>\n'),
])
def test_structure(markdown, html):
    assert str(render(markdown)) == html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**<b onclick=alert(1)>x</b>**",
    "## <iframe src=//evil>",
    "- <a href=javascript:alert(1)>x</a>",
    "<div>\n<script>alert(1)</script>\n</div>",
])
def test_html_in_an_article_is_text(hostile):
    html = str(render(hostile))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<a " not in html and "<b " not in html and "<div" not in html
    assert "&lt;" in html


@pytest.mark.parametrize("link", [
    "[x](javascript:alert(1))",
    "[x](JavaScript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x]( javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_script_links_are_refused(link):
    html = str(render(link))
    assert "href" not in html
