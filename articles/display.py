"""What the article page shows of an article's people and tags, stored on the article.

The byline, the photo credits and the tags would otherwise cost the article page
three queries and their objects on every render. They are kept in
`Article.display_data` instead, and kept right by the one path every change
takes: content_changed() (articles/changes.py) refreshes it for the articles it
is told about, inside the writer's transaction. That covers a credit or photo
credit added, changed or removed, a tag added or removed, a person or tag
renamed (the rename re-indexes and refreshes the articles carrying the name,
articles/tasks.py), imports, and zones drawn on or proposed for the e-paper's 版
(articles/epaper/zones.py) or removed with their 版. The column and the issue are read with the
article itself (select_related), so renaming them needs nothing here.

An article saved before this existed has no stored data: the page reads the
relations as before, and `manage.py refresh_article_display` fills them in.
"""

import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from articles.bylines import BYLINE_ROLES
from articles.models import Article, Credit, PageZone, Photo, PhotoCredit

AUTHOR = BYLINE_ROLES["AUTHOR"]


@dataclass(frozen=True)
class StoredPerson:
    pk: int
    name: str
    url: str

    def get_absolute_url(self):
        return self.url


@dataclass(frozen=True)
class StoredCredit:
    """Shaped like a Credit where templates read one: role, role_label, person."""

    role: str
    role_label: str
    person: StoredPerson

    @property
    def person_id(self):
        return self.person.pk


@dataclass(frozen=True)
class StoredTag:
    pk: int
    name: str
    slug: str


def _credit(credit):
    return {
        "role": credit.role,
        "label": credit.role_label,
        "person": credit.person_id,
        "name": credit.person.name,
        "url": credit.person.get_absolute_url(),
    }


def _stored_credit(data):
    person = StoredPerson(data["person"], data["name"], data["url"])
    return StoredCredit(data["role"], data["label"], person)


def compose(credits, photo_credits, tags, zones=()):
    """The stored data from credits, {photo pk: its credits}, tags (people on the credits) and
    the article's e-paper zones (their 版 and its issue)."""
    return {
        "credits": [_credit(c) for c in credits],
        "photo_credits": {str(pk): [_credit(c) for c in cs] for pk, cs in photo_credits.items()},
        "tags": [{"pk": t.pk, "name": t.name, "slug": t.slug} for t in tags],
        "zones": [_zone(zone) for zone in zones],
    }


def _zone(zone):
    """Where the article stands in the e-paper: the link 在版面中查看 follows."""
    return {
        "label": zone.page.label,
        "url": f"{zone.page.get_absolute_url()}#zone-{zone.article_id}",
    }


def build(article):
    """The stored data of an article with its relations prefetched (_relations())."""
    photo_credits = {photo.pk: list(photo.credits.all()) for photo in article.display_photos}
    return compose(article.credits.all(), photo_credits, article.tags.all(), article.display_zones)


def _relations():
    photo_people = PhotoCredit.objects.select_related("person")
    photos = Photo.objects.only("pk", "article_id").prefetch_related(
        Prefetch("credits", queryset=photo_people)
    )
    return [
        Prefetch("credits", queryset=Credit.objects.select_related("person")),
        Prefetch("photos", queryset=photos, to_attr="display_photos"),
        "tags",
        Prefetch(
            "zones",
            # Only 版 with page images: an unrendered one has no page to link to yet.
            queryset=PageZone.objects.select_related("page__issue")
            .exclude(page__renditions={})
            .order_by("page__number"),
            to_attr="display_zones",
        ),
    ]


def refresh(pks):
    """Store the display data of these articles as they are now (missing ones are skipped)."""
    pks = sorted({pk for pk in pks if pk is not None})
    if not pks:
        return
    articles = Article.objects.filter(pk__in=pks).only("pk").prefetch_related(*_relations())
    store({article.pk: build(article) for article in articles})


def store(data_by_pk, field="display_data"):
    """Write stored JSON (display data, or the stored page: `field`) as {article pk: data}.
    One statement per thousand on PostgreSQL."""
    items = sorted(data_by_pk.items())
    if not items:
        return
    if connection.vendor != "postgresql":
        rows = [Article(pk=pk, **{field: data}) for pk, data in items]
        Article.objects.bulk_update(rows, [field], batch_size=500)
        return
    table = Article._meta.db_table
    column = Article._meta.get_field(field).column
    for start in range(0, len(items), 1000):
        chunk = items[start : start + 1000]
        values = ", ".join(["(%s, %s::jsonb)"] * len(chunk))
        params = [
            value for pk, data in chunk for value in (pk, json.dumps(data, ensure_ascii=False))
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS a SET {column} = v.data "  # noqa: S608 - our own names
                f"FROM (VALUES {values}) AS v(id, data) WHERE a.id = v.id::bigint",
                params,
            )


class Display:
    """An article's stored display data, read the way the page and JSON-LD read relations."""

    def __init__(self, article):
        data = article.display_data
        if not data:
            # Saved before display data was stored: read the relations (five queries).
            prefetch_related_objects([article], *_relations())
            data = build(article)
        self.credits = [_stored_credit(c) for c in data["credits"]]
        self._photo_credits = {
            int(pk): [_stored_credit(c) for c in credits]
            for pk, credits in data["photo_credits"].items()
        }
        self.tags = [StoredTag(t["pk"], t["name"], t["slug"]) for t in data["tags"]]
        # Every photo has its entry (credited or not): with none, the page asks for no photos.
        self.has_photos = bool(data["photo_credits"])
        # Stored before the e-paper existed: no zones then (refresh_article_display adds them).
        self.zones = data.get("zones", [])

    def photo_credits(self, photo):
        return self._photo_credits.get(photo.pk, [])

    def photos_with_credits(self, photos):
        """[(photo, its credits)] for the page's figures."""
        return [(photo, self.photo_credits(photo)) for photo in photos]

    def people(self):
        """Everyone the page names: bylines and photo credits."""
        credits = [*self.credits, *(c for cs in self._photo_credits.values() for c in cs)]
        return [credit.person for credit in credits]
