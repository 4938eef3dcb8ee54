"""The 数字报 walked in Debian's Chromium, at 1366 px and on a 390 px phone.

A reader goes from the front page into the e-paper's 第01版, opens a story by clicking its
zone on the page image and, back on the page, by keyboard alone; from the story,
在版面中查看 leads back to its zone, and 下一版 turns the page. axe-core checks each
e-paper page. An editor then draws a zone in the admin's zone editor and sees it on the
public page. Screenshots of each step go to the test's output folder (and
NEWSROOM_SCREENSHOTS when set).
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article, PageZone, PrintPage
from tests.conftest import SEED, SEED_DATE
from tests.test_browser import check_accessibility, check_fits_the_screen
from tests.test_desk_walk import DESK, Walk, create_staff

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def epaper(transactional_db, settings):
    """The seed, published, with its demo 版 rendered; media served as the proxy would."""
    settings.ROOT_URLCONF = "tests.urls_media"
    call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish", verbosity=0)
    call_command("make_demo_epaper", stdout=StringIO())
    return list(PrintPage.objects.order_by("number"))


def zone_centre(page, article):
    rect = page.locator(f"#zone-{article.pk} rect").first
    rect.scroll_into_view_if_needed()
    box = rect.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366", "390"])
def test_a_reader_reads_the_paper_page_by_page(browser, live_server, epaper, tmp_path, viewport):
    walk = Walk(browser, live_server, tmp_path, viewport, f"epaper-{viewport['width']}")
    page = walk.page
    lead = Article.objects.get(headline="我市多措并举深入开展乡村振兴工作")

    page.goto(walk.base + "/")
    walk.shot("front")
    page.locator(".epaper-pages").get_by_role("link", name="第01版 要闻").click()
    page.wait_for_load_state()
    assert page.url.endswith("/epaper/2022-12-20/1/")
    assert page.locator(".epaper-image img").evaluate("img => img.naturalWidth") > 0
    check_accessibility(page)
    check_fits_the_screen(page)
    walk.shot("page-1")

    # A zone is a link named by its headline; the mouse opens it.
    zone = page.get_by_role("link", name=lead.headline).first
    assert zone.get_attribute("id") == f"zone-{lead.pk}"
    page.mouse.click(*zone_centre(page, lead))
    page.wait_for_url(re.compile(rf"/articles/{lead.pk}/"))
    walk.shot("article-by-mouse")

    # And so does the keyboard: Tab reaches the zone, Enter opens it.
    page.go_back()
    page.wait_for_load_state()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"zone-{lead.pk}":
            break
    else:
        pytest.fail("the zone is not reachable by keyboard")
    walk.shot("zone-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/articles/{lead.pk}/"))

    # From the story back to where it stands on the page.
    page.get_by_role("link", name=re.compile("在版面中查看")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/epaper/2022-12-20/1/#zone-{lead.pk}")
    walk.shot("back-to-zone")

    page.get_by_role("link", name=re.compile("^下一版")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/epaper/2022-12-20/2/")
    check_accessibility(page)
    check_fits_the_screen(page)
    walk.shot("page-2")
    assert walk.errors == []
    walk.close()


def test_an_editor_draws_a_zone_and_readers_see_it(browser, live_server, epaper, tmp_path):
    second = epaper[1]
    story = Article.objects.get(headline="迟红蕾：心系社区 为民代言")
    PageZone.objects.filter(article=story).delete()  # the editor will draw it by hand
    password = create_staff("张编辑", "编辑")
    walk = Walk(browser, live_server, tmp_path, {"width": 1366, "height": 1600}, "zone-editor")
    page = walk.page
    walk.log_in("张编辑", password)

    page.goto(walk.base + "/admin/articles/printpage/")
    page.get_by_role("row", name=re.compile("第02版")).get_by_role("link", name="编辑区域").click()
    page.wait_for_load_state()
    walk.shot("editor")
    page.select_option("#zone-article", str(story.pk))
    sheet = page.locator("#zone-page img").bounding_box()

    def at(x, y):
        return sheet["x"] + x * sheet["width"], sheet["y"] + y * sheet["height"]

    page.mouse.move(*at(0.06, 0.72))
    page.mouse.down()
    page.mouse.move(*at(0.3, 0.8), steps=5)
    page.mouse.move(*at(0.48, 0.93), steps=5)
    page.mouse.up()
    assert "未保存" in page.locator("#zone-status").inner_text()
    page.get_by_role("button", name="保存区域").click()
    expect(page.locator("#zone-status")).to_contain_text("区域已保存")
    walk.shot("saved")
    x, y, w, h = PageZone.objects.get(article=story).rects[0]
    assert (x, y, x + w, y + h) == pytest.approx((0.06, 0.72, 0.48, 0.93), abs=0.01)

    reader = walk.context.browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    reader.goto(walk.base + second.get_absolute_url())
    assert reader.locator(f"#zone-{story.pk}").count() == 1
    reader.mouse.click(*zone_centre(reader, story))
    reader.wait_for_url(re.compile(rf"/articles/{story.pk}/"))
    reader.context.close()

    # Another editor's stale save is refused, and says so.
    PageZone.objects.filter(article=story).update(rects=[[0.1, 0.1, 0.2, 0.2]])
    PrintPage.objects.filter(pk=second.pk).update(zones_version=999)
    page.mouse.click(*at(0.2, 0.8))  # select the rectangle, nudge it, save
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="保存区域").click()
    expect(page.locator("#zone-status")).to_contain_text("已被他人修改")
    walk.shot("conflict")
    assert PageZone.objects.get(article=story).rects == [[0.1, 0.1, 0.2, 0.2]]
    assert walk.errors == []
    walk.close()
