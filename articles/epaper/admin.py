"""The e-paper in the admin: 版 uploads and the zone editor (configuration; the work is in
rendering.py and zones.py).

- 版面(数字报) → 增加: one 版's PDF; 上传整期 PDF: a whole issue, split into 版.
- Each 版's 编辑区域 page: the page image with its zones, drawn and moved by the
  dependency-free script static/admin/epaper/zone-editor.js, saved as JSON to
  `<id>/zones/data/` with the version it started from (409 if someone saved since).
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from articles.epaper import rendering, zones
from articles.epaper.forms import IssuePdfForm, PrintPageForm
from articles.models import Article, PrintPage

ZONE_PERMISSIONS = ["articles.change_printpage", "articles.change_pagezone"]


@admin.register(PrintPage)
class PrintPageAdmin(admin.ModelAdmin):
    form = PrintPageForm
    change_list_template = "admin/articles/printpage/change_list.html"
    list_display = ["__str__", "rendered", "zone_count", "zone_editor_link"]
    list_filter = [("issue__date", admin.DateFieldListFilter)]
    list_select_related = ["issue"]
    search_fields = ["name", "issue__date"]
    autocomplete_fields = ["issue"]
    readonly_fields = ["render_state"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("zones")

    @admin.display(description="版面图片")
    def rendered(self, page):
        if page.render_error:
            return "出错(见详情)"
        return "生成中" if page.needs_rendering() else "已生成"

    @admin.display(description="区域")
    def zone_count(self, page):
        return len(page.zones.all())

    @admin.display(description="编辑区域")
    def zone_editor_link(self, page):
        url = reverse("admin:articles_printpage_zones", args=[page.pk])
        return format_html('<a href="{}">编辑区域</a>', url)

    @admin.display(description="版面图片")
    def render_state(self, page):
        if page.pk is None:
            return "上传后由后台任务生成。"
        if page.render_error:
            return page.render_error
        if page.needs_rendering():
            return "正在生成版面图片(后台任务),稍后刷新。"
        url = reverse("admin:articles_printpage_zones", args=[page.pk])
        return format_html('已生成。<a href="{}">编辑区域</a>', url)

    def get_urls(self):
        def view(function, route, name):
            return path(route, self.admin_site.admin_view(function), name=name)

        return [
            view(self.upload_issue_view, "upload-issue/", "articles_printpage_upload_issue"),
            view(self.zones_view, "<int:page_id>/zones/", "articles_printpage_zones"),
            view(self.zones_data_view, "<int:page_id>/zones/data/", "articles_printpage_zone_data"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"can_upload_issue": self.has_add_permission(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def upload_issue_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssuePdfForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            issue = form.cleaned_data["issue"]
            with transaction.atomic():
                pages = rendering.store_issue(
                    issue, form.pdf_data, filename=form.cleaned_data["pdf_file"].name
                )
            messages.success(
                request,
                f"{issue} 已上传 {len(pages)} 个版,版面图片正在后台生成,完成后自动识别稿件区域。",
            )
            return HttpResponseRedirect(
                reverse("admin:articles_printpage_changelist") + f"?issue__id__exact={issue.pk}"
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "上传整期 PDF",
            "form": form,
        }
        return TemplateResponse(request, "admin/articles/printpage/upload_issue.html", context)

    def _zone_page(self, request, page_id):
        if not request.user.has_perms(ZONE_PERMISSIONS):
            raise PermissionDenied
        return get_object_or_404(PrintPage.objects.select_related("issue"), pk=page_id)

    def zones_view(self, request, page_id):
        page = self._zone_page(request, page_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"编辑区域:{page}",
            "page": page,
            "picture": page.picture(largest=1200),
            "editor_data": editor_data(page),
            "data_url": reverse("admin:articles_printpage_zone_data", args=[page.pk]),
        }
        return TemplateResponse(request, "admin/articles/printpage/zones.html", context)

    def zones_data_view(self, request, page_id):
        return _zones_data(request, self._zone_page(request, page_id))


@require_http_methods(["GET", "POST"])
def _zones_data(request, page):
    if request.method == "GET":
        return JsonResponse(editor_data(page), json_dumps_params={"ensure_ascii": False})
    try:
        payload = json.loads(request.body or b"null")
    except RequestDataTooBig:
        return _error("提交的数据太大,一个版的区域不会有这么多。", 400)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error("提交的数据不是有效的 JSON。", 400)
    try:
        version, cleaned = zones.clean_payload(payload, page)
        version = zones.save_zones(page.pk, version, cleaned)
    except ValidationError as error:
        return _error(error.messages[0], 400)
    except zones.ZoneConflict as conflict:
        return _error(
            "这个版的区域已被他人修改。请重新载入后再改(你的改动尚未保存)。",
            409,
            version=conflict.current_version,
        )
    return JsonResponse({"version": version, "message": "区域已保存。"})


def _error(message, status, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


def editor_data(page):
    """What the zone editor starts from: the version, the issue's articles, the zones."""
    articles = Article.objects.filter(issue_id=page.issue_id).order_by(
        "page_number", "position", "pk"
    )
    return {
        "version": page.zones_version,
        "articles": [
            {
                "id": article.pk,
                "title": article.headline,
                "page": article.page_number,
                "published": article.is_published,
            }
            for article in articles.only(
                "pk", "headline", "page_number", "status", "published_at", "position"
            )
        ],
        "zones": [
            {"article": zone.article_id, "rects": zone.rects, "proposed": zone.proposed}
            for zone in page.zones.all()
        ],
    }
