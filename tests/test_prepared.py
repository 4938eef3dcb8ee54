"""The hot hand-written queries are prepared once per PostgreSQL connection (newsroom/prepared.py)
and give what the same SQL gives unprepared, whatever happened to the transaction that
prepared them or to the columns they read. On SQLite they run as plain SQL.

Readers' requests run in autocommit, as these tests do (transaction=True)."""

import os
import subprocess
import sys

import pytest
from django.db import connection, transaction

from articles.models import Article
from newsroom import prepared
from tests.factories import make_article, make_issue, make_section

pytestmark = pytest.mark.django_db(transaction=True)

SQL = "SELECT id, headline FROM articles_article WHERE status = %s AND issue_id = %s ORDER BY id"


def held_statements():
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def run(sql, params, use_prepared=True):
    with connection.cursor() as cursor:
        if use_prepared:
            prepared.execute(cursor, sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def test_a_prepared_query_answers_as_the_plain_one_and_is_prepared_once():
    issue = make_issue()
    for headline in ["头版稿件", "二版稿件"]:
        make_article(headline=headline, issue=issue, section=make_section())
    make_article(headline="别期稿件")
    params = [Article.Status.PUBLISHED, issue.pk]
    before = held_statements()
    assert run(SQL, params) == run(SQL, params, use_prepared=False)
    assert [headline for _, headline in run(SQL, params)] == ["头版稿件", "二版稿件"]
    new = held_statements() - before
    if connection.vendor == "postgresql":
        assert len(new) == 1 and next(iter(new)).startswith("newsroom_")
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            assert cursor.fetchone() == ("force_generic_plan",)
    else:
        assert new == set()


def test_inside_a_transaction_the_sql_runs_plainly():
    issue = make_issue()
    make_article(headline="事务之中", issue=issue)
    params = [Article.Status.PUBLISHED, issue.pk]
    sql = SQL.replace("ORDER BY id", "ORDER BY id DESC")
    before = held_statements()
    with transaction.atomic():
        assert [headline for _, headline in run(sql, params)] == ["事务之中"]
    assert held_statements() == before
    assert [headline for _, headline in run(sql, params)] == ["事务之中"]  # prepared now


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.parametrize(
    "change",
    [
        # An AlterField while the servers run: the statement's result type changes.
        "ALTER TABLE prepared_probe ALTER COLUMN name TYPE varchar(300)",
        # A pool's reset, or anyone's DISCARD ALL: the statement is gone.
        "DEALLOCATE ALL",
    ],
)
def test_a_statement_whose_table_changed_or_that_was_discarded_is_prepared_again(change):
    sql = "SELECT id, name FROM prepared_probe WHERE id > %s ORDER BY id"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe (id int, name varchar(100))")
        try:
            cursor.execute("INSERT INTO prepared_probe VALUES (1, '通辽'), (2, '开鲁')")
            assert run(sql, [0]) == [(1, "通辽"), (2, "开鲁")]
            cursor.execute(change)
            assert run(sql, [1]) == [(2, "开鲁")]
            assert run(sql, [0]) == [(1, "通辽"), (2, "开鲁")]
        finally:
            cursor.execute("DROP TABLE prepared_probe")


def test_a_new_connection_prepares_again():
    issue = make_issue()
    make_article(headline="新连接", issue=issue)
    params = [Article.Status.PUBLISHED, issue.pk]
    sql = SQL.replace("ORDER BY id", "ORDER BY headline")
    assert run(sql, params)
    connection.close()  # as CONN_MAX_AGE or a failed health check does between requests
    connection.ensure_connection()
    assert [headline for _, headline in run(sql, params)] == ["新连接"]


def test_only_plain_placeholders_are_taken(settings):
    with connection.cursor() as cursor, pytest.raises(ValueError, match="placeholders"):
        prepared.execute(cursor, "SELECT id FROM articles_article WHERE slug LIKE 'a%%'", [])
    settings.NEWSROOM_PREPARED_STATEMENTS = False
    before = held_statements()
    assert run(SQL.replace("ORDER BY id", "ORDER BY slug"), [Article.Status.PUBLISHED, 0]) == []
    assert held_statements() == before


def test_the_database_urls_own_options_are_kept():
    """Prepared statements add their planner setting to what the operator asked for."""
    url = "postgres://newsroom@127.0.0.1:5432/newsroom?options=-c%20statement_timeout%3D5000"
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": url,
        "SECRET_KEY": "x" * 50,
    }
    env.pop("DATABASE_PGBOUNCER", None)
    options = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan" in options
