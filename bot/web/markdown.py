"""The small Markdown subset KB articles use, rendered to HTML that cannot inject markup.

Supported: ``#``-headings, ``-``/``*`` and ``1.`` lists, paragraphs and ``**bold**``.
Every piece of article text is escaped first; only this module's own tags are markup.
"""

from __future__ import annotations

import re
from typing import List

from markupsafe import Markup, escape

HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
BULLET = re.compile(r"^[-*]\s+(.*)$")
NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")
BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    # Escaped first, so a "**" pair can only ever wrap escaped text.
    return BOLD.sub(r"<strong>\1</strong>", str(escape(text)))


def render(markdown: str) -> Markup:
    """Renders article Markdown to safe HTML; headings start at h2 (the title is h1)."""
    html: List[str] = []
    paragraph: List[str] = []
    list_tag = ""

    def close_paragraph() -> None:
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            html.append(f"</{list_tag}>")
            list_tag = ""

    for raw in markdown.splitlines():
        line = raw.strip()
        heading, bullet, numbered = HEADING.match(line), BULLET.match(line), NUMBERED.match(line)
        if not line:
            close_paragraph()
            close_list()
        elif heading:
            close_paragraph()
            close_list()
            level = min(6, max(2, len(heading.group(1))))
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                html.append(f"<{tag}>")
                list_tag = tag
            item = (bullet or numbered).group(1)  # type: ignore[union-attr]
            html.append(f"<li>{_inline(item)}</li>")
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return Markup("\n".join(html))
