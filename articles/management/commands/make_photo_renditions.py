"""Queue rendition tasks for photos that lack renditions in the current form.

    python manage.py make_photo_renditions [--dry-run]

Uploads get theirs on their own, after their save commits. This is for photos whose task was
lost or failed, and for those stored before renditions came as WebP and JPEG; the worker
(`manage.py db_worker`) then makes them, and removes the older renditions they replace.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Photo
from articles.tasks import make_photo_renditions


class Command(BaseCommand):
    help = "为缺少缩放版本(WebP 与 JPEG)的图片排队生成缩放版本。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计,不排队。")

    def handle(self, *args, **options):
        photos = Photo.objects.exclude(image="").only("pk", "image", "renditions").order_by("pk")
        pending = [photo.pk for photo in photos.iterator() if photo.needs_renditions()]
        if not options["dry_run"]:
            with transaction.atomic():
                for pk in pending:
                    transaction.on_commit(lambda pk=pk: make_photo_renditions.enqueue(pk))
        if options["verbosity"] >= 1:
            verb = "需要生成" if options["dry_run"] else "已排队"
            self.stdout.write(self.style.SUCCESS(f"{verb} {len(pending)} 张图片的缩放版本。"))
