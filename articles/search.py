"""Chinese full-text search over published articles.

PostgreSQL cannot split Chinese (`to_tsvector('simple', '我市新建5G基站')` is
one token), so we segment with rjieba (jieba's Rust port) at index time and at
query time, and hand PostgreSQL space-separated words:

- PostgreSQL: a stored, weighted tsvector on the article (headline above
  people, columns and tags, above body and captions) with a GIN index,
  ranked by ts_rank and then by recency.
- SQLite: an FTS5 table with the same segmented text, ranked by bm25.

Every person's name and column name is in the segmenter's dictionary, so
狄雅莉 or 霍林郭勒 stay whole. The index is updated for the articles a save
or an import touches, after its transaction commits (articles/changes.py); renaming a column, person
or tag re-indexes the articles carrying it, by background tasks when they are
many (articles/tasks.py); `rebuild_search_index` redoes the whole archive.
"""

import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import rjieba
from django.core.cache import cache
from django.db import connection
from django.db.models import F, FloatField, Prefetch
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.body import plain_text

WORD_RE = re.compile(r"\w+")
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 12
DICTIONARY_VERSION_KEY = "search:dictionary-version"
DICTIONARY_MAX_AGE = 300  # seconds before a process re-reads names it may have missed
BATCH = 500
# How many of the newest matches PostgreSQL ranks by relevance (see search()).
CANDIDATES = 500
RECENT_WINDOWS = (365, None)

# rjieba's segmenter refuses to be read by one thread while another adds words to it ("Already
# borrowed"): every use of it, reading or writing, holds this lock (gunicorn runs threads).
_lock = threading.Lock()
_state = {"jieba": None, "version": None, "loaded_at": 0.0}


# Segmentation --------------------------------------------------------------------------


def load_segmenter():
    """Build the segmenter before the first search needs it: each gunicorn worker calls this as
    it starts (newsroom/wsgi.py). Its dictionary takes 0.07 s to load and half a second on a busy
    machine, which the first search in every worker waited for. Names from the database are
    added at first use."""
    with _lock:
        if _state["jieba"] is None:
            _state.update(jieba=rjieba.Jieba(), loaded_at=float("-inf"))


def _segmenter():
    """The process's rjieba instance, with people's and columns' names in its dictionary."""
    version = cache.get(DICTIONARY_VERSION_KEY)
    stale = time.monotonic() - _state["loaded_at"] > DICTIONARY_MAX_AGE
    if _state["jieba"] is None or version != _state["version"] or stale:
        with _lock:
            jieba = _state["jieba"] or rjieba.Jieba()
            for word in _dictionary_words():
                jieba.add_word(word, None, None)
            _state.update(jieba=jieba, version=version, loaded_at=time.monotonic())
    return _state["jieba"]


def _dictionary_words():
    from articles.models import Section
    from people.models import Person

    names = set(Person.objects.values_list("name", flat=True))
    names.update(Section.objects.values_list("name", flat=True))
    return sorted(name for name in names if len(name) > 1)


def add_words(words):
    """New names become whole words for this process now and for others soon after."""
    words = [w for w in words if w and len(w) > 1]
    if not words:
        return
    jieba = _segmenter()
    with _lock:
        for word in words:
            jieba.add_word(word, None, None)
    try:
        cache.incr(DICTIONARY_VERSION_KEY)
    except ValueError:
        cache.set(DICTIONARY_VERSION_KEY, 1, None)
    _state["version"] = cache.get(DICTIONARY_VERSION_KEY)


def index_words(text):
    """Every word and sub-word of `text`, for the index (recall)."""
    jieba = _segmenter()
    with _lock:
        words = jieba.cut_for_search(text or "", False)
    return [w for w in words if WORD_RE.fullmatch(w)]


def query_words(text):
    """The words of a reader's query, longest dictionary match first (precision)."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    jieba = _segmenter()
    with _lock:
        cut = jieba.cut(text, False)
    words = [w.lower() for w in cut if WORD_RE.fullmatch(w)]
    unique = list(dict.fromkeys(words))
    return unique[:MAX_QUERY_WORDS]


# Documents -----------------------------------------------------------------------------


@dataclass
class Document:
    pk: int
    title: str  # weight A: headline, kicker, subheadline
    names: str  # weight B: people, column, tags
    body: str  # weight C: body and photo captions


def documents(pks):
    from articles.models import Article, Credit, Photo

    articles = (
        Article.objects.filter(pk__in=pks)
        .select_related("section")
        .prefetch_related(
            Prefetch("credits", queryset=Credit.objects.select_related("person")),
            Prefetch("photos", queryset=Photo.objects.prefetch_related("credits__person")),
            "tags",
        )
    )
    for article in articles:
        names = [c.person.name for c in article.credits.all()]
        names += [c.person.name for p in article.photos.all() for c in p.credits.all()]
        if article.section:
            names.append(article.section.name)
        names += [tag.name for tag in article.tags.all()]
        yield make_document(
            article.pk,
            [article.kicker, article.headline, article.subheadline],
            names,
            [b.get("text", "") for b in article.body] + [p.caption for p in article.photos.all()],
        )


def make_document(pk, titles, names, texts):
    """Segmented text for one article, by weight: titles (A), names (B), body and captions (C)."""
    names = [n for n in dict.fromkeys(names) if n]
    return Document(
        pk=pk,
        title=" ".join(index_words(" ".join(filter(None, titles)))),
        names=" ".join(names) + " " + " ".join(index_words(" ".join(names))),
        body=" ".join(index_words("\n".join(plain_text(t) for t in texts))),
    )


# Index maintenance -----------------------------------------------------------------------


def index_articles(pks):
    """Bring the index up to date for these articles, reading them from the database.

    Articles that no longer exist leave the index (PostgreSQL keeps the vector in the row).
    """
    pks = sorted(set(pks))
    for start in range(0, len(pks), BATCH):
        chunk = pks[start : start + BATCH]
        docs = list(documents(chunk))
        if connection.vendor == "postgresql":
            _write_postgresql(docs)
        else:
            _write_sqlite(chunk, docs)


def write_documents(docs):
    """Store documents in the index (in batches, one statement each)."""
    for start in range(0, len(docs), BATCH):
        batch = docs[start : start + BATCH]
        if connection.vendor == "postgresql":
            _write_postgresql(batch)
        else:
            _write_sqlite([d.pk for d in batch], batch)


def _write_postgresql(docs):
    if not docs:
        return
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(docs))
    params = [value for d in docs for value in (d.pk, d.title, d.names, d.body)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE articles_article AS a SET search_vector =
                setweight(to_tsvector('simple', v.title), 'A')
                || setweight(to_tsvector('simple', v.names), 'B')
                || setweight(to_tsvector('simple', v.body), 'C')
            FROM (VALUES {rows}) AS v(id, title, names, body)
            WHERE a.id = v.id::bigint
            """,
            params,
        )


def _write_sqlite(pks, docs):
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM articles_search WHERE rowid IN ({', '.join(['%s'] * len(pks))})", pks
        )
        cursor.executemany(
            "INSERT INTO articles_search (rowid, title, names, body) VALUES (%s, %s, %s, %s)",
            [(d.pk, d.title, d.names, d.body) for d in docs],
        )


# Querying -------------------------------------------------------------------------------


def search(queryset, text):
    """`queryset` narrowed to articles matching `text`, best first; (queryset, words)."""
    words = query_words(text)
    if not words:
        return queryset.none(), []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        # Words are \w+ only, so nothing a reader types can become tsquery syntax.
        query = SearchQuery(" & ".join(words), search_type="raw", config="simple")
        # Ranking reads every matching row's vector; for a common word that is thousands of
        # rows. Rank only the newest CANDIDATES matches, found through the GIN index, looking
        # at the last year first (the GIN and date indexes combine, so a common word reads a
        # year's rows, not the archive's), then at everything.
        matches = queryset.filter(search_vector=query).order_by("-published_at")
        now = timezone.now()
        for days in RECENT_WINDOWS:
            window = (
                matches.filter(published_at__gte=now - timedelta(days=days)) if days else matches
            )
            newest = list(window.values_list("pk", flat=True)[:CANDIDATES])
            if len(newest) == CANDIDATES:
                break
        matched = queryset.filter(pk__in=newest).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    else:
        expression = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        matched = queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM articles_search WHERE articles_search MATCH %s", [expression]
            )
        ).annotate(
            rank=RawSQL(
                "(SELECT -bm25(articles_search, 10.0, 4.0, 1.0) FROM articles_search "
                "WHERE articles_search MATCH %s AND rowid = articles_article.id)",
                [expression],
                output_field=FloatField(),
            )
        )
    return matched.order_by(F("rank").desc(), F("published_at").desc(), "-pk"), words


def highlight(text, words, length=None):
    """`text` escaped, the query's words wrapped in <mark>; cut around the first match if long."""
    text = plain_text(text or "")
    if length and len(text) > length:
        first = min((i for i in (text.find(w) for w in words) if i >= 0), default=0)
        start = max(0, first - length // 4)
        text = ("…" if start else "") + text[start : start + length] + "…"
    if not words:
        return escape(text)
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece escaped above
