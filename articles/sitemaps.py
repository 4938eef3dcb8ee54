"""Sitemaps for every public page, and a Google News sitemap for the last two days."""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Issue, Section, people_with_published_work


class ArticleSitemap(Sitemap):
    changefreq = "never"
    limit = 5000

    def items(self):
        return Article.objects.published().only("pk", "slug", "updated_at").order_by("-pk")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        # The default takes the max over every item in Python: one row per article.
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class SectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(section=OuterRef("pk"))
        latest = published.order_by("-updated_at").values("updated_at")[:1]
        return (
            Section.objects.with_published_articles()
            .annotate(latest=Subquery(latest))
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return section.latest

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class PersonSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return people_with_published_work().order_by("pk")


class IssueSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Issue.objects.with_published_articles().order_by("-date")

    def lastmod(self, issue):
        return issue.imported_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("imported_at"))["latest"]


class StaticSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:home", "articles:issue_archive"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": StaticSitemap,
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "people": PersonSitemap,
    "issues": IssueSitemap,
}


def news_sitemap(request):
    """Google News sitemap: articles published in the last two days."""
    since = timezone.now() - timedelta(days=2)
    articles = (
        Article.objects.published()
        .filter(published_at__gte=since)
        .only("pk", "slug", "headline", "published_at")
        .order_by("-published_at")[:1000]
    )
    return render(
        request,
        "sitemaps/news.xml",
        {"articles": articles},
        content_type="application/xml; charset=utf-8",
    )


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('news_sitemap'))}",
    ]
    return render(request, "robots.txt", {"lines": lines}, content_type="text/plain; charset=utf-8")
