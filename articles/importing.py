"""Write a parsed print issue into the database.

Safe to run twice: each imported article remembers a fingerprint of its
content as imported. On a re-import, an article whose current content
still matches that fingerprint has not been touched by an editor and is
brought up to date; one that differs is left alone and reported.

The importer never undoes the desk: an article an editor withdrew, sent back
to draft or submitted stays as it is, and one an editor deleted is not
created again (DeskRemoval). `publish` publishes only articles this import
creates or that never went through the workflow, and records the step.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from articles import display, search, sources
from articles.body import render_body
from articles.changes import content_changed
from articles.models import (
    Article,
    ArticleEvent,
    Credit,
    DeskRemoval,
    Issue,
    Photo,
    PhotoCredit,
    Section,
)
from articles.parsing import normalize_punctuation
from newsroom.text import pinyin_slug, pinyin_sort_key, unique_slugs
from people.models import Person

PROGRESS_EVERY = 500


@dataclass
class ImportReport:
    issue: Issue | None = None
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    desk_decided: list[str] = field(default_factory=list)  # "headline(已撤稿)"
    missing: list[str] = field(default_factory=list)
    published: int = 0
    people_created: int = 0
    people_matched: int = 0
    sections_created: int = 0
    sections_matched: int = 0
    photos_created: int = 0
    # Article ids by outcome ("created", "updated", "unchanged", "kept", "desk_decided"),
    # for the admin's summary page to link each one.
    article_ids: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def as_data(self):
        """What the admin's summary page shows, as JSON-friendly data."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "issue"}
        data["article_ids"] = dict(self.article_ids)
        return data


def fingerprint(snapshot):
    text = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _credit_dicts(credits):
    return [{"name": c["name"], "role": c["role"], "staff": c["staff"]} for c in credits]


def _with_page(snapshot, page_number, page_name):
    # Only when set, so articles imported before pages were recorded keep their fingerprints.
    if page_number or page_name:
        snapshot["page"] = [page_number or None, page_name or None]
    return snapshot


def snapshot_parsed(article):
    """The editable content of a parsed article, in the shape `snapshot_saved` gives."""
    data = article.to_dict()
    snapshot = {
        "headline": data["headline"],
        "kicker": data["kicker"],
        "subheadline": data["subheadline"],
        "section": data["section"],
        "dateline": data["dateline"],
        "credits": _credit_dicts(data["credits"]),
        "body": [{"type": b["type"], "text": b["text"]} for b in data["body"]],
        "photos": [
            {"caption": p["caption"], "credits": _credit_dicts(p["credits"]), "image": False}
            for p in data["photos"]
        ],
    }
    return _with_page(snapshot, article.page_number, article.page_name)


def _saved_credits(credits):
    return [{"name": c.person.name, "role": c.role, "staff": c.staff} for c in credits]


def snapshot_saved(article):
    """The editable content of a saved article (needs credits and photos prefetched)."""
    snapshot = {
        "headline": article.headline,
        "kicker": article.kicker or None,
        "subheadline": article.subheadline or None,
        "section": article.section.name if article.section else None,
        "dateline": article.dateline or None,
        "credits": _saved_credits(article.credits.all()),
        "body": [{"type": b.get("type"), "text": b.get("text")} for b in article.body],
        "photos": [
            {
                "caption": photo.caption,
                "credits": _saved_credits(photo.credits.all()),
                "image": bool(photo.image),
            }
            for photo in article.photos.all()
        ],
    }
    return _with_page(snapshot, article.page_number, article.page_name)


def body_paragraphs(body):
    return [block.get("text", "") for block in body if block.get("type") == "paragraph"]


def opening(paragraphs):
    """The first words of a story, as stored with a deletion to recognise it retitled."""
    return same_headline(paragraphs[0])[:100] if paragraphs else ""


def publication_time(issue_date):
    """A paper's issue goes public at the start of its date, local time."""
    return timezone.make_aware(datetime.combine(issue_date, time.min))


def _match(parsed_articles, saved_articles):
    """Pair each parsed article with the saved one it updates, by what identifies a story.

    In turn: the content as last imported (its fingerprint: the source has not changed it,
    whatever an editor did since), the headline, then the opening words of the body (the
    source retitled it). Never by place alone: a story added above would shift every place,
    and pair a new story with a withdrawn one.
    """
    matches = [None] * len(parsed_articles)
    unused = {saved.pk: saved for saved in saved_articles}
    keys = [
        (lambda p: fingerprint(snapshot_parsed(p)), lambda s: s.import_fingerprint),
        # As the parser now writes headlines, so 标题:副 imported before punctuation was set
        # full width still finds its article.
        (lambda p: same_headline(p.headline), lambda s: same_headline(s.headline)),
        (
            lambda p: opening([b.text for b in p.body if b.type == "paragraph"]),
            lambda s: opening(body_paragraphs(s.body)),
        ),
    ]
    for parsed_key, saved_key in keys:
        by_key = defaultdict(list)
        for saved in unused.values():
            key = saved_key(saved)
            if key:
                by_key[key].append(saved)
        for index, parsed in enumerate(parsed_articles):
            if matches[index] is not None:
                continue
            candidates = by_key.get(parsed_key(parsed))
            while candidates and candidates[0].pk not in unused:
                candidates.pop(0)
            if candidates:
                saved = candidates.pop(0)
                matches[index] = saved
                del unused[saved.pk]
    return matches, list(unused.values())


def same_headline(headline):
    """A headline as compared across imports: punctuation widths do not make it another story."""
    return normalize_punctuation(headline)[0]


CREATE_ATTEMPTS = 3


class _Lookups:
    """Sections and people by name, creating the missing ones in bulk.

    Another import (of another issue) may create the same new person or column
    at the same moment: the loser's insert fails on the unique slug or name
    once the winner commits. It then finds the winner's row and carries on,
    inside a savepoint so its own import goes on in one transaction.
    """

    def __init__(self, parsed_articles, report):
        section_names = {a.section for a in parsed_articles if a.section}
        names = set()
        for article in parsed_articles:
            names.update(c.name for c in article.credits)
            for photo in article.photos:
                names.update(c.name for c in photo.credits)
        for attempt in range(CREATE_ATTEMPTS):
            try:
                with transaction.atomic():
                    self.sections = self.create_sections(section_names, report)
                    self.people = self.create_people(names, report)
                break
            except IntegrityError:
                if attempt == CREATE_ATTEMPTS - 1:
                    raise

    def create_sections(self, section_names, report):
        sections = {s.name: s for s in Section.objects.filter(name__in=section_names)}
        report.sections_matched = len(sections)
        slugs = unique_slugs(Section, sorted(section_names - sections.keys()), max_length=80)
        new_sections = [Section(name=name, slug=slug) for name, slug in slugs.items()]
        for section in Section.objects.bulk_create(new_sections):
            sections[section.name] = section
        report.sections_created = len(new_sections)
        return sections

    def create_people(self, names, report):
        people = {}
        for person in Person.objects.filter(name__in=names).order_by("pk"):
            people.setdefault(person.name, person)
        report.people_matched = len(people)
        slugs = unique_slugs(Person, sorted(names - people.keys()), max_length=70)
        new_people = [
            Person(name=name, slug=slug, sort_key=pinyin_sort_key(name))
            for name, slug in slugs.items()
        ]
        for person in Person.objects.bulk_create(new_people):
            people[person.name] = person
        report.people_created = len(new_people)
        return people


def _fill(article, parsed, index, lookups):
    article.headline = parsed.headline
    article.kicker = parsed.kicker or ""
    article.subheadline = parsed.subheadline or ""
    article.section = lookups.sections.get(parsed.section) if parsed.section else None
    article.dateline = parsed.dateline or ""
    article.page_number = parsed.page_number
    article.page_name = parsed.page_name or ""
    article.body = [{"type": b.type, "text": b.text} for b in parsed.body]
    article.body_html = render_body(article.body, article.dateline)
    article.import_notes = list(parsed.notes)
    article.position = index
    article.import_fingerprint = fingerprint(snapshot_parsed(parsed))


def _create_parts(pairs, lookups, report):
    """Credits and photos for freshly written articles, three bulk inserts in all."""
    credits, photos, photo_parsed = [], [], []
    for article, parsed in pairs:
        for position, credit in enumerate(parsed.credits):
            credits.append(
                Credit(
                    article=article,
                    person=lookups.people[credit.name],
                    role=credit.role,
                    staff=credit.staff,
                    position=position,
                )
            )
        for position, photo in enumerate(parsed.photos):
            photos.append(Photo(article=article, caption=photo.caption, position=position))
            photo_parsed.append(photo)
    Credit.objects.bulk_create(credits)
    Photo.objects.bulk_create(photos)
    photo_credits = [
        PhotoCredit(
            photo=photo,
            person=lookups.people[credit.name],
            role=credit.role,
            staff=credit.staff,
            position=position,
        )
        for photo, parsed_photo in zip(photos, photo_parsed, strict=True)
        for position, credit in enumerate(parsed_photo.credits)
    ]
    PhotoCredit.objects.bulk_create(photo_credits)
    report.photos_created += len(photos)
    return credits, photos, photo_credits


@transaction.atomic
def import_parsed_issue(
    parsed, *, paper, date, number=None, source_name="", sha256="", publish=False, progress=None
):
    """Create or update the issue's articles. One transaction: all of it or none of it."""
    sources.refuse_unless_importable(parsed, source_name)
    report = ImportReport()
    issue, _ = Issue.objects.select_for_update().get_or_create(date=date, defaults={"paper": paper})
    if number is not None:
        issue.number = number
    issue.source_name = source_name
    issue.source_sha256 = sha256
    issue.imported_at = timezone.now()
    issue.notes = list(parsed.notes)
    issue.save()
    report.issue = issue

    lookups = _Lookups(parsed.articles, report)
    saved = list(
        Article.objects.filter(issue=issue)
        .annotate(in_workflow=Exists(ArticleEvent.objects.filter(article=OuterRef("pk"))))
        .select_related("section")
        .prefetch_related("credits__person", "photos__credits__person")
        .order_by("position", "pk")
    )
    matches, missing = _match(parsed.articles, saved)
    report.missing = [article.headline for article in missing]

    removals = list(DeskRemoval.objects.filter(issue=issue))
    removed = {value for r in removals for value in (r.headline, r.import_fingerprint) if value}
    removed |= {same_headline(r.headline) for r in removals}
    # A deleted story the source has retitled: the same opening words.
    removed_openings = {r.opening for r in removals if r.opening}
    published_at = publication_time(date)
    to_create, to_update, to_publish = [], [], []
    total = len(parsed.articles)
    for index, (parsed_article, article) in enumerate(zip(parsed.articles, matches, strict=True)):
        if progress and total > PROGRESS_EVERY and index and index % PROGRESS_EVERY == 0:
            progress(index, total)
        if article is None and (
            same_headline(parsed_article.headline) in removed
            or fingerprint(snapshot_parsed(parsed_article)) in removed
            or opening([b.text for b in parsed_article.body if b.type == "paragraph"])
            in removed_openings
        ):
            report.desk_decided.append(f"{parsed_article.headline}(已删除)")
            continue
        if article is not None and desk_decided(article):
            report.desk_decided.append(f"{article.headline}({article.get_status_display()})")
            report.article_ids["desk_decided"].append(article.pk)
            continue
        if article is None:
            article = Article(issue=issue, slug=pinyin_slug(parsed_article.headline))
            _fill(article, parsed_article, index, lookups)
            if publish:
                article.status = Article.Status.PUBLISHED
                article.published_at = published_at
                report.published += 1
            to_create.append((article, parsed_article))
            report.created.append(article.headline)
            continue
        if fingerprint(snapshot_saved(article)) != article.import_fingerprint:
            report.kept.append(article.headline)
            report.article_ids["kept"].append(article.pk)
            continue
        if publish and article.status != Article.Status.PUBLISHED:
            article.status = Article.Status.PUBLISHED
            article.published_at = article.published_at or published_at
            to_publish.append(article)
            report.published += 1
        if fingerprint(snapshot_parsed(parsed_article)) == article.import_fingerprint:
            report.unchanged.append(article.headline)
            report.article_ids["unchanged"].append(article.pk)
            continue
        _fill(article, parsed_article, index, lookups)
        to_update.append((article, parsed_article))
        report.updated.append(article.headline)
    if progress and total > PROGRESS_EVERY:
        progress(total, total)

    now = timezone.now()
    new_articles = Article.objects.bulk_create([article for article, _ in to_create])
    for article in new_articles:
        article.created_at = article.updated_at = now
    report.article_ids["created"] = [article.pk for article in new_articles]

    updated_articles = [article for article, _ in to_update]
    for article in updated_articles:
        article.updated_at = now
    report.article_ids["updated"] = [article.pk for article in updated_articles]
    Article.objects.bulk_update(
        updated_articles,
        [
            "headline",
            "kicker",
            "subheadline",
            "section",
            "dateline",
            "page_number",
            "page_name",
            "body",
            "body_html",
            "import_notes",
            "position",
            "import_fingerprint",
            "status",
            "published_at",
            "updated_at",
        ],
        batch_size=500,
    )
    record_publication(
        [a for a, _ in to_create if a.status == Article.Status.PUBLISHED] + to_publish
    )
    Credit.objects.filter(article__in=updated_articles).delete()
    Photo.objects.filter(article__in=updated_articles).delete()
    # Unchanged articles that --publish brings out, with the date an editor may have set kept.
    to_publish = [article for article in to_publish if article not in updated_articles]
    for article in to_publish:
        article.updated_at = now
    Article.objects.bulk_update(to_publish, ["status", "published_at", "updated_at"])
    credits, photos, photo_credits = _create_parts(to_create + to_update, lookups, report)
    # Bulk writes send no signals: new names join the segmenter's dictionary before the
    # articles are indexed, which content_changed() does with the rest of the change.
    search.add_words([*lookups.people, *lookups.sections])
    changed = [a for a, _ in to_create] + updated_articles + to_publish
    if changed:
        # New articles are indexed from what was just parsed; updated ones may carry tags an
        # editor added, so they are read back.
        documents = [
            search.make_document(
                article.pk,
                [parsed.kicker, parsed.headline, parsed.subheadline],
                [c.name for c in parsed.credits]
                + [c.name for photo in parsed.photos for c in photo.credits]
                + [parsed.section],
                [b.text for b in parsed.body] + [photo.caption for photo in parsed.photos],
            )
            for article, parsed in to_create
        ]
        content_changed(
            changed,
            documents=documents,
            display_data=_display_of_new([a for a, _ in to_create], credits, photos, photo_credits),
        )
    return report


def _display_of_new(articles, credits, photos, photo_credits):
    """New articles' display data from the rows just written (they carry no tags yet)."""
    by_article = defaultdict(list)
    for credit in credits:
        by_article[credit.article_id].append(credit)
    by_photo = defaultdict(list)
    for credit in photo_credits:
        by_photo[credit.photo_id].append(credit)
    photos_of = defaultdict(dict)
    for photo in photos:
        photos_of[photo.article_id][photo.pk] = by_photo[photo.pk]
    return {
        article.pk: display.compose(by_article[article.pk], photos_of[article.pk], [])
        for article in articles
    }


def desk_decided(article):
    """Withdrawn, or taken off the way to publication by an editor: not the importer's to undo."""
    return article.status == Article.Status.WITHDRAWN or (
        article.status != Article.Status.PUBLISHED and article.in_workflow
    )


def record_publication(articles):
    """The workflow's record of what the import published (or scheduled), with no user."""
    ArticleEvent.objects.bulk_create(
        ArticleEvent(
            article=article,
            action=(
                ArticleEvent.Action.SCHEDULED
                if article.is_scheduled
                else ArticleEvent.Action.PUBLISHED
            ),
            note="导入时发布",
        )
        for article in articles
    )
