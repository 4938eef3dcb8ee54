from datetime import date

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView, TemplateView

from articles.models import Article, Issue, Photo, PhotoCredit, Section


def public_articles():
    return Article.objects.published().with_credits()


class PublishedArticlesMixin:
    """Lists of published articles, paginated, with what their templates show prefetched."""

    paginate_by = 20

    def get_queryset(self):
        return public_articles()


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = list(public_articles()[:20])
        context["latest_articles"] = latest
        context["latest_issue"] = latest[0].issue if latest and latest[0].issue else None
        return context


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        photo_credits = PhotoCredit.objects.select_related("person")
        return public_articles().prefetch_related(
            Prefetch(
                "photos",
                queryset=Photo.objects.prefetch_related(
                    Prefetch("credits", queryset=photo_credits)
                ),
            ),
            "tags",
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.slug != kwargs["slug"]:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class SectionDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class IssueDetailView(ListView):
    template_name = "articles/issue_detail.html"

    def get_queryset(self):
        try:
            issue_date = date.fromisoformat(self.kwargs["date"])
        except ValueError:
            raise Http404("没有这一天") from None
        self.issue = get_object_or_404(Issue.objects.order_by("pk"), date=issue_date)
        return public_articles().filter(issue=self.issue).order_by("page_number", "position", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(issue=self.issue, **kwargs)
