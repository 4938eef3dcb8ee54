import threading

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from taggit.models import Tag, TaggedItem

from articles import page_cache, revisions, search, tasks
from articles.changes import content_changed
from articles.epaper.rendering import epaper_changed
from articles.images import delete_files_on_commit
from articles.importing import body_paragraphs, opening
from articles.models import (
    Article,
    Correction,
    Credit,
    DeskRemoval,
    Issue,
    PageZone,
    Photo,
    PhotoCredit,
    PrintPage,
    Section,
)
from people.models import Person

# What readers see: every change goes through content_changed(), once per transaction; it
# also keeps the search index current.

# What decides which lists an article is in, and where: a save that changes none of these
# is an edit in place, and re-renders only the pages that show the article.
LISTING_FIELDS = ("status", "published_at", "section_id", "issue_id", "position", "page_number")
# What lists print of an article besides: a change re-renders the lists showing it (listing_tag).
HEADLINE_FIELDS = ("headline", "kicker", "slug", "page_name")


@receiver(pre_save, sender=Article)
def remember_listing(sender, instance, **kwargs):
    if instance.pk:
        stored = (
            sender.objects.filter(pk=instance.pk)
            .values_list(*LISTING_FIELDS, *HEADLINE_FIELDS)
            .first()
        )
        _stored_listing.value = {**_listings(), instance.pk: stored}


# The listing fields as stored before a save, per thread, read once by article_saved below.
_stored_listing = threading.local()


def _listings():
    return getattr(_stored_listing, "value", {})


@receiver(post_save, sender=Article)
def article_saved(sender, instance, created, **kwargs):
    stored = _listings().get(instance.pk)
    _stored_listing.value = {k: v for k, v in _listings().items() if k != instance.pk}
    fields = (*LISTING_FIELDS, *HEADLINE_FIELDS)
    current = tuple(getattr(instance, field) for field in fields)
    before = dict(zip(fields, stored, strict=True)) if stored is not None else {}
    tags = []
    if before:
        # The lists it left: the column and issue it was in (their later pages shift too).
        if before["section_id"] and before["section_id"] != instance.section_id:
            tags.append(page_cache.section_tag(before["section_id"]))
        if before["issue_id"] and before["issue_id"] != instance.issue_id:
            tags.append(page_cache.issue_tag(before["issue_id"]))
        if any(before[field] != getattr(instance, field) for field in HEADLINE_FIELDS):
            tags.append(page_cache.listing_tag(instance.pk))  # retitled: every list showing it
    listed = (
        created or stored is None or stored[: len(LISTING_FIELDS)] != current[: len(LISTING_FIELDS)]
    )
    content_changed([instance], listed=listed, tags=tags)


@receiver(pre_delete, sender=Article)
def article_deleting(sender, instance, **kwargs):
    # Every list it was in, read while its credits and tags still exist (after the commit
    # they are gone): their later pages shift when it goes.
    content_changed(tags=page_cache.tags_for_articles([instance.pk]))


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
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
            opening=opening(body_paragraphs(instance.body)),
        )


@receiver(pre_save, sender=Photo)
@receiver(pre_save, sender=Correction)
@receiver(pre_save, sender=Credit)
@receiver(pre_save, sender=PhotoCredit)
def remember_owner(sender, instance, **kwargs):
    """What a part belonged to before this save (its article; a credit's person, a photo
    credit's photo): moved elsewhere, the old owner's pages must follow too."""
    fields = [f for f in ("article_id", "person_id", "photo_id") if hasattr(instance, f)]
    stored = sender.objects.filter(pk=instance.pk).values(*fields).first() if instance.pk else None
    instance.stored_owner = stored or {}


def _before_and_after(instance, field):
    return {
        instance.stored_owner.get(field) if hasattr(instance, "stored_owner") else None,
        getattr(instance, field),
    } - {None}


@receiver([post_save, post_delete], sender=Photo)
@receiver([post_save, post_delete], sender=Correction)
def article_part_changed(sender, instance, **kwargs):
    content_changed(list(_before_and_after(instance, "article_id")), listed=False)


@receiver([post_save, post_delete], sender=Credit)
def credit_changed(sender, instance, **kwargs):
    # The person's page lists the article now (or no longer: that page shows the article);
    # a credit moved to another person or article changes both.
    people = _before_and_after(instance, "person_id")
    content_changed(
        list(_before_and_after(instance, "article_id")),
        listed=False,
        tags=[*(page_cache.person_tag(pk) for pk in people), page_cache.PEOPLE],
    )


@receiver([post_save, post_delete], sender=PhotoCredit)
def photo_credit_changed(sender, instance, **kwargs):
    photos = _before_and_after(instance, "photo_id")
    article_ids = Photo.objects.filter(pk__in=photos).values_list("article_id", flat=True)
    people = _before_and_after(instance, "person_id")
    content_changed(
        list(article_ids),
        listed=False,
        tags=[*(page_cache.person_tag(pk) for pk in people), page_cache.PEOPLE],
    )


@receiver([post_save, post_delete], sender=Issue)
def issue_changed(sender, instance, **kwargs):
    # Its articles' stored pages print the issue's name (tens of articles: refreshed at once).
    articles = Article.objects.filter(issue=instance).values_list("pk", flat=True)
    content_changed(
        list(articles) if kwargs.get("signal") is post_save else [],
        listed=False,
        reindex=False,
        tags=[page_cache.issue_tag(instance.pk), page_cache.LISTS, page_cache.EPAPER],
        paths=[instance.get_absolute_url()],
    )


@receiver([post_save, post_delete], sender=Section)
def section_changed(sender, instance, **kwargs):
    # Columns are the site's navigation: every page shows them.
    content_changed(everything=True, paths=[instance.get_absolute_url()] if instance.slug else [])


@receiver(pre_delete, sender=Section)
def section_deleting(sender, instance, **kwargs):
    # Its articles lose their column by an UPDATE, which sends no signal: their stored pages
    # would still name it. They are refreshed as for a rename once it is gone (post_delete).
    instance.article_pks = list(
        Article.objects.filter(section=instance).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Section)
def section_deleted(sender, instance, **kwargs):
    tasks.schedule_rename(getattr(instance, "article_pks", []))


@receiver([post_save, post_delete], sender=Person)
def person_changed(sender, instance, **kwargs):
    content_changed(
        tags=[
            page_cache.person_tag(instance.pk),
            page_cache.person_name_tag(instance.pk),
            page_cache.PEOPLE,
        ],
        paths=[instance.get_absolute_url()] if instance.slug else [],
    )


@receiver([post_save, post_delete], sender=Tag)
def tag_changed(sender, instance, **kwargs):
    content_changed(
        tags=[
            page_cache.tag_tag(instance.pk),
            page_cache.tag_name_tag(instance.pk),
            page_cache.TAGS,
        ],
        paths=[tag_path(instance.slug)] if instance.slug else [],
    )


@receiver([post_save, post_delete], sender=TaggedItem)
def article_tagged(sender, instance, **kwargs):
    content_changed(
        [instance.object_id],
        listed=False,
        tags=[page_cache.tag_tag(instance.tag_id), page_cache.TAGS],
        paths=[tag_path(instance.tag.slug)],
    )


def tag_path(slug):
    return reverse("articles:tag_detail", kwargs={"slug": slug})


@receiver(pre_save, sender=Person)
@receiver(pre_save, sender=Section)
@receiver(pre_save, sender=Tag)
def remember_stored_name(sender, instance, **kwargs):
    if instance.pk:
        stored = sender.objects.filter(pk=instance.pk).values_list("name", "slug").first()
        _names_before_save.value = {**_before(), (sender, instance.pk): stored}


# The names as stored before a save, per thread, read once by the post_save receiver below.
_names_before_save = threading.local()


def _before():
    return getattr(_names_before_save, "value", {})


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Section)
@receiver(post_save, sender=Tag)
def name_changed(sender, instance, created, **kwargs):
    """A new name joins the segmenter's dictionary; a rename (of the name or of the address in
    links) re-indexes the articles carrying it and refreshes their stored display data."""
    stored = _before().get((sender, instance.pk)) if not created else None
    _names_before_save.value = {k: v for k, v in _before().items() if k != (sender, instance.pk)}
    if stored == (instance.name, instance.slug):
        return  # a bio, a description or a position: nothing stored pages or the index hold
    if sender is not Tag and (stored is None or stored[0] != instance.name):
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


# The e-paper. A 版 whose PDF is new or replaced gets its page images from a task; a deleted
# one takes its files and zones with it, and the articles' 在版面中查看 links follow.


@receiver(post_save, sender=PrintPage)
def print_page_saved(sender, instance, created, **kwargs):
    if instance.needs_rendering():
        tasks.schedule_page_rendering(instance)
    if not created:
        # Renamed or renumbered: its page, the issue's thumbnails, and the 在版面中查看 links
        # stored with the articles on it (their label and address) follow.
        epaper_changed(instance)
        zoned = PageZone.objects.filter(page=instance).values_list("article_id", flat=True)
        content_changed(list(zoned), listed=False, reindex=False)


@receiver(post_delete, sender=PrintPage)
def print_page_deleted(sender, instance, **kwargs):
    delete_files_on_commit(instance.stored_files())
    epaper_changed(instance)


@receiver(post_delete, sender=PageZone)
def page_zone_deleted(sender, instance, **kwargs):
    content_changed([instance.article_id], listed=False, reindex=False)
