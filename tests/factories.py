"""Small factories: sensible defaults, any field overridable."""

from datetime import timedelta

from django.utils import timezone

from articles import article_page, display
from articles.models import Article, Credit, Issue, Section
from people.models import Person

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def make_section(**kwargs):
    kwargs.setdefault("name", f"栏目{_next()}")
    return Section.objects.create(**kwargs)


def make_person(**kwargs):
    kwargs.setdefault("name", f"记者{_next()}")
    return Person.objects.create(**kwargs)


def make_issue(**kwargs):
    kwargs.setdefault("paper", "通辽日报")
    kwargs.setdefault("date", timezone.localdate() - timedelta(days=_next()))
    return Issue.objects.create(**kwargs)


def make_article(credits=(), **kwargs):
    n = _next()
    kwargs.setdefault("headline", f"测试稿件{n}")
    kwargs.setdefault("status", Article.Status.PUBLISHED)
    kwargs.setdefault("published_at", timezone.now() - timedelta(hours=n))
    kwargs.setdefault("body", [{"type": "paragraph", "text": f"第{n}篇稿件的正文。"}])
    article = Article.objects.create(**kwargs)
    for position, (person, role) in enumerate(credits):
        Credit.objects.create(article=article, person=person, role=role, position=position)
    return article


def make_many_articles(count, *, section, issue, person, tag=None, start=0):
    """`count` published articles in one column and issue, credited to `person`, in bulk.

    Every fifth has a photo with a photo credit, so list pages meet photos too.
    """
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    from articles.models import Photo, PhotoCredit

    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            headline=f"批量稿件{start + n}",
            slug=f"pi-liang-{start + n}",
            section=section,
            issue=issue,
            position=start + n,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=start + n + 1),
            body=[{"type": "paragraph", "text": f"第{start + n}篇的正文。"}],
            body_html=f"<p>第{start + n}篇的正文。</p>",
        )
        for n in range(count)
    )
    Credit.objects.bulk_create(
        Credit(article=a, person=person, role="记者", staff=True) for a in articles
    )
    photos = Photo.objects.bulk_create(
        Photo(article=a, caption=f"图为第{a.headline}的现场。") for a in articles[::5]
    )
    PhotoCredit.objects.bulk_create(
        PhotoCredit(photo=p, person=person, role="摄影记者", staff=True) for p in photos
    )
    if tag is not None:
        content_type = ContentType.objects.get_for_model(Article)
        TaggedItem.objects.bulk_create(
            TaggedItem(tag=tag, content_type=content_type, object_id=a.pk) for a in articles
        )
    # Bulk inserts send no signals: store what the article page shows, as writers do.
    display.refresh([a.pk for a in articles])
    article_page.refresh([a.pk for a in articles])
    return articles
