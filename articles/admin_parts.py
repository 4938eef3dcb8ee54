"""The pieces the article admin is built from: inlines, list filters and helpers."""

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import DataError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from reversion.models import Version

from articles import preview, workflow
from articles.forms import PhotoInlineForm
from articles.models import Article, Correction, Credit, Photo

Status = Article.Status


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: the article list stays cheap at 100,000 articles and more."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


class CreditFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        article = self.instance
        if article.status != Status.PUBLISHED:
            return
        was_published = (
            article.pk is not None
            and Article.objects.filter(pk=article.pk, status=Status.PUBLISHED).exists()
        )
        credits = [
            form
            for form in self.forms
            if form.cleaned_data.get("person") and not form.cleaned_data.get("DELETE")
        ]
        if not was_published and not credits:
            raise ValidationError("发布前请至少添加一个署名(记者或作者):读者要知道稿件出自谁。")


class CreditInline(admin.TabularInline):
    model = Credit
    formset = CreditFormSet
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "role", "staff", "person"]
    ordering = ["position", "pk"]

    def get_extra(self, request, obj=None, **kwargs):
        # A reporter's new article starts with their own byline (ArticleAdmin fills it in).
        return 1 if obj is None and workflow.default_credit(request.user) else 0


class PhotoInline(admin.StackedInline):
    model = Photo
    form = PhotoInlineForm
    extra = 0
    fields = [
        "position",
        "image",
        "caption",
        "credit_summary",
        "photographer",
        "photographer_role",
        "photographer_staff",
    ]
    readonly_fields = ["credit_summary"]
    ordering = ["position", "pk"]
    photographer_fields = ["photographer", "photographer_role", "photographer_staff"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not workflow.can_edit(request.user, obj):
            # Read-only: the credit line says who took it; the form's helper fields are empty.
            fields = [f for f in fields if f not in self.photographer_fields]
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    @admin.display(description="摄影署名")
    def credit_summary(self, photo):
        if not photo.pk:
            return "—"
        link = reverse("admin:articles_photo_change", args=[photo.pk])
        return format_html('{} <a href="{}">编辑署名</a>', photo.credit_line() or "(无)", link)


class CorrectionInline(admin.TabularInline):
    """更正: appended by an editor to a published article, never edited or removed."""

    model = Correction
    extra = 0
    fields = ["text", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]
    verbose_name = "更正"
    verbose_name_plural = "更正"

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status == Status.PUBLISHED
            and workflow.can_correct(request.user)
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MineFilter(admin.SimpleListFilter):
    title = "我的稿件"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "我创建的"), ("credited", "署我名的")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(created_by=request.user)
        if self.value() == "credited":
            return queryset.filter(credits__person__user=request.user)
        return queryset


class OutOfRangeFiltersMixin:
    """A list filter whose value the database cannot take (a year of 99999999999, an id of
    "abc") goes back to the unfiltered list with Django's own error flag, not a 500."""

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
        except (OverflowError, ValueError, DataError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return response


def locked(queryset):
    """The selected articles, their rows locked for the action (no joins: see check_for_conflict)."""
    return Article.objects.select_for_update().filter(pk__in=queryset.values("pk"))


class ArticleCountMixin:
    """An "articles" count column, in the model's own order (an aggregate drops Meta.ordering)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(article_count=Count("articles"))
        return queryset.order_by(*self.model._meta.ordering)

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


class PreviewAdminMixin:
    """The article admin's preview, share link and its revocation (articles/preview.py)."""

    def article_or_404(self, request, object_id, allowed):
        article = self.get_object(request, object_id)  # None for a malformed id, too
        if article is None:
            raise Http404("稿件不存在")
        if not allowed(request, article):
            raise PermissionDenied
        return article

    def preview_view(self, request, object_id):
        article = self.article_or_404(request, object_id, self.has_view_or_change_permission)
        return preview.ArticlePreviewView.as_view()(request, pk=article.pk)

    def revoke_preview_view(self, request, object_id):
        article = self.article_or_404(request, object_id, self.has_change_permission)
        if request.method != "POST":
            raise PermissionDenied
        preview.revoke_links(article)
        self.message_user(request, "已撤销外部预览链接,之前发出的链接都已失效。")
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            if workflow.can_create_preview_link(request.user, obj) and not obj.is_published:
                context["share_url"] = preview.share_link(request, obj)
                context["revoke_url"] = reverse(
                    "admin:articles_article_revoke_preview", args=[obj.pk]
                )
        return super().render_change_form(request, context, add, change, form_url, obj)


class RecoverDeletedOnlyMixin:
    """django-reversion's "recover" is for deleted articles, by editors only.

    Its view takes any version id, of any object, and reverts it before checking anything:
    a reporter could roll their published article back to a draft, deleting later photos.
    """

    def recover_view(self, request, version_id, extra_context=None):
        model = ContentType.objects.get_for_model(self.model)
        version = Version.objects.filter(
            pk=int(version_id) if str(version_id).isdigit() else None, content_type=model
        ).first()
        if version is None or self.model.objects.filter(pk=version.object_id).exists():
            raise Http404("没有可恢复的已删除稿件")
        if not workflow.can_publish(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)


class PhotoHistoryInArticleMixin:
    """A photo's revisions are its article's: history and restore live on the article."""

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # A photo's revision is its article's: restore it there, where the workflow is kept.
        return self.to_article_history(request, object_id)

    def recover_view(self, request, version_id, extra_context=None):
        return self.to_article_history(request, None)

    def to_article_history(self, request, object_id):
        photo = self.get_object(request, object_id) if object_id else None
        self.message_user(request, "图片随稿件一起保存版本:请在稿件的“历史”中查看和恢复。")
        if photo is None:
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        return HttpResponseRedirect(
            reverse("admin:articles_article_history", args=[photo.article_id])
        )
