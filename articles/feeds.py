"""RSS 2.0 and Atom feeds: the latest articles, per column and per person."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import page_cache
from articles.models import Article, Section
from people.models import Person

FEED_LENGTH = 30


class ChineseRssFeed(Rss201rev2Feed):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("language", "zh-cn")
        super().__init__(*args, **kwargs)


class ChineseAtomFeed(Atom1Feed):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("language", "zh-Hans")
        super().__init__(*args, **kwargs)


class LatestArticlesFeed(Feed):
    feed_type = ChineseRssFeed

    def title(self, obj=None):
        return f"{settings.NEWSROOM_PAPER_NAME} 最新稿件"

    def link(self, obj=None):
        return reverse("articles:home")

    def description(self, obj=None):
        return f"{settings.NEWSROOM_PAPER_NAME}最新发布的稿件"

    def articles(self, obj):
        return Article.objects.published()

    def cache_tags(self, obj):
        """What, besides its items, decides which articles the feed lists (page_cache)."""
        return [page_cache.LISTS]

    def items(self, obj=None):
        items = list(self.articles(obj).with_credits()[:FEED_LENGTH])
        page_cache.depends_on(*self.cache_tags(obj))
        page_cache.shows(items, bylines=True, text=True)  # summaries
        return items

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.summary

    def item_author_name(self, item):
        return "、".join(credit.person.name for credit in item.credits.all()) or None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.section.name] if item.section else []


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = ChineseAtomFeed
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        section = get_object_or_404(Section, slug=slug)
        if not self.articles(section).exists():
            raise Http404("这个栏目还没有已发布的稿件")
        return section

    def title(self, obj=None):
        return f"{settings.NEWSROOM_PAPER_NAME} · {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return obj.description or f"{settings.NEWSROOM_PAPER_NAME}“{obj.name}”栏目"

    def articles(self, obj):
        return Article.objects.published().filter(section=obj)

    def cache_tags(self, obj):
        return [page_cache.section_tag(obj.pk)]


class SectionAtomFeed(SectionFeed):
    feed_type = ChineseAtomFeed
    subtitle = SectionFeed.description


class PersonFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        person = get_object_or_404(Person, slug=slug)
        # Like the person page: no feed for someone with no published work.
        if not self.articles(person).exists():
            raise Http404("没有这个人的已发布稿件")
        return person

    def title(self, obj=None):
        return f"{settings.NEWSROOM_PAPER_NAME} · {obj.name}的稿件"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return f"{obj.name}在{settings.NEWSROOM_PAPER_NAME}发表的稿件"

    def articles(self, obj):
        return Article.objects.published().credited_to(obj)

    def cache_tags(self, obj):
        return [page_cache.person_tag(obj.pk)]


class PersonAtomFeed(PersonFeed):
    feed_type = ChineseAtomFeed
    subtitle = PersonFeed.description
