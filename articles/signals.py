from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from taggit.models import Tag, TaggedItem

from articles import page_cache, search
from articles.models import Article, Correction, Credit, Photo, PhotoCredit, Section
from articles.navigation import clear_navigation
from people.models import Person


@receiver([post_save, post_delete], sender=Article)
@receiver([post_save, post_delete], sender=Section)
def article_or_section_changed(sender, **kwargs):
    clear_navigation()


@receiver([post_save, post_delete], sender=Article)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Credit)
@receiver([post_save, post_delete], sender=Photo)
@receiver([post_save, post_delete], sender=PhotoCredit)
@receiver([post_save, post_delete], sender=Correction)
@receiver([post_save, post_delete], sender=Person)
@receiver([post_save, post_delete], sender=TaggedItem)
@receiver([post_save, post_delete], sender=Tag)
def public_content_changed(sender, **kwargs):
    page_cache.invalidate_on_commit()


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
    article_id = Photo.objects.filter(pk=instance.photo_id).values_list("article_id", flat=True)
    search.schedule(list(article_id))


@receiver(pre_save, sender=Person)
@receiver(pre_save, sender=Section)
@receiver(pre_save, sender=Tag)
def remember_stored_name(sender, instance, **kwargs):
    instance._stored_name = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Section)
@receiver(post_save, sender=Tag)
def name_changed(sender, instance, created, **kwargs):
    """A new name joins the segmenter's dictionary; a rename re-indexes what carries it."""
    if instance.name == getattr(instance, "_stored_name", None):
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
    search.schedule_rename(articles.values_list("pk", flat=True))
