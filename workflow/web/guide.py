"""The user guide (docs/user-guide.md) as the body of an HTML page: its Markdown rendered by
markdown-it-py (CommonMark: raw HTML off, and no tables, which would each want a scrolling box
on a phone), each heading with the id GitHub gives it (so the guide's own links, #polski and
#english, work), its Polish and English parts marked with their language (WCAG 3.1.2), its
screenshots read relative to /help/guide (the route /help/screenshots/<name>) and its links to
other files of docs/, which the app does not serve, left as their text."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

# The headings after which the guide speaks one language: its two halves (second level), and
# the Polish and English parts of each later bilingual chapter (third level, to the next such
# heading or chapter). A chapter's bilingual heading and the guide's opening are in both.
HALVES = {"Polski": "pl", "English": "en"}
PARTS = {"Po polsku": "pl", "In English": "en"}
SERVED = ("#", "http://", "https://", "mailto:")


def slug(text: str, seen: dict[str, int]) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; a
    repeated one gets -1, -2 …"""
    base = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    n = seen.get(base, 0)
    seen[base] = n + 1
    return f"{base}-{n}" if n else base


def unlinked(children: list[Token]) -> list[Token]:
    """The inline tokens without the links to files the app does not serve (their text stays)."""
    out: list[Token] = []
    dropped: list[bool] = []  # for each link open, whether it was dropped
    for t in children:
        if t.type == "link_open":
            dropped.append(not str(t.attrGet("href") or "").startswith(SERVED))
            if dropped[-1]:
                continue
        elif t.type == "link_close" and dropped.pop():
            continue
        elif t.type == "image":
            t.attrSet("loading", "lazy")
        out.append(t)
    return out


@lru_cache(maxsize=2)
def _rendered(path: Path, _mtime: int) -> Markup:
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    runs: list[tuple[str | None, list[Token]]] = [(None, [])]  # the tokens, by the language they are in
    for i, t in enumerate(tokens):
        if t.type == "heading_open":
            text = tokens[i + 1].content
            t.attrSet("id", slug(text, seen))
            lang = runs[-1][0]
            if t.level == 0 and t.tag == "h2":
                lang = HALVES.get(text)
            elif t.level == 0 and t.tag == "h3" and text in PARTS:
                lang = PARTS[text]
            if lang != runs[-1][0]:
                runs.append((lang, []))
        elif t.type == "inline" and t.children:
            t.children = unlinked(t.children)
        runs[-1][1].append(t)
    env: dict = {}
    html = ""
    for lang, run in runs:
        drawn = md.renderer.render(run, md.options, env)
        html += f'<div lang="{lang}">\n{drawn}</div>\n' if lang else drawn
    # markdown-it's output (it escapes the text; raw HTML is off) of our own file: already HTML.
    return Markup(html)  # noqa: S704  # nosec B704


def guide_html(path: Path) -> Markup:
    """The guide at `path` rendered, kept until the file changes."""
    return _rendered(path, path.stat().st_mtime_ns)
