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
