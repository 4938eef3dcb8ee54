"""The 数字报: 版 uploads, page images, zones proposed and drawn, and what readers see.

PDFs here are made with reportlab, so where each headline stands is known; they are read
back by PDFium exactly as an editor's upload is.
"""

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from articles.epaper import demo, isolation, pdf, zones
from articles.models import Article, PageZone, PrintPage
from tests.factories import make_article, make_issue

pytestmark = pytest.mark.django_db

PAGE = (800, 1200)  # points


def sliver_pdf():
    """A page 100 pt wide and 5,000 tall: rendered 2,000 px wide it would be 100,000 px tall."""
    buffer = BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(100, 5000))
    sheet.drawString(10, 10, "x")
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def make_pdf(pages=(("第01版 要闻", []),), encrypt=None, body=True):
    """A PDF with one page per (header, [(headline, x, y_from_top, size)]); body lines under
    each headline (unless not `body`), so zones have text to hold."""
    buffer = BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=PAGE, encrypt=encrypt)
    for header, headlines in pages:
        sheet.setFont(demo.FONT, 12)
        sheet.drawString(40, PAGE[1] - 40, header)
        for headline, x, top, size in headlines:
            sheet.setFont(demo.FONT, size)
            sheet.drawString(x, PAGE[1] - top - size, headline)
            sheet.setFont(demo.FONT, 9)
            for row in range(6 if body else 0):
                sheet.drawString(x, PAGE[1] - top - size - 20 - row * 14, "正文内容" * 8)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def upload(name="page.pdf", data=None):
    return SimpleUploadedFile(name, make_pdf() if data is None else data, "application/pdf")


@pytest.fixture
def issue(db):
    return make_issue()


@pytest.fixture
def stories(issue):
    """Two published stories and a draft in one issue, all printed on 第01版."""
    return {
        "lead": make_article(headline="全市供暖工作全面启动", issue=issue, position=0),
        "second": make_article(headline="科尔沁区新建学校投入使用", issue=issue, position=1),
        "draft": make_article(
            headline="尚未发布的稿件标题", issue=issue, position=2, status=Article.Status.DRAFT
        ),
    }


def front_page_pdf(stories, lead_top=100):
    return make_pdf(
        [
            (
                "第01版 要闻",
                [
                    (stories["lead"].headline, 40, lead_top, 28),
                    (stories["second"].headline, 40, 500, 20),
                    (stories["draft"].headline, 420, 500, 20),
                ],
            )
        ]
    )


@pytest.fixture
def rendered_page(issue, stories, committed):
    """第01版 uploaded by an editor's form and rendered by the task, zones proposed."""
    with committed():
        page = PrintPage(issue=issue, number=1, name="要闻")
        page.pdf.save("front.pdf", SimpleUploadedFile("front.pdf", front_page_pdf(stories)))
    page.refresh_from_db()
    return page


def zones_url(page):
    return reverse("admin:articles_printpage_zone_data", args=[page.pk])


# Uploads ----------------------------------------------------------------------------------


def add_page(client, issue, data, number=1):
    return client.post(
        reverse("admin:articles_printpage_add"),
        {"issue": issue.pk, "number": number, "name": "要闻", "pdf": upload(data=data)},
    )


def test_an_editor_uploads_a_page_and_the_task_renders_it(editor, issue, committed, media_root):
    _, client = editor
    with committed():
        response = add_page(client, issue, make_pdf())
    assert response.status_code == 302
    page = PrintPage.objects.get(issue=issue, number=1)
    assert not page.needs_rendering()
    assert (page.width, page.height) == pytest.approx(PAGE)
    widths = sorted(int(w) for w in page.renditions["sizes"])
    assert widths == [240, 480, 800, 1200, 2000]
    for entry in page.renditions["sizes"].values():
        for kind in ("jpeg", "webp"):
            assert (media_root / entry[kind]).stat().st_size > 0
    # The image keeps the page's shape, at a print-like resolution.
    assert page.renditions["sizes"]["2000"]["height"] == 3000
    assert page.thumbnail().width == 240


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF", "已损坏"),
        (make_pdf()[:400], "已损坏"),
        (b"GIF89a not a pdf at all", "不是 PDF"),
        (b"", "空文件"),
        (make_pdf(encrypt=StandardEncryption("user", ownerPassword="owner")), "加密"),
        (make_pdf(encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0)), "加密"),
        (make_pdf([("第01版", []), ("第02版", [])]), "只能有 1 页"),
        (sliver_pdf(), "不像报纸版面"),
    ],
    ids=[
        "no-pages",
        "truncated",
        "not-pdf",
        "empty",
        "password",
        "permissions",
        "two-pages",
        "sliver",
    ],
)
def test_a_bad_pdf_is_a_form_error_and_nothing_is_stored(editor, issue, data, message, media_root):
    _, client = editor
    response = add_page(client, issue, data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["pdf"])
    assert message in errors
    assert not PrintPage.objects.exists()
    assert not list(media_root.rglob("*.pdf"))


def nested_forms_pdf(fan, depth):
    """A PDF of a few kilobytes whose one page draws a form that draws the next `fan` times,
    `depth` levels down: fan**depth drawings (seen to take a worker past 12 GB)."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    }
    leaf = b"0 0 1 1 re f"
    objects[100] = (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] /Length %d >>\nstream\n" % len(leaf)
        + leaf
        + b"\nendstream"
    )
    for level in range(1, depth + 1):
        draws = b" ".join(b"q 1 0 0 1 %d %d cm /X Do Q" % (i % 5, i % 7) for i in range(fan))
        objects[100 + level] = (
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] "
            b"/Resources << /XObject << /X %d 0 R >> >> /Length %d >>\nstream\n"
            % (100 + level - 1, len(draws))
            + draws
            + b"\nendstream"
        )
    objects[3] = b"<< /Length 5 >>\nstream\n/X Do\nendstream"
    objects[4] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 3 0 R "
        b"/Resources << /XObject << /X %d 0 R >> >> >>" % (100 + depth)
    )
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    return bytes(out)


def test_a_pdf_that_draws_forever_is_refused_within_the_time_limit(editor, issue, settings):
    settings.NEWSROOM_EPAPER_SECONDS = 3
    _, client = editor
    started = time.monotonic()
    response = add_page(client, issue, nested_forms_pdf(20, 6))
    assert time.monotonic() - started < 10
    assert "PDF 太复杂" in " ".join(response.context["adminform"].form.errors["pdf"])
    assert not PrintPage.objects.exists()


def test_a_pdf_that_needs_too_much_memory_is_refused_as_too_complex(editor, issue, settings):
    # PDFium aborts when it cannot allocate: the editor is told why, not "damaged".
    settings.NEWSROOM_EPAPER_MEMORY_MB = 400
    _, client = editor
    response = add_page(client, issue, nested_forms_pdf(20, 6))
    assert "PDF 太复杂" in " ".join(response.context["adminform"].form.errors["pdf"])


def test_pdfs_checked_at_once_in_several_threads_all_get_answers(issue):
    # PDFium is not thread-safe; web workers run threads. Each check runs in its own process.
    data = make_pdf()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: isolation.run("check", data), range(12)))
    assert all(result["pages"] == 1 for result in results)


def test_an_oversized_pdf_is_refused_before_it_is_read(editor, issue, settings):
    settings.NEWSROOM_EPAPER_MAX_BYTES = 1000
    _, client = editor
    response = add_page(client, issue, make_pdf())
    assert "PDF 文件太大" in " ".join(response.context["adminform"].form.errors["pdf"])
    assert not PrintPage.objects.exists()


def test_a_page_number_is_used_once_per_issue(editor, issue, committed):
    _, client = editor
    with committed():
        add_page(client, issue, make_pdf())
    response = add_page(client, issue, make_pdf())
    assert "这一期已经有这个版次了" in response.content.decode()
    assert PrintPage.objects.count() == 1


def test_a_whole_issue_pdf_is_split_into_pages_by_their_printed_numbers(editor, issue, committed):
    _, client = editor
    # Each header is followed at once by a headline: the 版 name stops at the line's end.
    data = make_pdf(
        [
            ("第03版:经济", [("我市投资延续高增态势", 40, 60, 28)]),
            ("第01版:要闻", [("全市供暖工作全面启动", 40, 60, 28)]),
            ("第02版 · 乡村振兴", []),
        ]
    )
    with committed():
        response = client.post(
            reverse("admin:articles_printpage_upload_issue"),
            {"issue": issue.pk, "pdf_file": upload("issue.pdf", data)},
        )
    assert response.status_code == 302
    pages = {p.number: p for p in PrintPage.objects.filter(issue=issue)}
    assert {n: p.name for n, p in pages.items()} == {3: "经济", 1: "要闻", 2: "乡村振兴"}
    for page in pages.values():
        assert not page.needs_rendering()
        with page.pdf.open("rb") as file:
            assert pdf.check(file.read())["pages"] == 1


def test_a_whole_issue_without_printed_numbers_is_numbered_in_order(editor, issue, committed):
    _, client = editor
    with committed():
        client.post(
            reverse("admin:articles_printpage_upload_issue"),
            {"issue": issue.pk, "pdf_file": upload("issue.pdf", make_pdf([("", []), ("", [])]))},
        )
    assert sorted(PrintPage.objects.values_list("number", flat=True)) == [1, 2]


def test_a_corrupt_whole_issue_is_refused(editor, issue):
    _, client = editor
    response = client.post(
        reverse("admin:articles_printpage_upload_issue"),
        {"issue": issue.pk, "pdf_file": upload("issue.pdf", b"%PDF-1.7 garbage")},
    )
    assert response.status_code == 200
    assert "已损坏" in response.content.decode()
    assert not PrintPage.objects.exists()


def test_reporters_cannot_touch_the_epaper(reporter, rendered_page, issue):
    _, client = reporter
    assert client.get(reverse("admin:articles_printpage_add")).status_code == 403
    assert client.get(reverse("admin:articles_printpage_upload_issue")).status_code == 403
    assert (
        client.get(reverse("admin:articles_printpage_zones", args=[rendered_page.pk])).status_code
        == 403
    )
    before = list(PageZone.objects.values_list("pk", "rects"))
    response = client.post(
        zones_url(rendered_page), json.dumps({"version": 0, "zones": []}), "application/json"
    )
    assert response.status_code == 403
    assert list(PageZone.objects.values_list("pk", "rects")) == before


def test_editors_hold_the_epaper_permissions(editor):
    user, _ = editor
    for codename in ("add_printpage", "change_printpage", "delete_printpage", "change_pagezone"):
        assert user.has_perm(f"articles.{codename}")


# Zone proposal ----------------------------------------------------------------------------


def test_zones_are_proposed_around_each_headline_found_on_the_page(rendered_page, stories):
    proposed = {zone.article_id: zone for zone in rendered_page.zones.all()}
    assert set(proposed) == {s.pk for s in stories.values()}
    assert all(zone.proposed for zone in proposed.values())
    x, y, w, h = proposed[stories["lead"].pk].rects[0]
    # The lead's headline is at 40 pt from the left, 100 pt from the top, its text below it.
    assert x == pytest.approx(40 / PAGE[0], abs=0.01)
    assert y == pytest.approx(100 / PAGE[1], abs=0.01)
    assert y + h == pytest.approx((100 + 28 + 20 + 5 * 14 + 4) / PAGE[1], abs=0.015)
    # It stops above the next story's headline.
    assert y + h < 500 / PAGE[1]
    second = proposed[stories["second"].pk].rects[0]
    assert second[1] == pytest.approx(500 / PAGE[1], abs=0.01)
    assert second[0] + second[2] < 420 / PAGE[0]  # not into the story beside it


def test_proposals_match_the_demo_typesetting_of_the_seed(seed_issue):
    articles = list(
        Article.objects.filter(issue=seed_issue).select_related("section").in_print_order()
    )
    number, name, group = demo.plan(articles)[0]
    typeset = demo.typeset(seed_issue, number, name, group)
    document = pdf.open_document(typeset.pdf)
    text = pdf.read_text(document)
    document.close()
    proposals = zones.propose(text, group)
    assert set(proposals) == {article.pk for article in group}
    for pk, [(x, y, w, h)] in proposals.items():
        bx, by, bw, bh = typeset.boxes[pk]
        hx, hy, hw, hh = typeset.headlines[pk]
        # The zone holds the headline and stays inside the story's frame.
        assert x <= hx + 0.005 and y <= hy + 0.005 and x + w >= hx + hw - 0.005
        assert x >= bx - 0.01 and y >= by - 0.01
        assert x + w <= bx + bw + 0.01 and y + h <= by + bh + 0.01


def test_a_headline_is_found_across_full_and_half_width_and_line_breaks(issue):
    article = make_article(headline="我市新建5G基站1207个", issue=issue)
    data = make_pdf(
        [("", [("我市新建５Ｇ基站", 40, 100, 24), ("１２０７个", 40, 130, 24)])], body=False
    )
    document = pdf.open_document(data)
    text = pdf.read_text(document)
    document.close()
    assert zones.find_headline(text, article.headline) is not None


def test_an_editors_zone_is_never_replaced_by_a_proposal(rendered_page, stories, committed):
    lead = stories["lead"]
    version = rendered_page.zones_version
    zones.save_zones(rendered_page.pk, version, {lead.pk: [[0.5, 0.5, 0.2, 0.2]]})
    # A new PDF for the same 版: proposals come again, but not over the editor's zone.
    with committed():
        page = PrintPage.objects.get(pk=rendered_page.pk)
        new = front_page_pdf(stories, lead_top=150)
        page.pdf.save("front-v2.pdf", SimpleUploadedFile("v2.pdf", new))
    zone = PageZone.objects.get(article=lead)
    assert zone.rects == [[0.5, 0.5, 0.2, 0.2]] and not zone.proposed
    assert PageZone.objects.filter(page=rendered_page, proposed=True).count() == 2


def test_a_deleted_proposal_stays_deleted_when_the_same_pdf_is_uploaded_again(
    editor, rendered_page, stories, committed
):
    page = rendered_page
    current = {z.article_id: z.rects for z in page.zones.all()}
    del current[stories["second"].pk]
    zones.save_zones(page.pk, page.zones_version, current)
    _, client = editor
    with committed():
        response = client.post(
            reverse("admin:articles_printpage_change", args=[page.pk]),
            {
                "issue": page.issue_id,
                "number": 1,
                "name": "要闻",
                "pdf": upload("same.pdf", front_page_pdf(stories)),
            },
        )
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.needs_rendering() and page.pdf.name.endswith(".pdf")
    assert not PageZone.objects.filter(article=stories["second"]).exists()
    assert PageZone.objects.filter(article=stories["lead"]).exists()


# The zone editor's endpoints --------------------------------------------------------------


def post_zones(client, page, payload):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(zones_url(page), body, content_type="application/json")


def test_the_zone_editor_loads_and_saves_zones(editor, rendered_page, stories, committed):
    _, client = editor
    page_html = client.get(reverse("admin:articles_printpage_zones", args=[rendered_page.pk]))
    assert page_html.status_code == 200
    assert "zone-editor.js" in page_html.content.decode()
    data = client.get(zones_url(rendered_page)).json()
    assert {a["title"] for a in data["articles"]} == {s.headline for s in stories.values()}
    drawn = [{"article": stories["lead"].pk, "rects": [[0.1, 0.1, 0.5, 0.3], [0.1, 0.4, 0.2, 0.1]]}]
    with committed():
        response = post_zones(client, rendered_page, {"version": data["version"], "zones": drawn})
    assert response.status_code == 200
    assert response.json()["version"] == data["version"] + 1
    assert list(PageZone.objects.values_list("article_id", "rects", "proposed")) == [
        (stories["lead"].pk, drawn[0]["rects"], False)
    ]


def test_a_save_from_an_old_version_is_refused_and_changes_nothing(editor, rendered_page, stories):
    _, client = editor
    version = client.get(zones_url(rendered_page)).json()["version"]
    first = {
        "version": version,
        "zones": [{"article": stories["lead"].pk, "rects": [[0, 0, 0.5, 0.5]]}],
    }
    assert post_zones(client, rendered_page, first).status_code == 200
    second = {"version": version, "zones": []}  # another editor, still on the old version
    response = post_zones(client, rendered_page, second)
    assert response.status_code == 409
    assert "已被他人修改" in response.json()["error"]
    assert PageZone.objects.get().rects == [[0, 0, 0.5, 0.5]]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not json", "JSON"),
        ({"zones": []}, "版本号"),
        ({"version": 1, "zones": [{"article": None, "rects": [[0, 0, 0.1, 0.1]]}]}, "选择稿件"),
        ({"version": 1, "zones": [{"article": "LEAD", "rects": [[0.9, 0.9, 0.5, 0.5]]}]}, "超出"),
        ({"version": 1, "zones": [{"article": "LEAD", "rects": [[0, 0, 0.001, 0.5]]}]}, "太小"),
        ({"version": 1, "zones": [{"article": "LEAD", "rects": [["a", 0, 1, 1]]}]}, "格式"),
        ({"version": 1, "zones": [{"article": "LEAD", "rects": []}]}, "矩形"),
        (
            {"version": 1, "zones": [{"article": "OTHER", "rects": [[0, 0, 0.1, 0.1]]}]},
            "不属于本期",
        ),
        ({"version": 1, "zones": [{"article": "LEAD", "rects": [[10**400, 0, 1, 1]]}]}, "格式"),
        ('{"version": 1, "zones": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON"),
    ],
    ids=[
        "json",
        "version",
        "article",
        "outside",
        "tiny",
        "format",
        "empty",
        "other-issue",
        "huge-number",
        "deep-nesting",
    ],
)
def test_bad_zone_data_gets_one_chinese_line_and_changes_nothing(
    editor, rendered_page, stories, payload, message
):
    _, client = editor
    other = make_article(issue=make_issue())
    if isinstance(payload, dict):
        payload = json.loads(
            json.dumps(payload)
            .replace('"LEAD"', str(stories["lead"].pk))
            .replace('"OTHER"', str(other.pk))
        )
    before = list(PageZone.objects.order_by("pk").values_list("article_id", "rects"))
    response = post_zones(client, rendered_page, payload)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert list(PageZone.objects.order_by("pk").values_list("article_id", "rects")) == before


# What readers see --------------------------------------------------------------------------


def test_the_epaper_page_links_published_stories_and_hides_drafts(client, rendered_page, stories):
    response = client.get("/epaper/")
    assert response.status_code == 302
    assert response["Location"] == rendered_page.get_absolute_url()
    html = client.get(rendered_page.get_absolute_url()).content.decode()
    for story in ("lead", "second"):
        article = stories[story]
        assert (
            f'<a href="{article.get_absolute_url()}" id="zone-{article.pk}" aria-label="{article.headline}">'
            in html
        )
    assert stories["draft"].headline not in html
    assert f"zone-{stories['draft'].pk}" not in html
    assert html.count("<rect") == 2
    assert rendered_page.pdf.url in html  # the PDF download
    assert "第01版 要闻" in html


def test_the_article_links_back_to_its_zone(client, rendered_page, stories):
    html = client.get(stories["lead"].get_absolute_url()).content.decode()
    assert f'href="{rendered_page.get_absolute_url()}#zone-{stories["lead"].pk}"' in html
    assert "在版面中查看" in html


def test_a_withdrawn_story_leaves_the_epaper_page(client, rendered_page, stories, committed):
    with committed():
        lead = stories["lead"]
        lead.status = Article.Status.WITHDRAWN
        lead.save()
    html = client.get(rendered_page.get_absolute_url()).content.decode()
    assert f"zone-{lead.pk}" not in html and lead.headline not in html


def test_an_issue_without_published_stories_has_no_epaper(client, issue, committed):
    draft = make_article(issue=issue, status=Article.Status.DRAFT)
    with committed():
        page = PrintPage(issue=issue, number=1)
        page.pdf.save(
            "p.pdf", SimpleUploadedFile("p.pdf", make_pdf([("", [(draft.headline, 40, 100, 24)])]))
        )
    assert client.get(page.get_absolute_url()).status_code == 404
    assert client.get("/epaper/").status_code == 200  # 还没有数字报
    assert "还没有数字报" in client.get("/epaper/").content.decode()
    assert "今日数字报" not in client.get("/").content.decode()


def test_unrendered_pages_are_not_shown(client, stories, issue):
    page = PrintPage(issue=issue, number=1)
    page.pdf.save("p.pdf", SimpleUploadedFile("p.pdf", make_pdf()))  # no commit: no task
    assert client.get(page.get_absolute_url()).status_code == 404


def test_the_front_page_and_issue_page_lead_into_the_epaper(client, rendered_page):
    front = client.get("/").content.decode()
    assert "今日数字报" in front and rendered_page.get_absolute_url() in front
    issue_page = client.get(rendered_page.issue.get_absolute_url()).content.decode()
    assert "阅读本期数字报" in issue_page


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/epaper/go/?date=2022-02-30", 400, "日期格式不对"),
        ("/epaper/go/?date=", 400, "日期格式不对"),
        ("/epaper/go/?date=%EF%BC%92", 400, "日期格式不对"),
        ("/epaper/go/?date=20221220", 400, "日期格式不对"),
        ("/epaper/go/?date=2022-W51-2", 400, "日期格式不对"),
        ("/epaper/1999-01-01/", 404, "没有数字报"),
        ("/epaper/1999-01-01/1/", 404, ""),
        ("/epaper/2022-13-45/1/", 404, ""),
    ],
)
def test_bad_dates_get_a_clear_answer(client, rendered_page, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    assert text in response.content.decode()


def test_a_page_has_one_address(client, rendered_page):
    url = rendered_page.get_absolute_url()
    response = client.get(url.replace("/1/", "/01/"))
    assert response.status_code == 301 and response["Location"] == url


def test_a_zone_save_too_large_for_the_server_gets_a_json_answer(
    editor, rendered_page, stories, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _, client = editor
    zones_list = [{"article": stories["lead"].pk, "rects": [[0, 0, 0.1, 0.1]] * 20}] * 20
    response = post_zones(client, rendered_page, {"version": 1, "zones": zones_list})
    assert response.status_code == 400 and "太大" in response.json()["error"]


def test_the_date_picker_finds_the_nearest_epaper(client, rendered_page):
    day = rendered_page.issue.date
    assert (
        client.get(f"/epaper/go/?date={day.isoformat()}")["Location"]
        == rendered_page.get_absolute_url()
    )
    later = day.replace(year=day.year + 1)
    assert (
        client.get(f"/epaper/go/?date={later.isoformat()}")["Location"]
        == rendered_page.get_absolute_url()
    )


def epaper_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_epaper_page_costs_the_same_queries_for_1_or_20_pages_and_10_or_1000_zones(
    client, issue
):
    def page_with_zones(number, count):
        page = PrintPage.objects.create(
            issue=issue,
            number=number,
            pdf=f"epaper/{number}.pdf",
            renditions={
                "source": f"epaper/{number}.pdf",
                "sizes": {"240": {"height": 360, "jpeg": "a.jpg", "webp": "a.webp"}},
            },
        )
        articles = Article.objects.bulk_create(
            Article(
                headline=f"稿件{number}-{n}",
                slug=f"s{number}-{n}",
                issue=issue,
                page_number=number,
                status=Article.Status.PUBLISHED,
                published_at=issue_time,
                body=[],
            )
            for n in range(count)
        )
        PageZone.objects.bulk_create(
            PageZone(page=page, article=a, rects=[[0.1, 0.1, 0.1, 0.1]]) for a in articles
        )
        return page

    issue_time = make_article(issue=issue).published_at
    first = page_with_zones(1, 10)
    epaper_queries(client, first.get_absolute_url())  # what a process reads once
    small = epaper_queries(client, first.get_absolute_url())
    for number in range(2, 21):
        page_with_zones(number, 1)
    many_pages = epaper_queries(client, first.get_absolute_url())
    crowded = page_with_zones(21, 1000)
    many_zones = epaper_queries(client, crowded.get_absolute_url())
    assert small == many_pages == many_zones
    assert small <= 8


def test_zone_changes_refresh_the_cached_epaper_and_article_pages(
    client, settings, editor, rendered_page, stories, committed
):
    settings.NEWSROOM_PAGE_CACHE = True
    lead, second = stories["lead"], stories["second"]
    urls = [rendered_page.get_absolute_url(), second.get_absolute_url()]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    _, editor_client = editor
    data = editor_client.get(zones_url(rendered_page)).json()
    kept = [z for z in data["zones"] if z["article"] != second.pk]
    with committed():
        post_zones(editor_client, rendered_page, {"version": data["version"], "zones": kept})
    epaper = client.get(urls[0])
    assert epaper["X-Page-Cache"] != "hit"
    assert f"zone-{second.pk}" not in epaper.content.decode()
    assert f"zone-{lead.pk}" in epaper.content.decode()
    article = client.get(urls[1])
    assert article["X-Page-Cache"] != "hit"
    assert "在版面中查看" not in article.content.decode()


def test_deleting_a_page_removes_its_files_and_links(
    client, rendered_page, stories, committed, media_root
):
    files = [media_root / name for name in rendered_page.stored_files()]
    assert all(f.exists() for f in files)
    with committed():
        rendered_page.delete()
    assert not any(f.exists() for f in files)
    assert "在版面中查看" not in client.get(stories["lead"].get_absolute_url()).content.decode()


# The demo ---------------------------------------------------------------------------------


def test_the_demo_command_puts_the_seed_in_the_epaper(
    client, seed_issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_demo_epaper", stdout=StringIO())
    pages = list(PrintPage.objects.filter(issue=seed_issue))
    assert len(pages) >= 2
    assert all(not page.needs_rendering() for page in pages)
    zoned = PageZone.objects.filter(page__issue=seed_issue).count()
    assert zoned == Article.objects.filter(issue=seed_issue).count()
    html = client.get(pages[0].get_absolute_url()).content.decode()
    assert len(re.findall(r'id="zone-\d+"', html)) >= 2
    # Run again: the issue has pages, so nothing is replaced.
    output = StringIO()
    call_command("make_demo_epaper", stdout=output)
    assert "跳过" in output.getvalue()
    with pytest.raises(CommandError, match="日期格式不对"):
        call_command("make_demo_epaper", "--date", "20221220x")
    with pytest.raises(CommandError, match="没有已发布稿件"):
        call_command("make_demo_epaper", "--date", "1999-01-01")


def test_renaming_or_renumbering_a_page_reaches_the_stored_links_to_it(
    client, rendered_page, stories, committed
):
    lead = stories["lead"]
    assert "第01版 要闻" in client.get(lead.get_absolute_url()).content.decode()
    with committed():
        page = PrintPage.objects.get(pk=rendered_page.pk)
        page.name, page.number = "综合新闻", 3
        page.save()
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "第03版 综合新闻" in html and f"/3/#zone-{lead.pk}" in html
    assert client.get(PrintPage.objects.get(pk=page.pk).get_absolute_url()).status_code == 200
