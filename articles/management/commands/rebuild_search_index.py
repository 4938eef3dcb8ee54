"""Rebuild the full-text search index for the whole archive, with a progress bar.

    python manage.py rebuild_search_index

Needed after changing how text is segmented or weighted; everyday saves and
imports keep the index current on their own.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import page_cache
from articles.models import Article
from articles.search import BATCH, index_articles


class Command(BaseCommand):
    help = "重建全部稿件的全文搜索索引。"

    def handle(self, *args, **options):
        pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        total = len(pks)
        show = options["verbosity"] >= 1
        for start in range(0, total, BATCH):
            with transaction.atomic():
                index_articles(pks[start : start + BATCH])
            if show:
                self.progress(min(start + BATCH, total), total)
        Article.objects.reclaim_rewritten_rows()
        # Search results are cached until the index changes: it just did, everywhere.
        page_cache.record_change([page_cache.TEXT, page_cache.INDEX])
        page_cache.forget_copy()
        if show:
            self.stdout.write("")  # end the progress line
            self.stdout.write(self.style.SUCCESS(f"已重建 {total} 篇稿件的搜索索引。"))

    def progress(self, done, total, width=30):
        filled = width * done // total
        bar = "█" * filled + "░" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total} {100 * done // total}%", ending="")
        self.stdout.flush()
