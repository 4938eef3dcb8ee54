"""Work done off the editor's request, by the tasks worker (`manage.py db_worker`).

Each task is queued once its transaction commits, takes only ids, and reads the rows as they
are when it runs; running one twice, or after the row changed, does no harm. Queued tasks are
stored in the database, so a worker restarted mid-way loses none of them.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from articles import page_cache, sources
from articles.changes import content_changed
from articles.epaper import rendering, zones
from articles.images import (
    delete_files,
    delete_files_on_commit,
    make_renditions,
    rendition_paths,
)
from articles.importing import import_parsed_issue
from articles.models import IssueImport, Photo, PrintPage

logger = logging.getLogger(__name__)

# A rename touching more articles than this is indexed by tasks, REINDEX_CHUNK articles each:
# thousands for a long-running column (5,115 took 6.5–7.6 s here) must not hold up the request.
INLINE_LIMIT = 200
REINDEX_CHUNK = 1000


@task()
def make_photo_renditions(photo_id):
    """WebP and JPEG renditions of a photo's image; its page shows them from then on."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.needs_renditions():
        return 0
    renditions = make_renditions(photo.image)
    with transaction.atomic():
        # Only if the image is still the one these were made from.
        previous = (
            Photo.objects.select_for_update()
            .filter(pk=photo_id, image=renditions["source"])
            .values_list("renditions", flat=True)
            .first()
        )
        if previous is not None:
            Photo.objects.filter(pk=photo_id).update(renditions=renditions)
            content_changed([photo.article_id])
            # Renditions of this image made before (by an older version of this code, or by
            # this task run twice) are no longer recorded anywhere.
            delete_files_on_commit(
                set(rendition_paths(previous)) - set(rendition_paths(renditions))
            )
    if previous is None:
        # Replaced or deleted meanwhile: nothing will ever show these.
        delete_files(rendition_paths(renditions))
        return 0
    return len(renditions["sizes"])


def schedule_photo_renditions(photo):
    """Make the photo's renditions once the transaction that stored its image commits."""
    if photo.needs_renditions():
        transaction.on_commit(lambda: make_photo_renditions.enqueue(photo.pk))


@task()
def render_print_page(page_id):
    """The page images of a 版's PDF, then zones proposed from its text; readers see the 版
    from then on. A PDF PDFium cannot render after all is recorded on the 版 for the editor."""
    page = PrintPage.objects.filter(pk=page_id).first()
    if page is None or not page.needs_rendering():
        return 0
    try:
        renditions, size, text, digest = rendering.render_images(page)
    except ValidationError as refusal:
        # Too complex or damaged after all: the editor reads why on the 版's admin page.
        PrintPage.objects.filter(pk=page_id, pdf=page.pdf.name).update(
            render_error=f"无法生成版面图片:{refusal.messages[0]}"
        )
        return 0
    if not rendering.record_images(page_id, renditions, size):
        delete_files(rendition_paths(renditions))  # replaced or deleted meanwhile
        return 0
    page.refresh_from_db()
    return zones.store_proposals(page, text, digest)


def schedule_page_rendering(page):
    transaction.on_commit(lambda: render_print_page.enqueue(page.pk))


@task()
def reindex_articles(pks):
    """Bring the search index, the stored display data and the cached pages up to date for
    these articles (a rename's share of them)."""
    content_changed(pks, listed=False, tags=[page_cache.INDEX])
    return len(pks)


def schedule_rename(pks):
    """Re-index the articles a renamed person, column or tag appears in.

    A few are indexed after the commit, in the request like any edit; many are queued as
    reindex_articles tasks of REINDEX_CHUNK articles, which a worker restart does not lose.
    """
    pks = sorted(set(pks))
    if len(pks) <= INLINE_LIMIT:
        content_changed(pks, listed=False, tags=[page_cache.INDEX])
        return
    chunks = [pks[start : start + REINDEX_CHUNK] for start in range(0, len(pks), REINDEX_CHUNK)]
    transaction.on_commit(lambda: _enqueue_reindex(chunks))


def _enqueue_reindex(chunks):
    for chunk in chunks:
        reindex_articles.enqueue(chunk)


@task()
def run_issue_import(import_id):
    """Import an issue an editor confirmed in the admin, as `manage.py import_issue` would.

    Claimed (queued → running, committed before the import starts, so the progress
    page shows it); the import itself is one transaction, so a failure leaves the
    articles as they were and says why on the progress page. A job found running
    was interrupted (its worker died; `requeue_interrupted_tasks` queued it again):
    its transaction rolled back, so it simply runs again.
    """
    Status = IssueImport.Status
    with transaction.atomic():
        job = IssueImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None or job.status not in (Status.QUEUED, Status.RUNNING):
            return None
        job.status = Status.RUNNING
        job.save(update_fields=["status"])
    try:
        parsed = sources.parse(
            job.source_text,
            decisions=job.line_decisions(),
            keep_punctuation=job.keep_punctuation,
            sections=job.known_sections,
        )
        report = import_parsed_issue(
            parsed,
            paper=settings.NEWSROOM_PAPER_NAME,
            date=job.date,
            number=job.number,
            source_name=job.source_name,
            sha256=job.source_sha256,
            publish=job.publish,
        )
    except sources.SourceError as error:
        finish_import(job, Status.FAILED, error=str(error))
        return None
    except Exception:
        logger.exception("issue import %s failed", import_id)
        finish_import(
            job, Status.FAILED, error="导入时出错,稿件都没有改动。请把导入编号告诉技术人员。"
        )
        raise
    finish_import(job, Status.DONE, report=report.as_data(), issue=report.issue)
    return len(parsed.articles)


def finish_import(job, status, **fields):
    for name, value in fields.items():
        setattr(job, name, value)
    job.status = status
    job.finished_at = timezone.now()
    job.save()
