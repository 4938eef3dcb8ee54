"""The article page's stored display data (articles/display.py) follows every kind of change.

Each change is made the way the desk makes it (a save, with its transaction committed), and
checked both in the stored data and on the page a reader gets, cache on.
"""

import re

import pytest
from taggit.models import Tag

from articles import tasks, workflow
from articles.models import Article, Correction, Credit, Photo, PhotoCredit, Section
from people.models import Person
from tests.factories import make_article, make_issue, make_person, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True


@pytest.fixture
def story(committed):
    with committed():
        li_na, wang = make_person(name="李娜"), make_person(name="王强")
        article = make_article(
            headline="供暖稿件",
            section=make_section(name="民生"),
            issue=make_issue(),
            credits=[(li_na, "记者")],
        )
        photo = Photo.objects.create(article=article, caption="图为供暖站。")
        PhotoCredit.objects.create(photo=photo, person=wang, role="摄影记者", staff=True)
        article.tags.add("供暖")
    return article


def stored(article):
    return Article.objects.values_list("display_data", flat=True).get(pk=article.pk)


def page(client, article):
    return client.get(article.get_absolute_url()).content.decode()


def test_saving_stores_bylines_photo_credits_and_tags(client, story):
    data = stored(story)
    assert [c["name"] for c in data["credits"]] == ["李娜"]
    assert [c["name"] for cs in data["photo_credits"].values() for c in cs] == ["王强"]
    assert [t["name"] for t in data["tags"]] == ["供暖"]
    html = page(client, story)
    assert "李娜" in html and re.search(r"王强</a>\s*摄", html) and 'rel="tag">供暖</a>' in html


@pytest.mark.parametrize("model, old, new", [(Person, "李娜", "李娜娜"), (Tag, "供暖", "冬季供暖")])
def test_a_rename_reaches_the_stored_data_and_the_page(client, story, committed, model, old, new):
    page(client, story)
    with committed():
        renamed = model.objects.get(name=old)
        renamed.name = new
        renamed.save()
    assert new in str(stored(story))
    assert new in page(client, story)


def test_a_big_rename_is_stored_by_the_background_tasks(client, story, committed, monkeypatch):
    monkeypatch.setattr(tasks, "INLINE_LIMIT", 0)  # as for a person on thousands of stories
    page(client, story)
    with committed():
        person = Person.objects.get(name="王强")
        person.name = "王小强"
        person.save()
    assert "王小强" in str(stored(story)) and "王小强" in page(client, story)


def test_a_column_rename_shows_at_once(client, story, committed):
    page(client, story)
    with committed():
        section = Section.objects.get(name="民生")
        section.name = "民生热线"
        section.save()
    assert ">民生热线</a>" in page(client, story)


def test_credits_and_photo_credits_edited_follow(client, story, committed):
    page(client, story)
    with committed():
        credit = Credit.objects.get(article=story)
        credit.role, credit.staff = "通讯员", False
        credit.save()
        Credit.objects.create(article=story, person=make_person(name="赵一"), role="实习生")
        PhotoCredit.objects.filter(photo__article=story).delete()
    data = stored(story)
    assert [(c["label"], c["name"]) for c in data["credits"]] == [
        ("通讯员", "李娜"),
        ("实习生", "赵一"),
    ]
    assert all(credits == [] for credits in data["photo_credits"].values())
    html = page(client, story)
    assert "赵一" in html and "王强" not in html


def test_a_photo_added_or_removed_follows(client, story, committed):
    page(client, story)
    with committed():
        Photo.objects.filter(article=story).delete()
        Photo.objects.create(article=story, caption="图为新换的锅炉。")
    assert "新换的锅炉" in page(client, story) and "供暖站" not in page(client, story)
    assert "王强" not in page(client, story)


def test_a_correction_shows_on_the_page(client, story, committed, editor):
    page(client, story)
    with committed():
        workflow.add_corrections(
            Article.objects.get(pk=story.pk), [Correction(text="锅炉数量应为 3 台。")], editor[0]
        )
    assert "锅炉数量应为 3 台" in page(client, story)


def test_articles_saved_before_display_data_was_stored_still_show_everything(client, story):
    Article.objects.filter(pk=story.pk).update(display_data={})
    html = page(client, story)
    assert "李娜" in html and re.search(r"王强</a>\s*摄", html) and 'rel="tag">供暖</a>' in html


def test_imported_articles_store_their_display_data(client, seed_issue):
    kailu = Article.objects.get(headline__startswith="开鲁县")
    data = stored(kailu)
    assert [c["name"] for c in data["credits"]] == ["胡建华", "杨景欣", "郭大雷", "田秀敏"]
    assert [c["label"] for c in data["credits"]][:2] == ["特约通讯员", "通讯员"]
    (photo_credits,) = data["photo_credits"].values()
    assert [(c["label"], c["name"]) for c in photo_credits] == [("本报特约通讯员", "胡建华")]
    assert data["tags"] == []
