import difflib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DataError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from reversion.admin import VersionAdmin
from reversion.models import Version
from taggit.models import Tag

from articles import search, workflow
from articles.body import body_to_text, text_to_body
from articles.models import (
    WORKFLOW_FIELDS,
    Article,
    ArticleEvent,
    Correction,
    Credit,
    Issue,
    Photo,
    PhotoCredit,
    Role,
    Section,
)
from articles.preview import PREVIEW_SALT, render_preview
from people.models import Person

Status = Article.Status


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: the article list stays cheap at 100,000 articles and more."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "role", "staff", "person"]
    ordering = ["position", "pk"]


class PhotoInlineForm(forms.ModelForm):
    """A photo with its caption and, when it has none yet, its photographer's credit."""

    photographer = forms.CharField(
        label="摄影者", required=False, max_length=50, help_text="姓名;没有此人时自动新建。"
    )
    photographer_role = forms.ChoiceField(
        label="摄影者身份", choices=Role.choices, initial=Role.PHOTOGRAPHER, required=False
    )
    photographer_staff = forms.BooleanField(label="本报", required=False, initial=True)

    class Meta:
        model = Photo
        fields = ["position", "image", "caption"]

    def clean(self):
        cleaned = super().clean()
        has_credit = self.instance.pk and self.instance.credits.exists()
        new_photo = not self.instance.pk and (cleaned.get("image") or cleaned.get("caption"))
        if new_photo and not has_credit and not (cleaned.get("photographer") or "").strip():
            self.add_error("photographer", "请填写摄影者(图片必须署名)。")
        return cleaned

    def save(self, commit=True):
        photo = super().save(commit)
        name = (self.cleaned_data.get("photographer") or "").strip()
        if name:
            self._photographer = name
        return photo

    def save_photographer(self):
        name = getattr(self, "_photographer", None)
        if not name:
            return
        person = Person.objects.filter(name=name).order_by("pk").first()
        if person is None:
            person = Person.objects.create(name=name)
        PhotoCredit.objects.create(
            photo=self.instance,
            person=person,
            role=self.cleaned_data.get("photographer_role") or Role.PHOTOGRAPHER,
            staff=self.cleaned_data.get("photographer_staff", False),
            position=self.instance.credits.count(),
        )


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


class ArticleForm(forms.ModelForm):
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField article-body-editor"}),
        help_text="段落之间空一行;小标题以“### ”开头;**加粗**;[链接文字](https://网址)。",
    )
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
    )
    new_tags = forms.CharField(
        label="新标签", required=False, help_text="要新建的标签,用逗号分隔。"
    )
    clear_import_notes = forms.BooleanField(label="导入备注已核对,清除", required=False)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    user = None  # set per request by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = [
            "kicker",
            "headline",
            "subheadline",
            "section",
            "dateline",
            "body",
            "issue",
            "position",
            "page_number",
            "page_name",
            "status",
            "published_at",
            "withdrawn_reason",
            "slug",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["edit_version"] = self.instance.version
        if self.instance.pk:
            self.initial["body"] = body_to_text(self.instance.body)
        if not self.instance.import_notes:
            self.fields.pop("clear_import_notes")
        if "status" in self.fields and self.user is not None:
            allowed = workflow.allowed_statuses(self.user, self.instance)
            self.fields["status"].choices = [c for c in Status.choices if c[0] in allowed]

    def clean_body(self):
        return text_to_body(self.cleaned_data["body"])

    def clean_new_tags(self):
        raw = self.cleaned_data["new_tags"].replace(",", ",").replace("、", ",")
        return [name.strip() for name in raw.split(",") if name.strip()]

    def clean(self):
        cleaned = super().clean()
        self.check_for_conflict()
        status = cleaned.get("status")
        if status == Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        if status == Status.WITHDRAWN and not (cleaned.get("withdrawn_reason") or "").strip():
            self.add_error("withdrawn_reason", "撤稿需要写明原因。")
        tags = list(cleaned.get("tags") or [])
        names = {t.name for t in tags}
        cleaned["tags"] = tags + [n for n in cleaned.get("new_tags", []) if n not in names]
        return cleaned

    def check_for_conflict(self):
        """Refuse a save based on an out-of-date copy, naming who saved in between."""
        if not self.instance.pk:
            return
        # Lock the row (no join: PostgreSQL cannot lock the nullable side of one).
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values("version", "updated_by_id", "updated_at")
            .first()
        )
        if current is None:
            return
        if getattr(self.instance, "_restoring", False):
            # The revision being restored is in the database for now; compare with what was there.
            current["version"] = self.instance.version
        submitted = self.cleaned_data.get("edit_version")
        if submitted == current["version"]:
            return
        editor = get_user_model().objects.filter(pk=current["updated_by_id"]).first()
        who = editor.get_username() if editor else "其他人"
        when = timezone.localtime(current["updated_at"]).strftime("%Y-%m-%d %H:%M:%S")
        # Their text stays in the form; the new version number lets them save it on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = current["version"]
        raise forms.ValidationError(
            f"保存失败:{who} 在 {when} 保存了这篇稿件,您打开之后它已被改动。"
            "您输入的内容仍在下面,没有丢失;请先在新窗口查看对方的修改,核对后再提交。",
            code="conflict",
        )

    def save(self, commit=True):
        if self.cleaned_data.get("clear_import_notes"):
            self.instance.import_notes = []
        return super().save(commit)


def locked(queryset):
    """The selected articles, their rows locked for the action (no joins: see check_for_conflict)."""
    return Article.objects.select_for_update().filter(pk__in=queryset.values("pk"))


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


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤稿原因", widget=forms.Textarea(attrs={"rows": 3}))


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


@admin.register(Article)
class ArticleAdmin(OutOfRangeFiltersMixin, VersionAdmin):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = [
        "headline",
        "section",
        "issue_date",
        "state",
        "published_at",
        "byline_list",
        "updated_by",
    ]
    list_filter = [MineFilter, "status", "section", ("issue__date", admin.DateFieldListFilter)]
    list_select_related = ["section", "issue", "updated_by"]
    search_fields = ["headline", "kicker", "subheadline", "body", "credits__person__name"]
    autocomplete_fields = ["section", "issue"]
    inlines = [CreditInline, PhotoInline, CorrectionInline]
    readonly_fields = ["import_notes_display", "workflow_history", "created_at", "updated_at"]
    actions = ["publish_selected", "withdraw_selected"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        ("导入备注", {"fields": ["import_notes_display", "clear_import_notes"]}),
        (
            None,
            {
                "fields": [
                    "kicker",
                    "headline",
                    "subheadline",
                    "section",
                    "dateline",
                    "body",
                    "edit_version",
                ]
            },
        ),
        ("版面", {"fields": ["issue", "position", "page_number", "page_name"]}),
        (
            "发布",
            {"fields": ["status", "published_at", "withdrawn_reason", "slug", "tags", "new_tags"]},
        ),
        ("流程记录", {"fields": ["workflow_history", "created_at", "updated_at"]}),
    ]

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
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields += ["published_at", "withdrawn_reason"]
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

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

    @admin.display(description="出版日期", ordering="issue__date")
    def issue_date(self, article):
        return article.issue.date if article.issue else "—"

    @admin.display(description="状态", ordering="status")
    def state(self, article):
        return article.state_label

    @admin.display(description="署名")
    def byline_list(self, article):
        return article.byline()

    @admin.display(description="导入时发现的问题,请核对")
    def import_notes_display(self, article):
        if not article.import_notes:
            return "—"
        return format_html(
            '<ul class="errorlist">{}</ul>',
            format_html_join("", "<li>{}</li>", ((note,) for note in article.import_notes)),
        )

    @admin.display(description="谁在何时做了什么")
    def workflow_history(self, article):
        if not article.pk:
            return "—"
        events = article.events.select_related("user")
        rows = (
            (
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                e.user.get_username() if e.user else "导入",
                e.get_action_display(),
                e.note,
            )
            for e in events
        )
        items = format_html_join("", "<li>{} {} {} {}</li>", rows)
        return format_html('<ul class="workflow-history">{}</ul>', items) if events else "—"

    def save_model(self, request, obj, form, change):
        old_status = None
        if change:
            old_status = Article.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
            obj.version += 1
        else:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            workflow.record(obj, ArticleEvent.Action.CREATED, request.user)
        action = workflow.event_for(old_status, obj)
        if action:
            note = obj.withdrawn_reason if action == ArticleEvent.Action.WITHDRAWN else ""
            workflow.record(obj, action, request.user, note)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Correction):
                instance.created_by = request.user
                instance.created_at = timezone.now()
        formset.save()
        corrections = [i for i in instances if isinstance(i, Correction)]
        for correction in corrections:
            workflow.record(
                form.instance, ArticleEvent.Action.CORRECTED, request.user, correction.text
            )
        if corrections:
            Article.objects.filter(pk=form.instance.pk).update(
                corrected_at=corrections[-1].created_at
            )
        for photo_form in getattr(formset, "forms", []):
            if isinstance(photo_form, PhotoInlineForm) and photo_form.instance.pk:
                photo_form.save_photographer()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.tags.set(form.cleaned_data["tags"])

    # Workflow actions on the list: permission is checked again for each article.

    @admin.action(description="发布所选稿件(定时稿件按其时间发布)", permissions=["publish"])
    def publish_selected(self, request, queryset):
        done = 0
        for article in locked(queryset).exclude(status=Status.PUBLISHED):
            workflow.publish(article, request.user)
            done += 1
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
        return TemplateResponse(
            request,
            "admin/articles/article/withdraw_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": "撤下稿件",
                "opts": self.model._meta,
                "articles": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    # Preview, share links and revision comparison.

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_article_preview",
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="articles_article_compare",
            ),
        ]
        return extra + super().get_urls()

    def preview_view(self, request, object_id):
        article = self.get_object(request, object_id)  # None for a malformed id, too
        if article is None:
            raise Http404("稿件不存在")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return render_preview(request, article)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            token = signing.dumps(obj.pk, salt=PREVIEW_SALT)
            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            context["share_url"] = request.build_absolute_uri(
                reverse("article_shared_preview", args=[token])
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        versions = (
            Version.objects.get_for_object_reference(Article, object_id)
            .select_related("revision", "revision__user")
            .order_by("-revision__date_created")
        )
        extra_context = {**(extra_context or {}), "versions": versions}
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        """Two revisions side by side: headline, body, credits and photos."""
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("稿件不存在")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        versions = Version.objects.get_for_object_reference(Article, object_id)
        try:
            first = versions.get(pk=int(request.GET.get("a", "")))
            second = versions.get(pk=int(request.GET.get("b", "")))
        except (ValueError, Version.DoesNotExist):
            messages.error(request, "请选择要比较的两个版本。")
            return self.history_view(request, object_id)
        table = difflib.HtmlDiff(wrapcolumn=50).make_table(
            revision_lines(first),
            revision_lines(second),
            f"{timezone.localtime(first.revision.date_created):%Y-%m-%d %H:%M:%S}",
            f"{timezone.localtime(second.revision.date_created):%Y-%m-%d %H:%M:%S}",
        )
        return TemplateResponse(
            request,
            "admin/articles/article/compare.html",
            {
                **self.admin_site.each_context(request),
                "title": f"比较版本:{article}",
                "opts": self.model._meta,
                "original": article,
                "first": first,
                "second": second,
                # difflib escapes the compared text itself.
                "diff_table": mark_safe(table),  # noqa: S308
            },
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # A restore is an edit: the same rule as editing applies to the article as it is now.
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("稿件不存在")
        if request.method == "POST" and not workflow.can_edit(request.user, article):
            raise PermissionDenied
        request._article_workflow = {field: getattr(article, field) for field in WORKFLOW_FIELDS}
        return super().revision_view(request, object_id, version_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        workflow_state = getattr(request, "_article_workflow", None)
        if article is not None and workflow_state:
            for field, value in workflow_state.items():
                setattr(article, field, value)
            article._restoring = True
        return article


def revision_lines(version):
    """A revision as lines of text for comparison: the article, then its credits and photos."""
    data = version.field_dict
    lines = [
        f"标题:{data.get('headline', '')}",
        f"引题:{data.get('kicker', '')}",
        f"副题:{data.get('subheadline', '')}",
        f"电头:{data.get('dateline', '')}",
        "",
        *body_to_text(data.get("body") or []).split("\n"),
        "",
    ]
    credits, captions = [], []
    for other in version.revision.version_set.select_related("content_type"):
        model = other.content_type.model_class()
        if model is Credit:
            credits.append(other.field_dict)
        elif model is Photo:
            captions.append(other.field_dict.get("caption", ""))
    names = dict(
        Person.objects.filter(pk__in=[c["person_id"] for c in credits]).values_list("pk", "name")
    )
    credits.sort(key=lambda c: (c.get("position", 0), c.get("id", 0)))
    lines += [f"署名:{c['role']} {names.get(c['person_id'], '(已删除)')}" for c in credits]
    lines += [f"图片说明:{caption}" for caption in captions]
    return lines


class PhotoCreditInline(admin.TabularInline):
    model = PhotoCredit
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "role", "staff", "person"]


@admin.register(Photo)
class PhotoAdmin(OutOfRangeFiltersMixin, VersionAdmin):
    list_display = ["caption_short", "article", "credit_line", "has_image"]
    list_select_related = ["article"]
    search_fields = ["caption", "article__headline", "credits__person__name"]
    autocomplete_fields = ["article"]
    inlines = [PhotoCreditInline]
    fields = ["article", "position", "image", "caption"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj.article))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Photo credits are part of the article: saving them is saving the article.
        article = form.instance.article
        Article.objects.filter(pk=article.pk).update(
            version=article.version + 1, updated_by=request.user, updated_at=timezone.now()
        )

    @admin.display(description="图片说明")
    def caption_short(self, photo):
        return photo.caption[:40]

    @admin.display(description="有图片文件", boolean=True)
    def has_image(self, photo):
        return bool(photo.image)


class ArticleCountMixin:
    """An "articles" count column, in the model's own order (an aggregate drops Meta.ordering)."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles"))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


@admin.register(Section)
class SectionAdmin(OutOfRangeFiltersMixin, ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]


@admin.register(Issue)
class IssueAdmin(OutOfRangeFiltersMixin, ArticleCountMixin, admin.ModelAdmin):
    list_display = ["date", "paper", "number", "article_count", "imported_at"]
    list_filter = ["paper"]
    search_fields = ["paper", "source_name", "date"]
    date_hierarchy = "date"
    # One paper per site (NEWSROOM_PAPER_NAME): the paper is not the desk's to change.
    readonly_fields = ["paper", "source_name", "source_sha256", "imported_at", "notes"]
