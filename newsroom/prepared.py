"""The hand-written queries every uncached page runs, parsed and planned once per connection.

Django's psycopg backend binds parameters on the client and prepares nothing, so that a
transaction pooler (PgBouncer) works. These few queries (articles.models: stored_page,
around, front_page; articles.page_cache: the change log) are prepared here instead: planning
them cost more than running them (measured at 100,000 articles: the article page's
neighbours, 0.24 ms to plan and 0.09 ms to run; the front page's lists, 0.4 and 0.2 ms).

A PREPARE lasts as long as its database session, whatever becomes of the transaction it was
made in, so each connection prepares each statement once and keeps it. Off with
DATABASE_PGBOUNCER=1 (a transaction pooler hands each transaction another server session, which
may not hold the statement) and on SQLite (its driver keeps compiled statements already).
"""

import hashlib
import weakref

from django.conf import settings

# Per psycopg connection (a pooled one outlives Django's wrapper): the statements it holds.
_held = weakref.WeakKeyDictionary()
_names = {}


def execute(cursor, sql, params):
    """cursor.execute(sql, params) (%s placeholders, no other %), prepared where possible."""
    name = _names.get(sql)
    if name is None:
        pieces = sql.split("%s")
        if "%" in "".join(pieces) or len(pieces) - 1 != len(params):
            raise ValueError("prepared SQL takes %s placeholders only, one per parameter")
        name = _names[sql] = f"newsroom_{hashlib.sha256(sql.encode()).hexdigest()[:24]}"
    database = cursor.db
    if database.vendor != "postgresql" or not settings.NEWSROOM_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    held = _held.setdefault(database.connection, set())
    if name not in held:
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        held.add(name)
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")
