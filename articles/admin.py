from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from articles.body import body_to_text, text_to_body
from articles.models import Article, Credit, Issue, Photo, PhotoCredit, Section


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "role", "staff", "person"]
    ordering = ["position", "pk"]


class PhotoInline(admin.StackedInline):
    model = Photo
    extra = 0
    fields = ["position", "image", "caption", "credit_summary"]
    readonly_fields = ["credit_summary"]
    ordering = ["position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    @admin.display(description="摄影署名")
    def credit_summary(self, photo):
        if not photo.pk:
            return "保存后可添加摄影署名"
        link = reverse("admin:articles_photo_change", args=[photo.pk])
        return format_html('{} <a href="{}">编辑署名</a>', photo.credit_line() or "(无)", link)


class ArticleForm(forms.ModelForm):
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"}),
        help_text="段落之间空一行;小标题以“### ”开头。",
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
            "slug",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["body"] = body_to_text(self.instance.body)
        if not self.instance.import_notes:
            self.fields.pop("clear_import_notes")

    def clean_body(self):
        return text_to_body(self.cleaned_data["body"])

    def clean_new_tags(self):
        raw = self.cleaned_data["new_tags"].replace(",", ",").replace("、", ",")
        return [name.strip() for name in raw.split(",") if name.strip()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", "发布的稿件需要填写发布时间。")
        tags = list(cleaned.get("tags") or [])
        cleaned["tags"] = tags + [
            name for name in cleaned.get("new_tags", []) if name not in {t.name for t in tags}
        ]
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("clear_import_notes"):
            self.instance.import_notes = []
        return super().save(commit)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["headline", "section", "issue_date", "status", "published_at", "byline_list"]
    list_filter = ["status", "section", ("issue", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["section", "issue"]
    search_fields = ["headline", "kicker", "subheadline", "body", "credits__person__name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["section"]
    inlines = [CreditInline, PhotoInline]
    readonly_fields = ["import_notes_display", "created_at", "updated_at"]
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (
            "导入备注",
            {"fields": ["import_notes_display", "clear_import_notes"], "classes": ["import-notes"]},
        ),
        (None, {"fields": ["kicker", "headline", "subheadline", "section", "dateline", "body"]}),
        ("版面", {"fields": ["issue", "position", "page_number", "page_name"]}),
        ("发布", {"fields": ["status", "published_at", "slug", "tags", "new_tags"]}),
        ("记录", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.import_notes:
            return fieldsets[1:]
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    @admin.display(description="出版日期", ordering="issue__date")
    def issue_date(self, article):
        return article.issue.date if article.issue else "—"

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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.tags.set(form.cleaned_data["tags"])


class PhotoCreditInline(admin.TabularInline):
    model = PhotoCredit
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["position", "role", "staff", "person"]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["caption_short", "article", "credit_line", "has_image"]
    list_select_related = ["article"]
    search_fields = ["caption", "article__headline", "credits__person__name"]
    autocomplete_fields = ["article"]
    inlines = [PhotoCreditInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    @admin.display(description="图片说明")
    def caption_short(self, photo):
        return photo.caption[:40]

    @admin.display(description="有图片文件", boolean=True)
    def has_image(self, photo):
        return bool(photo.image)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles"))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, section):
        return section.article_count


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["date", "paper", "number", "article_count", "imported_at"]
    list_filter = ["paper"]
    search_fields = ["paper", "source_name"]
    date_hierarchy = "date"
    readonly_fields = ["source_name", "source_sha256", "imported_at", "notes"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles"))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, issue):
        return issue.article_count
