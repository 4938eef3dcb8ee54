"""The hand-written queries every uncached page runs, parsed and planned once per connection.

Django's psycopg backend binds parameters on the client and prepares nothing, so that a
transaction pooler (PgBouncer) works. These few queries (articles.models: stored_page,
around, front_page; articles.page_cache: the change log) are prepared here instead: planning
them cost more than running them (measured at 100,000 articles: the article page's
neighbours, 0.24 ms to plan and 0.09 ms to run; the front page's lists, 0.4 and 0.2 ms).

A PREPARE lasts as long as its database session, so each connection prepares each statement
once and keeps it; one whose result a migration changed, or that a pool's reset discarded, is
prepared again. Readers' requests run in autocommit; inside a transaction the SQL runs plainly.
Off with DATABASE_PGBOUNCER=1 (a transaction pooler hands each transaction another server
session, which may not hold the statement) and on SQLite (its driver keeps compiled statements
already).
"""

import hashlib
import weakref

from django.conf import settings
from django.db import DatabaseError
from psycopg.errors import FeatureNotSupported, InvalidSqlStatementName

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
    # Readers' requests, the hot path, run in autocommit. Inside a writer's transaction the
    # SQL runs plainly: a prepared statement that has to be made again (below) would first
    # have failed, and a failure aborts the transaction.
    if (
        database.vendor != "postgresql"
        or not settings.NEWSROOM_PREPARED_STATEMENTS
        or database.in_atomic_block
    ):
        cursor.execute(sql, params)
        return
    held = _held.setdefault(database.connection, set())
    try:
        _execute(cursor, held, name, sql, params)
    except DatabaseError as error:
        state = getattr(error.__cause__, "sqlstate", None)
        if state == FeatureNotSupported.sqlstate:
            # "cached plan must not change result type": a migration changed the type of a
            # column the statement returns (an AlterField while the servers run). Every page
            # failed until the connection was replaced; prepared again instead, once.
            cursor.execute(f"DEALLOCATE {name}")
        elif state != InvalidSqlStatementName.sqlstate:  # gone: a DISCARD ALL, a pool's reset
            raise
        held.discard(name)
        _execute(cursor, held, name, sql, params)


def _execute(cursor, held, name, sql, params):
    if name not in held:
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        held.add(name)
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")
