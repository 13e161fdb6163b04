"""KB article Markdown rendered to HTML with markdown-it-py, never passing markup through.

Why a library: the hand-written line-by-line renderer this module used to contain
rendered 10 of the 180 shipped articles wrongly. It flattened nested lists, restarted
numbered steps at "1." after a sub-list (``data/kb/en/audio-not-working.md``) and left
``*emphasis*`` as literal asterisks. It also showed the Russian phone-number table as
pipes. markdown-it-py is a CommonMark parser, so these cases follow the specification
instead of an ad-hoc subset.

Safety: raw HTML is off, so any tag in an article comes out as escaped text. Link
targets go through markdown-it's ``validateLink``, which refuses ``javascript:``,
``vbscript:``, ``file:`` and non-image ``data:`` URLs (the link is then left as text).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

# The page title is the page's only h1, so article headings start at h2.
TOP_HEADING_LEVEL = 2
MAX_HEADING_LEVEL = 6

# CommonMark with raw HTML off, plus GFM tables (data/kb/ru/phone-support.md has one).
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def _heading_tag(tag: str) -> str:
    """Returns an article heading's tag on the page: ``h1`` becomes ``h2``, others stay."""
    level = int(tag[1:])
    return f"h{min(MAX_HEADING_LEVEL, max(TOP_HEADING_LEVEL, level))}"


def render(markdown: str) -> Markup:
    """Renders an article body to HTML that cannot contain markup from the article.

    The body is parsed with markdown-it-py rather than by hand because the old
    hand-written renderer got nested lists, numbered steps after a sub-list and
    emphasis wrong in 10 of the shipped articles.

    Args:
        markdown: The article body (the Markdown after the YAML front matter).

    Returns:
        The HTML, safe to insert into an autoescaping template. A ``#`` heading becomes
        ``<h2>`` (the page title is the h1); ``##`` to ``######`` keep their level.
    """
    env: dict = {}
    tokens = _PARSER.parse(markdown, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _heading_tag(token.tag)
    return Markup(_PARSER.renderer.render(tokens, _PARSER.options, env))
