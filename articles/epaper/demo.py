"""Demo 版 PDFs typeset from an imported issue, for sources that come without their PDFs.

Each page says in red, across its top, that it is a demo set by the system and not the
printed page, so nobody mistakes it for the paper. Stories go onto 版 as the importer
recorded them (第01版…), or four to a 版 in print order when the source named none.
The first story of a 版 runs across the top, the rest in two stacks under it; each has its
headline in large type and as much of its text as fits, in three narrow columns.

reportlab sets the Chinese with its built-in CID font (STSong-Light), so nothing is embedded
and the files are small; PDFium finds the text and its positions in them like in any print
PDF, which is what the zone proposal reads (zones.py).
"""

from dataclasses import dataclass
from io import BytesIO
from itertools import groupby

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from articles.body import plain_text

FONT = "STSong-Light"
PAGE_SIZE = (350 * mm, 490 * mm)  # a broadsheet 版 (对开), as Chinese dailies print
MARGIN = 18 * mm
STORIES_PER_PAGE = 4
RED = Color(0.66, 0.03, 0.1)
BODY_SIZE = 10
LEADING = 15

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass
class DemoPage:
    number: int
    name: str
    pdf: bytes
    # Where each story was set, as fractions of the page from its top left: {pk: [x, y, w, h]}
    boxes: dict
    headlines: dict  # {pk: [x, y, w, h]} of each headline's first line


def plan(articles):
    """[(number, name, [articles])] for the issue's published stories in print order."""
    numbered = [a for a in articles if a.page_number]
    if numbered:
        pages = []
        for number, group in groupby(numbered, key=lambda a: a.page_number):
            group = list(group)
            pages.append((number, group[0].page_name, group))
        return pages
    pages = []
    for start in range(0, len(articles), STORIES_PER_PAGE):
        group = articles[start : start + STORIES_PER_PAGE]
        number = start // STORIES_PER_PAGE + 1
        section = group[0].section.name if group[0].section else ""
        pages.append((number, "要闻" if number == 1 else section or "综合", group))
    return pages


def typeset(issue, number, name, articles):
    """One demo 版 as a DemoPage."""
    width, height = PAGE_SIZE
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE_SIZE, pageCompression=1)
    pdf.setTitle(f"{issue.paper} {issue.date:%Y年%m月%d日} 第{number:02d}版 {name}(演示)")
    pdf.setAuthor("Newsroom 演示版面")
    top = _masthead(pdf, issue, number, name)
    boxes, headlines = {}, {}
    for article, (x, y, w, h) in zip(articles, _frames(len(articles), top), strict=True):
        headline = _story(pdf, article, x, y, w, h)
        boxes[article.pk] = _fraction(x, y, w, h)
        headlines[article.pk] = _fraction(*headline)
    pdf.showPage()
    pdf.save()
    return DemoPage(number, name, buffer.getvalue(), boxes, headlines)


def _fraction(x, y, w, h):
    """A box given by its top left corner in points (y up) as fractions from the top left."""
    width, height = PAGE_SIZE
    return [x / width, 1 - y / height, w / width, h / height]


def _masthead(pdf, issue, number, name):
    """The page's head; returns the y where stories start."""
    width, height = PAGE_SIZE
    y = height - MARGIN
    pdf.setFillColor(RED)
    pdf.rect(MARGIN, y - 12 * mm, width - 2 * MARGIN, 12 * mm, stroke=0, fill=1)
    pdf.setFillColor(Color(1, 1, 1))
    pdf.setFont(FONT, 16)
    pdf.drawCentredString(
        width / 2, y - 8.5 * mm, "演示版面 · 由系统根据已导入稿件自动排出,并非印刷版面"
    )
    y -= 24 * mm
    pdf.setFillColor(black)
    pdf.setFont(FONT, 14)
    pdf.drawString(MARGIN, y, f"第{number:02d}版 {name}")
    pdf.drawRightString(width - MARGIN, y, f"{issue.date:%Y年%m月%d日}")
    pdf.setFont(FONT, 30)
    pdf.setFillColor(RED)
    pdf.drawCentredString(width / 2, y - 2 * mm, issue.paper)
    pdf.setFillColor(black)
    y -= 7 * mm
    pdf.setLineWidth(1.5)
    pdf.line(MARGIN, y, width - MARGIN, y)
    return y - 4 * mm


def _frames(count, top):
    """Boxes (x, y of the top left corner, w, h) for `count` stories below `top`."""
    width, _ = PAGE_SIZE
    inner = width - 2 * MARGIN
    bottom = MARGIN
    gap = 5 * mm
    if count == 1:
        return [(MARGIN, top, inner, top - bottom)]
    lead_height = (top - bottom) * 0.42
    frames = [(MARGIN, top, inner, lead_height - gap)]
    rest = count - 1
    stacks = [list(range(0, rest, 2)), list(range(1, rest, 2))]
    column = (inner - gap) / 2
    below = top - lead_height
    placed = {}
    for side, stack in enumerate(stacks):
        if not stack:
            continue
        share = (below - bottom) / len(stack)
        for place, index in enumerate(stack):
            x = MARGIN + side * (column + gap)
            width_here = column if stacks[1 - side] else inner
            placed[index] = (x, below - place * share, width_here, share - gap)
    return frames + [placed[index] for index in range(rest)]


# Never at the start of a line (the typesetter's 禁则): they hang at the end of the one before.
NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)…—%")


def _wrap(text, size, width):
    """Lines of `text` at `size` no wider than `width`: Chinese breaks between any characters
    except before closing punctuation."""
    lines, line = [], ""
    for char in text:
        too_wide = pdfmetrics.stringWidth(line + char, FONT, size) > width
        if too_wide and line and char not in NO_LINE_START:
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def _story(pdf, article, x, top, w, h):
    """Set one story in its box; returns its headline's first line as (x, y top, w, h)."""
    pad = 3 * mm
    pdf.setLineWidth(0.5)
    pdf.rect(x, top - h, w, h, stroke=1, fill=0)
    y = top - pad
    if article.kicker:
        pdf.setFont(FONT, 12)
        y -= 12
        pdf.drawString(x + pad, y, article.kicker[:60])
        y -= 4
    size = 26 if w > PAGE_SIZE[0] / 2 else 20
    lines = _wrap(article.headline, size, w - 2 * pad)[:3]
    pdf.setFont(FONT, size)
    for line in lines:
        y -= size * 1.15
        pdf.drawString(x + pad, y, line)
    first_baseline = y + (len(lines) - 1) * size * 1.15
    headline = (
        x + pad,
        first_baseline + size * 0.9,
        pdfmetrics.stringWidth(lines[0], FONT, size),
        size,
    )
    y -= 6 * mm
    columns = 3 if w > PAGE_SIZE[0] / 2 else 2
    column_gap = 4 * mm
    column_width = (w - 2 * pad - (columns - 1) * column_gap) / columns
    paragraphs = [plain_text(p) for p in article.paragraphs]
    body = []
    for paragraph in paragraphs:
        body += _wrap("  " + paragraph, BODY_SIZE, column_width)
    rows = max(0, int((y - (top - h) - pad) // LEADING))
    pdf.setFont(FONT, BODY_SIZE)
    for column in range(columns):
        chunk = body[column * rows : (column + 1) * rows]
        for row, line in enumerate(chunk):
            pdf.drawString(x + pad + column * (column_width + column_gap), y - row * LEADING, line)
    if len(body) > columns * rows and rows:
        pdf.setFillColor(RED)
        pdf.drawRightString(x + w - pad, top - h + pad, "(全文见网站)")
        pdf.setFillColor(black)
    return headline
