"""Previews of any article as readers would see it, never cached and never indexed."""

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from articles.models import Article

PREVIEW_SALT = "articles.preview"


def render_preview(request, article):
    """The public article template for `article` in whatever state it is."""
    from articles.views import ArticleDetailView

    view = ArticleDetailView(request=request, kwargs={"pk": article.pk, "slug": article.slug})
    article = view.get_article(Article.objects.published_or(article.pk))
    response = render(
        request,
        view.template_name,
        view.get_context_data(article=article, preview=True),
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def shared_preview(request, token):
    """A signed link that lets someone without an account read one unpublished article."""
    try:
        pk = signing.loads(token, salt=PREVIEW_SALT, max_age=settings.NEWSROOM_PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        response = render(request, "articles/preview_expired.html", status=410)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    except signing.BadSignature:
        raise Http404("预览链接无效") from None
    try:
        article = Article.objects.get(pk=pk)
    except (Article.DoesNotExist, TypeError, ValueError):
        raise Http404("稿件不存在") from None
    return render_preview(request, article)
