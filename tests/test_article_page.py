"""The stored article page (articles/article_page.py) follows every change, and is what readers get.

tests/test_display_data.py checks bylines, photo credits, tags, renames and corrections on the
page; these check the rest of what the stored page prints, that it is the page readers are
served (one host or another), and that a page stored by other templates is never shown.
"""

import json
import re

import pytest
from django.core.management import call_command
from taggit.models import Tag

from articles import article_page, tasks, workflow
from articles.models import Article, Correction, Credit, Issue, Photo, Section
from people.models import Person
from tests.factories import make_article, make_issue, make_person, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True


@pytest.fixture
def story(committed):
    with committed():
        article = make_article(
            headline="供暖稿件",
            section=make_section(name="民生"),
            issue=make_issue(number=7001),
            credits=[(make_person(name="李娜"), "记者")],
        )
        Photo.objects.create(article=article, caption="图为供暖站。")
        article.tags.add("供暖")
    return article


def stored(article):
    return Article.objects.values_list("page", flat=True).get(pk=article.pk)


def page(client, article, **headers):
    response = client.get(article.get_absolute_url(), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_readers_get_is_the_stored_one(client, story):
    data = stored(story)
    assert article_page.is_current(data)
    html = page(client, story)
    assert data["article"] in html and "图为供暖站。" in data["article"]
    assert ">李娜</a>" in data["article"] and 'rel="tag">供暖</a>' in data["article"]
    assert data["title"] == "供暖稿件" and "<title>供暖稿件 - 通辽日报</title>" in html


def test_one_stored_page_serves_every_host_with_its_own_absolute_urls(client, story):
    for host in ["testserver", "127.0.0.1"]:
        html = page(client, story, HTTP_HOST=host)
        canonical = f"http://{host}{story.get_absolute_url()}"
        assert f'<link rel="canonical" href="{canonical}">' in html
        ld = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
        assert ld["url"] == canonical and ld["author"][0]["url"].startswith(f"http://{host}/")
    assert "origin" not in "".join(stored(story)["head"])  # the marker is never stored


def test_renumbering_the_issue_reaches_its_articles_pages(client, story, committed):
    assert "第7001期" in page(client, story)
    with committed():
        issue = Issue.objects.get(pk=story.issue_id)
        issue.number = 7002
        issue.save()
    assert "第7002期" in page(client, story) and "第7001期" not in page(client, story)


def test_a_deleted_column_leaves_its_articles_pages(client, story, committed):
    assert ">民生</a>" in page(client, story)
    with committed():
        Section.objects.get(name="民生").delete()
    assert "民生" not in stored(story)["article"] and ">民生</a>" not in page(client, story)


def test_a_big_column_rename_is_stored_by_the_background_tasks(
    client, story, committed, monkeypatch
):
    monkeypatch.setattr(tasks, "INLINE_LIMIT", 0)  # as for a column of thousands
    page(client, story)
    with committed():
        section = Section.objects.get(name="民生")
        section.name = "民生热线"
        section.save()
    assert "民生热线" in stored(story)["article"]
    assert ">民生热线</a>" in page(client, story)


def test_a_tag_taken_off_and_a_caption_edited_follow(client, story, committed):
    page(client, story)
    with committed():
        Article.objects.get(pk=story.pk).tags.remove(Tag.objects.get(name="供暖"))
        photo = Photo.objects.get(article=story)
        photo.caption = "图为新建的供暖站。"
        photo.save()
    html = page(client, story)
    assert 'rel="tag">供暖</a>' not in html and "图为新建的供暖站。" in html


def test_an_edit_to_the_headline_reaches_title_metadata_and_the_lead_teaser(
    client, story, committed
):
    with committed():
        article = Article.objects.get(pk=story.pk)
        article.headline = "供暖稿件(更新)"
        article.save()
    html = page(client, article)
    assert "<title>供暖稿件(更新) - 通辽日报</title>" in html
    assert '<meta property="og:title" content="供暖稿件(更新)">' in html
    assert "供暖稿件(更新)" in stored(article)["teaser"]


def test_the_front_pages_lead_follows_a_rename_of_its_reporter(client, story, committed):
    assert ">李娜</a>" in client.get("/").content.decode()
    with committed():
        person = Person.objects.get(name="李娜")
        person.name = "李娜娜"
        person.save()
    assert ">李娜娜</a>" in client.get("/").content.decode()


@pytest.mark.parametrize("stale", ["an older release", "before pages were stored"])
def test_a_page_stored_by_other_templates_is_rendered_live_until_refreshed(client, story, stale):
    fresh = page(client, story)
    old = {**stored(story), "v": "0", "article": "旧模板"} if stale == "an older release" else {}
    Article.objects.filter(pk=story.pk).update(page=old)
    call_command("invalidate_pages", verbosity=0)
    assert page(client, story) == fresh
    call_command("refresh_article_display", "--stale", verbosity=0)
    assert article_page.is_current(stored(story))
    call_command("invalidate_pages", verbosity=0)
    assert page(client, story) == fresh


def test_unpublished_articles_stored_pages_are_never_served(client, committed):
    with committed():
        draft = make_article(headline="未发布稿件", status=Article.Status.DRAFT)
    assert stored(draft)["title"] == "未发布稿件"  # stored for when it is published
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_photo_moved_to_another_article_leaves_the_first(client, story, committed):
    other = make_article(headline="另一篇稿件")
    assert "图为供暖站。" in page(client, story)
    with committed():
        photo = Photo.objects.get(article=story)
        photo.article = other
        photo.save()
    assert "图为供暖站。" not in page(client, story)
    assert "图为供暖站。" in page(client, other)


def test_a_credit_given_to_someone_else_leaves_the_first_persons_page(client, story, committed):
    li_na = Person.objects.get(name="李娜")
    assert "供暖稿件" in client.get(li_na.get_absolute_url()).content.decode()
    with committed():
        credit = Credit.objects.get(article=story)
        credit.person = make_person(name="王强")
        credit.save()
    assert "供暖稿件" not in client.get(li_na.get_absolute_url()).content.decode()
    assert ">王强</a>" in page(client, story)


def test_a_new_page_name_reaches_the_issue_page(client, story, committed):
    issue_url = Issue.objects.get(pk=story.issue_id).get_absolute_url()
    with committed():
        article = Article.objects.get(pk=story.pk)
        article.page_number, article.page_name = 2, "民生周刊"
        article.save()
    assert "民生周刊" in client.get(issue_url).content.decode()  # and cached
    with committed():
        article.page_name = "民生热线"
        article.save()
    assert "民生热线" in client.get(issue_url).content.decode()


def test_the_scheme_and_encoded_parameters_are_part_of_a_pages_cache_key(client, story):
    https = page(client, story, secure=True)
    assert f'href="https://testserver{story.get_absolute_url()}"' in https
    assert f'href="http://testserver{story.get_absolute_url()}"' in page(client, story)
    poisoned = client.get("/search/", {"q": "供暖&section=min-sheng"}).content.decode()
    real = client.get("/search/", {"q": "供暖", "section": "min-sheng"})
    assert real["X-Page-Cache"] == "miss" and real.content.decode() != poisoned


def test_machine_readable_times_are_beijing_time_to_the_second(client, committed, editor):
    """timezone.now() carries microseconds; HTML's <time datetime> allows three digits at most."""
    with committed():
        draft = make_article(headline="零点发稿", status=Article.Status.DRAFT, published_at=None)
        Correction.objects.create(article=draft, text="更正:时间有误。")
        workflow.publish(draft, editor[0])
    draft.refresh_from_db()
    assert draft.published_at.microsecond  # what the workflow stored, to the microsecond
    html = page(client, draft)
    times = re.findall(r'(?:datetime|content)="(\d{4}-\d\d-\d\dT[^"]*)"', html)
    assert len(times) >= 3  # published, modified, the correction
    for value in times:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", value), value


def test_a_drafts_page_claims_no_publication_time(committed):
    """Previews render drafts: no time stands in for the one they do not have yet."""
    with committed():
        draft = make_article(headline="未发稿件", status=Article.Status.DRAFT, published_at=None)
    head = article_page.head_html(stored(draft), "https://www.tlrb.cn")
    assert "article:published_time" not in head
    assert re.search(
        r'article:modified_time" content="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00"', head
    )
    data = json.loads(
        re.search(r"<script type=\"application/ld\+json\">(.*?)</script>", head, re.S)[1]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", data["datePublished"])
