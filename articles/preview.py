"""Previews: any article as readers would see it, never cached and never indexed.

Staff preview from the admin; a signed link lets someone without an account read
one unpublished article. The link carries the article's `preview_key`: revoking
the link or withdrawing the article clears the key, and every link made with it
stops working at once. Only someone who may edit the article can make one.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from articles import article_page
from articles.models import Article
from articles.views import ArticleDetailView

PREVIEW_SALT = "articles.preview"


class ArticlePreviewView(ArticleDetailView):
    """The article page for one article in whatever state it is, among the published ones."""

    def get_queryset(self):
        return Article.objects.published_or(self.kwargs["pk"])

    def previewing(self):
        return self.kwargs["pk"]

    def get(self, request, *args, **kwargs):
        article = self.get_article()
        page = article_page.render(article)  # as it is now, never the stored one
        response = self.render_to_response(
            self.get_context_data(article=article, page=page, preview=True)
        )
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


def share_link(request, article):
    """An absolute preview URL for `article`, making its key if it has none yet."""
    if not article.preview_key:
        article.preview_key = secrets.token_hex(16)
        Article.objects.filter(pk=article.pk).update(preview_key=article.preview_key)
    token = signing.dumps([article.pk, article.preview_key], salt=PREVIEW_SALT)
    return request.build_absolute_uri(reverse("article_shared_preview", args=[token]))


def revoke_links(article):
    article.preview_key = ""
    Article.objects.filter(pk=article.pk).update(preview_key="")


def _gone(request):
    response = render(request, "articles/preview_expired.html", status=410)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def shared_preview(request, token):
    """A signed link that lets someone without an account read one unpublished article."""
    try:
        pk, key = signing.loads(token, salt=PREVIEW_SALT, max_age=settings.NEWSROOM_PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        return _gone(request)
    except (signing.BadSignature, TypeError, ValueError):
        raise Http404("预览链接无效") from None
    article = Article.objects.filter(pk=pk).only("pk", "preview_key", "status").first()
    if article is None or not isinstance(pk, int):
        raise Http404("稿件不存在")
    if not key or key != article.preview_key or article.status == Article.Status.WITHDRAWN:
        return _gone(request)  # revoked, or withdrawn since the link was made
    return ArticlePreviewView.as_view()(request, pk=pk)
