"""Store every article's display data and page (articles/display.py, articles/article_page.py).

    python manage.py refresh_article_display           # every article
    python manage.py refresh_article_display --stale   # only pages stored by other templates

Saves and imports keep both current by themselves; this fills them in after an upgrade, and
with --stale re-renders the pages a deploy's new templates or settings made out of date (the
deploy's migrate step runs it: bin/entrypoint). Safe to run at any time.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import article_page, display
from articles.models import Article

CHUNK = 500


class Command(BaseCommand):
    help = "为稿件生成文章页数据(署名、图片署名、标签和文章页本身);升级或改版后运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale",
            action="store_true",
            help="只更新按旧模板或旧设置生成的文章页",
        )

    def handle(self, *args, **options):
        if options["stale"]:
            current = article_page.stamp()
            # Compared here, not in SQL: a page with no stamp at all is stale too, and a JSON
            # key that is missing compares as NULL, which exclude() would keep out.
            stamps = Article.objects.order_by("pk").values_list("pk", "page__v")
            pks = [pk for pk, stamp in stamps if stamp != current]
        else:
            pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start : start + CHUNK]
            with transaction.atomic():
                if not options["stale"]:
                    display.refresh(chunk)
                article_page.refresh(chunk)
        if len(pks) > CHUNK:
            Article.objects.reclaim_rewritten_rows()
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"已更新 {len(pks)} 篇稿件的页面数据。"))
