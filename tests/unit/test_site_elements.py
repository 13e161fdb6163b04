"""Every help-center element a KB article names exists on the site, in all five languages.

The registry ``bot/web/site_elements.yml`` says how each language's articles name an
element and on which page (and tag) the site has it; the pages are rendered with
FastAPI's TestClient. Names the registry does not know fail too, so a new article
sentence cannot promise the reader a button, link or page the site lacks.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import BaseModel, validator

from bot.web.app import create_web_app, kb_catalogue
from bot.web.labels import all_labels
from kb_index.articles import LANGUAGES, Article
from tests.unit.test_web_site import FakeSearch, settings

REGISTRY_FILE = Path(__file__).resolve().parents[2] / "bot" / "web" / "site_elements.yml"
# How near (in characters) a place word must be to a bold or quoted name to call it UI.
NEAR = 30
NAMES = re.compile(r"\*\*(.+?)\*\*|«\s*(.+?)\s*»|“(.+?)”|\"(.+?)\"")


class Where(BaseModel):
    """A page and the tag on it that is the element."""

    page: str
    element: str
    attr: str = "data-site-element"
    # False where the tag is the element's content (a list), not its labelled link or block.
    labelled: bool = True


class Element(BaseModel):
    """A UI element of the help center, as the articles name it."""

    id: str
    phrases: Dict[str, List[str]]
    where: List[Where]
    label: Optional[str] = None
    name: Optional[Dict[str, str]] = None
    widget_label: Optional[str] = None

    @validator("phrases")
    def _every_language(cls, phrases: Dict[str, List[str]]) -> Dict[str, List[str]]:
        assert set(phrases) == set(LANGUAGES), sorted(phrases)
        return phrases


class Registry(BaseModel):
    """``bot/web/site_elements.yml``."""

    site_scope: Dict[str, str]
    place_words: Dict[str, str]
    elements: List[Element]
    not_site: Dict[str, List[str]]


@lru_cache(maxsize=1)
def registry() -> Registry:
    return Registry.parse_obj(yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8")))


class Tags(HTMLParser):
    """Every tag of a page with its attributes and its text (the text of its children too)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[Dict[str, str], List[str]]] = []
        self.open: List[Tuple[str, List[str]]] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        text: List[str] = []
        self.tags.append(({k: v or "" for k, v in attrs}, text))
        if tag not in self.VOID:
            self.open.append((tag, text))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, text in self.open:
            text.append(data)

    def text_of(self, attr: str, value: str) -> Optional[str]:
        """The text of the first tag whose ``attr`` is ``value`` (a word of it for class)."""
        for attrs, text in self.tags:
            found = attrs.get(attr)
            if found is not None and (found == value or
                                      (attr == "class" and value in found.split())):
                return " ".join("".join(text).split())
        return None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Renders a site path once per module: ``(status, tags)``."""
    # No page here reads accounts; the dev sign-in's own routes are not requested.
    app = create_web_app(settings(tmp_path_factory.mktemp("site")), search=FakeSearch(),
                         unit_of_work=lambda: None, studio=False)
    client = TestClient(app)
    pages: Dict[str, Tuple[int, Tags]] = {}

    def render(path: str) -> Tuple[int, Tags]:
        if path not in pages:
            response = client.get(path)
            parsed = Tags()
            parsed.feed(response.text)
            pages[path] = (response.status_code, parsed)
        return pages[path]
    return render


def articles(lang: str) -> List[Article]:
    return sorted(kb_catalogue().by_id[lang].values(), key=lambda a: a.id)


def plain(markdown: str) -> str:
    """Article text without emphasis marks, so phrases match across ``**bold**``."""
    return re.sub(r"\*+", "", markdown)


def sentences(article: Article) -> Iterator[str]:
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", article.summary + "\n" + article.body):
        if sentence.strip():
            yield sentence


def mentions(lang: str) -> Dict[str, Set[Tuple[str, str]]]:
    """``{element id: {(article id, phrase found)}}`` over a language's articles."""
    found: Dict[str, Set[Tuple[str, str]]] = {}
    for article in articles(lang):
        text = plain(article.summary + "\n" + article.body)
        for element in registry().elements:
            for phrase in element.phrases[lang]:
                match = re.search(phrase, text, re.IGNORECASE)
                if match:
                    found.setdefault(element.id, set()).add((article.id, match.group(0)))
    return found


def known_spans(sentence: str, lang: str) -> List[Tuple[int, int]]:
    """Where registered phrases, element names and non-site names occur in a sentence."""
    patterns = [p for e in registry().elements for p in e.phrases[lang]]
    patterns += [re.escape(e.name[lang]) for e in registry().elements if e.name]
    patterns += registry().not_site[lang]
    return [m.span() for p in patterns for m in re.finditer(p, sentence, re.IGNORECASE)]


def unregistered(article: Article) -> List[str]:
    """The bold or quoted names beside a place word, and the place words of sentences about
    the help-center site, that no registered phrase explains."""
    lang, problems = article.lang, []
    place = re.compile(registry().place_words[lang], re.IGNORECASE)
    scope = re.compile(registry().site_scope[lang], re.IGNORECASE)
    for raw in sentences(article):
        sentence = plain(raw)
        spans = known_spans(sentence, lang)

        def explained(start: int, end: int, spans: List[Tuple[int, int]] = spans) -> bool:
            return any(s <= start and end <= e for s, e in spans)

        for match in NAMES.finditer(sentence if "**" not in raw else raw):
            name = plain(next(g for g in match.groups() if g)).strip()
            start = sentence.find(name)
            # A bold sentence or lead-in ("**Check the status page.**") is emphasis.
            if start < 0 or name[-1:] in ".:?!":
                continue
            end = start + len(name)
            around = sentence[max(0, start - NEAR):end + NEAR]
            # A name is explained by any registered phrase inside or around it.
            if place.search(around) and not any(s < end and start < e for s, e in spans):
                problems.append(f"{lang}/{article.id}: {name!r} in {sentence.strip()!r}")
        if scope.search(sentence):
            for word in place.finditer(sentence):
                if not explained(*word.span()):
                    problems.append(f"{lang}/{article.id}: {word.group(0)!r} in "
                                    f"{sentence.strip()!r}")
    return problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_element_an_article_names_exists_on_the_site(site, lang):
    found = mentions(lang)
    # The known cases, so the scan cannot pass by finding nothing.
    assert {"contact-support-link", "additional-resources", "help-button", "short-videos",
            "search-box", "community-forum"} <= found.keys()
    problems = []
    for element in registry().elements:
        if element.id not in found:
            continue
        named_in = sorted(found[element.id])
        for where in element.where:
            path = where.page.format(lang=lang)
            status, page = site(path)
            text = page.text_of(where.attr, where.element)
            if status != 200 or text is None:
                problems.append(f"{element.id} (named in {named_in}): {path} ({status}) has "
                                f"no tag with {where.attr}={where.element!r}")
                continue
            label = all_labels()[lang]["site"][element.label] if element.label else None
            if label and where.labelled and label.casefold() not in html.unescape(text).casefold():
                problems.append(f"{element.id}: {path} [{where.element}] does not say "
                                f"{label!r}: {text[:80]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_site_calls_each_element_what_the_articles_call_it(lang):
    texts = " ".join(plain(a.summary + " " + a.body) for a in articles(lang)).casefold()
    for element in registry().elements:
        if not element.name:
            continue
        name = element.name[lang]
        if element.label:
            assert all_labels()[lang]["site"][element.label] == name, (element.id, lang)
        if element.widget_label:
            assert all_labels()[lang]["widget"][element.widget_label] == name, (element.id,
                                                                                lang)
        assert name.casefold() in texts, f"no {lang} article names {element.id} {name!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_articles_name_no_site_element_the_registry_does_not_know(lang):
    problems = [p for article in articles(lang) for p in unregistered(article)]
    assert not problems, "\n".join(problems)


LANGUAGE_PATHS = "|".join(LANGUAGES)
# A markdown link, an href, or a bare ``/{lang}/...`` path in an article.
SITE_LINK = re.compile(r"\]\((/[^)\s]+)\)|href=\"(/[^\"]+)\"|(?<![\w/])(/(?:"
                       + LANGUAGE_PATHS + r")/[\w./#?=-]*)")


def site_links(text: str) -> List[str]:
    return [next(g for g in m.groups() if g) for m in SITE_LINK.finditer(text)]


def test_site_links_are_found_in_markdown_and_text():
    assert site_links("See [videos](/fr/videos), <a href=\"/it/contact\">x</a> or "
                      "/nb/community. Not http://x/en/y or a/b.") == [
        "/fr/videos", "/it/contact", "/nb/community."]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_site_link_in_an_article_resolves(site, lang):
    broken = []
    for article in articles(lang):
        for link in site_links(article.body):
            path = link.rstrip(".,;:").split("#")[0]
            status, _ = site(path)
            if status >= 400:
                broken.append(f"{lang}/{article.id}: {link} ({status})")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_assistants_self_service_links_are_real_pages(site, lang):
    widget = (Path(__file__).resolve().parents[2] / "bot" / "web" / "static" /
              "widget.js").read_text(encoding="utf-8")
    table = re.search(r"const SELF_SERVICE_PAGES = \{(.*?)\};", widget, re.DOTALL)
    assert table, "SELF_SERVICE_PAGES not found in widget.js"
    paths = [p.replace("${lang}", lang) for p in re.findall(r"`([^`]+)`", table.group(1))]
    assert len(paths) == 5  # articles, videos, community, forms, contact
    for path in paths:
        status, page = site(path)
        assert status == 200, path
        assert page.text_of("lang", lang) is not None, path  # not an English fallback


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_demo_content_leads_to_articles_that_exist(lang):
    from bot.web import demo_content

    known = kb_catalogue().by_id[lang]
    videos = demo_content.video_by_id()
    linked = [v.article for v in videos.values()]
    linked += [a for topic in demo_content.help_center().topics for a in topic.articles]
    top = demo_content.help_center().top_resources
    linked += [r.article for r in top if r.article]
    assert [a for a in linked if a not in known] == []
    assert [r.video for r in top if r.video and r.video not in videos] == []
    assert len(top) == 20
    assert demo_content.videos().home_videos(), "no videos below the search box"


# Sentences that promise site elements the help center does not have: the registry must
# not explain them away, in any language.
INVENTED = {
    "en": ("Click the **Live demo** button in the page footer.", "Live demo"),
    "ru": ("Нажмите кнопку «Живая демонстрация» внизу страницы.", "Живая демонстрация"),
    "nb": ("Klikk på knappen «Direktedemo» nederst på siden.", "Direktedemo"),
    "fr": ("Cliquez sur le bouton **Démo en direct** en bas de la page.", "Démo en direct"),
    "it": ("Clicca sul pulsante «Demo dal vivo» in fondo alla pagina.", "Demo dal vivo"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invented_site_element_is_reported(lang):
    sentence, name = INVENTED[lang]
    article = Article(id="invented", lang=lang, title="x", summary="x.", tags=(),
                      questions=(), related=(), slug="x", body=sentence, path=Path("x.md"))
    problems = unregistered(article)
    assert any(repr(name) in p for p in problems), problems
