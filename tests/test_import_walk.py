"""The nightly import walked in Debian's Chromium, as an editor does it.

Upload the seed, correct one of the parser's decisions on the review page, confirm,
watch the progress page while the task worker (the real database-backed queue, run
as `manage.py db_worker --batch`) does the import, land on the summary, and open the
issue on the public site. A reporter gets no further than a 403. Screenshots of each
step go to the test's output folder (and NEWSROOM_SCREENSHOTS when set).
"""

import re

from django.core.management import call_command

from articles.models import Article, IssueImport
from tests.conftest import SEED
from tests.test_desk_walk import DESK, Walk, create_staff


def test_an_editor_imports_the_nights_issue_in_the_browser(
    browser, live_server, transactional_db, tmp_path, settings
):
    # Confirming queues the import for the worker, as in production (tests otherwise run
    # tasks immediately), so the progress page has something to show.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    password = create_staff("张编辑", "编辑")
    walk = Walk(browser, live_server, tmp_path, DESK, "import")
    page = walk.page
    walk.log_in("张编辑", password)

    page.goto(walk.base + "/admin/articles/issue/")
    page.get_by_role("link", name="导入版面").click()
    page.set_input_files("#id_source_file", str(SEED))
    page.fill("#id_date", "２０２２-１２-２０")
    page.check("#id_publish")
    walk.shot("source")
    page.get_by_role("button", name="解析并核对").click()
    page.wait_for_load_state()
    walk.shot("review")
    assert "8 篇稿件" in page.content()
    assert page.locator("section.import-article").count() == 8
    assert page.locator("tr.unsure").count() >= 1

    # The editor reads 学习宣传贯彻党的二十大精神 as a banner over the page, not this story's column.
    banner = page.locator("tr", has_text="学习宣传贯彻党的二十大精神").locator("select")
    assert banner.input_value() == "section"
    banner.select_option(label="备注(不进正文)")
    page.get_by_role("button", name="按更正重新解析").click()
    page.wait_for_load_state()
    walk.shot("corrected")
    corrected = page.locator("tr", has_text="学习宣传贯彻党的二十大精神")
    assert corrected.locator("select").input_value() == "note"
    assert "已更正" in corrected.inner_text()

    page.get_by_role("button", name="确认导入").click()
    page.wait_for_load_state()
    assert re.search(r"/import/\d+/progress/$", page.url)
    assert "排队中" in page.locator("#import-status").inner_text()
    walk.shot("queued")
    assert Article.objects.count() == 0

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    page.wait_for_url(re.compile(r"/summary/$"), timeout=10_000)
    walk.shot("summary")
    assert "新建(8)" in page.content()
    job = IssueImport.objects.get()
    assert job.status == IssueImport.Status.DONE
    school = Article.objects.get(headline="霍林郭勒市委党校：聚焦主责主业")
    assert school.section is None and "学习宣传贯彻党的二十大精神" in school.import_notes

    page.get_by_role("link", name="在网站上查看这一期").click()
    page.wait_for_load_state()
    walk.shot("public-issue")
    assert "我市多措并举深入开展乡村振兴工作" in page.content()
    walk.close()


def test_a_reporter_cannot_open_the_import_page(browser, live_server, transactional_db, tmp_path):
    password = create_staff("李娜", "记者")
    walk = Walk(browser, live_server, tmp_path, DESK, "reporter-import")
    walk.log_in("李娜", password)
    walk.page.goto(walk.base + "/admin/articles/issue/")
    assert walk.page.get_by_role("link", name="导入版面").count() == 0
    response = walk.page.goto(walk.base + "/admin/articles/issue/import/")
    assert response.status == 403
    walk.close()
