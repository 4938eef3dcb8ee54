"""Who may do what to an article, and the record of each step.

草稿 → 待审 → 已发布 (or 定时发布: 已发布 with a future time, which the
public queryset hides until that moment, with no cron job), and 已撤稿 off
the public site with its reason. Reporters (记者) write and submit their own
drafts; editors (编辑) edit anything and decide what goes out and when.
These checks run on the server for every request; the admin only hides the
buttons a user cannot use.
"""

from django.utils import timezone

from articles.models import Article, ArticleEvent

Status = Article.Status
REPORTER_STATUSES = {Status.DRAFT, Status.SUBMITTED}


def can_publish(user):
    return user.has_perm("articles.publish_article")


def can_correct(user):
    return user.has_perm("articles.correct_article")


def can_edit(user, article):
    """Editors edit any article; a reporter edits only their own, and only while it is a draft."""
    if not user.has_perm("articles.change_article"):
        return False
    if user.has_perm("articles.edit_others_article"):
        return True
    return article.created_by_id == user.pk and article.status == Status.DRAFT


def allowed_statuses(user, article):
    """The states this user may move the article into (its current state always allowed)."""
    if can_publish(user):
        return set(Status)
    current = article.status if article.pk else Status.DRAFT
    if current == Status.DRAFT:
        return REPORTER_STATUSES
    return {current}


def event_for(old_status, article):
    """The workflow step a save made, if any: from the state before to the state after."""
    new = article.status
    if article.pk is None or old_status is None:
        old_status = None
    if new == old_status and not (new == Status.PUBLISHED and article.is_scheduled):
        return None
    if new == Status.SUBMITTED:
        return ArticleEvent.Action.SUBMITTED
    if new == Status.DRAFT and old_status is not None:
        return ArticleEvent.Action.RETURNED
    if new == Status.PUBLISHED:
        return (
            ArticleEvent.Action.SCHEDULED if article.is_scheduled else ArticleEvent.Action.PUBLISHED
        )
    if new == Status.WITHDRAWN:
        return ArticleEvent.Action.WITHDRAWN
    return None


def record(article, action, user, note=""):
    return ArticleEvent.objects.create(article=article, action=action, user=user, note=note)


def publish(article, user):
    """Publish now, or at the article's own time if an editor set one in the future (定时发布)."""
    article.status = Status.PUBLISHED
    if article.published_at is None:
        article.published_at = timezone.now()
    article.withdrawn_reason = ""
    article.updated_by = user
    article.version += 1
    article.save(
        update_fields=[
            "status",
            "published_at",
            "withdrawn_reason",
            "updated_by",
            "version",
            "updated_at",
        ]
    )
    action = (
        ArticleEvent.Action.SCHEDULED if article.is_scheduled else ArticleEvent.Action.PUBLISHED
    )
    record(article, action, user)


def withdraw(article, user, reason):
    article.status = Status.WITHDRAWN
    article.withdrawn_reason = reason
    article.updated_by = user
    article.version += 1
    article.save(
        update_fields=["status", "withdrawn_reason", "updated_by", "version", "updated_at"]
    )
    record(article, ArticleEvent.Action.WITHDRAWN, user, reason)
