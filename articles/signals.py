import threading

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse
from taggit.models import Tag, TaggedItem

from articles import revisions, search, tasks
from articles.changes import content_changed
from articles.images import delete_files_on_commit
from articles.models import (
    Article,
    Correction,
    Credit,
    DeskRemoval,
    Issue,
    Photo,
    PhotoCredit,
    Section,
)
from people.models import Person

# What readers see: every change goes through content_changed(), once per transaction.


@receiver([post_save, post_delete], sender=Article)
def article_changed(sender, instance, **kwargs):
    content_changed([instance])


@receiver(post_delete, sender=Article)
def remember_deleted_import(sender, instance, **kwargs):
    """An imported article the desk deletes stays deleted when its issue is imported again."""
    if instance.issue_id and instance.import_fingerprint:
        # Its fingerprint is of the text as imported: it is recognised even if an editor
        # retitled it before deleting it.
        DeskRemoval.objects.create(
            issue_id=instance.issue_id,
            headline=instance.headline,
            import_fingerprint=instance.import_fingerprint,
        )


@receiver([post_save, post_delete], sender=Credit)
@receiver([post_save, post_delete], sender=Photo)
@receiver([post_save, post_delete], sender=Correction)
def article_part_changed_for_readers(sender, instance, **kwargs):
    content_changed([instance.article_id])


@receiver([post_save, post_delete], sender=Issue)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Person)
def page_owner_changed(sender, instance, **kwargs):
    has_page = getattr(instance, "slug", True)  # an issue's page is its date; the rest need a slug
    content_changed(paths=[instance.get_absolute_url()] if has_page else [])


@receiver([post_save, post_delete], sender=Tag)
def tag_changed(sender, instance, **kwargs):
    content_changed(paths=[tag_path(instance.slug)] if instance.slug else [])


@receiver([post_save, post_delete], sender=TaggedItem)
def article_tagged(sender, instance, **kwargs):
    content_changed([instance.object_id], paths=[tag_path(instance.tag.slug)])


def tag_path(slug):
    return reverse("articles:tag_detail", kwargs={"slug": slug})


# Search index: the articles a save touches, indexed once its transaction commits.


@receiver(post_save, sender=Article)
def article_saved(sender, instance, **kwargs):
    search.schedule([instance.pk])


@receiver([post_save, post_delete], sender=Credit)
@receiver([post_save, post_delete], sender=Photo)
def article_part_changed(sender, instance, **kwargs):
    search.schedule([instance.article_id])


@receiver([post_save, post_delete], sender=PhotoCredit)
def photo_credit_changed(sender, instance, **kwargs):
    """Readers' pages and the index both follow a photo credit: one look-up of its article."""
    article_ids = list(
        Photo.objects.filter(pk=instance.photo_id).values_list("article_id", flat=True)
    )
    content_changed(article_ids)
    search.schedule(article_ids)


@receiver(pre_save, sender=Person)
@receiver(pre_save, sender=Section)
@receiver(pre_save, sender=Tag)
def remember_stored_name(sender, instance, **kwargs):
    if instance.pk:
        stored = sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
        _names_before_save.value = {**_before(), (sender, instance.pk): stored}


# The names as stored before a save, per thread, read once by the post_save receiver below.
_names_before_save = threading.local()


def _before():
    return getattr(_names_before_save, "value", {})


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Section)
@receiver(post_save, sender=Tag)
def name_changed(sender, instance, created, **kwargs):
    """A new name joins the segmenter's dictionary; a rename re-indexes what carries it."""
    stored = _before().get((sender, instance.pk)) if not created else None
    _names_before_save.value = {k: v for k, v in _before().items() if k != (sender, instance.pk)}
    if instance.name == stored:
        return  # a bio, a description or a position: nothing the index holds
    if sender is not Tag:
        search.add_words([instance.name])
    if created:
        return
    if sender is Person:
        articles = Article.objects.credited_to(instance)
    elif sender is Section:
        articles = Article.objects.filter(section=instance)
    else:
        articles = Article.objects.filter(tags=instance)
    tasks.schedule_rename(articles.values_list("pk", flat=True))


# Photo files: renditions made by a task after the commit; a deleted photo's files removed.
# (A replaced image's old files are removed by Photo.save(), which knows what they were.)


@receiver(pre_save, sender=Photo)
def photo_restored(sender, instance, **kwargs):
    revisions.keep_current_photo_file(instance)


@receiver(post_save, sender=Photo)
def photo_saved(sender, instance, **kwargs):
    tasks.schedule_photo_renditions(instance)


@receiver(post_delete, sender=Photo)
def photo_deleted(sender, instance, **kwargs):
    delete_files_on_commit(instance.stored_files())
