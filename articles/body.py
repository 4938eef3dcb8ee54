"""The article body as editors type it and as it is stored.

Stored: an ordered list of blocks, `{"type": "paragraph"|"subhead", "text": …}`.
Typed: plain text, one blank line between paragraphs, subheads start with `### `
(the same convention as the print-issue sources, so nothing new to learn).
"""

import re

SUBHEAD_PREFIX = "### "
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n")
_SUBHEAD_RE = re.compile(r"^#{2,6}[ \t\u3000]+")


def body_to_text(blocks):
    parts = []
    for block in blocks or []:
        text = block.get("text", "")
        parts.append(SUBHEAD_PREFIX + text if block.get("type") == "subhead" else text)
    return "\n\n".join(parts)


def text_to_body(text):
    blocks = []
    for chunk in _BLANK_LINES.split((text or "").replace("\r\n", "\n").replace("\r", "\n")):
        # Lines an editor wrapped by hand rejoin without a space: Chinese needs none.
        lines = [line.strip(" \t\u3000") for line in chunk.split("\n") if line.strip(" \t\u3000")]
        if not lines:
            continue
        first = lines[0]
        if _SUBHEAD_RE.match(first):
            blocks.append({"type": "subhead", "text": _SUBHEAD_RE.sub("", first, count=1)})
            lines = lines[1:]
            if not lines:
                continue
        blocks.append({"type": "paragraph", "text": "".join(lines)})
    return blocks


# Inline markup editors may type inside a paragraph: **加粗** and [链接文字](https://…).
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_LINK_RE = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")
_SAFE_URL_RE = re.compile(r"^(https?://|mailto:|/(?!/))", re.IGNORECASE)


def render_inline(text):
    """Paragraph text to HTML: escaped first, so only our <strong> and <a> can appear.

    nh3 then cleans the result as a second line of defence, keeping only
    those two tags, http(s)/mailto/site links, and rel="noopener noreferrer".
    """
    import nh3
    from django.utils.html import escape

    html = escape(text)

    def link(match):
        label, url = match.group(1), match.group(2)
        if not _SAFE_URL_RE.match(url.replace("&amp;", "&")):
            return match.group(0)
        return f'<a href="{url}">{label}</a>'

    html = _LINK_RE.sub(link, html)
    html = _BOLD_RE.sub(r"<strong>\1</strong>", html)
    return nh3.clean(
        html,
        tags={"strong", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_body(blocks, dateline=""):
    """The article page's body as HTML, made once when the article is saved (Article.body_html).

    Subheads are <h2>; paragraphs go through render_inline; the dateline (本报讯) leads the
    first block when that block is a paragraph.
    """
    from django.utils.html import escape

    parts = []
    for index, block in enumerate(blocks or []):
        text = block.get("text", "")
        if block.get("type") == "subhead":
            parts.append(f"<h2>{escape(text)}</h2>")
        elif index == 0 and dateline:
            lead = f'<strong class="dateline">{escape(dateline)}</strong>'
            parts.append(f"<p>{lead} {render_inline(text)}</p>")
        else:
            parts.append(f"<p>{render_inline(text)}</p>")
    return "\n".join(parts)


def plain_text(text):
    """Paragraph text without inline markup, for summaries, feeds and metadata."""
    text = _LINK_RE.sub(r"\1", text)
    return _BOLD_RE.sub(r"\1", text)
