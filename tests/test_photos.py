"""The photo pipeline: what an upload must be, renditions made by a task, files cleaned up."""

import json
import re
from io import BytesIO, StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks.signals import task_finished
from PIL import Image

from articles.models import Photo
from tests.browserless import article_form
from tests.factories import make_article
from tests.test_previews_photos_xss import image_bytes, photo_errors, upload_photo

pytestmark = pytest.mark.django_db


def stored_files(media_root):
    return {p for p in media_root.rglob("*") if p.is_file()} if media_root.exists() else set()


def encoded(image, kind, **options):
    buffer = BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def truncated_jpeg():
    data = encoded(Image.effect_noise((1200, 800), 64).convert("RGB"), "JPEG")
    return data[: len(data) * 2 // 3]


def transparent_png():
    image = Image.new("RGBA", (1000, 600), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 500, 600))  # the left half fully transparent
    return encoded(image, "PNG")


CORPUS = {
    "truncated-jpeg": ("cut.jpg", truncated_jpeg, "图片文件已损坏或不完整"),
    # A 48 KB PNG that claims 400 megapixels: Pillow's own limit would answer first, in English.
    "decompression-bomb": (
        "bomb.png",
        lambda: encoded(Image.new("1", (20000, 20000)), "PNG"),
        "图片像素过多(20000×20000),不能超过 4000 万像素",
    ),
    "60-megapixel-jpeg": (
        "huge.jpg",
        lambda: encoded(Image.new("L", (10000, 6000)), "JPEG"),
        "图片像素过多(10000×6000),不能超过 4000 万像素",
    ),
    "svg": (
        "logo.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "无法识别的图片文件",
    ),
    "html-renamed-jpg": ("photo.jpg", lambda: b"<!doctype html><h1>hi</h1>", "无法识别的图片文件"),
    "empty-file": ("empty.jpg", lambda: b"", "上传的文件是空的"),
    "transparent-png": ("badge.png", transparent_png, None),
}


@pytest.mark.parametrize(("name", "make", "message"), CORPUS.values(), ids=CORPUS.keys())
def test_upload_corpus_through_the_admin(
    admin_client, media_root, django_capture_on_commit_callbacks, name, make, message
):
    article = make_article()
    before = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_photo(admin_client, article, SimpleUploadedFile(name, make()))
    if message:
        assert response.status_code == 200
        assert message in photo_errors(response)
        assert message in response.content.decode()  # shown on the form the editor sees
        assert not Photo.objects.exists()
        assert stored_files(media_root) == before  # nothing left behind
        return
    assert response.status_code == 302
    sizes = Photo.objects.get().renditions["sizes"]
    assert list(sizes) == ["480", "960", "1000"]
    with default_storage.open(sizes["960"]["webp"]) as f, Image.open(f) as webp:
        assert webp.format == "WEBP" and webp.mode == "RGBA"
        assert webp.getpixel((100, 100))[3] == 0 and webp.getpixel((800, 100))[3] == 255
    with default_storage.open(sizes["960"]["jpeg"]) as f, Image.open(f) as jpeg:
        assert jpeg.format == "JPEG"
        assert min(jpeg.convert("RGB").getpixel((100, 100))) > 240  # flattened onto white


def finished_tasks():
    """Every task run while the test runs, as (name, status)."""
    runs = []

    def record(sender, task_result, **kwargs):
        runs.append((task_result.task.module_path, task_result.status.name))

    task_finished.connect(record, weak=False)
    return runs, lambda: task_finished.disconnect(record)


def test_renditions_are_made_by_a_task_after_commit_upright_and_never_upscaled(
    admin_client, client, django_capture_on_commit_callbacks
):
    article = make_article()
    # A camera photo stored 1200×800 whose EXIF says to turn it a quarter (orientation 6).
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encoded(Image.new("RGB", (1200, 800), (30, 90, 160)), "JPEG", exif=exif.tobytes())
    runs, stop = finished_tasks()
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            response = upload_photo(admin_client, article, SimpleUploadedFile("tower.jpg", data))
        assert response.status_code == 302
        # Saved, not yet made: the page shows the original at its own size.
        assert runs == []
        img = re.search(r"<img [^>]+>", client.get(article.get_absolute_url()).text).group(0)
        assert Photo.objects.get().image.url in img and 'width="1200"' in img
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
    finally:
        stop()
    assert ("articles.tasks.make_photo_renditions", "SUCCESSFUL") in runs
    sizes = Photo.objects.get().renditions["sizes"]
    assert list(sizes) == ["480", "800"]  # upright it is 800 wide: no 960 or 1600 made from it
    with default_storage.open(sizes["800"]["jpeg"]) as f, Image.open(f) as largest:
        assert largest.size == (800, 1200)
    html = client.get(article.get_absolute_url()).text
    picture = re.search(r"<picture>.*?</picture>", html).group(0)
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', picture).group(1)
    assert webp == ", ".join(f"{default_storage.url(sizes[w]['webp'])} {w}w" for w in sizes)
    img = re.search(r"<img [^>]+>", picture).group(0)
    assert f"{default_storage.url(sizes['480']['jpeg'])} 480w" in img
    assert 'width="800" height="1200"' in img


def test_og_image_and_json_ld_use_a_rendition_at_most_1600_wide(
    admin_client, client, django_capture_on_commit_callbacks
):
    article = make_article()
    upload = SimpleUploadedFile("gym.jpg", image_bytes((3000, 2000), "JPEG"))
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_photo(admin_client, article, upload).status_code == 302
    html = client.get(article.get_absolute_url()).text
    og_image = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    json_ld = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    assert json_ld["image"] == [og_image]
    path = Photo.objects.get().renditions["sizes"]["1600"]["jpeg"]
    assert og_image == "http://testserver" + default_storage.url(path)
    with default_storage.open(path) as f, Image.open(f) as shared:
        assert shared.format == "JPEG" and shared.width == 1600


def test_replacing_a_photo_deletes_its_old_files(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    article = make_article()
    with django_capture_on_commit_callbacks(execute=True):
        upload_photo(admin_client, article, SimpleUploadedFile("old.png", image_bytes()))
    old_files = stored_files(media_root)
    assert len(old_files) == 1 + 3 * 2  # the original, WebP and JPEG at three widths
    url, data = article_form(admin_client, article)
    data["photos-0-image"] = SimpleUploadedFile("new.png", image_bytes((1000, 700)))
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    photo = Photo.objects.get()
    assert photo.image.name.startswith("photos/") and "new" in photo.image.name
    assert not old_files & stored_files(media_root)
    assert len(stored_files(media_root)) == 1 + 3 * 2  # 480, 960 and its own 1000


@pytest.mark.parametrize("how", ["photo-removed-in-form", "article-deleted"])
def test_deleting_a_photo_deletes_all_its_files(
    admin_client, media_root, django_capture_on_commit_callbacks, how
):
    article = make_article()
    with django_capture_on_commit_callbacks(execute=True):
        upload_photo(admin_client, article, SimpleUploadedFile("gone.png", image_bytes()))
    assert stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "article-deleted":
            article.delete()
        else:
            url, data = article_form(admin_client, article)
            assert admin_client.post(url, data | {"photos-0-DELETE": "on"}).status_code == 302
    assert not Photo.objects.exists()
    assert stored_files(media_root) == set()


def test_command_remakes_renditions_of_photos_stored_before_webp(
    media_root, django_capture_on_commit_callbacks
):
    article = make_article()
    photo = Photo.objects.create(article=article, caption="图为旧图。")
    photo.image.save("old.png", ContentFile(image_bytes()))  # its task is never run here
    legacy = default_storage.save("photos/renditions/old-480.jpg", ContentFile(b"jpeg"))
    Photo.objects.filter(pk=photo.pk).update(
        renditions={"source": photo.image.name, "sizes": {"480": legacy}}
    )
    out = StringIO()
    call_command("make_photo_renditions", "--dry-run", stdout=out)
    assert "需要生成 1 张" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_photo_renditions", stdout=out)
    photo.refresh_from_db()
    assert list(photo.renditions["sizes"]) == ["480", "960", "1600"]
    assert not default_storage.exists(legacy)
    assert photo.share_url() == default_storage.url(photo.renditions["sizes"]["1600"]["jpeg"])
