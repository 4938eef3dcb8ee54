"""Fill the configured database with N realistic articles, quickly, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python bench/seed_data.py 100000

Use a database of its own: this adds to whatever is there (after migrating it).
Articles get columns, issues (about 40 a day), people with bylines, tags and
photos with credits, built from the seed issue's sentences; 5% are drafts and
1% scheduled, so public pages have something to leave out. Bulk inserts
throughout: 100,000 articles take about a minute on PostgreSQL here.
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402
from vocabulary import (  # noqa: E402
    COLUMNS,
    PLACES,
    TOPICS,
    person_name,  # noqa: E402
)

from articles.body import render_body  # noqa: E402
from articles.models import Article, Credit, Issue, Photo, PhotoCredit, Section  # noqa: E402
from articles.parsing import parse_issue  # noqa: E402
from newsroom.text import pinyin_slug, pinyin_sort_key, unique_slugs  # noqa: E402
from people.models import Person  # noqa: E402

SEED = ROOT / "fixtures" / "tongliao-daily-2022-12-20.txt"
BATCH = 2000
TAGS = TOPICS + PLACES + ["民生", "经济", "文化", "环保", "交通", "安全生产"]


def chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(20221220)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    sentences = [
        block.text
        for article in parse_issue(SEED.read_text(encoding="utf-8")).articles
        for block in article.body
        if block.type == "paragraph"
    ]

    with transaction.atomic():
        names = sorted({person_name(rng) for _ in range(700)})
        known = set(Person.objects.filter(name__in=names).values_list("name", flat=True))
        slugs = unique_slugs(Person, [n for n in names if n not in known], max_length=70)
        Person.objects.bulk_create(
            Person(name=n, slug=s, sort_key=pinyin_sort_key(n)) for n, s in slugs.items()
        )
        people = list(Person.objects.filter(name__in=names))
        known = set(Section.objects.values_list("name", flat=True))
        slugs = unique_slugs(Section, [c for c in COLUMNS if c not in known], max_length=80)
        Section.objects.bulk_create(Section(name=n, slug=s) for n, s in slugs.items())
        sections = list(Section.objects.filter(name__in=COLUMNS))
        tags = [Tag.objects.get_or_create(name=name, defaults={"slug": name})[0] for name in TAGS]

        today = timezone.localdate()
        days = max(1, count // 40)
        existing_dates = set(Issue.objects.filter(paper="通辽日报").values_list("date", flat=True))
        Issue.objects.bulk_create(
            Issue(paper="通辽日报", date=today - timedelta(days=d), number=20000 - d)
            for d in range(days)
            if today - timedelta(days=d) not in existing_dates
        )
        issues = {
            i.date: i
            for i in Issue.objects.filter(paper="通辽日报", date__gt=today - timedelta(days=days))
        }
        now = timezone.now()

        articles = []
        for n in range(count):
            day = n // 40
            place, topic = rng.choice(PLACES), rng.choice(TOPICS)
            headline = f"{place}{rng.choice(['推进', '加快', '做好', '聚焦', '深化'])}{topic}工作取得新进展{n}"
            published_at = now - timedelta(days=day, minutes=rng.randint(0, 600))
            status = Article.Status.PUBLISHED
            roll = rng.random()
            if roll < 0.05:
                status = Article.Status.DRAFT
            elif roll < 0.06:
                published_at = now + timedelta(hours=rng.randint(1, 48))
            body = [{"type": "paragraph", "text": f"{place}{topic}:" + rng.choice(sentences)}]
            for index in range(rng.randint(3, 7)):
                if index == 2 and rng.random() < 0.3:
                    body.append({"type": "subhead", "text": f"聚焦{topic} 狠抓落实"})
                body.append({"type": "paragraph", "text": rng.choice(sentences)})
            articles.append(
                Article(
                    headline=headline,
                    slug=pinyin_slug(headline),
                    section=rng.choice(sections),
                    issue=issues[today - timedelta(days=day)],
                    position=n % 40,
                    page_number=1 + (n % 40) // 5,
                    page_name="要闻" if n % 40 < 5 else "综合",
                    dateline="本报讯",
                    body=body,
                    body_html=render_body(body, "本报讯"),
                    status=status,
                    published_at=published_at,
                )
            )
        saved = []
        for batch in chunks(articles):
            saved += Article.objects.bulk_create(batch)
            print(f"articles: {len(saved)}/{count}", end="\r", flush=True)
        print()

        credits, photos, tagged = [], [], []
        content_type = ContentType.objects.get_for_model(Article)
        for article in saved:
            for position, person in enumerate(rng.sample(people, rng.randint(1, 3))):
                role = "记者" if position == 0 else "通讯员"
                credits.append(
                    Credit(
                        article=article,
                        person=person,
                        role=role,
                        staff=position == 0,
                        position=position,
                    )
                )
            if rng.random() < 0.2:
                photos.append(Photo(article=article, caption=f"图为{article.headline[:12]}现场。"))
            for tag in rng.sample(tags, rng.randint(1, 3)):
                tagged.append(TaggedItem(tag=tag, content_type=content_type, object_id=article.pk))
        for batch in chunks(credits):
            Credit.objects.bulk_create(batch)
        saved_photos = []
        for batch in chunks(photos):
            saved_photos += Photo.objects.bulk_create(batch)
        for batch in chunks(
            [
                PhotoCredit(photo=p, person=rng.choice(people), role="摄影记者", staff=True)
                for p in saved_photos
            ]
        ):
            PhotoCredit.objects.bulk_create(batch)
        for batch in chunks(tagged):
            TaggedItem.objects.bulk_create(batch)

    rebuild = Path(ROOT / "articles" / "management" / "commands" / "rebuild_search_index.py")
    if rebuild.exists():
        call_command("rebuild_search_index", verbosity=1)
    # Bulk inserts bypass the writers that store what the article page shows (bylines,
    # tags, zones): store it as every writer does, or pages measure a fallback nobody runs.
    call_command("refresh_article_display", verbosity=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Bulk inserts and the index rebuild leave dead rows and a long GIN pending list.
            cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    total = Article.objects.count()
    print(
        f"{connection.vendor}: added {count} articles in {seconds:.1f} s "
        f"({count / seconds:.0f}/s); {total} articles in the database"
    )


if __name__ == "__main__":
    main()
