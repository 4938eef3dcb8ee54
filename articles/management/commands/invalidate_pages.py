"""Retire every cached public page, in every process, after a change made around the models.

    python manage.py invalidate_pages

Saves, deletes, imports and the admin record their changes themselves (articles/changes.py).
A write that bypasses the models (QuerySet.update(), raw SQL, a restored table) records
nothing: run this after one, and every page is rendered afresh on its next request.
"""

from django.core.management.base import BaseCommand

from articles import page_cache


class Command(BaseCommand):
    help = "让所有已缓存的公开页面失效(绕过模型直接改了数据库之后运行)。"

    def handle(self, *args, **options):
        generation = page_cache.bump()
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"已让全部页面缓存失效(内容版本 {generation})。"))
