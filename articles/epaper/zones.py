"""Where each article stands on a 版: proposed from the PDF's text, drawn by editors.

A zone is a list of rectangles [x, y, w, h] in fractions of the page's width and height from
its top left corner (PageZone), so it fits the page image at any size.

Proposal. For each of the issue's articles, its headline is looked for in the page's text
(NFKC on both sides, whitespace ignored, so a headline set on two lines or in full-width
digits is still found; where it occurs more than once, the occurrence in the largest type
is the headline). The block proposed around it is the headline and the text runs under it
that lie within its width, down to the next found headline below that overlaps it, or to a
gap in the text wider than a few lines. Editors correct the rest in the zone editor.

Saving. The zone editor sends every zone of the page with the version it started from; a
save from an older version is refused (ZoneConflict), like a conflicting article save, so
two editors never overwrite each other unseen. Every save goes through content_changed():
the e-paper page and the articles' "在版面中查看" links follow in every process.
"""

import math
import statistics
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction

from articles import page_cache
from articles.changes import content_changed
from articles.models import Article, PageZone, PrintPage

MAX_ZONES = 1000
MAX_RECTS = 20
MIN_SIDE = 0.004  # a rectangle thinner than this is a slip of the mouse, not a zone
PADDING = 0.004
FARTHEST = 0.25  # of the page: text beside no headline and this far from all is nobody's
# Looked for by its first characters when the whole headline is not on the page (a print
# headline shortened or broken differently): shorter keys would match body text.
SHORTEST_KEY = 6


class ZoneConflict(Exception):
    """The page's zones changed since the editor loaded them."""

    def __init__(self, current_version):
        super().__init__(current_version)
        self.current_version = current_version


def _key(text):
    return "".join(unicodedata.normalize("NFKC", text).split())


def find_headline(page_text, title):
    """[left, top, right, bottom] of the title printed on the page (pdf.read_text()), or None."""
    text = page_text["text"]
    key = _key(title)
    keys = [key] if len(key) >= 2 else []
    if len(key) > 12:
        keys.append(key[:12])
    best = None
    for candidate in keys:
        start = text.find(candidate)
        while start != -1:
            glyphs = page_text["glyphs"][start : start + len(candidate)]
            size = statistics.fmean(glyph[5] for glyph in glyphs)
            if best is None or size > best[0]:
                box = [
                    min(g[1] for g in glyphs),
                    min(g[2] for g in glyphs),
                    max(g[3] for g in glyphs),
                    max(g[4] for g in glyphs),
                ]
                best = (size, box)
            start = text.find(candidate, start + 1)
        if best is not None or len(candidate) < SHORTEST_KEY:
            break
    return best[1] if best else None


def _overlap(a, b):
    """How much of the narrower of two [left, top, right, bottom] boxes the other spans."""
    shared = min(a[2], b[2]) - max(a[0], b[0])
    narrower = min(a[2] - a[0], b[2] - b[0])
    return shared / narrower if narrower > 0 else 0


def propose(page_text, articles):
    """{article pk: [[x, y, w, h]]} for the articles whose headline is on the page.

    Each run of text goes to the headline that owns it: of the headlines above it (or just
    below it, for a kicker), the nearest one standing over it; if none stands over it (a
    story's text is often wider than its headline), the nearest one at all. A story's zone
    is its headline and the text it owns, down to the next headline under it. Text far from
    every headline (an advertisement, the page's own head) is nobody's.
    """
    lines = page_text["lines"]
    heads = {}
    for article in articles:
        box = find_headline(page_text, article.headline)
        if box is not None:
            heads[article.pk] = box
    heights = [line[3] - line[1] for line in lines if line[3] > line[1]]
    line_height = statistics.median(heights) if heights else 0.01
    # A story ends where the next headline under it begins.
    limits = {
        pk: min(
            (
                other[1]
                for other_pk, other in heads.items()
                if other_pk != pk
                and other[1] > head[3] - line_height / 2
                and _overlap(head, other) > 0.3
            ),
            default=1.0,
        )
        for pk, head in heads.items()
    }
    owned = {pk: list(head) for pk, head in heads.items()}
    for line in lines:
        owner = _owner(line, heads, limits, line_height)
        if owner is not None:
            box = owned[owner]
            owned[owner] = [
                min(box[0], line[0]),
                min(box[1], line[1]),
                max(box[2], line[2]),
                max(box[3], line[3]),
            ]
    return {pk: [_padded(box)] for pk, box in owned.items()}


def _owner(line, heads, limits, line_height):
    """The headline owning a run of text, or None."""
    best, best_distance = None, None
    for pk, head in heads.items():
        if head[1] > line[1] + 2 * line_height or line[1] >= limits[pk]:
            continue  # a headline well below the text, or another story under it first
        vertical = max(0.0, line[1] - head[3], head[1] - line[3])
        horizontal = max(0.0, head[0] - line[2], line[0] - head[2])
        over = _over(line, head)
        # A story's columns run down from its headline as far as they go; text beside a
        # headline's width is its own only nearby.
        if not over and vertical + horizontal > FARTHEST:
            continue
        # Any headline standing over the text comes before every one beside it.
        distance = (0 if over else 1, vertical + horizontal)
        if best_distance is None or distance < best_distance:
            best, best_distance = pk, distance
    return best


def _over(line, head):
    """Whether the headline stands over the run: a third of the run lies within its width."""
    shared = min(line[2], head[2]) - max(line[0], head[0])
    width = line[2] - line[0]
    return width > 0 and shared / width >= 0.3


def _padded(box):
    left = max(0.0, box[0] - PADDING)
    top = max(0.0, box[1] - PADDING)
    right = min(1.0, box[2] + PADDING)
    bottom = min(1.0, box[3] + PADDING)
    return [round(left, 5), round(top, 5), round(right - left, 5), round(bottom - top, 5)]


@transaction.atomic
def store_proposals(page, page_text, digest):
    """Propose zones for the page's current PDF, once (`digest`: rendering.layout_digest() of
    its text): editors' zones are never replaced, and a proposal an editor deleted is not made
    again for the same page, however often it is exported and uploaded."""
    page = PrintPage.objects.select_for_update().get(pk=page.pk)
    if page.zones_proposed_from == digest:
        return 0
    drawn = set(page.zones.filter(proposed=False).values_list("article_id", flat=True))
    articles = Article.objects.filter(issue_id=page.issue_id).only("pk", "headline")
    # A story usually has its headline on one 版; those already placed elsewhere by an
    # editor are not looked for again.
    placed = set(
        PageZone.objects.filter(page__issue_id=page.issue_id, proposed=False)
        .exclude(page=page)
        .values_list("article_id", flat=True)
    )
    candidates = [a for a in articles if a.pk not in drawn and a.pk not in placed]
    proposals = propose(page_text, candidates)
    stale = set(page.zones.filter(proposed=True).values_list("article_id", flat=True))
    page.zones.filter(proposed=True).delete()
    PageZone.objects.bulk_create(
        PageZone(page=page, article_id=pk, rects=rects, proposed=True)
        for pk, rects in proposals.items()
    )
    page.zones_proposed_from = digest
    page.zones_version += 1
    page.save(update_fields=["zones_proposed_from", "zones_version"])
    content_changed(
        stale | proposals.keys(),
        listed=False,
        reindex=False,
        tags=[page_cache.issue_tag(page.issue_id)],
    )
    return len(proposals)


# The zone editor ---------------------------------------------------------------------------


def clean_payload(payload, page):
    """(version, {article pk: rects}) from the zone editor's JSON, or a ValidationError."""
    if not isinstance(payload, dict):
        raise ValidationError("提交的数据格式不对。")
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("缺少版面区域的版本号,请刷新页面后重试。")
    zones = payload.get("zones")
    if not isinstance(zones, list):
        raise ValidationError("缺少区域列表。")
    if len(zones) > MAX_ZONES:
        raise ValidationError(f"一个版最多 {MAX_ZONES} 个区域。")
    issue_articles = set(
        Article.objects.filter(issue_id=page.issue_id).values_list("pk", flat=True)
    )
    cleaned = {}
    for zone in zones:
        if not isinstance(zone, dict):
            raise ValidationError("提交的数据格式不对。")
        article = zone.get("article")
        if not isinstance(article, int) or isinstance(article, bool):
            raise ValidationError("有区域没有选择稿件,请为每个区域选择稿件。")
        if not 0 < article < 2**63:
            raise ValidationError("稿件编号不对。")
        if article not in issue_articles:
            raise ValidationError(f"稿件 {article} 不属于本期,不能放在这个版上。")
        if article in cleaned:
            raise ValidationError(f"稿件 {article} 有两个区域;同一稿件在一个版上只能有一个区域。")
        cleaned[article] = _clean_rects(zone.get("rects"))
    return version, cleaned


def _clean_rects(rects):
    if not isinstance(rects, list) or not rects:
        raise ValidationError("区域缺少矩形。")
    if len(rects) > MAX_RECTS:
        raise ValidationError(f"一个区域最多由 {MAX_RECTS} 个矩形组成。")
    cleaned = []
    for rect in rects:
        if not isinstance(rect, list) or len(rect) != 4:
            raise ValidationError("区域的坐标格式不对。")
        x, y, w, h = (_coordinate(v) for v in rect)
        if w < MIN_SIDE or h < MIN_SIDE:
            raise ValidationError("区域太小,请拖出更大的矩形。")
        if x < 0 or y < 0 or x + w > 1.0001 or y + h > 1.0001:
            raise ValidationError("区域超出了版面范围。")
        cleaned.append([round(v, 5) for v in (x, y, min(w, 1 - x), min(h, 1 - y))])
    return cleaned


def _coordinate(value):
    """A finite number as a float; a ValidationError for anything else (a 400-digit integer
    included: it has no float)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    raise ValidationError("区域的坐标格式不对。")


@transaction.atomic
def save_zones(page_pk, version, zones):
    """Replace a page's zones with `zones` ({article pk: rects}) if it is still at `version`.

    Returns the new version. Zones whose rectangles did not change keep whether they were
    proposed; any other becomes the editor's (never replaced by a later proposal).
    """
    page = PrintPage.objects.select_for_update().get(pk=page_pk)
    if page.zones_version != version:
        raise ZoneConflict(page.zones_version)
    current = {zone.article_id: zone for zone in page.zones.all()}
    changed = set()
    for article_pk, zone in current.items():
        if article_pk not in zones:
            zone.delete()
            changed.add(article_pk)
    for article_pk, rects in zones.items():
        zone = current.get(article_pk)
        if zone is None:
            PageZone.objects.create(page=page, article_id=article_pk, rects=rects)
        elif zone.rects != rects:
            zone.rects, zone.proposed = rects, False
            zone.save(update_fields=["rects", "proposed"])
        else:
            continue
        changed.add(article_pk)
    if changed:
        page.zones_version += 1
        page.save(update_fields=["zones_version"])
        content_changed(
            changed, listed=False, reindex=False, tags=[page_cache.issue_tag(page.issue_id)]
        )
    return page.zones_version
