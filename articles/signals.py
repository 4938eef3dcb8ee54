from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Article, Section
from articles.navigation import clear_navigation


@receiver([post_save, post_delete], sender=Article)
@receiver([post_save, post_delete], sender=Section)
def article_or_section_changed(sender, **kwargs):
    clear_navigation()
