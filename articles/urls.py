from django.urls import path, register_converter

from articles import feeds, views
from articles.epaper import views as epaper


class IsoDateConverter:
    """YYYY-MM-DD; whether the date exists is the view's question (404, not 500)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<int:pk>/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section_detail"),
    path("sections/<slug:slug>/rss/", feeds.SectionFeed(), name="section_rss"),
    path("sections/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("tags/", views.TagIndexView.as_view(), name="tag_index"),
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("issues/", views.IssueArchiveView.as_view(), name="issue_archive"),
    path(
        "issues/<int:year>/<int:month>/",
        views.IssueArchiveView.as_view(),
        name="issue_archive_month",
    ),
    path("issues/<isodate:date>/", views.IssueDetailView.as_view(), name="issue_detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("epaper/", epaper.EpaperLatestView.as_view(), name="epaper"),
    path("epaper/go/", epaper.EpaperDateView.as_view(), name="epaper_go"),
    path("epaper/<isodate:date>/", epaper.EpaperDateView.as_view(), name="epaper_date"),
    path(
        "epaper/<isodate:date>/<int:number>/",
        epaper.EpaperPageView.as_view(),
        name="epaper_page",
    ),
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="atom"),
]
