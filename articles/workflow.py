"""Who may do what to an article, and the record of each step.

草稿 → 待审 → 已发布 (or 定时发布: 已发布 with a future time, which the
public queryset hides until that moment, with no cron job), and 已撤稿 off
the public site with its reason. Reporters (记者) write and submit their own
drafts; editors (编辑) edit anything and decide what goes out and when.
These checks run on the server for every request; the admin only hides the
buttons a user cannot use.
"""

from django.db.models import F
from django.utils import timezone

from articles.changes import content_changed
from articles.models import Article, ArticleEvent, Role

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


def can_create_preview_link(user, article):
    """A link that shows an unpublished article to anyone: only for those who may edit it."""
    return article.pk is not None and can_edit(user, article)


def record(article, action, user, note=""):
    return ArticleEvent.objects.create(article=article, action=action, user=user, note=note)


def touch(article, user):
    """One more save of `article` by `user`: the version that tells two editors' saves apart."""
    if article.pk is not None:
        article.version += 1
    article.updated_by = user


def part_changed(article, user):
    """A credit, photo or correction of `article` was saved on its own: that is an article save."""
    Article.objects.filter(pk=article.pk).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    # Its stored page prints when it was last modified.
    content_changed([article.pk], listed=False, reindex=False)


def save_edit(article, user):
    """An article saved from the desk's form: its version, its creator, and its workflow step."""
    old_status = None
    created = article.pk is None
    if created:
        article.created_by = user
    else:
        old_status = Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
    if article.status == Status.WITHDRAWN and old_status != Status.WITHDRAWN:
        article.preview_key = ""  # a withdrawal ends every preview link
    touch(article, user)
    article.save()
    if created:
        record(article, ArticleEvent.Action.CREATED, user)
    action = event_for(old_status, article)
    if action:
        note = article.withdrawn_reason if action == ArticleEvent.Action.WITHDRAWN else ""
        record(article, action, user, note)


def add_corrections(article, corrections, user):
    """更正 appended to a published article: dated, signed, recorded, and shown under it."""
    now = timezone.now()
    if corrections:
        # First: saving a correction re-renders the stored page, whose modified time is this.
        Article.objects.filter(pk=article.pk).update(corrected_at=now)
    for correction in corrections:
        correction.article = article
        correction.created_by = user
        correction.created_at = now
        correction.save()
        record(article, ArticleEvent.Action.CORRECTED, user, correction.text)


def missing_byline(article):
    """Why `article` may not be published without a byline, or None if it has one."""
    if article.pk is not None and article.credits.exists():
        return None
    return f"《{article.headline}》没有署名:请先在“署名”中添加记者或作者,再发布。"


def default_credit(user):
    """The credit a reporter's new article starts with: their own, as 本报记者."""
    person = getattr(user, "person", None)
    if person is None:
        return None
    return {"person": person.pk, "role": Role.REPORTER, "staff": True, "position": 0}


def publish(article, user):
    """Publish now, or at the article's own time if an editor set one in the future (定时发布)."""
    article.status = Status.PUBLISHED
    if article.published_at is None:
        article.published_at = timezone.now()
    article.withdrawn_reason = ""
    touch(article, user)
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
    """Off the public site at once, with its reason; every preview link stops working too."""
    article.status = Status.WITHDRAWN
    article.withdrawn_reason = reason
    article.preview_key = ""
    touch(article, user)
    article.save(
        update_fields=[
            "status",
            "withdrawn_reason",
            "preview_key",
            "updated_by",
            "version",
            "updated_at",
        ]
    )
    record(article, ArticleEvent.Action.WITHDRAWN, user, reason)
