"""Readers' pages are cached, revalidated with 304s, and never stale after an edit."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles.models import Article, Correction
from people.models import Person
from tests.browserless import article_form, share_link
from tests.conftest import SEED, SEED_DATE
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_public_pages_are_cacheable_by_browsers_cdns_and_the_app(client, seed_issue):
    article = Article.objects.first()
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    control = first["Cache-Control"]
    assert "public" in control and "max-age=60" in control
    # A CDN drops a withdrawn page within a minute even if no purge reaches it.
    assert "s-maxage=30" in control and "stale-while-revalidate=30" in control
    assert first["ETag"] and first["Last-Modified"]
    second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit" and second.content == first.content


def test_repeat_visits_get_304(client, seed_issue):
    url = Article.objects.first().get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get("/", HTTP_IF_NONE_MATCH=client.get("/")["ETag"]).status_code == 304


def test_cached_pages_cost_one_query_the_shared_generation(
    client, seed_issue, django_assert_num_queries
):
    url = Article.objects.first().get_absolute_url()
    client.get(url)
    with django_assert_num_queries(1):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_an_edit_is_visible_on_the_next_request(client, seed_issue, committed):
    article = Article.objects.get(headline="我市新建5G基站1207个")
    for url in [article.get_absolute_url(), "/", "/feeds/rss/", "/issues/2022-12-20/"]:
        assert "1207" in html(client, url)
    article.headline = "我市新建5G基站1270个"
    with committed():
        article.save()
    for url in [article.get_absolute_url(), "/", "/feeds/rss/", "/issues/2022-12-20/"]:
        assert "基站1270个" in html(client, url), url


@pytest.mark.parametrize("change", ["credit", "photo", "person", "section", "correction", "tag"])
def test_changes_to_what_a_page_shows_invalidate_it(client, seed_issue, committed, change):
    article = Article.objects.get(headline__startswith="开鲁县")
    url = article.get_absolute_url()
    html(client, url)
    with committed():
        if change == "credit":
            article.credits.filter(person__name="田秀敏").delete()
            expected, gone = "郭大雷", "田秀敏"
        elif change == "photo":
            photo = article.photos.get()
            photo.caption = "图为新的图片说明。"
            photo.save()
            expected, gone = "图为新的图片说明。", "圣雪大成制药有限公司财务人员"
        elif change == "person":
            person = Person.objects.get(name="胡建华")
            person.name = "胡建华华"
            person.save()
            expected, gone = "胡建华华", None
        elif change == "section":
            section = article.section
            section.name = "营商环境"
            section.save()
            expected, gone = ">营商环境<", "优化营商环境进行时"
        elif change == "correction":
            Correction.objects.create(article=article, text="更正:补助标准有误。")
            Article.objects.filter(pk=article.pk).update(corrected_at=timezone.now())
            expected, gone = "更正:补助标准有误。", None
        else:
            article.tags.add("稳就业")
            expected, gone = "稳就业", None
    page = html(client, url)
    assert expected in page
    if gone:
        assert gone not in page


def test_publish_and_withdraw_through_the_admin_are_visible_at_once(
    client, admin_client, committed
):
    article = make_article(
        headline="即将发布的稿件",
        status=Article.Status.DRAFT,
        published_at=None,
        credits=[(Person.objects.create(name="值班记者"), "记者")],
    )
    assert "即将发布的稿件" not in html(client, "/")
    url, data = article_form(admin_client, article)
    with committed():
        admin_client.post(url, data | {"status": "published"})
    assert "即将发布的稿件" in html(client, "/")
    assert client.get(article.get_absolute_url()).status_code == 200
    url, data = article_form(admin_client, article)
    with committed():
        admin_client.post(url, data | {"status": "withdrawn", "withdrawn_reason": "重复"})
    assert "即将发布的稿件" not in html(client, "/")
    gone = client.get(article.get_absolute_url())
    assert gone.status_code == 410 and article.headline not in gone.content.decode()


def test_an_import_is_visible_at_once(client, committed):
    html(client, "/")
    with committed():
        call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish", verbosity=0)
    assert "我市多措并举深入开展乡村振兴工作" in html(client, "/")


def test_a_scheduled_article_appears_at_its_time_on_cached_pages(client, committed):
    when = timezone.now() + timedelta(seconds=1)
    with committed():
        make_article(headline="准点发布的稿件", published_at=when)
    assert "准点发布的稿件" not in html(client, "/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    time.sleep(max(0.0, (when - timezone.now()).total_seconds()) + 0.05)
    assert "准点发布的稿件" in html(client, "/")


def test_staff_are_never_served_or_stored_from_the_cache(admin_client, client, seed_issue):
    url = Article.objects.first().get_absolute_url()
    staff = admin_client.get(url)
    assert "X-Page-Cache" not in staff and "private" in staff["Cache-Control"]
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_previews_are_never_cached(admin_client):
    article = make_article(status=Article.Status.DRAFT)
    link = share_link(article)
    anonymous = Client()
    for _ in range(2):
        response = anonymous.get(link)
        assert "X-Page-Cache" not in response and "no-store" in response["Cache-Control"]


def test_redis_cache_backend_invalidates_too(settings, client, committed):
    """The same behaviour with Django's built-in Redis backend (REDIS_URL in production)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    # Overriding CACHES makes Django's test machinery rebuild the cache handlers.
    redis_cache = caches["default"]
    assert type(redis_cache).__name__ == "ResilientRedisCache"
    redis_cache.clear()
    try:
        article = make_article(headline="Redis 缓存测试")
        assert "Redis 缓存测试" in html(client, article.get_absolute_url())
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
        article.headline = "Redis 缓存已更新"
        with committed():
            article.save()
        assert "Redis 缓存已更新" in html(client, article.get_absolute_url())
    finally:
        redis_cache.clear()
