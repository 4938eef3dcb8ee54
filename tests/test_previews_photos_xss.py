"""Previews, photo uploads and the XSS corpus: what staff put in never harms a reader."""

import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image
from reversion.models import Version

from articles.models import Article, Photo
from articles.preview import PREVIEW_SALT
from tests.browserless import article_form, form_fields, share_link
from tests.factories import make_article, make_issue

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


# Previews ------------------------------------------------------------------------------


def assert_private(response):
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Status.DRAFT, "published_at": None},
        {"status": Status.SUBMITTED, "published_at": None},
        {"status": Status.WITHDRAWN, "withdrawn_reason": "事实有误"},
        {"status": Status.PUBLISHED},
    ],
)
def test_admin_preview_shows_any_state_as_readers_would_see_it(admin_client, changes):
    article = make_article(headline="预览中的稿件", **changes)
    response = admin_client.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>预览中的稿件</h1>" in html and "预览:本稿当前状态为" in html
    assert_private(response)


def test_preview_needs_staff(client):
    article = make_article(status=Status.DRAFT)
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_change_form_offers_preview_and_a_share_link(admin_client):
    article = make_article(status=Status.DRAFT)
    html = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert f'href="/admin/articles/article/{article.pk}/preview/"' in html
    assert re.search(r'value="http://testserver/preview/[^"]+/"', html)


def test_shared_preview_link_works_without_an_account(client):
    article = make_article(headline="尚未发布的独家", status=Status.DRAFT, published_at=None)
    response = client.get(share_link(article))
    assert response.status_code == 200
    assert "尚未发布的独家" in response.content.decode()
    assert_private(response)


def test_shared_preview_does_not_reveal_other_unpublished_articles(client):
    issue = make_issue()
    article = make_article(issue=issue, position=1, status=Status.DRAFT)
    make_article(headline="同期的另一篇草稿", issue=issue, position=2, status=Status.DRAFT)
    html = client.get(share_link(article)).content.decode()
    assert "同期的另一篇草稿" not in html


def test_expired_preview_link_is_refused(client, settings):
    article = make_article(status=Status.DRAFT)
    link = share_link(article)
    settings.NEWSROOM_PREVIEW_MAX_AGE = -1
    response = client.get(link)
    assert response.status_code == 410
    assert "预览链接已失效" in response.content.decode()
    assert article.headline not in response.content.decode()


@pytest.mark.parametrize("mangle", ["swap", "forge", "garbage"])
def test_tampered_preview_link_is_refused(client, mangle):
    article = make_article(status=Status.DRAFT)
    other = make_article(headline="别的草稿", status=Status.DRAFT)
    token = signing.dumps(article.pk, salt=PREVIEW_SALT)
    tampered = {
        "swap": f"{signing.dumps(other.pk, salt=PREVIEW_SALT).split(':')[0]}:{token.split(':', 1)[1]}",
        "forge": signing.dumps(other.pk, salt="another-salt"),
        "garbage": "not-a-token",
    }[mangle]
    response = client.get(f"/preview/{tampered}/")
    assert response.status_code == 404
    assert "别的草稿" not in response.content.decode()


# Photos ----------------------------------------------------------------------------------


def image_bytes(size=(2000, 1200), kind="PNG"):
    buffer = BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, kind)
    return buffer.getvalue()


def upload_photo(client, article, upload, **extra):
    url, data = article_form(client, article)
    data |= {
        "photos-TOTAL_FORMS": "1",
        "photos-0-caption": "图为新落成的体育馆。",
        "photos-0-position": "0",
        "photos-0-photographer": "王强",
        "photos-0-photographer_role": "摄影记者",
        "photos-0-photographer_staff": "on",
        "photos-0-image": upload,
        **extra,
    }
    return client.post(url, data)


def photo_errors(response):
    formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "photos"
    )
    return " ".join(str(e) for e in formset.formset.errors)


def test_photo_upload_makes_renditions_used_by_srcset(
    admin_client, client, django_capture_on_commit_callbacks
):
    article = make_article()
    upload = SimpleUploadedFile("gym.png", image_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_photo(admin_client, article, upload)
    assert response.status_code == 302
    photo = Photo.objects.get(article=article)
    assert (photo.width, photo.height) == (2000, 1200)
    assert sorted(photo.renditions["sizes"], key=int) == ["480", "960", "1600"]
    assert photo.credit_line() == "本报摄影记者 王强 摄"
    html = client.get(article.get_absolute_url()).content.decode()
    img = re.search(r"<img [^>]+>", html).group(0)
    assert "480w" in img and "960w" in img and "1600w" in img
    assert "2000w" not in img  # the original (up to 20 MB) is not offered to readers
    assert 'sizes="' in img and 'width="1600" height="960"' in img
    assert 'alt="图为新落成的体育馆。"' in img
    assert "本报摄影记者" in html and "王强" in html
    assert Path(photo.image.path).exists()  # the original is kept


@pytest.mark.parametrize(
    "change",
    [
        {"headline": "体育馆落成(修改)"},
        {"status": "withdrawn", "withdrawn_reason": "重复"},
        {"corrections-TOTAL_FORMS": "1", "corrections-0-text": "更正:体育馆面积有误。"},
        {"photos-0-caption": "图为新落成的体育馆(新说明)。"},
    ],
    ids=["edit", "withdraw", "correct", "recaption"],
)
def test_an_article_with_a_photo_can_be_saved_again(admin_client, change):
    article = make_article()
    upload = SimpleUploadedFile("gym.png", image_bytes(), content_type="image/png")
    assert upload_photo(admin_client, article, upload).status_code == 302
    url, data = article_form(admin_client, article)
    response = admin_client.post(url, data | change)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    photo = Photo.objects.get(article=article)
    assert Path(photo.image.path).exists() and photo.width == 2000


def test_a_revision_of_an_article_with_a_photo_can_be_restored(admin_client):
    article = make_article(headline="体育馆落成")
    upload = SimpleUploadedFile("gym.png", image_bytes(), content_type="image/png")
    assert upload_photo(admin_client, article, upload).status_code == 302
    url, data = article_form(admin_client, article)
    admin_client.post(url, data | {"photos-0-caption": "图为改过的说明。"})
    first = Version.objects.get_for_object(article).order_by("pk").first()
    restore_url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
    data = form_fields(admin_client.get(restore_url), "article_form")
    response = admin_client.post(restore_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = Photo.objects.get(article=article)
    assert photo.caption == "图为新落成的体育馆。" and Path(photo.image.path).exists()


def test_restoring_a_revision_from_before_the_image_was_replaced_keeps_a_working_image(
    admin_client, django_capture_on_commit_callbacks, settings
):
    article = make_article(headline="体育馆落成")
    first_upload = SimpleUploadedFile("gym.png", image_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_photo(admin_client, article, first_upload).status_code == 302
    old = Version.objects.get_for_object(article).order_by("pk").first()
    url, data = article_form(admin_client, article)
    replacement = SimpleUploadedFile("new.png", image_bytes((1800, 1000)), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data | {"photos-0-image": replacement})
    assert response.status_code == 302
    replaced = Photo.objects.get(article=article)
    assert replaced.width == 1800
    restore_url = f"/admin/articles/article/{article.pk}/history/{old.pk}/"
    data = form_fields(admin_client.get(restore_url), "article_form")
    files_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(restore_url, data).status_code == 302
    photo = Photo.objects.get(article=article)
    assert Path(photo.image.path).exists() and photo.width == 1800
    # The restore neither left renditions without a photo nor made a second set.
    files_after = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert files_after == files_before
    page = Client().get(article.get_absolute_url()).content.decode()
    assert photo.image.name.rsplit("/", 1)[-1].split(".")[0] in page


def test_small_photos_are_not_upscaled(admin_client, django_capture_on_commit_callbacks):
    article = make_article()
    upload = SimpleUploadedFile("small.jpg", image_bytes((400, 300), "JPEG"), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_photo(admin_client, article, upload).status_code == 302
    assert list(Photo.objects.get().renditions["sizes"]) == ["400"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", "这不是图片".encode(), "无法识别的图片文件"),
        ("broken.png", image_bytes()[:200], "图片文件已损坏或不完整"),
        ("picture.bmp", image_bytes((300, 200), "BMP"), "不支持 BMP 格式"),
    ],
    ids=["not-an-image", "corrupt", "wrong-format"],
)
def test_bad_photo_files_are_form_errors(admin_client, name, content, message):
    article = make_article()
    response = upload_photo(admin_client, article, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in photo_errors(response) or message in response.content.decode()
    assert not Photo.objects.exists()


def test_oversized_photo_is_a_form_error(admin_client, settings):
    settings.NEWSROOM_MAX_PHOTO_BYTES = 1_000
    article = make_article()
    response = upload_photo(admin_client, article, SimpleUploadedFile("big.png", image_bytes()))
    assert response.status_code == 200
    assert "图片文件太大" in photo_errors(response)
    assert not Photo.objects.exists()


def test_photo_with_too_many_pixels_is_a_form_error(admin_client, settings):
    settings.NEWSROOM_MAX_PHOTO_PIXELS = 1_000_000
    article = make_article()
    response = upload_photo(admin_client, article, SimpleUploadedFile("huge.png", image_bytes()))
    assert "图片像素过多(2000×1200),不能超过 100 万像素" in photo_errors(response)
    assert not Photo.objects.exists()


def test_photo_needs_caption_and_photographer(admin_client):
    article = make_article()
    upload = SimpleUploadedFile("gym.png", image_bytes((600, 400)))
    response = upload_photo(
        admin_client, article, upload, **{"photos-0-caption": "", "photos-0-photographer": ""}
    )
    errors = photo_errors(response)
    assert "请填写摄影者" in errors and "这个字段是必填项" in errors
    assert not Photo.objects.exists()


def test_imported_photos_without_a_file_stay_valid(admin_client, seed_issue):
    article = Article.objects.get(headline__startswith="开鲁县")
    url, data = article_form(admin_client, article)
    assert (
        admin_client.post(url, data | {"headline": "开鲁县人社局优化营商环境"}).status_code == 302
    )
    assert Photo.objects.get().credit_line() == "本报特约通讯员 胡建华 摄"


# XSS corpus ----------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">点我</a>',
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[点我](//evil.example/x)",
    "**<b onmouseover=alert(1)>粗</b>**",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)//",
    "<iframe src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "</script><script>alert(1)</script>",
    "<<script>script>alert(1)//<</script>/script>",
    '[x](https://ok.example/" onmouseover="alert(1))',
]


class _Auditor(HTMLParser):
    """Every element and attribute a browser would build from the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        # Elements our templates never emit: any of them came from user input.
        if tag in {"iframe", "svg", "math", "object", "embed", "details", "b"}:
            self.problems.append(f"<{tag}>")
        if tag == "script" and dict(attrs).get("type") != "application/ld+json":
            self.problems.append("<script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action"} and value:
                cleaned = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if cleaned.startswith(("javascript:", "data:", "vbscript:", "//")):
                    self.problems.append(f"{tag}[{name}={value}]")


def audit(html):
    auditor = _Auditor()
    auditor.feed(html)
    return auditor.problems


def test_xss_corpus_through_the_admin_never_reaches_public_html(admin_client, client):
    article = make_article(headline="安全检查")
    url, data = article_form(admin_client, article)
    corpus = "\n\n".join(f"{payload} 正常文字" for payload in XSS_PAYLOADS)
    data |= {
        "headline": XSS_PAYLOADS[0] + "标题",
        "kicker": XSS_PAYLOADS[1],
        "subheadline": XSS_PAYLOADS[2],
        "dateline": XSS_PAYLOADS[10],
        "body": f"### {XSS_PAYLOADS[3]}\n\n{corpus}",
        "new_tags": XSS_PAYLOADS[11],
        "photos-TOTAL_FORMS": "1",
        "photos-0-caption": XSS_PAYLOADS[12],
        "photos-0-position": "0",
        "photos-0-photographer": "王强",
    }
    assert admin_client.post(url, data).status_code == 302
    article.refresh_from_db()
    for public_url in [article.get_absolute_url(), "/", "/feeds/rss/", "/feeds/atom/"]:
        html = client.get(public_url).content.decode()
        assert audit(html) == [], public_url
    html = client.get(article.get_absolute_url()).content.decode()
    assert "正常文字" in html and "&lt;script&gt;" in html  # shown as text, not run


def test_safe_inline_markup_still_works(client):
    article = make_article(
        body=[{"type": "paragraph", "text": "**重点**见[通知](https://www.example.cn/a?b=1&c=2)。"}]
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<strong>重点</strong>" in html
    assert (
        '<a href="https://www.example.cn/a?b=1&amp;c=2" rel="noopener noreferrer">通知</a>' in html
    )


def test_xss_corpus_through_the_importer_never_reaches_public_html(client, tmp_path):
    source = ["# " + XSS_PAYLOADS[0] + "导入标题", "", "栏目:" + XSS_PAYLOADS[2], ""]
    source += ["**本报讯(记者 李娜)** 开头。", ""]
    source += [f"{payload} 正文。\n" for payload in XSS_PAYLOADS]
    source += ["图为" + XSS_PAYLOADS[1] + "。本报记者 李娜 摄", ""]
    path = tmp_path / "xss.txt"
    path.write_text("\n".join(source), encoding="utf-8")
    call_command("import_issue", str(path), "--date", "2022-12-21", "--publish", verbosity=0)
    article = Article.objects.get()
    assert len(article.body) >= len(XSS_PAYLOADS)
    pages = [article.get_absolute_url(), "/", "/issues/2022-12-21/", "/feeds/rss/"]
    pages += [article.section.get_absolute_url(), "/people/li-na/"]
    for public_url in pages:
        response = Client().get(public_url)
        assert response.status_code == 200, public_url
        assert audit(response.content.decode()) == [], public_url
