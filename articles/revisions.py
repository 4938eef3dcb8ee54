"""Revision history: comparing two revisions of an article, and restoring one.

An article's revision (django-reversion) carries its content, its credits, its
photos and its tags. Workflow state is not content: restoring a revision never
publishes, unpublishes or rewinds the version number, so while a restore is on
its way through the admin's form the article keeps its current workflow
fields (`restoring()`, `keep_workflow_state()`).
"""

import difflib
import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.storage import default_storage
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from reversion.models import Version
from taggit.models import Tag, TaggedItem

from articles.body import body_to_text
from articles.models import WORKFLOW_FIELDS, Article, Correction, Credit, Photo
from people.models import Person

NAVIGATION_LINK = re.compile(r'<a href="#difflib_chg_[^"]*">[a-z]</a>')

# (article pk, its workflow fields as they were before the restore began)
_restore = ContextVar("article_restore", default=None)


@contextmanager
def restoring(article):
    """While a revision of `article` is being restored in this request."""
    token = _restore.set((article.pk, {name: getattr(article, name) for name in WORKFLOW_FIELDS}))
    try:
        yield
    finally:
        _restore.reset(token)


def is_restoring(article):
    current = _restore.get()
    return current is not None and current[0] == article.pk


def keep_workflow_state(article):
    """The revision's content with the article's current workflow state."""
    if article is not None and is_restoring(article):
        for name, value in _restore.get()[1].items():
            setattr(article, name, value)
    return article


def keep_current_photo_file(photo):
    """A revision brings back a photo's caption, position and credits, never its file: a photo
    that still exists keeps the image and renditions it has now (an older image's files were
    deleted when it was replaced), and one recreated after its deletion has no file left."""
    current = _restore.get()
    if current is None or current[0] != photo.article_id:
        return
    stored = (
        Photo.objects.filter(pk=photo.pk).values("image", "width", "height", "renditions").first()
    )
    if stored is not None:
        photo.image.name = stored["image"]
        photo.width, photo.height = stored["width"], stored["height"]
        photo.renditions = stored["renditions"]
    elif photo.image and not default_storage.exists(photo.image.name):
        photo.image.name = ""
        photo.width = photo.height = None
        photo.renditions = {}


def revision_lines(version):
    """A revision as lines of text: the article and its workflow state, then credits, photos,
    tags and the corrections published by then."""
    data = version.field_dict
    status = Article.Status(data["status"]).label if data.get("status") else ""
    lines = [
        f"标题:{data.get('headline', '')}",
        f"引题:{data.get('kicker', '')}",
        f"副题:{data.get('subheadline', '')}",
        f"电头:{data.get('dateline', '')}",
        f"状态:{status}",
        f"撤稿原因:{data.get('withdrawn_reason') or ''}",
        "",
        *body_to_text(data.get("body") or []).split("\n"),
        "",
    ]
    credits, captions, tag_ids = [], [], []
    for other in version.revision.version_set.select_related("content_type"):
        model = other.content_type.model_class()
        if model is Credit:
            credits.append(other.field_dict)
        elif model is Photo:
            captions.append(other.field_dict.get("caption", ""))
        elif model is TaggedItem:
            tag_ids.append(other.field_dict["tag_id"])
    names = dict(
        Person.objects.filter(pk__in=[c["person_id"] for c in credits]).values_list("pk", "name")
    )
    credits.sort(key=lambda c: (c.get("position", 0), c.get("id", 0)))
    lines += [f"署名:{c['role']} {names.get(c['person_id'], '(已删除)')}" for c in credits]
    lines += [f"图片说明:{caption}" for caption in captions]
    tags = sorted(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True))
    lines.append(f"标签:{'、'.join(tags)}")
    corrections = Correction.objects.filter(
        article_id=version.object_id, created_at__lte=version.revision.date_created
    )
    lines += [f"更正:{correction.text}" for correction in corrections]
    return lines


def compare_table(first, second):
    """An HTML table of two revisions side by side (difflib escapes the text itself)."""
    table = difflib.HtmlDiff(wrapcolumn=50).make_table(
        revision_lines(first),
        revision_lines(second),
        f"{timezone.localtime(first.revision.date_created):%Y-%m-%d %H:%M:%S}",
        f"{timezone.localtime(second.revision.date_created):%Y-%m-%d %H:%M:%S}",
    )
    # difflib's navigation column links ("f", "n", "t") mean nothing to an editor.
    table = NAVIGATION_LINK.sub("", table)
    return mark_safe(table)  # noqa: S308 - difflib escaped every compared line


def compare_response(request, article, context):
    """The comparison page for the revisions ?a= and ?b= of `article`, or None if not both exist."""
    versions = Version.objects.get_for_object_reference(Article, article.pk)
    try:
        first = versions.get(pk=int(request.GET.get("a", "")))
        second = versions.get(pk=int(request.GET.get("b", "")))
    except (ValueError, Version.DoesNotExist):
        return None
    context |= {
        "title": f"比较版本:{article}",
        "original": article,
        "first": first,
        "second": second,
        "diff_table": compare_table(first, second),
    }
    return TemplateResponse(request, "admin/articles/article/compare.html", context)
