"""Put background tasks back in the queue when the worker running them died.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it
again: a worker killed mid-task (a deploy, an out-of-memory kill) leaves it RUNNING
forever. `bin/entrypoint worker` runs this first with the worker's own id, so a
restarted worker picks up what its previous life dropped; `--older-than` catches
tasks of workers that never came back. Our tasks are safe to run twice.

    python manage.py requeue_interrupted_tasks --worker-id web-1 --older-than 1800
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


class Command(BaseCommand):
    help = "把因工作进程中断而卡在“运行中”的后台任务放回队列。"

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", help="本工作进程的编号:它上次没做完的任务")
        parser.add_argument(
            "--older-than",
            type=int,
            default=1800,
            help="运行超过这么多秒的任务一律重新排队(默认 1800)",
        )

    def handle(self, *args, worker_id, older_than, **options):
        if older_than <= 0:
            raise CommandError("--older-than 应为正整数(秒)")
        cutoff = timezone.now() - timedelta(seconds=older_than)
        requeued = 0
        # Few tasks are ever running at once: look at each rather than query JSON per database.
        for task in DBTaskResult.objects.running():
            # The last id a task was claimed by is the worker that was running it.
            mine = bool(worker_id) and task.worker_ids[-1:] == [worker_id]
            stale = task.started_at is not None and task.started_at < cutoff
            if mine or stale:
                task.status = TaskResultStatus.READY
                task.started_at = None
                task.save(update_fields=["status", "started_at"])
                requeued += 1
        if options["verbosity"] >= 1:
            self.stdout.write(f"重新排队 {requeued} 个中断的任务。")
