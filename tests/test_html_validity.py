"""Every page type passes the Nu Html Checker (vnu) with zero errors."""

import json
import shutil
import subprocess
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from PIL import Image

from articles.models import Article, Photo
from people.models import Person

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.django_db


def png_bytes(size=(64, 48)):
    buffer = BytesIO()
    Image.new("RGB", size, (168, 7, 26)).save(buffer, "PNG")
    return buffer.getvalue()


def test_every_page_type_is_valid_html(client, seed_issue, tmp_path):
    from django.core.management import call_command

    call_command("rebuild_search_index", verbosity=0)
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("vnu needs Java and `npm ci` (bin/test installs both)")
    call_command("make_demo_epaper", verbosity=0, stdout=StringIO())
    cache.clear()
    kailu = Article.objects.get(headline__startswith="开鲁县")
    kailu.tags.add("营商环境")
    kailu.page_number, kailu.page_name = 2, "综合新闻"
    kailu.save()
    photo = Photo.objects.get()
    photo.image.save("photo.png", ContentFile(png_bytes()))
    lina = Person.objects.get(name="李娜")
    lina.bio = "本报记者,长期关注乡村振兴。"
    lina.portrait.save("lina.png", ContentFile(png_bytes((120, 120))))
    pages = {
        "front": "/",
        "article": kailu.get_absolute_url(),
        "article-subheads": Article.objects.get(headline__startswith="孙忠国").get_absolute_url(),
        "section": "/sections/you-hua-ying-shang-huan-jing-jin-xing-shi/",
        "person": lina.get_absolute_url(),
        "tag": "/tags/营商环境/",
        "issue": "/issues/2022-12-20/",
        "archive": "/issues/",
        "people": "/people/",
        "tags": "/tags/",
        "search": "/search/?q=基站",
        "search-empty": "/search/",
        "epaper": "/epaper/2022-12-20/1/",
        "epaper-last": "/epaper/2022-12-20/2/",
        "not-found": "/no-such-page/",
    }
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == (404 if name == "not-found" else 200), url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert problems == []
    assert result.returncode == 0, result.stderr
