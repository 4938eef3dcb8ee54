"""What 'published' means, URLs, bylines and the body's text format."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.body import body_to_text, text_to_body
from articles.models import Article
from newsroom.text import pinyin_slug
from people.models import Person
from tests.factories import make_article, make_person, make_section

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_and_future_articles():
    visible = make_article()
    make_article(status=Article.Status.DRAFT)
    make_article(published_at=timezone.now() + timedelta(minutes=5))
    make_article(status=Article.Status.DRAFT, published_at=None)
    assert list(Article.objects.published()) == [visible]


def test_article_url_is_stable_and_readable():
    article = make_article(headline="我市新建5G基站1207个")
    assert (
        article.get_absolute_url() == f"/articles/{article.pk}/wo-shi-xin-jian-5g-ji-zhan-1207-ge/"
    )
    article.headline = "我市新建5G基站1300个"
    article.save()
    assert article.slug == "wo-shi-xin-jian-5g-ji-zhan-1207-ge"


def test_namesakes_get_distinct_person_slugs():
    first, second = make_person(name="李娜"), make_person(name="李娜")
    assert (first.slug, second.slug) == ("li-na", "li-na-2")
    assert first.get_absolute_url() == "/people/li-na/"


def test_people_sort_by_pinyin():
    for name in ["张弘强", "狄雅莉", "邵南", "李娜"]:
        make_person(name=name)
    assert [p.name for p in Person.objects.all()] == ["狄雅莉", "李娜", "邵南", "张弘强"]


def test_byline_groups_names_under_one_role():
    lina, wang, zhao = make_person(name="李娜"), make_person(name="王强"), make_person(name="赵一")
    article = make_article(credits=[(lina, "记者"), (wang, "通讯员"), (zhao, "通讯员")])
    article.credits.filter(person=lina).update(staff=True)
    assert article.byline() == "本报记者 李娜 通讯员 王强 赵一"


def test_section_slug_from_pinyin():
    assert make_section(name="人大代表风采").slug == "ren-da-dai-biao-feng-cai"


def test_long_slugs_are_cut_at_a_syllable():
    slug = pinyin_slug("学习宣传贯彻党的二十大精神" * 3)
    assert len(slug) <= 60 and not slug.endswith("-")


def test_body_text_round_trip():
    blocks = [
        {"type": "paragraph", "text": "第一段。"},
        {"type": "subhead", "text": "“啥都会”的孙大哥"},
        {"type": "paragraph", "text": "第二段。"},
    ]
    text = body_to_text(blocks)
    assert text == "第一段。\n\n### “啥都会”的孙大哥\n\n第二段。"
    assert text_to_body(text) == blocks
    assert text_to_body("  \r\n\r\n") == []
    assert text_to_body("### 小标题\n紧跟的段落") == [
        {"type": "subhead", "text": "小标题"},
        {"type": "paragraph", "text": "紧跟的段落"},
    ]
