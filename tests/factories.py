"""Small factories: sensible defaults, any field overridable."""

from datetime import timedelta

from django.utils import timezone

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
