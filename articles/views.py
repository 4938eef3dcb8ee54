import calendar
import hashlib
import random
import time
from datetime import date, timedelta
from itertools import groupby

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.generic import ListView, TemplateView
from taggit.models import Tag

from articles import article_page, page_cache, search
from articles.forms import SearchForm
from articles.models import (
    Article,
    Credit,
    Issue,
    Photo,
    PrintPage,
    Section,
    people_with_published_work,
)
from people.models import Person

HOME_ISSUE_ARTICLES = 30
# How long a search's ranking is reused while articles are edited but none is published or
# withdrawn: an edit that makes an article match is found within this time.
SEARCH_RANKING_SECONDS = 60
PEOPLE_INDEX_LIMIT = 300
TAG_INDEX_LIMIT = 200

# Larger ids overflow the database's bigint: not found, rather than a database error.
MAX_PK = 2**63 - 1


# What a list item shows (includes/article_item.html): no body, no byline. Loading and
# decoding bodies and bylines for every item was most of a list page's cost.
LIST_FIELDS = ["pk", "slug", "headline", "published_at", "status", "section", "issue"]
LIST_FIELDS += ["page_number", "page_name", "position"]


class CachedCountPaginator(Paginator):
    """Counts a list once per change to it: the count is cached under the version of the
    cache tag that names the list (page_cache), so it is redone only when the list changes."""

    def __init__(self, *args, count_tag=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_tag = count_tag

    @cached_property
    def count(self):
        if self.count_tag is None:
            return super().count
        key = f"list-count:{self.count_tag}:{page_cache.tag_version(self.count_tag)}"
        count = cache.get(key)
        if count is None:
            count = super().count
            cache.set(key, count, settings.NEWSROOM_PAGE_CACHE_SECONDS)
        return count


class PublishedArticlesMixin:
    """Lists of published articles, paginated, with what a list item shows."""

    paginate_by = 20
    paginator_class = CachedCountPaginator

    def get_queryset(self):
        return Article.objects.published().select_related("section").only(*LIST_FIELDS)

    def count_tag(self):
        """The cache tag whose changes change this list's length (None: count every time)."""
        return None

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_tag=self.count_tag(),
            **kwargs,
        )


class HomeView(TemplateView):
    """Today's paper: the latest issue's lead story, its articles by column, and the latest news."""

    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The newest issue's stories in print order (however many it has, the first
        # HOME_ISSUE_ARTICLES, and a link to the issue page for the rest) and the latest news.
        issue, issue_articles, newest = Article.objects.front_page(HOME_ISSUE_ARTICLES + 1, 20)
        more_in_issue = len(issue_articles) > HOME_ISSUE_ARTICLES
        issue_articles = issue_articles[:HOME_ISSUE_ARTICLES]
        lead, rest = (issue_articles[0], issue_articles[1:]) if issue_articles else (None, [])
        # The lead story alone shows its photo (题图) with its credit, byline and summary: as
        # stored with it (articles/article_page.py).
        lead_teaser, lead_people = article_page.teaser(lead.pk) if lead else ("", [])
        shown = {article.pk for article in issue_articles}
        latest = [article for article in newest if article.pk not in shown][:10]
        # The day's 版, as thumbnails into the e-paper (the issue has published work: its lead).
        epaper_pages = (
            list(PrintPage.objects.filter(issue=issue).exclude(renditions={}).order_by("number"))
            if issue is not None
            else []
        )
        page_cache.depends_on(page_cache.LISTS, page_cache.EPAPER)
        page_cache.shows(issue_articles)
        page_cache.shows(latest)
        # The lead's teaser shows its summary, photo and byline: its text, not just its headline.
        if lead:
            page_cache.depends_on(page_cache.article_tag(lead.pk))
            page_cache.depends_on(*(page_cache.person_name_tag(pk) for pk in lead_people))
        context.update(
            latest_issue=issue,
            lead_teaser=lead_teaser,
            issue_groups=group_by_section(rest),
            latest_articles=latest,
            more_in_issue=more_in_issue,
            epaper_pages=epaper_pages,
        )
        return context


def is_withdrawn(pk):
    return pk <= MAX_PK and Article.objects.filter(pk=pk, status=Article.Status.WITHDRAWN).exists()


def withdrawn_response(request):
    """410 with a short notice: the story was public and is gone; nothing of it is shown (not
    even its headline), and search engines are told to drop it."""
    response = TemplateResponse(request, "articles/withdrawn.html", status=410)
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)  # if it is ever published again, readers see it at once
    return response


def declare_article_page(article, page, neighbours, more_from_section):
    """What an article page shows besides the article: its neighbours, its column's latest
    stories, the names in its credits and tags (page_cache)."""
    tags = [page_cache.article_tag(article.pk)]
    if article.issue_id:
        # Its previous and next article: which they are, and their headlines.
        tags.append(page_cache.issue_tag(article.issue_id))
        tags += [page_cache.listing_tag(n["pk"]) for n in neighbours if n]
    # Not its column's tag: a column of thousands would re-render every one of its article
    # pages at each publication. The five latest it shows are declared one by one below (a
    # change to any of them, a withdrawal above all, re-renders the page); a story published
    # since joins 更多 when the page is next rendered.
    tags += [page_cache.person_name_tag(pk) for pk in page["people"]]
    tags += [page_cache.tag_name_tag(pk) for pk in page["tags"]]
    page_cache.depends_on(*tags)
    page_cache.shows(more_from_section)


def group_by_section(articles):
    """[(section or None, [articles])], columns in the order they first appear."""
    groups = {}
    for article in articles:
        groups.setdefault(article.section, []).append(article)
    return list(groups.items())


class ArticleDetailView(TemplateView):
    """An article for readers: its stored page (articles/article_page.py) and what stands
    around it, from two plain queries."""

    template_name = "articles/article_detail.html"

    def get(self, request, *args, **kwargs):
        pk = kwargs["pk"]
        stored = Article.objects.stored_page(pk) if pk <= MAX_PK else None
        if stored is None:
            if is_withdrawn(pk):
                return withdrawn_response(request)
            raise Http404("没有这篇稿件")
        if stored.slug != kwargs["slug"]:
            return redirect(stored.get_absolute_url(), permanent=True)
        page = stored.page
        if not article_page.is_current(page):
            # Stored before a deploy changed how pages look: rendered live until refreshed.
            page = article_page.render(self.get_article())
        # Last-Modified and ETag come from the page cache middleware: they follow every change
        # the page shows, its neighbours and the navigation included.
        return self.render_to_response(self.get_context_data(article=stored, page=page))

    def get_queryset(self):
        """The articles this page may show: readers see published ones only."""
        return Article.objects.published()

    def previewing(self):
        """The article shown whatever its state (a preview), or None."""
        return None

    def get_article(self):
        """The article with everything its page shows, as article_page.render() reads it."""
        if self.kwargs["pk"] > MAX_PK:
            raise Http404("没有这篇稿件")
        found = article_page.load([self.kwargs["pk"]], self.get_queryset())
        if not found:
            raise Http404("没有这篇稿件")
        return found[0]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, page = context["article"], context["page"]
        previous, following, more = Article.objects.around(article, also=self.previewing())
        declare_article_page(article, page, [previous, following], more)
        request = self.request
        context.update(
            head=article_page.head_html(page, f"{request.scheme}://{request.get_host()}"),
            article_html=mark_safe(page["article"]),  # noqa: S308 - rendered escaped when stored
            previous_in_issue=previous,
            next_in_issue=following,
            more_from_section=more,
        )
        return context


class SectionDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/section_detail.html"
    # A column with no published work yet is not public (its name may be news itself).
    allow_empty = False

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def count_tag(self):
        return page_cache.section_tag(self.section.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(section=self.section, **kwargs)
        page_cache.depends_on(page_cache.section_tag(self.section.pk))
        page_cache.shows(context["object_list"])
        return context


class TagDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/tag_detail.html"
    # A tag used only on unpublished work does not exist for readers.
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def count_tag(self):
        return page_cache.tag_tag(self.tag.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        page_cache.depends_on(page_cache.tag_tag(self.tag.pk))
        page_cache.shows(context["object_list"])
        return context


def parse_iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("日期不存在") from None


class IssueDetailView(PublishedArticlesMixin, ListView):
    """One day's paper in print order, grouped by page (版)."""

    template_name = "articles/issue_detail.html"
    paginate_by = 100

    def get_queryset(self):
        issue_date = parse_iso_date(self.kwargs["date"])
        self.issue = get_object_or_404(
            Issue.objects.with_published_articles().order_by("pk"), date=issue_date
        )
        return super().get_queryset().filter(issue=self.issue).in_print_order()

    def count_tag(self):
        return page_cache.issue_tag(self.issue.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(issue=self.issue, **kwargs)
        issues = Issue.objects.with_published_articles()
        context["pages"] = [
            (key, list(items))
            for key, items in groupby(
                context["object_list"], key=lambda a: (a.page_number, a.page_name)
            )
        ]
        context["previous_issue"] = (
            issues.filter(date__lt=self.issue.date).order_by("-date").first()
        )
        context["next_issue"] = issues.filter(date__gt=self.issue.date).order_by("date").first()
        context["epaper_page"] = (
            PrintPage.objects.public().filter(issue=self.issue).order_by("number").first()
        )
        # The previous and next issues are those with published articles: a site-wide list.
        page_cache.depends_on(page_cache.issue_tag(self.issue.pk), page_cache.LISTS)
        page_cache.shows(context["object_list"])
        return context


class IssueArchiveView(TemplateView):
    """往期回顾: a calendar of one month's issues, with every month that has any."""

    template_name = "articles/issue_archive.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_cache.depends_on(page_cache.LISTS)
        issues = Issue.objects.with_published_articles()
        months = list(issues.dates("date", "month", order="DESC"))
        if "year" in self.kwargs:
            try:
                month = date(int(self.kwargs["year"]), int(self.kwargs["month"]), 1)
            except (ValueError, OverflowError):
                raise Http404("月份不存在") from None
            if month not in months:
                raise Http404("这个月没有报纸")
        elif months:
            month = months[0]
        else:
            month = None
        context.update(months=months, month=month, weeks=[])
        if month is not None:
            next_month = (month + timedelta(days=32)).replace(day=1)
            by_day = {
                issue.date.day: issue
                for issue in issues.filter(date__gte=month, date__lt=next_month).order_by("date")
            }
            context["weeks"] = calendar_weeks(month, by_day)
            context["month_issue_count"] = len(by_day)
        return context


def calendar_weeks(month, by_day):
    """A month as weeks from Monday, each day (0 outside the month) with by_day's entry."""
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(month.year, month.month)
    return [[(day, by_day.get(day)) for day in week] for week in weeks]


class SearchView(PublishedArticlesMixin, ListView):
    """/search/?q=…: published articles only, ranked, with the matched words highlighted."""

    template_name = "articles/search.html"
    # The page cache keys search pages on these (and page); anything else is ignored.
    cache_query_params = ("q", "section", "person", "start", "end")

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET or None)
        self.words = []
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset().only(*LIST_FIELDS, "body")  # excerpts quote the body
        if not self.form.is_bound or not self.form.is_valid() or not self.form.cleaned_data["q"]:
            return []
        data = self.form.cleaned_data
        if data["section"]:
            queryset = queryset.filter(section__slug=data["section"])
        if data["person"]:
            queryset = queryset.filter(
                Exists(Credit.objects.filter(article=OuterRef("pk"), person__slug=data["person"]))
            )
        if data["start"]:
            queryset = queryset.filter(published_at__date__gte=data["start"])
        if data["end"]:
            queryset = queryset.filter(published_at__date__lte=data["end"])
        # A ranking (the ids, best first) is reused for SEARCH_RANKING_SECONDS, or until the
        # index changes wholesale (a rename, a rebuild: the "index" cache tag): paging through
        # results, or the same search by the next reader, does not rank again, and neither a
        # desk saving every few seconds nor a publication re-ranks every search at once (30-50
        # ms each at 100k; all of them together stalled both workers for a second and more).
        # After a publication or withdrawal (the "lists" tag) the ranking is kept but narrowed
        # to what is public now, one query: a withdrawn story leaves the results at once, a new
        # one joins them within SEARCH_RANKING_SECONDS. The page's articles are then read by
        # id, published ones only, as they are now.
        digest = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()
        # "ranking:", not the earlier release's "search:" (another shape of entry): during a
        # deploy, old and new workers each read only their own.
        key = f"ranking:{digest}:{page_cache.tag_version(page_cache.INDEX)}"
        lists = page_cache.tag_version(page_cache.LISTS)
        now = time.time()
        found = cache.get(key)
        if not isinstance(found, dict) or now > found.get("expires", 0):
            ranked, words = search.search(queryset, data["q"])
            found = {"pks": list(ranked.values_list("pk", flat=True)), "words": words}
            # Each ranking keeps between three quarters of the time and all of it: rankings made
            # together (the first minute after a deploy or a re-index) would otherwise expire
            # together and be made again together, every minute, stalling both workers (seen
            # in bench/traffic_mix.py as the slowest second of the run).
            lifetime = SEARCH_RANKING_SECONDS * random.uniform(0.75, 1)
            found.update(expires=now + lifetime, lists=lists)
            cache.set(key, found, SEARCH_RANKING_SECONDS)
        elif found["lists"] != lists:
            public = set(queryset.filter(pk__in=found["pks"]).values_list("pk", flat=True))
            found.update(pks=[pk for pk in found["pks"] if pk in public], lists=lists)
            cache.set(key, found, max(1, int(found["expires"] - now)))
        pks, self.words = found["pks"], found["words"]
        return pks

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            form=self.form, words=self.words, candidates=search.CANDIDATES, **kwargs
        )
        if context["page_obj"] is not None:
            # The page holds ids: read those articles, in rank order.
            page = context["page_obj"]
            found = Article.objects.published().select_related("section").only(*LIST_FIELDS, "body")
            articles = found.in_bulk(list(page.object_list))
            page.object_list = [articles[pk] for pk in page.object_list if pk in articles]
            context["object_list"] = page.object_list
        for article in context["object_list"]:
            article.headline_html = search.highlight(article.headline, self.words)
            body = " ".join(block.get("text", "") for block in article.body)
            article.excerpt_html = search.highlight(body, self.words, length=120)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
        # Results follow the index, which follows every article's text and publication.
        page_cache.depends_on(page_cache.TEXT)
        return context


class PersonDetailView(ListView):
    """A person's page: who they are and their published work, with their role in each."""

    template_name = "people/person_detail.html"
    paginate_by = 20
    # Someone with no published work has no public page: drafts must not reveal them.
    allow_empty = False

    def get_queryset(self):
        self.person = get_object_or_404(Person, slug=self.kwargs["slug"])
        own_credits = Credit.objects.filter(person=self.person)
        own_photos = Photo.objects.filter(credits__person=self.person).distinct()
        return (
            Article.objects.published()
            .credited_to(self.person)
            .select_related("section")
            .prefetch_related(
                Prefetch("credits", queryset=own_credits, to_attr="own_credits"),
                Prefetch("photos", queryset=own_photos, to_attr="own_photos"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(person=self.person, **kwargs)
        page_cache.depends_on(page_cache.person_tag(self.person.pk))
        page_cache.shows(context["object_list"])
        return context


class PeopleIndexView(TemplateView):
    """/people/: the paper's own reporters and photographers, each with their latest story."""

    template_name = "people/people_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = (
            Article.objects.published()
            .filter(
                Exists(
                    Credit.objects.filter(article=OuterRef("pk"), person=OuterRef(OuterRef("pk")))
                )
            )
            .order_by("-published_at")
        )
        staff = (
            people_with_published_work()
            .filter(
                Exists(
                    Credit.objects.filter(
                        person=OuterRef("pk"),
                        staff=True,
                        article__in=Article.objects.published(),
                    )
                )
            )
            .annotate(
                latest_pk=Subquery(latest.values("pk")[:1]),
                latest_slug=Subquery(latest.values("slug")[:1]),
                latest_headline=Subquery(latest.values("headline")[:1]),
            )
            .order_by("sort_key", "pk")[:PEOPLE_INDEX_LIMIT]
        )
        context["people"] = list(staff)
        # Who is listed (credits, publication) and what each one's latest story says.
        page_cache.depends_on(page_cache.LISTS, page_cache.PEOPLE)
        page_cache.depends_on(*(page_cache.person_tag(person.pk) for person in context["people"]))
        page_cache.depends_on(
            *(page_cache.article_tag(p.latest_pk) for p in context["people"] if p.latest_pk)
        )
        return context


class TagIndexView(TemplateView):
    """/tags/: the tags on published stories, the most used first."""

    template_name = "articles/tag_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Article.objects.published().values("pk")
        tags = (
            Tag.objects.filter(taggit_taggeditem_items__object_id__in=published)
            .annotate(uses=Count("taggit_taggeditem_items"))
            .order_by("-uses", "name")[:TAG_INDEX_LIMIT]
        )
        context["tags"] = list(tags)
        page_cache.depends_on(page_cache.LISTS, page_cache.TAGS)
        page_cache.depends_on(*(page_cache.tag_tag(tag.pk) for tag in context["tags"]))
        return context
