"""A reporter's and an editor's day at the desk, through the admin's real HTTP endpoints:
photos and credits only where the user may edit, staff who byline themselves, a read-only
view that reads like a newsroom's, history that says what changed, preview links that can
be revoked, and logins that cannot be guessed or forgotten for good."""

import re
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Credit, Photo, PhotoCredit
from people.models import Person
from tests.browserless import article_form, form_fields, share_link
from tests.conftest import make_staff
from tests.factories import make_article, make_person
from tests.test_editorial import draft_by

pytestmark = pytest.mark.django_db
Status = Article.Status


def png(size=(64, 48)):
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def photos_snapshot():
    """Every photo and photo credit as it is stored: what a refused request must not change."""
    return (
        sorted(Photo.objects.values_list("pk", "article_id", "caption", "position")),
        sorted(PhotoCredit.objects.values_list("pk", "photo_id", "person_id", "role")),
    )


def photo_on(article, caption="图为现场。"):
    photo = Photo.objects.create(article=article, caption=caption)
    PhotoCredit.objects.create(photo=photo, person=make_person(), role="摄影记者")
    return photo


# Photos and credits only where the user may edit -----------------------------------------


def test_a_reporter_cannot_add_a_photo_to_someone_elses_or_a_published_article(
    reporter, other_reporter
):
    theirs = draft_by(other_reporter[0])
    published = make_article(created_by=reporter[0])
    before = photos_snapshot()
    for article in [theirs, published]:
        response = reporter[1].post(
            "/admin/articles/photo/add/",
            {
                "article": article.pk,
                "position": 0,
                "caption": "图为偷偷加上的图片。",
                "image": png(),
                "credits-TOTAL_FORMS": "0",
                "credits-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "记者只能修改自己的草稿" in response.content.decode()
    assert photos_snapshot() == before


def test_a_reporter_cannot_delete_or_move_photos_they_may_not_edit(reporter, other_reporter):
    theirs = photo_on(draft_by(other_reporter[0]))
    mine = photo_on(draft_by(reporter[0]))
    before = photos_snapshot()
    client = reporter[1]
    assert (
        client.post(f"/admin/articles/photo/{theirs.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    response = client.post(
        "/admin/articles/photo/",
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    assert response.status_code in {302, 403}
    moved = client.post(
        f"/admin/articles/photo/{mine.pk}/change/",
        {
            "article": theirs.article_id,
            "position": 0,
            "caption": mine.caption,
            "credits-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "0",
        },
    )
    assert moved.status_code == 200 and "记者只能修改自己的草稿" in moved.content.decode()
    assert photos_snapshot() == before


def test_a_reporter_manages_photos_on_their_own_draft_and_an_editor_anywhere(reporter, editor):
    mine = photo_on(draft_by(reporter[0]))
    assert (
        reporter[1].post(f"/admin/articles/photo/{mine.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert not Photo.objects.filter(pk=mine.pk).exists()
    published = photo_on(make_article())
    assert (
        editor[1].post(f"/admin/articles/photo/{published.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )


def test_a_reporter_cannot_change_the_credits_of_an_article_they_may_not_edit(
    reporter, other_reporter
):
    article = draft_by(other_reporter[0])
    url, data = article_form(other_reporter[1], article)
    before = sorted(Credit.objects.values_list("pk", "article_id", "person_id", "role"))
    response = reporter[1].post(url, data | {"credits-0-role": "通讯员"})
    assert response.status_code == 403
    assert sorted(Credit.objects.values_list("pk", "article_id", "person_id", "role")) == before


# Staff are people --------------------------------------------------------------------------


def test_create_staff_links_the_account_to_a_person(reporter):
    user = reporter[0]
    assert Person.objects.get(user=user).name == "王记者"
    existing = make_person(name="李娜")
    make_staff("李娜", "记者")
    existing.refresh_from_db()
    assert existing.user.username == "李娜"
    assert Person.objects.filter(name="李娜").count() == 1


def test_a_reporters_new_article_starts_with_their_own_byline(reporter):
    url, data = article_form(reporter[1])
    assert data["credits-0-person"] == str(reporter[0].person.pk)
    assert data["credits-0-role"] == "记者" and data["credits-0-staff"] == "on"
    data |= {"headline": "社区供暖调查", "body": "记者走访了三个社区。", "status": "draft"}
    assert reporter[1].post(url, data).status_code == 302
    article = Article.objects.get(headline="社区供暖调查")
    assert article.byline() == "本报记者 王记者"


def test_publishing_without_a_byline_is_refused_with_the_reason(editor):
    article = make_article(status=Status.SUBMITTED, published_at=None)
    url, data = article_form(editor[1], article)
    response = editor[1].post(url, data | {"status": "published"})
    assert response.status_code == 200
    assert "发布前请至少添加一个署名" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED
    listed = editor[1].post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [article.pk]},
        follow=True,
    )
    assert "没有署名" in listed.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.SUBMITTED


def test_an_account_can_be_linked_to_a_person_in_the_admin(editor):
    user = get_user_model().objects.create_user("老编辑", is_staff=True)
    person = make_person(name="老编辑")
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "", "x"))
    url = f"/admin/people/person/{person.pk}/change/"
    data = form_fields(admin.get(url), "person_form")
    assert admin.post(url, data | {"user": user.pk}).status_code == 302
    assert Person.objects.get(pk=person.pk).user == user


# An admin that reads like a newsroom's ---------------------------------------------------


def test_after_submitting_the_reporter_reads_the_story_not_json(reporter):
    article = draft_by(reporter[0], body=[{"type": "paragraph", "text": "第一段。"}])
    url, data = article_form(reporter[1], article)
    response = reporter[1].post(url, data | {"status": "submitted"}, follow=True)
    page = response.content.decode()
    assert "当前状态:待审" in page and "再次编辑" not in page
    view = reporter[1].get(url).content.decode()
    assert "第一段。" in view and '"type"' not in view and "paragraph" not in view
    assert "None" not in re.sub(r"<script.*?</script>", "", view, flags=re.S)


def test_the_list_puts_the_work_waiting_for_each_role_first(reporter, editor):
    make_article(headline="早已发布")
    waiting = draft_by(reporter[0], headline="等待审核", status=Status.SUBMITTED)
    mine = draft_by(reporter[0], headline="我的草稿")
    draft_by(None, headline="别人的草稿")
    Article.objects.filter(pk__in=[waiting.pk, mine.pk]).update(updated_at="2000-01-01T00:00Z")

    def first_row(client):
        page = client.get("/admin/articles/article/").content.decode()
        return re.search(r'<th class="field-headline"><a [^>]*>([^<]+)</a>', page)[1]

    assert first_row(editor[1]) == "等待审核"
    assert first_row(reporter[1]) == "我的草稿"


def test_admin_messages_and_widgets_are_in_chinese(editor):
    article = draft_by(None)
    page = editor[1].get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Select an option" not in page and "更正S" not in page
    catalog = editor[1].get("/admin/jsi18n/").content.decode()
    # The catalog is JSON: Chinese arrives as \\u escapes.
    expected = "注意:请按 %(timezone)s 时区输入时间".encode("ascii", "backslashreplace").decode()
    assert expected in catalog


# History that says what changed ------------------------------------------------------------


def test_a_save_that_does_not_touch_the_body_does_not_say_it_did(editor):
    article = draft_by(None)
    url, data = article_form(editor[1], article)
    editor[1].post(url, data | {"headline": "只改了标题"})
    history = editor[1].get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert "标题" in history and "已修改 正文" not in history and "已修改正文" not in history


def test_compare_shows_status_reason_and_tags_and_restore_brings_tags_back(editor):
    article = draft_by(None, credits=[(make_person(), "记者")])
    url, data = article_form(editor[1], article)
    editor[1].post(url, data | {"new_tags": "供暖"})
    url, data = article_form(editor[1], article)
    editor[1].post(
        url,
        data | {"status": "published", "new_tags": ""},
    )
    url, data = article_form(editor[1], article)
    data.pop("tags", None)
    editor[1].post(url, data | {"status": "withdrawn", "withdrawn_reason": "数据有误"})
    assert list(Article.objects.get(pk=article.pk).tags.names()) == []
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    first, last = versions[0], versions[-1]
    compare = (
        editor[1]
        .get(f"/admin/articles/article/{article.pk}/history/compare/?a={first.pk}&b={last.pk}")
        .content.decode()
    )
    assert ">t<" not in compare  # difflib's navigation links are hidden
    compare = re.sub(r"<[^>]+>", "", compare).replace("&nbsp;", " ")  # intraline highlights
    assert "状态:草稿" in compare and "状态:已撤稿" in compare
    assert "撤稿原因:数据有误" in compare and "标签:供暖" in compare

    restore_url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
    data = form_fields(editor[1].get(restore_url), "article_form")
    assert editor[1].post(restore_url, data).status_code == 302
    article.refresh_from_db()
    assert list(article.tags.names()) == ["供暖"]
    assert article.status == Status.WITHDRAWN  # a restore never changes the workflow state
    assert Tag.objects.filter(name="供暖").count() == 1


# Preview links -----------------------------------------------------------------------------


def test_only_someone_who_may_edit_an_article_gets_a_share_link(reporter, other_reporter, editor):
    theirs = draft_by(other_reporter[0])
    assert (
        "外部预览链接"
        not in reporter[1].get(f"/admin/articles/article/{theirs.pk}/change/").content.decode()
    )
    assert (
        "外部预览链接"
        in other_reporter[1].get(f"/admin/articles/article/{theirs.pk}/change/").content.decode()
    )
    assert (
        "外部预览链接"
        in editor[1].get(f"/admin/articles/article/{theirs.pk}/change/").content.decode()
    )


def test_a_revoked_or_withdrawn_articles_link_stops_working(editor):
    article = draft_by(None, headline="待发独家")
    link = share_link(article)
    assert Client().get(link).status_code == 200
    response = editor[1].post(f"/admin/articles/article/{article.pk}/preview/revoke/")
    assert response.status_code == 302
    gone = Client().get(link)
    assert gone.status_code == 410 and "待发独家" not in gone.content.decode()

    link = share_link(Article.objects.get(pk=article.pk))
    assert Client().get(link).status_code == 200
    url, data = article_form(editor[1], article)
    editor[1].post(url, data | {"status": "withdrawn", "withdrawn_reason": "侵权"})
    assert Client().get(link).status_code == 410


def test_revoking_needs_a_post_from_someone_who_may_edit(reporter, editor):
    article = draft_by(None)
    link = share_link(article)
    assert editor[1].get(f"/admin/articles/article/{article.pk}/preview/revoke/").status_code == 403
    assert (
        reporter[1].post(f"/admin/articles/article/{article.pk}/preview/revoke/").status_code == 403
    )
    assert Client().get(link).status_code == 200


# Logins ------------------------------------------------------------------------------------


def login(client, username, password, address):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_guessing_one_account_from_many_addresses_is_locked_out(editor):
    user = editor[0]
    user.set_password("正确的密码-2026")
    user.save()
    for n in range(6):
        login(Client(), user.username, f"wrong-{n}", f"10.0.0.{n + 1}")
    response = login(Client(), user.username, "正确的密码-2026", "10.0.1.1")
    assert response.status_code == 429 or "锁定" in response.content.decode()
    other = make_staff("孙编辑", "编辑")[0]
    other.set_password("另一个密码-2026")
    other.save()
    assert login(Client(), "孙编辑", "另一个密码-2026", "10.0.0.1").status_code == 302


def test_a_forgotten_password_is_reset_by_email_in_chinese(editor):
    user = editor[0]
    user.email = "zhang@example.cn"
    user.save()
    client = Client()
    login_page = client.get("/admin/login/").content.decode()
    assert "/admin/password_reset/" in login_page
    form = client.get("/admin/password_reset/").content.decode()
    assert "电子邮件" in form or "邮箱" in form
    assert client.post("/admin/password_reset/", {"email": "zhang@example.cn"}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/admin/reset/\S+/", mail.outbox[0].body)[0]
    page = client.get(urlsplit(link).path, follow=True)
    set_url = page.redirect_chain[-1][0] if page.redirect_chain else urlsplit(link).path
    response = client.post(
        set_url, {"new_password1": "新的密码-通辽-2026", "new_password2": "新的密码-通辽-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("新的密码-通辽-2026")


# Found by trying the desk as an attacker ---------------------------------------------------


def test_a_reporter_cannot_roll_a_published_article_back_through_recover_or_photo_history(
    reporter, editor
):
    article = draft_by(reporter[0], headline="记者的稿子")
    url, data = article_form(reporter[1], article)
    reporter[1].post(url, data | {"status": "submitted"})
    photo = photo_on(article)
    url, data = article_form(editor[1], article)
    editor[1].post(url, data | {"status": "published"})
    article.refresh_from_db()
    assert article.is_published
    old = Version.objects.get_for_object(article).order_by("pk").first()
    photo_version = Version.objects.get_for_object(photo).order_by("pk").first()
    before = (article.status, article.version, photos_snapshot())

    assert reporter[1].get(f"/admin/articles/article/recover/{old.pk}/").status_code == 404
    assert reporter[1].post(f"/admin/articles/article/recover/{old.pk}/", {}).status_code == 404
    # An editor cannot "recover" an article that exists either: that is restore, with its checks.
    assert editor[1].get(f"/admin/articles/article/recover/{old.pk}/").status_code == 404
    if photo_version is not None:
        response = reporter[1].post(
            f"/admin/articles/photo/{photo.pk}/history/{photo_version.pk}/", {}
        )
        assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.version, photos_snapshot()) == before


def test_only_an_editor_recovers_a_deleted_article(reporter, editor):
    article = draft_by(reporter[0], headline="将被删除")
    url, data = article_form(editor[1], article)
    editor[1].post(url, data | {"headline": "将被删除(已改)"})
    version = Version.objects.get_for_object(article).order_by("pk").last()
    editor[1].post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert reporter[1].get(f"/admin/articles/article/recover/{version.pk}/").status_code == 403
    assert editor[1].get(f"/admin/articles/article/recover/{version.pk}/").status_code == 200


def test_the_read_only_view_of_a_photo_has_no_english_or_empty_fields(reporter):
    article = draft_by(reporter[0], status=Status.SUBMITTED)
    photo_on(article)
    page = reporter[1].get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Photographer" not in page
    assert '<div class="readonly">None</div>' not in page
