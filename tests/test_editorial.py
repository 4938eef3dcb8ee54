"""The editors' desk: each role against each action, through the admin's real endpoints.

Every refused action is checked to have changed nothing.
"""

import ipaddress
import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article, ArticleEvent, Correction
from tests.browserless import article_form, form_fields
from tests.conftest import make_staff
from tests.factories import make_article, make_person

pytestmark = pytest.mark.django_db
Status = Article.Status


def snapshot(article):
    article = Article.objects.get(pk=article.pk)
    return (
        article.headline,
        article.body,
        article.status,
        article.published_at,
        article.withdrawn_reason,
        article.version,
        list(article.credits.values_list("person_id")),
        list(article.corrections.values_list("text")),
        article.events.count(),
    )


def draft_by(user, **kwargs):
    kwargs.setdefault("status", Status.DRAFT)
    kwargs.setdefault("published_at", None)
    # Bylined, as a story must be before it is published.
    kwargs.setdefault("credits", [(make_person(), "记者")])
    return make_article(created_by=user, **kwargs)


def post_form(client, article, **changes):
    url, data = article_form(client, article)
    data |= changes
    return client.post(url, data)


def events(article):
    return list(article.events.values_list("action", "user__username"))


# Reporters -----------------------------------------------------------------------------


def test_reporter_creates_a_draft(reporter):
    user, client = reporter
    url, data = article_form(client)
    assert [c for c in data if c == "status"] and "published_at_0" not in data
    data |= {"headline": "社区开展冬季防火宣传", "body": "近日,社区开展防火宣传。"}
    assert client.post(url, data).status_code == 302
    article = Article.objects.get(headline="社区开展冬季防火宣传")
    assert (article.status, article.created_by) == (Status.DRAFT, user)
    assert events(article) == [(ArticleEvent.Action.CREATED, "王记者")]


def test_reporter_edits_and_submits_own_draft(reporter):
    user, client = reporter
    article = draft_by(user)
    assert post_form(client, article, headline="改过的标题").status_code == 302
    assert post_form(client, article, status=Status.SUBMITTED).status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.status) == ("改过的标题", Status.SUBMITTED)
    assert (ArticleEvent.Action.SUBMITTED, "王记者") in events(article)


def test_reporter_cannot_edit_own_article_once_submitted(reporter):
    user, client = reporter
    article = draft_by(user, status=Status.SUBMITTED)
    before = snapshot(article)
    response = client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200 and 'name="headline"' not in response.content.decode()
    data = {"headline": "偷偷改", "body": "x", "edit_version": article.version}
    assert client.post(f"/admin/articles/article/{article.pk}/change/", data).status_code == 403
    assert snapshot(article) == before


def test_reporter_cannot_edit_others_work(reporter, other_reporter):
    _, client = reporter
    article = draft_by(other_reporter[0])
    before = snapshot(article)
    data = {"headline": "改别人的稿", "edit_version": article.version}
    assert client.post(f"/admin/articles/article/{article.pk}/change/", data).status_code == 403
    assert snapshot(article) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Status.PUBLISHED},
        {"status": Status.PUBLISHED, "published_at_0": "2099-01-01", "published_at_1": "08:00"},
        {"status": Status.WITHDRAWN, "withdrawn_reason": "不想要了"},
    ],
    ids=["publish", "schedule", "withdraw"],
)
def test_reporter_cannot_publish_schedule_or_withdraw(reporter, changes):
    user, client = reporter
    article = draft_by(user)
    before = snapshot(article)
    response = post_form(client, article, **changes)
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert snapshot(article) == before


def test_reporter_cannot_use_the_bulk_publish_action(reporter):
    user, client = reporter
    article = draft_by(user)
    before = snapshot(article)
    response = client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    assert response.status_code in {200, 302}
    assert snapshot(article) == before


def test_reporter_cannot_correct_or_restore_a_published_article(reporter, editor):
    user, client = reporter
    article = make_article(created_by=user)
    editor_client = editor[1]
    assert post_form(editor_client, article, headline="编辑改过").status_code == 302
    before = snapshot(article)
    data = {"corrections-TOTAL_FORMS": "1", "corrections-0-text": "更正:数字有误。"}
    assert client.post(f"/admin/articles/article/{article.pk}/change/", data).status_code == 403
    version = article_versions(article)[-1]
    url = f"/admin/articles/article/{article.pk}/history/{version.pk}/"
    assert client.post(url, {"headline": "旧标题"}).status_code == 403
    assert snapshot(article) == before


def test_reporter_can_restore_a_revision_of_own_draft(reporter):
    user, client = reporter
    url, data = article_form(client)
    data |= {"headline": "初稿标题", "body": "初稿。"}
    client.post(url, data)
    article = Article.objects.get(headline="初稿标题")
    post_form(client, article, headline="二稿标题", body="二稿。")
    restore(client, article, article_versions(article)[0])
    article.refresh_from_db()
    assert (article.headline, article.body_text) == ("初稿标题", "初稿。")


def test_my_articles_filter(reporter, other_reporter):
    user, client = reporter
    mine, theirs = draft_by(user), draft_by(other_reporter[0])
    response = client.get("/admin/articles/article/", {"mine": "1"})
    shown = list(response.context["cl"].result_list)
    assert mine in shown and theirs not in shown


# Editors ---------------------------------------------------------------------------------


def test_editor_creates_and_publishes_in_one_step(editor):
    user, client = editor
    url, data = article_form(client)
    data |= {
        "headline": "全市供暖运行平稳",
        "body": "入冬以来,全市供暖运行平稳。",
        "status": "published",
        "credits-TOTAL_FORMS": "1",
        "credits-0-person": str(make_person(name="供暖记者").pk),
        "credits-0-role": "记者",
        "credits-0-position": "0",
    }
    assert client.post(url, data).status_code == 302
    article = Article.objects.get(headline="全市供暖运行平稳")
    assert article.created_by == user and article.is_published
    assert events(article) == [
        (ArticleEvent.Action.CREATED, "张编辑"),
        (ArticleEvent.Action.PUBLISHED, "张编辑"),
    ]


def test_editor_edits_others_work_and_publishes_it(editor, reporter):
    article = draft_by(reporter[0], status=Status.SUBMITTED)
    response = post_form(editor[1], article, headline="编辑定稿", status=Status.PUBLISHED)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "编辑定稿" and article.is_published
    assert (ArticleEvent.Action.PUBLISHED, "张编辑") in events(article)
    assert Client().get(article.get_absolute_url()).status_code == 200


def test_editor_schedules_an_article(editor):
    article = draft_by(None)
    when = timezone.localtime() + timedelta(days=1)
    response = post_form(
        editor[1],
        article,
        status=Status.PUBLISHED,
        published_at_0=when.strftime("%Y-%m-%d"),
        published_at_1=when.strftime("%H:%M:%S"),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled and article.state_label == "定时发布"
    assert (ArticleEvent.Action.SCHEDULED, "张编辑") in events(article)
    assert Client().get(article.get_absolute_url()).status_code == 404


def test_editor_withdraws_with_a_reason(editor):
    article = make_article()
    response = post_form(editor[1], article, status=Status.WITHDRAWN)
    assert "withdrawn_reason" in response.context["adminform"].form.errors
    response = post_form(editor[1], article, status=Status.WITHDRAWN, withdrawn_reason="数据有误")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (Status.WITHDRAWN, "数据有误")
    assert article.events.get(action=ArticleEvent.Action.WITHDRAWN).note == "数据有误"
    assert Client().get(article.get_absolute_url()).status_code == 410
    page = editor[1].get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "数据有误" in page and "撤稿" in page


def test_editor_appends_a_correction_shown_publicly(editor, seed_issue):
    article = Article.objects.get(headline="我市新建5G基站1207个")
    modified_before = article.modified_at
    response = post_form(
        editor[1],
        article,
        **{"corrections-TOTAL_FORMS": "1", "corrections-0-text": "原文“1207个”应为“1270个”。"},
    )
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert correction.created_by.username == "张编辑"
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "原文“1207个”应为“1270个”。" in html and "更正" in html
    article.refresh_from_db()
    assert article.modified_at > modified_before
    assert article.events.filter(action=ArticleEvent.Action.CORRECTED).exists()


def test_corrections_cannot_be_edited_or_removed(editor):
    article = make_article()
    Correction.objects.create(article=article, text="原更正。")
    Article.objects.filter(pk=article.pk).update(corrected_at=timezone.now())
    url, data = article_form(editor[1], article)
    assert "corrections-0-text" not in data
    data |= {"corrections-0-DELETE": "on", "corrections-0-id": Correction.objects.get().pk}
    editor[1].post(url, data)
    assert Correction.objects.get().text == "原更正。"


def test_bulk_publish_and_withdraw_check_each_article(editor):
    drafts = [draft_by(None) for _ in range(2)]
    client = editor[1]
    response = client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]},
    )
    assert response.status_code == 302
    assert all(Article.objects.get(pk=a.pk).is_published for a in drafts)
    unpublished = draft_by(None)
    selected = [a.pk for a in drafts] + [unpublished.pk]
    confirm = client.post(
        "/admin/articles/article/", {"action": "withdraw_selected", "_selected_action": selected}
    )
    assert "撤稿原因" in confirm.content.decode()
    client.post(
        "/admin/articles/article/",
        {"action": "withdraw_selected", "_selected_action": selected, "reason": "重复稿件"},
    )
    assert [Article.objects.get(pk=a.pk).status for a in drafts] == [Status.WITHDRAWN] * 2
    assert Article.objects.get(pk=unpublished.pk).status == Status.DRAFT


# Revision history ------------------------------------------------------------------------


def article_versions(article):
    from reversion.models import Version

    return list(Version.objects.get_for_object(article).order_by("revision__date_created"))


def restore(client, article, version):
    url = f"/admin/articles/article/{article.pk}/history/{version.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    data = form_fields(response, "article_form")
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    return response


def test_revision_history_lists_compares_and_restores(editor, seed_issue):
    client = editor[1]
    article = Article.objects.get(headline="我市新建5G基站1207个")
    post_form(client, article, headline="我市新建5G基站1270个")
    post_form(client, article, body="全新的正文。", **{"credits-0-role": "编辑"})
    versions = article_versions(article)
    assert len(versions) == 2

    history = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert "张编辑" in history and "比较所选的两个版本" in history

    compare = client.get(
        f"/admin/articles/article/{article.pk}/history/compare/",
        {"a": versions[0].pk, "b": versions[1].pk},
    ).content.decode()
    compare = re.sub(r"<[^>]+>", "", compare).replace("&nbsp;", " ")
    assert "今年，我市积极推进产业智能化" in compare and "全新的正文。" in compare
    assert "署名:记者 邵南" in compare and "署名:编辑 邵南" in compare

    restore(client, article, versions[0])
    article.refresh_from_db()
    assert article.headline == "我市新建5G基站1270个"
    assert article.body_text.startswith("今年，我市积极推进产业智能化")
    assert article.credits.get().role == "记者"
    assert article.is_published  # restoring content never changes the workflow state


# No lost edits -----------------------------------------------------------------------------


def test_second_of_two_simultaneous_saves_is_refused_and_keeps_its_text(editor, seed_issue):
    first_user, first = editor
    second = make_staff("李编辑", "编辑")[1]
    article = Article.objects.get(headline="我市工业生产持续向好")
    url, first_data = article_form(first, article)
    _, second_data = article_form(second, article)

    first_data |= {"headline": "张编辑的标题"}
    assert first.post(url, first_data).status_code == 302

    second_data |= {
        "headline": "李编辑的标题",
        "body": "李编辑辛苦写的新正文。",
        "credits-0-role": "编辑",
    }
    response = second.post(url, second_data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存失败:张编辑 在" in html and "保存了这篇稿件" in html
    assert "李编辑辛苦写的新正文。" in html and 'value="李编辑的标题"' in html
    article.refresh_from_db()
    assert article.headline == "张编辑的标题"
    assert article.credits.get().role == "记者"

    # Having seen the warning, the second editor may save deliberately.
    resubmit = form_fields(response, "article_form")
    assert second.post(url, resubmit).status_code == 302
    article.refresh_from_db()
    assert article.headline == "李编辑的标题"


def test_inline_only_changes_also_bump_the_version(editor, seed_issue):
    client = editor[1]
    article = Article.objects.get(headline="我市工业生产持续向好")
    url, stale = article_form(client, article)
    _, data = article_form(client, article)
    assert client.post(url, data | {"credits-0-role": "编辑"}).status_code == 302
    response = client.post(url, stale | {"headline": "基于旧副本的修改"})
    assert response.status_code == 200 and "保存失败" in response.content.decode()


# Scheduled publishing needs no cron job ----------------------------------------------------


def test_scheduled_article_appears_at_its_time_with_nothing_run(client):
    when = timezone.now() + timedelta(seconds=1)
    article = make_article(published_at=when)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.headline not in client.get("/feeds/rss/").content.decode()
    time.sleep(max(0.0, (when - timezone.now()).total_seconds()) + 0.05)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert article.headline in client.get("/feeds/rss/").content.decode()


# Staff accounts ----------------------------------------------------------------------------


def test_create_staff_prints_a_password_that_logs_in():
    out = StringIO()
    call_command("create_staff", "新记者", "--role", "记者", stdout=out)
    password = out.getvalue().strip().rsplit(":", 1)[-1]
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "新记者", "password": password}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="新记者")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["记者"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["某人", "--role", "主编"], "只能是"),
        (["某人"], "只能是"),
        (["a b!", "--role", "记者"], "登录名不可用"),
    ],
)
def test_create_staff_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_staff", *args, stdout=StringIO())


def test_create_staff_refuses_an_existing_name(reporter):
    with pytest.raises(CommandError, match="账号已存在"):
        call_command("create_staff", "王记者", "--role", "编辑", stdout=StringIO())


# Login protection --------------------------------------------------------------------------


def test_repeated_failed_logins_are_throttled(settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("编辑甲", password="correct-horse-9", is_staff=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "编辑甲", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "编辑甲", "password": "wrong"})
    assert response.status_code == 429
    response = client.post("/admin/login/", {"username": "编辑甲", "password": "correct-horse-9"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttling_behind_a_proxy_counts_each_reader_separately(settings):
    """With one trusted proxy, two readers behind it are two addresses, not one."""
    settings.NEWSROOM_TRUSTED_PROXIES = 1
    settings.NEWSROOM_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/24")]  # where it sits
    client = Client()

    def attempt(address, username):
        return client.post(
            "/admin/login/",
            {"username": username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.9, {address}",
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("203.0.113.5", f"谁{n}")
    assert attempt("203.0.113.5", "又一个").status_code == 429
    # Another reader behind the same proxy, trying another account, is not locked out.
    assert attempt("203.0.113.6", "别人").status_code == 200
