"""Store every article's display data (bylines, photo credits, tags) as it is now.

    python manage.py refresh_article_display

Saves and imports keep it current by themselves (articles/display.py); this fills it in for
articles saved before it was stored, after an upgrade. Safe to run at any time.
"""

from django.core.management.base import BaseCommand

from articles import display
from articles.models import Article

CHUNK = 500


class Command(BaseCommand):
    help = "为全部稿件生成文章页的署名、图片署名和标签数据(升级后运行一次)。"

    def handle(self, *args, **options):
        pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), CHUNK):
            display.refresh(pks[start : start + CHUNK])
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"已更新 {len(pks)} 篇稿件的页面数据。"))
