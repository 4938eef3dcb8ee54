"""Readers see published articles only, through pages that never 500 on bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_article_page_shows_byline_dateline_and_photo(client, seed_issue):
    article = Article.objects.get(headline__startswith="开鲁县")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "开鲁县人社局优化营商环境 提升服务效能" in html
    assert "本报特约通讯员" in html and "胡建华" in html and "田秀敏" in html
    assert "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。" in html
    assert "本报讯" in html


def test_wrong_slug_redirects_to_the_canonical_url(client, seed_issue):
    article = Article.objects.first()
    response = client.get(f"/articles/{article.pk}/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": None},
        {"published_at": timezone.now() + timedelta(hours=1)},
    ],
)
def test_unpublished_article_is_404_for_readers(client, changes):
    article = make_article(**changes)
    assert client.get(article.get_absolute_url()).status_code == 404
