"""The editors' desk in the Django admin: configuration only.

Who may do what lives in articles/workflow.py, the forms in articles/forms.py,
revision comparison and restore in articles/revisions.py, previews in
articles/preview.py; these classes ask them.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles import revisions, search, workflow
from articles.admin_import import IssueImportAdminMixin
from articles.admin_parts import (
    ArticleCountMixin,
    CappedCountPaginator,
    CorrectionInline,
    CreditInline,
    MineFilter,
    OutOfRangeFiltersMixin,
    PhotoHistoryInArticleMixin,
    PhotoInline,
    PreviewAdminMixin,
    RecoverDeletedOnlyMixin,
    locked,
)
from articles.body import body_to_text
from articles.epaper import admin as epaper_admin  # noqa: F401 - registers the e-paper's pages
from articles.forms import ArticleForm, PhotoAdminForm, WithdrawForm
from articles.models import Article, Correction, Issue, Photo, PhotoCredit, Section

Status = Article.Status


@admin.register(Article)
class ArticleAdmin(
    RecoverDeletedOnlyMixin, PreviewAdminMixin, OutOfRangeFiltersMixin, VersionAdmin
):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = ["headline", "state", "section", "issue_date", "published_at", "byline_list"]
    list_filter = [MineFilter, "status", "section", ("issue__date", admin.DateFieldListFilter)]
    list_select_related = ["section", "issue", "updated_by"]
    search_fields = ["headline", "kicker", "subheadline", "body", "credits__person__name"]
    autocomplete_fields = ["section", "issue"]
    inlines = [CreditInline, PhotoInline, CorrectionInline]
    readonly_fields = ["import_notes_display", "body_display", "workflow_history"]
    readonly_fields += ["created_at", "updated_at"]
    actions = ["publish_selected", "withdraw_selected"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        ("导入备注", {"fields": ["import_notes_display", "clear_import_notes"]}),
        (None, {"fields": ["kicker", "headline", "subheadline", "section", "dateline", "body"]}),
        ("版面", {"fields": ["issue", "position", "page_number", "page_name"]}),
        ("发布", {"fields": ["status", "published_at", "withdrawn_reason", "slug", "tags"]}),
        ("流程记录", {"fields": ["workflow_history", "created_at", "updated_at"]}),
    ]
    # The form's own helpers, shown only to someone who may edit.
    editing_fields = {"body": ["edit_version"], "tags": ["new_tags"]}

    class Media:
        js = ["admin/newsroom-body-editor.js"]
        css = {"all": ["admin/newsroom-admin.css"]}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.import_notes:
            fieldsets = fieldsets[1:]
        editing = obj is None or self.has_change_permission(request, obj)

        def fields(names):
            for name in names:
                if editing:
                    yield name
                    yield from self.editing_fields.get(name, [])
                else:  # read-only: the body as text
                    yield "body_display" if name == "body" else name

        return [
            (name, {**opts, "fields": list(fields(opts["fields"]))}) for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields += ["published_at", "withdrawn_reason"]
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    def get_ordering(self, request):
        """Editors see what waits for review first; reporters, their own drafts."""
        if workflow.can_publish(request.user):
            first = When(status=Status.SUBMITTED, then=Value(0))
        else:
            first = When(status=Status.DRAFT, created_by=request.user, then=Value(0))
        rank = Case(first, default=Value(1), output_field=IntegerField())
        return [rank.asc(), "-updated_at", "-pk"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj))

    def get_search_results(self, request, queryset, search_term):
        """Search through the segmented full-text index (headline, body, people), plus a plain
        headline match for fragments the segmenter would split differently."""
        term = search_term.strip()
        if not term:
            return queryset, False
        matched, _ = search.search(queryset, term)
        return queryset.filter(Q(pk__in=matched.values("pk")) | Q(headline__icontains=term)), False

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        credit = workflow.default_credit(request.user)
        if isinstance(inline, CreditInline) and obj.pk is None and credit and not request.POST:
            kwargs["initial"] = [credit]
        return kwargs

    @admin.display(description="出版日期", ordering="issue__date")
    def issue_date(self, article):
        return article.issue.date if article.issue else "—"

    @admin.display(description="状态", ordering="status")
    def state(self, article):
        return article.state_label

    @admin.display(description="署名")
    def byline_list(self, article):
        return article.byline()

    @admin.display(description="正文")
    def body_display(self, article):
        return format_html('<div class="body-text">{}</div>', body_to_text(article.body))

    @admin.display(description="导入时发现的问题,请核对")
    def import_notes_display(self, article):
        if not article.import_notes:
            return "—"
        notes = format_html_join("", "<li>{}</li>", ((note,) for note in article.import_notes))
        return format_html('<ul class="errorlist">{}</ul>', notes)

    @admin.display(description="谁在何时做了什么")
    def workflow_history(self, article):
        events = list(article.events.select_related("user")) if article.pk else []
        rows = (
            (f"{e.at:%Y-%m-%d %H:%M}", e.user or "导入", e.get_action_display(), e.note)
            for e in events
        )
        items = format_html_join("", "<li>{} {} {} {}</li>", rows)
        return format_html('<ul class="workflow-history">{}</ul>', items) if events else "—"

    def save_model(self, request, obj, form, change):
        workflow.save_edit(obj, request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is Correction:
            workflow.add_corrections(form.instance, formset.save(commit=False), request.user)
            return
        formset.save()
        if formset.model is Photo:
            for photo_form in formset.forms:
                if photo_form.has_changed() and not photo_form.cleaned_data.get("DELETE"):
                    photo_form.save_photographer()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.tags.set(form.cleaned_data["tags"])

    def response_add(self, request, obj, post_url_continue=None):
        if self.has_change_permission(request, obj):
            return super().response_add(request, obj, post_url_continue)
        return self.response_read_only(request, obj)

    def response_change(self, request, obj):
        if self.has_change_permission(request, obj):
            return super().response_change(request, obj)
        return self.response_read_only(request, obj)

    def response_read_only(self, request, obj):
        # Submitted for review: the form is read-only now, so say so rather than "edit it below".
        self.message_user(request, f"“{obj}”已保存,当前状态:{obj.state_label}。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    # Workflow actions on the list: permission is checked again for each article.

    @admin.action(description="发布所选稿件(定时稿件按其时间发布)", permissions=["publish"])
    def publish_selected(self, request, queryset):
        done = 0
        for article in locked(queryset).exclude(status=Status.PUBLISHED):
            if reason := workflow.missing_byline(article):
                self.message_user(request, reason, messages.ERROR)
                continue
            workflow.publish(article, request.user)
            done += 1
        if done:
            self.message_user(request, f"已发布 {done} 篇稿件。", messages.SUCCESS)

    @admin.action(description="撤下所选稿件", permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        form = WithdrawForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for article in locked(queryset).filter(status=Status.PUBLISHED):
                workflow.withdraw(article, request.user, form.cleaned_data["reason"])
                done += 1
            self.message_user(request, f"已撤下 {done} 篇稿件。", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "撤下稿件",
            "opts": self.model._meta,
            "articles": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        template = "admin/articles/article/withdraw_confirmation.html"
        return TemplateResponse(request, template, context)

    # Preview, share links and revisions.

    def get_urls(self):
        def view(name, suffix):
            function = self.admin_site.admin_view(getattr(self, f"{name}_view"))
            return path(f"<path:object_id>/{suffix}", function, name=f"articles_article_{name}")

        extra = [
            view("preview", "preview/"),
            view("revoke_preview", "preview/revoke/"),
            view("compare", "history/compare/"),
        ]
        return extra + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        versions = (
            Version.objects.get_for_object_reference(Article, object_id)
            .select_related("revision", "revision__user")
            .order_by("-revision__date_created")
        )
        extra_context = {**(extra_context or {}), "versions": versions}
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        """Two revisions side by side: content, workflow state, credits, photos and tags."""
        article = self.article_or_404(request, object_id, self.has_view_or_change_permission)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        response = revisions.compare_response(request, article, context)
        if response is None:
            messages.error(request, "请选择要比较的两个版本。")
            return self.history_view(request, object_id)
        return response

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # A restore is an edit: the same rule as editing applies to the article as it is now.
        article = self.article_or_404(request, object_id, self.has_view_or_change_permission)
        if request.method == "POST" and not workflow.can_edit(request.user, article):
            raise PermissionDenied
        with revisions.restoring(article):
            return super().revision_view(request, object_id, version_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        return revisions.keep_workflow_state(article)


@admin.register(Photo)
class PhotoAdmin(PhotoHistoryInArticleMixin, OutOfRangeFiltersMixin, VersionAdmin):
    form = PhotoAdminForm
    list_display = ["caption_short", "article", "credit_line", "has_image"]
    list_select_related = ["article"]
    search_fields = ["caption", "article__headline", "credits__person__name"]
    autocomplete_fields = ["article"]
    fields = ["article", "position", "image", "caption"]
    show_full_result_count = False

    class PhotoCreditInline(admin.TabularInline):
        model = PhotoCredit
        extra = 0
        autocomplete_fields = ["person"]
        fields = ["position", "role", "staff", "person"]

    inlines = [PhotoCreditInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj.article))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj.article))

    def delete_queryset(self, request, queryset):
        # The bulk action checks each photo's article too, not only the permission to delete.
        if any(not workflow.can_edit(request.user, photo.article) for photo in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflow.part_changed(form.instance.article, request.user)

    @admin.display(description="图片说明")
    def caption_short(self, photo):
        return photo.caption[:40]

    @admin.display(description="有图片文件", boolean=True)
    def has_image(self, photo):
        return bool(photo.image)


@admin.register(Section)
class SectionAdmin(OutOfRangeFiltersMixin, ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]


@admin.register(Issue)
class IssueAdmin(
    IssueImportAdminMixin, OutOfRangeFiltersMixin, ArticleCountMixin, admin.ModelAdmin
):
    list_display = ["date", "paper", "number", "article_count", "imported_at"]
    list_filter = ["paper"]
    search_fields = ["paper", "source_name", "date"]
    date_hierarchy = "date"
    # One paper per site (NEWSROOM_PAPER_NAME): the paper is not the desk's to change.
    readonly_fields = ["paper", "source_name", "source_sha256", "imported_at", "notes"]
