"""A day at the desk in Debian's Chromium, at 1366 px and on a phone.

A reporter made with `create_staff` writes a story with a photo, is bylined without
asking, and submits it; an editor opens it, edits it, publishes, appends a 更正, compares
two versions and sees the status change, and withdraws it. Every step saves; the public
page shows the photo from a rendition, and then is gone. Screenshots of each step are
written under the test's output folder (pytest's tmp_path, printed on failure) and, when
NEWSROOM_SCREENSHOTS names a folder, there too.
"""

import os
import shutil
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from PIL import Image

from articles.models import Article
from tests.conftest import SEED, VIEWPORTS

DESK = {"width": 1366, "height": 768}


def create_staff(name, role):
    out = StringIO()
    call_command("create_staff", name, "--role", role, stdout=out)
    return out.getvalue().split("密码(只显示这一次,请妥善转交):")[1].split()[0]


class Walk:
    def __init__(self, browser, live_server, tmp_path, viewport, name):
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.folder = tmp_path / name
        self.folder.mkdir()
        self.step = 0

    def shot(self, label):
        self.step += 1
        path = self.folder / f"{self.step:02d}-{label}.png"
        self.page.screenshot(path=path, full_page=True)
        if target := os.environ.get("NEWSROOM_SCREENSHOTS"):
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(target) / f"{self.folder.name}-{path.name}")

    def log_in(self, username, password):
        self.page.goto(self.base + "/admin/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()
        assert "稿件管理" in self.page.content()

    def save(self, label):
        self.page.locator("input[name=_save]").click()
        self.page.wait_for_load_state()
        self.shot(label)
        assert self.page.locator(".messagelist .success").count() == 1, self.page.content()[:3000]

    def close(self):
        assert self.errors == []
        self.context.close()


def test_a_reporter_and_an_editor_work_a_story_from_draft_to_withdrawal(
    browser,
    live_server,
    transactional_db,
    tmp_path,
):
    reporter_password = create_staff("李娜", "记者")
    editor_password = create_staff("张编辑", "编辑")
    photo = tmp_path / "heating.jpg"
    Image.new("RGB", (2000, 1300), (180, 60, 40)).save(photo, "JPEG")

    reporter = Walk(browser, live_server, tmp_path, DESK, "reporter")
    reporter.log_in("李娜", reporter_password)
    page = reporter.page
    page.goto(reporter.base + "/admin/articles/article/add/")
    # Bylined without asking: the credit row is already hers.
    assert page.locator("#id_credits-0-person option[selected]").inner_text() == "李娜"
    page.fill("#id_headline", "全市供暖运行平稳")
    page.fill("#id_body", "入冬以来,全市供暖运行平稳。\n\n记者走访了三个社区。")
    page.locator("#photos-group").get_by_text("添加另一个 图片").click()
    page.set_input_files("#id_photos-0-image", str(photo))
    page.fill("#id_photos-0-caption", "图为供热公司工作人员巡检管网。")
    page.fill("#id_photos-0-photographer", "王强")
    page.select_option("#id_status", "submitted")
    reporter.shot("reporter-writes")
    reporter.save("reporter-submits")
    assert "当前状态:待审" in page.content()
    article = Article.objects.get(headline="全市供暖运行平稳")
    page.goto(f"{reporter.base}/admin/articles/article/{article.pk}/change/")
    assert "入冬以来" in page.locator(".field-body_display").inner_text()
    assert "paragraph" not in page.content()
    reporter.shot("reporter-reads-submitted")
    reporter.close()

    editor = Walk(browser, live_server, tmp_path, DESK, "editor")
    editor.log_in("张编辑", editor_password)
    page = editor.page
    page.goto(editor.base + "/admin/articles/article/")
    first = page.locator("#result_list tbody tr").first
    assert first.locator("th.field-headline").inner_text() == "全市供暖运行平稳"
    editor.shot("editor-list")
    first.locator("th.field-headline a").click()
    page.wait_for_load_state()
    page.fill("#id_headline", "全市供暖运行平稳有序")
    page.select_option("#id_status", "published")
    editor.save("editor-publishes")

    page.goto(f"{editor.base}/admin/articles/article/{article.pk}/change/")
    page.locator("#corrections-group").get_by_text("添加另一个 更正").click()
    page.fill("#id_corrections-0-text", "更正:原稿“三个社区”应为“四个社区”。")
    editor.save("editor-corrects")

    page.goto(f"{editor.base}/admin/articles/article/{article.pk}/history/")
    editor.shot("editor-history")
    page.locator("#change-history tbody tr").last.locator("input[name=a]").check()
    page.locator("#change-history tbody tr").first.locator("input[name=b]").check()
    page.get_by_role("button", name="比较所选的两个版本").click()
    page.wait_for_load_state()
    table = page.locator("table.diff").inner_text()
    assert "待审" in table and "已发布" in table
    editor.shot("editor-compares")

    reader = editor.context.browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    article.refresh_from_db()
    reader.goto(editor.base + article.get_absolute_url())
    assert reader.locator("h1").inner_text() == "全市供暖运行平稳有序"
    assert "四个社区" in reader.locator(".corrections").inner_text()
    image = reader.locator("figure img")
    image.scroll_into_view_if_needed()
    reader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10_000
    )
    assert "/renditions/" in reader.evaluate("img => img.currentSrc", image.element_handle())
    reader.screenshot(path=editor.folder / "reader-sees-the-story.png", full_page=True)

    page.goto(f"{editor.base}/admin/articles/article/{article.pk}/change/")
    page.select_option("#id_status", "withdrawn")
    page.fill("#id_withdrawn_reason", "当事人投诉,核实中")
    editor.save("editor-withdraws")
    reader.context.close()
    # A new reader (one who had the page open may keep it for the browser's max-age, 60 s).
    reader = editor.context.browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    assert reader.goto(editor.base + article.get_absolute_url()).status == 410
    assert "本稿已撤回" in reader.content() and article.headline not in reader.content()
    reader.context.close()
    editor.close()


def test_an_editor_reads_the_list_and_opens_a_story_on_a_phone(
    browser,
    live_server,
    transactional_db,
    tmp_path,
):
    password = create_staff("张编辑", "编辑")
    call_command(
        "import_issue",
        str(SEED),
        "--date",
        "2022-12-20",
        verbosity=0,
    )
    phone = Walk(browser, live_server, tmp_path, VIEWPORTS["phone"], "phone")
    phone.log_in("张编辑", password)
    page = phone.page
    page.goto(phone.base + "/admin/articles/article/")
    headline = page.locator("#result_list th.field-headline").first
    phone.shot("phone-list")
    assert headline.bounding_box()["width"] >= 120  # more than three characters a line
    headline.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#id_headline").is_visible()
    phone.shot("phone-form")
    phone.close()
