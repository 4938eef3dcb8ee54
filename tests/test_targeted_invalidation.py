"""A change re-renders the pages that show what changed, and leaves every other cached page.

Surface by surface: the article's own page, its issue, column, people and tag pages, the
front page, feeds and search; an article in another issue and column stays a cache hit.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import page_cache, workflow
from articles.models import Article, Correction, Credit, Section
from people.models import Person
from tests.factories import make_article, make_issue, make_person, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True


@pytest.fixture
def paper(db, committed):
    """Two issues in two columns, bylined and tagged: A's world and an unrelated article B."""
    with committed():
        li_na, wang = make_person(name="李娜"), make_person(name="王强")
        heating, sports = make_section(name="民生"), make_section(name="体育")
        today, yesterday = make_issue(), make_issue()
        a = make_article(
            headline="供暖稿件", section=heating, issue=today, credits=[(li_na, "记者")]
        )
        a.tags.add("供暖")
        a_neighbour = make_article(headline="同期稿件", section=heating, issue=today, position=1)
        b = make_article(
            headline="无关稿件", section=sports, issue=yesterday, credits=[(wang, "记者")]
        )
        b.tags.add("足球")
    return {"a": a, "neighbour": a_neighbour, "b": b, "li_na": li_na, "section": heating}


def pages_of(paper):
    a = paper["a"]
    return {
        "article": a.get_absolute_url(),
        "neighbour": paper["neighbour"].get_absolute_url(),
        "issue": a.issue.get_absolute_url(),
        "section": a.section.get_absolute_url(),
        "person": paper["li_na"].get_absolute_url(),
        "tag": reverse("articles:tag_detail", kwargs={"slug": Tag.objects.get(name="供暖").slug}),
        "front": "/",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "search": "/search/?q=供暖",
        "section_feed": f"{a.section.get_absolute_url()}rss/",
    }


def warm(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert client.get(url)["X-Page-Cache"] == "hit", url


def cache_state(client, url):
    return client.get(url).get("X-Page-Cache")


def test_an_edit_refreshes_the_pages_showing_the_article_and_leaves_others(
    client, paper, committed
):
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [*pages.values(), unrelated])
    a = Article.objects.get(pk=paper["a"].pk)
    with committed():
        a.headline = "供暖稿件(更新)"
        a.body = [{"type": "paragraph", "text": "供暖正文已改。"}]
        a.save()
    for name in ["article", "neighbour", "issue", "section", "person", "tag", "front", "rss"]:
        response = client.get(pages[name])
        assert response["X-Page-Cache"] == "miss", name
        assert "供暖稿件(更新)" in response.content.decode(), name
    assert cache_state(client, pages["search"]) == "miss"
    assert cache_state(client, unrelated) == "hit"


def test_an_edit_to_the_text_alone_leaves_the_lists_that_show_only_its_headline(
    client, paper, committed
):
    """A desk saving a story's text every few seconds must not empty every list it is in."""
    pages = pages_of(paper)
    warm(client, pages.values())
    a = Article.objects.get(pk=paper["a"].pk)
    with committed():
        a.body = [{"type": "paragraph", "text": "供暖正文补充了一段。"}]
        a.save()
    # Its own page, the feeds (summaries), search (excerpts) and the front page (the lead's
    # summary) show its text; the other lists show its headline, which did not change.
    for name in ["article", "rss", "atom", "section_feed", "search", "front"]:
        assert cache_state(client, pages[name]) == "miss", name
    assert "供暖正文补充了一段" in client.get(pages["article"]).content.decode()
    for name in ["neighbour", "issue", "section", "person", "tag"]:
        assert cache_state(client, pages[name]) == "hit", name


def test_publishing_refreshes_the_lists_it_joins_and_leaves_other_articles(
    client, paper, committed, editor
):
    with committed():
        draft = make_article(
            headline="新发布的供暖稿",
            section=paper["section"],
            issue=paper["a"].issue,
            status=Article.Status.DRAFT,
            position=5,
            credits=[(paper["li_na"], "记者")],
        )
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [*pages.values(), unrelated])
    with committed():
        workflow.publish(draft, editor[0])
    for name in ["issue", "section", "person", "front", "rss", "atom", "section_feed"]:
        response = client.get(pages[name])
        assert "新发布的供暖稿" in response.content.decode(), name
    # Article pages of the same issue and column list their neighbours and the column's latest.
    assert "新发布的供暖稿" in client.get(pages["neighbour"]).content.decode()
    assert cache_state(client, unrelated) == "hit"


def test_a_columns_other_article_pages_stay_cached_at_a_publication_but_not_a_withdrawal(
    client, paper, committed, editor
):
    """An article page lists its column's five latest (更多): a story published there joins
    the list when the page is next rendered, but one withdrawn leaves it at once."""
    with committed():
        older = make_article(headline="同栏目旧稿", section=paper["section"], issue=make_issue())
        draft = make_article(
            headline="同栏目新稿", section=paper["section"], issue=make_issue(), status="draft"
        )
    url = older.get_absolute_url()
    warm(client, [url])
    assert paper["a"].headline in client.get(url).content.decode()  # in 更多
    with committed():
        workflow.publish(draft, editor[0])
    assert cache_state(client, url) == "hit"
    with committed():
        workflow.withdraw(Article.objects.get(pk=paper["a"].pk), editor[0], "核实有误")
    response = client.get(url)
    assert response["X-Page-Cache"] != "hit"
    assert paper["a"].headline not in response.content.decode()


def test_a_reporters_new_story_leaves_the_pages_carrying_their_byline_and_tags(
    client, paper, committed, editor
):
    """Bylines and tags print a name, not the person's or tag's list: a new story by the same
    reporter, with the same tag, in another issue and column, re-renders the reporter's and the
    tag's pages but not every article page that names them."""
    pages = pages_of(paper)
    warm(client, [pages["article"], pages["person"], pages["tag"]])
    with committed():
        draft = make_article(
            headline="李娜新稿",
            section=paper["b"].section,
            issue=paper["b"].issue,
            credits=[(paper["li_na"], "记者")],
            status=Article.Status.DRAFT,
        )
        draft.tags.add("供暖")
        workflow.publish(draft, editor[0])
    assert cache_state(client, pages["article"]) == "hit"
    for name in ["person", "tag"]:
        response = client.get(pages[name])
        assert response["X-Page-Cache"] == "miss" and "李娜新稿" in response.content.decode(), name
    with committed():
        Person.objects.filter(pk=paper["li_na"].pk).get().save()  # what a rename sends
        Tag.objects.get(name="供暖").save()
    assert cache_state(client, pages["article"]) == "miss"


def test_withdrawing_takes_the_article_off_every_page_at_once(client, paper, committed, editor):
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [*pages.values(), unrelated])
    with committed():
        workflow.withdraw(Article.objects.get(pk=paper["a"].pk), editor[0], "稿件有误")
    assert client.get(pages["article"]).status_code == 410
    for name in ["issue", "section", "front", "rss", "neighbour"]:
        assert "供暖稿件" not in client.get(pages[name]).content.decode(), name
    assert cache_state(client, unrelated) == "hit"


def test_a_correction_refreshes_the_article_page_only_where_it_shows(
    client, paper, committed, editor
):
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [pages["article"], unrelated])
    with committed():
        workflow.add_corrections(
            Article.objects.get(pk=paper["a"].pk),
            [Correction(text="第二段的数字应为 86 个。")],
            editor[0],
        )
    assert Correction.objects.count() == 1
    assert "应为 86 个" in client.get(pages["article"]).content.decode()
    assert cache_state(client, unrelated) == "hit"


def test_renaming_a_person_refreshes_every_page_that_shows_the_name(client, paper, committed):
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [pages["article"], pages["person"], pages["rss"], unrelated])
    with committed():
        person = Person.objects.get(pk=paper["li_na"].pk)
        person.name = "李娜娜"
        person.save()
    for name in ["article", "person", "rss"]:
        assert "李娜娜" in client.get(pages[name]).content.decode(), name
    assert cache_state(client, unrelated) == "hit"


def test_a_column_added_or_renamed_refreshes_every_page(client, paper, committed):
    unrelated = paper["b"].get_absolute_url()
    warm(client, [unrelated, paper["a"].get_absolute_url()])
    with committed():
        section = Section.objects.get(pk=paper["section"].pk)
        section.name = "民生热线"
        section.save()
    assert "民生热线" in client.get(unrelated).content.decode()  # the masthead shows it
    assert cache_state(client, paper["a"].get_absolute_url()) == "miss"


def test_a_columns_first_published_article_refreshes_every_masthead(
    client, paper, committed, editor
):
    unrelated = paper["b"].get_absolute_url()
    warm(client, [unrelated])
    with committed():
        empty = make_section(name="文化")
        draft = make_article(headline="文化稿", section=empty, status=Article.Status.DRAFT)
    warm(client, [unrelated])  # a column with no published work is not in the masthead
    assert "文化" not in client.get(unrelated).content.decode()
    with committed():
        workflow.publish(draft, editor[0])
    assert "文化" in client.get(unrelated).content.decode()


def test_a_scheduled_article_coming_due_refreshes_its_pages_only(client, paper, committed):
    soon = timezone.now() + timedelta(seconds=60)  # well within the page cache's lifetime
    with committed():
        scheduled = make_article(
            headline="定时供暖稿",
            section=paper["section"],
            issue=paper["a"].issue,
            published_at=soon,
            position=9,
        )
    pages = pages_of(paper)
    unrelated = paper["b"].get_absolute_url()
    warm(client, [pages["section"], pages["front"], unrelated])
    assert "定时供暖稿" not in client.get(pages["section"]).content.decode()
    with time_machine.travel(soon + timedelta(seconds=1)):
        page_cache.forget_copy()  # this process's copy ages out, as it would in 50 ms
        assert "定时供暖稿" in client.get(pages["section"]).content.decode()
        assert "定时供暖稿" in client.get(pages["front"]).content.decode()
        assert client.get(scheduled.get_absolute_url()).status_code == 200
        assert cache_state(client, unrelated) == "hit"


@pytest.fixture
def shared_cache(settings):
    """What warming needs: a public address, and a cache every process shares (here the test
    process's own, which the test client reads too)."""
    settings.NEWSROOM_PUBLIC_URL = "https://www.tlrb.cn"
    settings.REDIS_URL = "redis://shared-cache-stand-in"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "www.tlrb.cn"]
    return Client(HTTP_HOST="www.tlrb.cn", secure=True)


def test_warm_cache_renders_what_readers_go_to_first(paper, shared_cache):
    out = StringIO()
    call_command("warm_cache", "--articles", "10", stdout=out)
    assert "已预热" in out.getvalue()
    for url in ["/", paper["a"].get_absolute_url(), paper["a"].section.get_absolute_url()]:
        assert shared_cache.get(url)["X-Page-Cache"] == "hit", url


def test_warm_cache_says_what_it_needs(paper):
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("warm_cache")


def test_publishing_warms_the_article_the_front_page_and_its_column(
    paper, shared_cache, committed, editor
):
    with committed():
        draft = make_article(
            headline="刚发布的稿件", section=paper["section"], status=Article.Status.DRAFT
        )
    for url in ["/", paper["section"].get_absolute_url()]:
        shared_cache.get(url)
    with committed():
        workflow.publish(draft, editor[0])
    for url in ["/", draft.get_absolute_url(), paper["section"].get_absolute_url()]:
        response = shared_cache.get(url)
        assert response["X-Page-Cache"] == "hit", url
        assert "刚发布的稿件" in response.content.decode(), url


def test_a_lists_page_count_follows_a_publication(client, paper, committed, editor):
    section = paper["section"]
    with committed():
        for n in range(18):  # 20 stories in the column: one page
            make_article(headline=f"民生稿{n}", section=section)
        draft = make_article(headline="第二十一篇", section=section, status=Article.Status.DRAFT)
    assert "第 1 / " not in client.get(section.get_absolute_url()).content.decode()  # one page
    with committed():
        workflow.publish(draft, editor[0])
    assert "第 1 / 2 页" in client.get(section.get_absolute_url()).content.decode()


def test_the_people_index_follows_credits_and_headlines(client, paper, committed):
    a = Article.objects.get(pk=paper["a"].pk)
    with committed():
        Credit.objects.filter(article=a).update(staff=True)
        a.headline = "供暖稿件(初稿)"
        a.save()
    assert "供暖稿件(初稿)" in client.get("/people/").content.decode()
    with committed():
        a.headline = "供暖稿件(定稿)"
        a.save()
    assert "供暖稿件(定稿)" in client.get("/people/").content.decode()
    zhang = make_person(name="张编辑")
    with committed():
        credit = Credit.objects.get(article=a)
        credit.person = zhang
        credit.save()
    html = client.get("/people/").content.decode()
    assert ">张编辑</a>" in html and ">李娜</a>" not in html


def test_the_tag_index_follows_a_new_tag(client, paper, committed):
    assert "全新标签" not in client.get("/tags/").content.decode()
    with committed():
        Article.objects.get(pk=paper["a"].pk).tags.add("全新标签")
    assert "全新标签" in client.get("/tags/").content.decode()


@pytest.mark.parametrize("change", ["delete", "move"])
def test_a_story_leaving_a_column_refreshes_its_later_pages(client, paper, committed, change):
    section = paper["section"]
    with committed():
        stories = [make_article(headline=f"民生稿{n:02d}", section=section) for n in range(25)]
    second = f"{section.get_absolute_url()}?page=2"
    before = client.get(second).content.decode()
    assert client.get(second)["X-Page-Cache"] == "hit"
    newest = stories[0]  # published most recently... of the batch: on page 1
    with committed():
        if change == "delete":
            Article.objects.get(pk=newest.pk).delete()
        else:
            moved = Article.objects.get(pk=newest.pk)
            moved.section = make_section(name="体育新闻")
            moved.save()
    after = client.get(second).content.decode()
    assert after != before  # one story moved up from page 2 to page 1
    first = client.get(section.get_absolute_url()).content.decode()
    shown_twice = [h for h in re.findall(r"民生稿\d\d", after) if h in first]
    assert shown_twice == []


def test_a_new_address_for_a_person_reaches_the_article_page(client, paper, committed):
    url = paper["a"].get_absolute_url()
    assert "/people/li-na/" in client.get(url).content.decode()
    with committed():
        person = Person.objects.get(pk=paper["li_na"].pk)
        person.slug = "li-na-2"
        person.save()
    html = client.get(url).content.decode()
    assert "/people/li-na-2/" in html and "/people/li-na/" not in html


def test_invalidate_pages_after_a_write_that_bypassed_the_models(client, paper):
    url = paper["a"].get_absolute_url()
    warm(client, [url])
    Article.objects.filter(pk=paper["a"].pk).update(status=Article.Status.WITHDRAWN)
    call_command("invalidate_pages", stdout=StringIO())
    assert client.get(url).status_code == 410
