"""Typeset demo 版 PDFs for an imported issue and put them in the e-paper.

For a newcomer (bin/serve runs it on the seed) and for papers whose source comes without
PDFs. Each page is labelled as a demo across its top. An issue that already has 版 is left
alone unless --replace is given: an editor's real PDFs are never overwritten by a demo.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.epaper import demo, rendering
from articles.models import Article, Issue, PrintPage
from articles.tasks import render_print_page


class Command(BaseCommand):
    help = "为已导入的一期排出演示版面 PDF(标明“演示”),生成数字报版面图片并识别稿件区域。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="出版日期,如 2022-12-20;默认最新一期。")
        parser.add_argument(
            "--replace", action="store_true", help="这一期已有版面时也替换(默认跳过)。"
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="版面图片交给后台任务生成(默认在本命令中立即生成)。",
        )

    def handle(self, *args, **options):
        issue = self.find_issue(options["date"])
        if PrintPage.objects.filter(issue=issue).exists() and not options["replace"]:
            self.stdout.write(f"{issue} 已有版面,跳过(用 --replace 替换)。")
            return
        articles = list(
            Article.objects.published()
            .filter(issue=issue)
            .select_related("section")
            .in_print_order()
        )
        if not articles:
            raise CommandError(f"{issue} 没有已发布的稿件,无法排出演示版面。")
        with transaction.atomic():
            if options["replace"]:
                PrintPage.objects.filter(issue=issue).delete()
            pages = []
            for number, name, group in demo.plan(articles):
                typeset = demo.typeset(issue, number, name, group)
                pages.append(
                    rendering.store_page(
                        issue,
                        number,
                        name,
                        typeset.pdf,
                        filename=f"demo-{issue.date:%Y%m%d}-{number:02d}.pdf",
                    )
                )
        if not options["queue"]:
            for page in pages:
                render_print_page.call(page.pk)
        self.stdout.write(f"{issue}:已排出 {len(pages)} 个演示版面。")

    def find_issue(self, value):
        issues = Issue.objects.with_published_articles()
        if value:
            try:
                wanted = date.fromisoformat(value.strip())
            except ValueError:
                raise CommandError(f"日期格式不对:{value}(应为 2022-12-20)。") from None
            issue = issues.filter(date=wanted).first()
            if issue is None:
                raise CommandError(f"{wanted:%Y年%m月%d日} 没有已发布稿件的一期。")
            return issue
        issue = issues.order_by("-date").first()
        if issue is None:
            raise CommandError("还没有已发布稿件的一期,请先导入(manage.py import_issue)。")
        return issue
