"""Render the pages readers go to first into the shared page cache, after a deploy.

    python manage.py warm_cache            # front page, latest issue, columns, 200 newest articles
    python manage.py warm_cache --articles 1000

Needs the shared cache (REDIS_URL) and the public address (NEWSROOM_PUBLIC_URL): pages are
stored under the public host's keys. Without them it says so and renders nothing.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from articles import warming


class Command(BaseCommand):
    help = "部署后预先生成首页、最新一期、各栏目和最新稿件的页面缓存。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles", type=int, default=200, help="预先生成最新多少篇稿件(默认 200)"
        )

    def handle(self, *args, **options):
        if options["articles"] < 0:
            raise CommandError(f"--articles 不能是负数:{options['articles']}")
        if not warming.enabled():
            raise CommandError(
                "没有可预热的共享缓存:需要设置 REDIS_URL 和 NEWSROOM_PUBLIC_URL,并开启页面缓存。"
            )
        started = time.monotonic()
        statuses = warming.warm(warming.pages_after_deploy(options["articles"]))
        failed = [path for path, status in statuses.items() if status != 200]
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"已预热 {len(statuses) - len(failed)} 个页面,用时 {seconds:.1f} 秒")
        )
        for path in failed:
            self.stdout.write(self.style.WARNING(f"未能生成:{path}(状态 {statuses[path]})"))
