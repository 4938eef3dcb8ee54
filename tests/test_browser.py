"""A reader's walk through the site in Debian's Chromium, on a desktop and on a phone.

Front page → a column → an article → the reporter's page → the issue by date,
with axe-core checking each page for serious or critical accessibility problems.
"""

import pytest
from django.core.management import call_command

from tests.conftest import AXE, SEED, SEED_DATE, VIEWPORTS


def check_accessibility(page):
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], page.url


def check_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_walks_from_front_page_to_the_issue(
    browser, live_server, transactional_db, viewport, tmp_path
):
    call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish", verbosity=0)
    # axe is injected as a script; the site's CSP rightly forbids that, so this context waives it.
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def visited(title_part):
        assert title_part in page.title()
        check_accessibility(page)
        check_fits_the_screen(page)

    page.goto(live_server.url + "/")
    visited("通辽日报")
    assert page.locator(".lead-story h3").inner_text() == "我市多措并举深入开展乡村振兴工作"

    page.locator(".site-nav").get_by_role("link", name="人大代表风采").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "人大代表风采"
    visited("人大代表风采")

    page.get_by_role("link", name="迟红蕾：心系社区 为民代言").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "迟红蕾：心系社区 为民代言"
    assert page.locator(".byline").inner_text().split() == ["本报记者", "李娜"]
    visited("迟红蕾")
    page.screenshot(path=tmp_path / f"article-{viewport}.png", full_page=True)

    page.locator(".byline").get_by_role("link", name="李娜").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "李娜"
    assert page.locator(".article-item").count() == 2
    visited("李娜")

    page.get_by_role("link", name="我市多措并举深入开展乡村振兴工作").click()
    page.wait_for_load_state()
    page.locator(".dates").get_by_role("link", name="通辽日报 2022年12月20日").click()
    page.wait_for_load_state()
    assert page.url.endswith("/issues/2022-12-20/")
    assert page.locator(".article-item").count() == 8
    visited("2022年12月20日")

    page.get_by_role("link", name="往期回顾").first.click()
    page.wait_for_load_state()
    visited("往期回顾")
    assert page.locator(".issue-calendar a").count() == 1

    page.locator(".site-nav").get_by_role("link", name="搜索").click()
    page.wait_for_load_state()
    page.fill("#id_q", "留工培训补助")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    visited("搜索")
    assert page.locator(".search-results li").count() == 1
    assert page.locator(".search-results mark").first.inner_text() in {"留", "工", "培训", "补助"}

    # The photo caption and its credit, read as a reader sees them.
    page.goto(live_server.url + "/sections/you-hua-ying-shang-huan-jing-jin-xing-shi/")
    page.get_by_role("link", name="开鲁县人社局优化营商环境 提升服务效能").click()
    page.wait_for_load_state()
    caption = page.locator("figure figcaption").inner_text()
    assert caption.startswith(
        "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。"
    )
    assert caption.endswith("本报特约通讯员 胡建华 摄")
    visited("开鲁县")
    assert errors == []
    context.close()


def test_editor_edits_adds_a_photo_publishes_and_sees_it_public(
    browser, live_server, transactional_db, tmp_path
):
    """An editor's morning: log in, fix a draft's headline and body, add a photo, publish."""
    from io import StringIO

    from PIL import Image

    from articles.models import Article

    call_command("import_issue", str(SEED), "--date", SEED_DATE, verbosity=0)  # drafts
    out = StringIO()
    call_command("create_staff", "张编辑", "--role", "编辑", stdout=out)
    password = out.getvalue().strip().rsplit(":", 1)[-1]
    article = Article.objects.get(headline="我市新建5G基站1207个")
    photo_path = tmp_path / "tower.jpg"
    Image.new("RGB", (1200, 800), (40, 120, 200)).save(photo_path, "JPEG")

    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "张编辑")
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "稿件管理" in page.content()

    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_headline", "我市今年新建5G基站1207个")
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\n### 下一步\n\n明年将**继续**推进5G建设。")
    page.locator("#photos-group").get_by_text("添加另一个 图片").click()
    page.set_input_files("#id_photos-0-image", str(photo_path))
    page.fill("#id_photos-0-caption", "图为工作人员调试5G基站设备。")
    page.fill("#id_photos-0-photographer", "王强")
    page.select_option("#id_status", "published")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1, page.content()[:2000]

    article.refresh_from_db()
    assert article.is_published and article.headline == "我市今年新建5G基站1207个"
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator("h1").inner_text() == "我市今年新建5G基站1207个"
    assert page.locator("h2", has_text="下一步").count() == 1
    assert page.locator(".article-body strong:not(.dateline)").inner_text() == "继续"
    caption = page.locator("figure figcaption").inner_text()
    assert caption.startswith("图为工作人员调试5G基站设备。") and caption.endswith(
        "本报摄影记者 王强 摄"
    )
    image = page.locator("figure img")
    # The photo sits below the text and loads lazily: bring it into view, then wait for it.
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10_000
    )
    assert "480w" in image.get_attribute("srcset")
    check_accessibility_with_csp_waived(context, page.url)
    context.close()


def check_accessibility_with_csp_waived(context, url):
    page = context.browser.new_context(bypass_csp=True).new_page()
    page.goto(url)
    check_accessibility(page)
    page.context.close()
