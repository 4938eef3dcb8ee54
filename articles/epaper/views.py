"""The readers' 数字报: pick a date, see the printed 版, click a story to read it.

/epaper/                      → the latest issue's 第01版
/epaper/go/?date=2022-12-20   → that date's e-paper (or the nearest one before it)
/epaper/<date>/               → that date's first 版
/epaper/<date>/<n>/           → 版 n: the page image with each published story a link

Only 版 of issues with published articles are shown, and on them only published
articles' zones are links (a draft's zone is not there at all). Every page costs the
same few queries however many 版, zones or issues there are.
"""

import re
from datetime import date, timedelta

from django.db.models import Max, Min, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from articles import page_cache
from articles.models import Article, Issue, PageZone, PrintPage
from articles.views import LIST_FIELDS, calendar_weeks, parse_iso_date

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def public_issues():
    """Issues readers may open in the e-paper: with published articles and a rendered 版."""
    return Issue.objects.with_published_articles().filter(
        pk__in=PrintPage.objects.exclude(renditions={}).values("issue")
    )


def date_url(issue_date):
    return reverse("articles:epaper_date", kwargs={"date": issue_date.isoformat()})


class EpaperLatestView(TemplateView):
    """The latest e-paper, or a notice that there is none yet."""

    template_name = "articles/epaper_empty.html"

    def get(self, request, *args, **kwargs):
        page_cache.depends_on(page_cache.EPAPER, page_cache.LISTS)
        page = (
            PrintPage.objects.public()
            .select_related("issue")
            .order_by("-issue__date", "number")
            .first()
        )
        if page is None:
            return super().get(request, *args, **kwargs)
        return redirect(page)


class EpaperDateView(TemplateView):
    """/epaper/<date>/: that date's first 版. /epaper/go/?date=: the same, or for a date with no
    e-paper the nearest one before it (after it with dir=next), as the date picker wants."""

    template_name = "articles/epaper_empty.html"
    cache_query_params = ("date", "dir")

    def get(self, request, *args, **kwargs):
        exact = "date" in kwargs
        value = kwargs["date"] if exact else request.GET.get("date", "").strip()
        try:
            # Only 2022-12-20: fromisoformat() alone also takes 20221220 and 2022-W51-2.
            if not ISO_DATE.fullmatch(value):
                raise ValueError(value)
            wanted = date.fromisoformat(value)
        except ValueError:
            return self.render_to_response(
                {"message": "日期格式不对,请按 2022-12-20 的格式选择日期。"}, status=400
            )
        issues = public_issues()
        if exact:
            issue = issues.filter(date=wanted).first()
        elif request.GET.get("dir") == "next":
            issue = issues.filter(date__gte=wanted).order_by("date").first()
        else:
            issue = (
                issues.filter(date__lte=wanted).order_by("-date").first()
                or issues.filter(date__gt=wanted).order_by("date").first()
            )
        if issue is None:
            message = f"{wanted:%Y年%m月%d日}没有数字报。" if exact else "还没有数字报。"
            return self.render_to_response({"message": message}, status=404)
        page = PrintPage.objects.public().filter(issue=issue).order_by("number").first()
        page.issue = issue
        return redirect(page)


class EpaperPageView(TemplateView):
    """One 版: its image with the published stories as links, its stories, the issue's other
    版 as thumbnails, the neighbouring 版 and a calendar of the month's e-papers."""

    template_name = "articles/epaper_page.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        canonical = self.page.get_absolute_url()
        if request.path != canonical:  # /epaper/2022-12-20/01/: one address per 版
            return redirect(canonical, permanent=True)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        issue_date = parse_iso_date(self.kwargs["date"])
        pages = list(
            PrintPage.objects.public()
            .filter(issue__date=issue_date)
            .select_related("issue")
            .order_by("number")
        )
        page = next((p for p in pages if p.number == self.kwargs["number"]), None)
        if page is None:
            raise Http404("这一天没有这个版")
        self.page, issue = page, page.issue
        index = pages.index(page)
        published = Article.objects.published()
        zones = list(
            PageZone.objects.filter(page=page, article__in=published.values("pk"))
            .select_related("article")
            .only("rects", "article__id", "article__slug", "article__headline")
            .order_by("article__position", "article__pk")
        )
        articles = list(
            published.filter(issue=issue)
            .filter(Q(page_number=page.number) | Q(zones__page=page))
            .distinct()
            .select_related("section")
            .only(*LIST_FIELDS, "kicker")
            .in_print_order()
        )
        page_cache.depends_on(page_cache.issue_tag(issue.pk), page_cache.EPAPER)
        page_cache.shows([zone.article for zone in zones])
        page_cache.shows(articles)
        context.update(
            issue=issue,
            page=page,
            pages=pages,
            picture=page.picture(),
            zones=zones,
            articles=articles,
            previous_page=pages[index - 1] if index > 0 else None,
            next_page=pages[index + 1] if index + 1 < len(pages) else None,
            **self.calendar(issue.date),
        )
        return context

    def calendar(self, issue_date):
        """The month's e-papers as a calendar, with the first and last dates there are."""
        month = issue_date.replace(day=1)
        next_month = (month + timedelta(days=32)).replace(day=1)
        issues = public_issues()
        span = issues.aggregate(first=Min("date"), last=Max("date"))
        by_day = {
            day.day: date_url(day)
            for day in issues.filter(date__gte=month, date__lt=next_month).values_list(
                "date", flat=True
            )
        }
        return {
            "month": month,
            "weeks": calendar_weeks(month, by_day),
            "first_date": span["first"],
            "last_date": span["last"],
            "previous_month": month - timedelta(days=1) if span["first"] < month else None,
            "next_month": next_month if span["last"] >= next_month else None,
        }
