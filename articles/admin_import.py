"""The nightly import in the browser: upload, review and correct, confirm, watch, summary.

Four pages on the 报纸期次 admin, for editors (who may add issues and articles):

1. `issue/import/`: the source (uploaded or pasted), the date, the number;
2. `issue/import/<id>/`: the issue as the parser read it, each heading and
   byline with what it was read as, the doubtful ones marked; the editor
   corrects any of them and sees the issue parsed again, then confirms;
3. `issue/import/<id>/progress/`: the background import (articles/tasks.py);
4. `issue/import/<id>/summary/`: every article created, updated or kept.

Parsing and importing are the same functions `manage.py import_issue` calls
(articles/sources.py, articles/importing.py), under the same rules.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from articles import sources
from articles.forms import ImportSourceForm
from articles.models import Article, IssueImport
from articles.parsing import KICKER, SECTION
from articles.tasks import run_issue_import

IMPORT_PERMISSIONS = [
    "articles.add_issue",
    "articles.change_issue",
    "articles.add_article",
    "articles.change_article",
]
Status = IssueImport.Status
REPORT_GROUPS = [
    ("created", "新建"),
    ("updated", "更新"),
    ("unchanged", "未变"),
    ("kept", "编辑改过,未覆盖"),
    ("desk_decided", "保留编辑决定(撤稿、退回、删除)"),
]


class IssueImportAdminMixin:
    change_list_template = "admin/articles/issue/change_list.html"

    def has_import_permission(self, request):
        return request.user.has_perms(IMPORT_PERMISSIONS)

    def get_urls(self):
        def view(name, route):
            function = self.admin_site.admin_view(getattr(self, f"import_{name}_view"))
            return path(route, function, name=f"articles_issue_import_{name}")

        extra = [
            view("source", "import/"),
            view("review", "import/<int:import_id>/"),
            view("progress", "import/<int:import_id>/progress/"),
            view("summary", "import/<int:import_id>/summary/"),
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_context(self, request, title, **context):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }

    def import_job(self, request, import_id):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return get_object_or_404(IssueImport, pk=import_id)

    def import_url(self, name, job):
        return reverse(f"admin:articles_issue_import_{name}", args=[job.pk])

    def import_source_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        too_big = None
        try:
            form = ImportSourceForm(request.POST or None, request.FILES or None)
        except RequestDataTooBig:
            form = ImportSourceForm()
            too_big = "粘贴的内容太大:超过了导入文件的上限,请检查是否粘贴错了,或改为上传文件。"
        if request.method == "POST" and form.is_bound and form.is_valid():
            name, text, sha256 = form.cleaned_data["source"]
            sections = sources.known_sections()
            parsed = sources.parse(
                text, keep_punctuation=form.cleaned_data["keep_punctuation"], sections=sections
            )
            problems = sources.check_limits(parsed, name)
            if problems:
                # Nothing the review page could correct: the source itself must change.
                more = f"(另有 {len(problems) - 1} 处问题)" if len(problems) > 1 else ""
                form.add_error(None, problems[0] + more)
        if request.method == "POST" and form.is_bound and form.is_valid():
            job = IssueImport.objects.create(
                date=form.cleaned_data["date"],
                number=form.cleaned_data["number"],
                source_name=name,
                source_text=text,
                source_sha256=sha256,
                publish=form.cleaned_data["publish"],
                keep_punctuation=form.cleaned_data["keep_punctuation"],
                known_sections=sections,
                created_by=request.user,
            )
            return HttpResponseRedirect(self.import_url("review", job))
        recent = IssueImport.objects.select_related("created_by", "issue")[:10]
        context = self.import_context(
            request, "导入一期报纸", form=form, recent=recent, too_big=too_big
        )
        return TemplateResponse(request, "admin/articles/issue/import_source.html", context)

    def import_review_view(self, request, import_id):
        job = self.import_job(request, import_id)
        if job.status != Status.REVIEWING:
            return HttpResponseRedirect(self.import_url("progress", job))
        parsed = sources.parse(
            job.source_text,
            decisions=job.line_decisions(),
            keep_punctuation=job.keep_punctuation,
            sections=job.known_sections,
        )
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsed here, where too many fields can be reported
            except TooManyFieldsSent:
                messages.error(request, "这一期的判断太多,无法一次提交;请联系技术人员调高上限。")
                return HttpResponseRedirect(self.import_url("review", job))
            if "cancel" in request.POST:
                job.delete()
                messages.info(request, "已放弃这次导入,没有写入任何稿件。")
                return HttpResponseRedirect(reverse("admin:articles_issue_import_source"))
            if "confirm" in request.POST:
                return self.confirm_import(request, job, parsed)
            job.decisions = corrected_decisions(job.decisions, parsed, request.POST)
            job.save(update_fields=["decisions"])
            return HttpResponseRedirect(self.import_url("review", job))
        context = self.import_context(
            request,
            f"核对版面:{job.date:%Y年%m月%d日}",
            job=job,
            parsed=parsed,
            articles=review_rows(parsed),
            issue_decisions=[
                d
                for d in parsed.decisions
                if not parsed.articles
                or (d.line < parsed.articles[0].line and d.text not in leading(parsed))
            ],
            problems=sources.check_limits(parsed, job.source_name),
            unsure_count=sum(d.unsure for d in parsed.decisions),
        )
        return TemplateResponse(request, "admin/articles/issue/import_review.html", context)

    def confirm_import(self, request, job, parsed):
        problems = sources.check_limits(parsed, job.source_name)
        if problems:
            messages.error(request, problems[0])
            return HttpResponseRedirect(self.import_url("review", job))
        with transaction.atomic():
            claimed = IssueImport.objects.filter(pk=job.pk, status=Status.REVIEWING).update(
                status=Status.QUEUED,
                articles_total=len(parsed.articles),
                confirmed_at=timezone.now(),
            )
            if claimed:
                transaction.on_commit(lambda: run_issue_import.enqueue(job.pk))
        return HttpResponseRedirect(self.import_url("progress", job))

    def import_progress_view(self, request, import_id):
        job = self.import_job(request, import_id)
        if job.status == Status.REVIEWING:
            return HttpResponseRedirect(self.import_url("review", job))
        if job.status == Status.DONE:
            return HttpResponseRedirect(self.import_url("summary", job))
        if request.method == "POST" and "review" in request.POST:
            # A failed import goes back to the review page, to be corrected or confirmed again.
            IssueImport.objects.filter(pk=job.pk, status=Status.FAILED).update(
                status=Status.REVIEWING, error=""
            )
            return HttpResponseRedirect(self.import_url("review", job))
        waiting = job.status != Status.FAILED
        queued_for = (timezone.now() - job.confirmed_at).total_seconds() if job.confirmed_at else 0
        context = self.import_context(
            request,
            f"导入进度:{job.date:%Y年%m月%d日}",
            job=job,
            waiting=waiting,
            # Still queued after a minute: no task worker is taking jobs.
            stalled=job.status == Status.QUEUED and queued_for > 60,
        )
        return TemplateResponse(request, "admin/articles/issue/import_progress.html", context)

    def import_summary_view(self, request, import_id):
        job = self.import_job(request, import_id)
        if job.status != Status.DONE:
            return HttpResponseRedirect(self.import_url("progress", job))
        ids = job.report.get("article_ids", {})
        articles = Article.objects.in_bulk([pk for group in ids.values() for pk in group])
        groups = [
            (label, [articles[pk] for pk in ids.get(key, []) if pk in articles])
            for key, label in REPORT_GROUPS
        ]
        context = self.import_context(
            request,
            f"导入完成:{job.date:%Y年%m月%d日}",
            job=job,
            groups=groups,
            report=job.report,
            deleted=[h for h in job.report.get("desk_decided", []) if h.endswith("(已删除)")],
        )
        return TemplateResponse(request, "admin/articles/issue/import_summary.html", context)


def review_rows(parsed):
    """Each parsed article with the decisions about its lines, in source order.

    A column banner or kicker above a headline is listed with the article it leads,
    not with the one before it.
    """
    articles = parsed.articles
    owner = {}
    index = -1
    for decision in parsed.decisions:
        while index + 1 < len(articles) and articles[index + 1].line <= decision.line:
            index += 1
        owner[decision.line] = index
        following = articles[index + 1] if index + 1 < len(articles) else None
        leads_following = following is not None and decision.kind in (SECTION, KICKER)
        if leads_following and decision.text in (following.section, following.kicker):
            owner[decision.line] = index + 1
    rows = []
    for index, article in enumerate(articles):
        decisions = [d for d in parsed.decisions if owner[d.line] == index]
        paragraphs = [b.text for b in article.body if b.type == "paragraph"]
        rows.append(
            {
                "number": index + 1,
                "article": article,
                "decisions": decisions,
                "paragraph_count": len(paragraphs),
                "subhead_count": len(article.body) - len(paragraphs),
                "first_words": paragraphs[0][:60] if paragraphs else "",
                "unsure": any(d.unsure for d in decisions),
            }
        )
    return rows


def leading(parsed):
    """The first article's banner and kicker: listed with it, not before it."""
    first = parsed.articles[0]
    return {first.section, first.kicker} - {None}


def corrected_decisions(saved, parsed, data):
    """The editor's corrections: each `line-N` field whose kind differs from how N was read."""
    corrected = dict(saved)
    for decision in parsed.decisions:
        chosen = data.get(f"line-{decision.line}")
        if chosen is None or chosen not in decision.choices:
            continue
        if chosen != decision.kind:
            corrected[str(decision.line)] = chosen
    if "reset" in data:
        return {}
    return corrected
