"""Feeds read by a real feed client; sitemaps read as XML and checked against live responses."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlparse

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
NEWS_NS = {**SITEMAP_NS, "news": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def parse_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_latest_feed_has_titles_links_dates_and_authors(client, seed_issue, url):
    feed = parse_feed(client, url)
    assert feed.feed.title == "通辽日报 最新稿件"
    assert len(feed.entries) == 8
    by_title = {entry.title: entry for entry in feed.entries}
    kailu = by_title["开鲁县人社局优化营商环境 提升服务效能"]
    article = Article.objects.get(headline=kailu.title)
    assert kailu.link == f"http://testserver{article.get_absolute_url()}"
    assert kailu.author == "胡建华、杨景欣、郭大雷、田秀敏"
    assert kailu.published_parsed[:3] == (2022, 12, 19)  # 00:00 Beijing time is 16:00 UTC
    assert by_title["孙忠国：奉献不言苦 在平凡中闪光"].author == "邵南、张弘强"
    assert by_title["霍林郭勒市委党校：聚焦主责主业"].author == "狄雅莉"
    assert all(entry.get("summary") for entry in feed.entries)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_column_and_person_feeds(client, seed_issue, kind):
    feed = parse_feed(client, f"/sections/ren-da-dai-biao-feng-cai/{kind}/")
    assert [e.title for e in feed.entries] == ["迟红蕾：心系社区 为民代言"]
    assert "人大代表风采" in feed.feed.title
    feed = parse_feed(client, f"/people/li-na/{kind}/")
    assert {e.title for e in feed.entries} == {
        "我市多措并举深入开展乡村振兴工作",
        "迟红蕾：心系社区 为民代言",
    }


def test_feeds_leave_out_unpublished_articles(client, seed_issue):
    make_article(headline="草稿不进订阅", status=Article.Status.DRAFT)
    make_article(headline="定时稿不进订阅", published_at=timezone.now() + timedelta(hours=1))
    for url in ["/feeds/rss/", "/feeds/atom/"]:
        titles = {e.title for e in parse_feed(client, url).entries}
        assert "草稿不进订阅" not in titles and "定时稿不进订阅" not in titles


def sitemap_urls(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    urls = []
    for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS):
        response = client.get(urlparse(loc.text).path)
        assert response.status_code == 200, loc.text
        tree = ET.fromstring(response.content)
        urls += [u.text for u in tree.findall("s:url/s:loc", SITEMAP_NS)]
    return urls


def test_sitemap_lists_every_public_page_and_each_returns_200(client, seed_issue):
    urls = sitemap_urls(client)
    paths = [urlparse(url).path for url in urls]
    assert len(paths) == len(set(paths))
    for path in paths:
        assert client.get(path).status_code == 200, path
    for article in Article.objects.all():
        assert article.get_absolute_url() in paths
    assert sum(p.startswith("/sections/") for p in paths) == 4
    assert sum(p.startswith("/people/") for p in paths) == 9
    assert "/issues/2022-12-20/" in paths and "/" in paths


def test_sitemap_leaves_out_unpublished_articles(client, seed_issue):
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timedelta(hours=1))
    paths = [urlparse(url).path for url in sitemap_urls(client)]
    assert draft.get_absolute_url() not in paths
    assert scheduled.get_absolute_url() not in paths


def test_news_sitemap_has_articles_of_the_last_two_days(client, seed_issue):
    fresh = make_article(headline="今日新闻", published_at=timezone.now() - timedelta(hours=3))
    make_article(headline="三天前的新闻", published_at=timezone.now() - timedelta(days=3))
    make_article(headline="草稿新闻", status=Article.Status.DRAFT)
    tree = ET.fromstring(client.get("/sitemap-news.xml").content)
    entries = tree.findall("s:url", NEWS_NS)
    assert [e.find("news:news/news:title", NEWS_NS).text for e in entries] == ["今日新闻"]
    entry = entries[0]
    assert entry.find("s:loc", NEWS_NS).text == f"http://testserver{fresh.get_absolute_url()}"
    assert entry.find("news:news/news:publication/news:name", NEWS_NS).text == "通辽日报"
    assert entry.find("news:news/news:publication/news:language", NEWS_NS).text == "zh-cn"
    assert entry.find("news:news/news:publication_date", NEWS_NS).text


def test_a_photographer_with_only_photo_credits_is_in_the_sitemap(client):
    from articles.models import Photo, PhotoCredit
    from tests.factories import make_person

    photographer = make_person(name="王摄影")
    article = make_article()
    photo = Photo.objects.create(article=article, caption="图为现场。")
    PhotoCredit.objects.create(photo=photo, person=photographer, role="摄影记者")
    paths = [urlparse(url).path for url in sitemap_urls(client)]
    assert photographer.get_absolute_url() in paths
    assert client.get(photographer.get_absolute_url()).status_code == 200
