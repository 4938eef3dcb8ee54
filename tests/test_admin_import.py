"""The nightly import in the admin: upload, review, correct, confirm, progress, summary.

Over HTTP with the Django test client, on both databases; the browser walk of
the same steps is in test_desk_walk.py.
"""

import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.models import Article, Issue, IssueImport, Section
from tests.conftest import SEED, SEED_DATE

SOURCE_URL = "/admin/articles/issue/import/"

MERGED = """\
# 全市冬季供暖平稳运行

**本报讯(记者 李娜)** 入冬以来,全市供暖运行平稳。

## 图书馆闭馆检修

### 检修内容

市图书馆12月25日闭馆一天。
"""


def upload(client, text=None, name="issue.txt", data=None, **fields):
    payload = {"date": SEED_DATE, "number": "", **fields}
    if data is not None or text is not None:
        content = data if data is not None else text.encode()
        payload["source_file"] = SimpleUploadedFile(name, content, content_type="text/plain")
    return client.post(SOURCE_URL, payload)


def page_text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def review_url(job):
    return f"{SOURCE_URL}{job.pk}/"


@pytest.mark.django_db
def test_a_reporter_cannot_reach_any_import_page(reporter, editor):
    client = reporter[1]
    assert client.get(SOURCE_URL).status_code == 403
    assert upload(client, SEED.read_text(encoding="utf-8")).status_code == 403
    job = IssueImport.objects.create(date=SEED_DATE, source_text="# 甲\n", source_sha256="x")
    for suffix in ["", "progress/", "summary/"]:
        assert client.get(f"{review_url(job)}{suffix}").status_code == 403
    assert client.post(review_url(job), {"confirm": "1"}).status_code == 403
    job.refresh_from_db()
    assert job.status == IssueImport.Status.REVIEWING and Article.objects.count() == 0
    # The button is only on the editor's list of issues.
    assert "导入版面" not in client.get("/admin/articles/issue/").content.decode()
    assert "导入版面" in editor[1].get("/admin/articles/issue/").content.decode()


@pytest.mark.django_db
def test_editor_imports_the_seed_through_review_progress_and_summary(editor, committed):
    client = editor[1]
    response = upload(client, SEED.read_text(encoding="utf-8"), number="１２３", publish="on")
    job = IssueImport.objects.get()
    assert response.status_code == 302 and response["Location"] == review_url(job)
    assert (job.number, job.publish, job.created_by) == (123, True, editor[0])

    review = client.get(review_url(job))
    text = page_text(review)
    for headline in ["我市多措并举深入开展乡村振兴工作", "迟红蕾：心系社区 为民代言"]:
        assert headline in text
    assert "8 篇稿件" in text and "本报记者 邵南" in text and "特约通讯员 胡建华 摄" in text
    assert "待核" in text and "传播党的声音" in text
    assert Article.objects.count() == 0  # reviewing writes nothing

    with committed():
        response = client.post(review_url(job), {"confirm": "1"})
    assert response["Location"] == f"{review_url(job)}progress/"
    job.refresh_from_db()
    assert job.status == IssueImport.Status.DONE and job.issue.date.isoformat() == SEED_DATE
    assert client.get(f"{review_url(job)}progress/")["Location"] == f"{review_url(job)}summary/"

    summary = client.get(f"{review_url(job)}summary/")
    body = summary.content.decode()
    assert "新建(8)" in page_text(summary)
    for article in Article.objects.all():
        assert f"/admin/articles/article/{article.pk}/change/" in body
        assert article.get_absolute_url() in body  # published: a link to the public page
    assert job.issue.get_absolute_url() in body
    assert Issue.objects.get().number == 123
    assert client.get(job.issue.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_the_editor_corrects_a_decision_and_sees_the_issue_parsed_again(editor, committed):
    client = editor[1]
    upload(client, MERGED)
    job = IssueImport.objects.get()
    assert "1 篇稿件" in page_text(client.get(review_url(job)))
    line = MERGED.splitlines().index("## 图书馆闭馆检修") + 1

    client.post(review_url(job), {f"line-{line}": "headline", "reparse": "1"})
    job.refresh_from_db()
    assert job.decisions == {str(line): "headline"}
    text = page_text(client.get(review_url(job)))
    assert "2 篇稿件" in text and "已更正" in text

    with committed():
        client.post(review_url(job), {"confirm": "1"})
    assert list(Article.objects.order_by("position").values_list("headline", flat=True)) == [
        "全市冬季供暖平稳运行",
        "图书馆闭馆检修",
    ]
    library = Article.objects.get(headline="图书馆闭馆检修")
    assert library.body[0] == {"type": "subhead", "text": "检修内容"}


@pytest.mark.django_db
def test_a_choice_that_is_not_offered_is_ignored_and_reset_undoes_corrections(editor):
    client = editor[1]
    upload(client, MERGED)
    job = IssueImport.objects.get()
    client.post(review_url(job), {"line-5": "<script>", "line-999": "headline", "reparse": "1"})
    job.refresh_from_db()
    assert job.decisions == {}
    client.post(review_url(job), {"line-5": "headline", "reparse": "1"})
    client.post(review_url(job), {"reset": "1"})
    job.refresh_from_db()
    assert job.decisions == {}


@pytest.mark.django_db
def test_the_admin_and_the_command_import_the_same_articles(editor, committed):
    call_command("import_issue", str(SEED), "--date", "2022-12-21", stdout=StringIO())
    upload(editor[1], SEED.read_text(encoding="utf-8"))
    with committed():
        editor[1].post(review_url(IssueImport.objects.get()), {"confirm": "1"})

    def articles(day):
        return list(
            Article.objects.filter(issue__date=day)
            .order_by("position")
            .values_list("headline", "import_fingerprint", "section__name")
        )

    assert articles(SEED_DATE) == articles("2022-12-21")


@pytest.mark.django_db
def test_reimporting_in_the_admin_keeps_what_the_desk_decided(editor, committed, seed_issue):
    withdrawn = Article.objects.get(headline="我市新建5G基站1207个")
    withdrawn.status = Article.Status.WITHDRAWN
    withdrawn.save()
    upload(editor[1], SEED.read_text(encoding="utf-8"), publish="on")
    job = IssueImport.objects.get()
    with committed():
        editor[1].post(review_url(job), {"confirm": "1"})
    withdrawn.refresh_from_db()
    assert withdrawn.status == Article.Status.WITHDRAWN
    summary = page_text(editor[1].get(f"{review_url(job)}summary/"))
    assert "保留编辑决定(撤稿、退回、删除)(1)" in summary and "我市新建5G基站1207个" in summary


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "请上传源文件,或粘贴全文"),
        ({"text": "# 甲\n", "source_text": "# 乙\n"}, "请只选一种"),
        ({"data": "# 标题\n正文".encode("utf-16")}, "iconv -f UTF-16LE"),
        ({"data": "# 标题\n正文".encode("gbk")}, "不是 UTF-8 编码"),
        ({"text": "# 标题\n", "date": "2022-13-45"}, "日期不存在"),
        ({"text": "# 标题\n", "date": "１９００-０１-０１"}, "日期超出范围"),
        ({"text": "# 标题\n", "date": "昨天"}, "日期格式不对"),
        ({"text": "# 标题\n", "number": "-3"}, "期号应为正整数"),
        ({"text": "   \n"}, "文件是空的"),
    ],
)
def test_bad_sources_are_one_clear_error_and_nothing_is_kept(editor, fields, message):
    response = upload(editor[1], **fields)
    assert response.status_code == 200
    assert message in page_text(response)
    assert IssueImport.objects.count() == 0 and Article.objects.count() == 0


@pytest.mark.django_db
def test_an_oversized_upload_is_refused(editor, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 2048
    response = upload(editor[1], "# 标题\n\n" + "正文。" * 1000)
    assert "文件太大" in page_text(response) and IssueImport.objects.count() == 0


@pytest.mark.django_db
def test_pasted_text_is_imported_like_an_upload(editor):
    editor[1].post(SOURCE_URL, {"date": SEED_DATE, "source_text": MERGED})
    job = IssueImport.objects.get()
    assert job.source_name == "粘贴的内容" and job.source_text.startswith("# 全市冬季供暖")


@pytest.mark.django_db
def test_a_source_over_the_limits_is_refused_at_upload(editor, settings):
    response = upload(editor[1], "# " + "长" * 201 + "\n\n正文。\n")
    assert "第 1 篇" in page_text(response) and "超过 200 字的上限" in page_text(response)
    settings.NEWSROOM_IMPORT_MAX_ARTICLES = 2
    response = upload(editor[1], "# 甲\n\n正文。\n\n# 乙\n\n正文。\n\n# 丙\n\n正文。\n")
    assert "超过每期 2 篇的上限" in page_text(response)
    response = upload(editor[1], "只有正文,没有标题。\n")
    assert "没有找到任何标题" in page_text(response)
    assert IssueImport.objects.count() == 0


@pytest.mark.django_db
def test_a_correction_that_breaks_a_limit_cannot_be_confirmed(editor, committed):
    client = editor[1]
    long_line = "这一段很长" * 50
    upload(client, f"# 标题\n\n正文。\n\n{long_line}\n")
    job = IssueImport.objects.get()
    line = 5
    job.decisions = {str(line): "headline"}  # what a tampered correction would ask for
    job.save()
    assert "超过 200 字的上限" in page_text(client.get(review_url(job)))
    with committed():
        response = client.post(review_url(job), {"confirm": "1"}, follow=True)
    assert "超过 200 字的上限" in page_text(response)
    job.refresh_from_db()
    assert job.status == IssueImport.Status.REVIEWING and Article.objects.count() == 0


@pytest.mark.django_db
def test_confirming_twice_imports_once(editor, committed):
    client = editor[1]
    upload(client, MERGED)
    job = IssueImport.objects.get()
    with committed():
        client.post(review_url(job), {"confirm": "1"})
        client.post(review_url(job), {"confirm": "1"})
    assert Article.objects.count() == 1
    assert IssueImport.objects.get().report["created"] == ["全市冬季供暖平稳运行"]


@pytest.mark.django_db
def test_a_failed_import_says_why_and_changes_nothing(editor, committed, monkeypatch):
    from articles import importing

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.Credit.objects, "bulk_create", explode)
    client = editor[1]
    upload(client, MERGED)
    job = IssueImport.objects.get()
    with committed():
        client.post(review_url(job), {"confirm": "1"})
    job.refresh_from_db()
    assert job.status == IssueImport.Status.FAILED
    assert Article.objects.count() == 0 and Issue.objects.count() == 0
    progress = client.get(f"{review_url(job)}progress/")
    assert "导入失败" in page_text(progress) and "disk full" not in page_text(progress)
    # Back to the review page, and this time it works.
    monkeypatch.undo()
    client.post(f"{review_url(job)}progress/", {"review": "1"})
    with committed():
        client.post(review_url(job), {"confirm": "1"})
    job.refresh_from_db()
    assert job.status == IssueImport.Status.DONE and Article.objects.count() == 1


@pytest.mark.django_db
def test_an_import_interrupted_by_a_dead_worker_runs_again(editor, committed):
    """The worker died mid-import: its transaction rolled back, the job says running, and
    requeue_interrupted_tasks queues the task again."""
    from articles.tasks import run_issue_import

    upload(editor[1], MERGED)
    job = IssueImport.objects.get()
    IssueImport.objects.filter(pk=job.pk).update(status=IssueImport.Status.RUNNING)
    with committed():
        run_issue_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == IssueImport.Status.DONE and Article.objects.count() == 1


@pytest.mark.django_db
def test_a_paste_too_big_for_a_request_is_a_form_error(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = editor[1].post(SOURCE_URL, {"date": SEED_DATE, "source_text": "正文。" * 1000})
    assert response.status_code == 200 and "粘贴的内容太大" in page_text(response)


@pytest.mark.django_db
def test_the_summary_survives_its_issue_being_deleted(editor, committed):
    upload(editor[1], MERGED)
    job = IssueImport.objects.get()
    with committed():
        editor[1].post(review_url(job), {"confirm": "1"})
    Article.objects.all().delete()
    Issue.objects.all().delete()
    response = editor[1].get(f"{review_url(job)}summary/")
    assert response.status_code == 200 and "已被删除" in page_text(response)


@pytest.mark.django_db
def test_the_import_is_what_the_review_page_showed_even_if_columns_appear_meanwhile(
    editor, committed
):
    client = editor[1]
    upload(
        client,
        "# 甲稿标题\n\n本报讯(记者 马丽)甲的正文。\n\n## 快讯\n\n市图书馆今起延长开放时间。\n",
    )
    job = IssueImport.objects.get()
    assert "2 篇稿件" in page_text(client.get(review_url(job)))
    Section.objects.create(name="快讯")  # another import, or an editor, adds the column
    assert "2 篇稿件" in page_text(client.get(review_url(job)))
    with committed():
        client.post(review_url(job), {"confirm": "1"})
    assert sorted(Article.objects.values_list("headline", flat=True)) == ["快讯", "甲稿标题"]
