"""The hot hand-written queries are prepared once per PostgreSQL connection (newsroom/prepared.py)
and give what the same SQL gives unprepared, whatever happened to the transaction that
prepared them. On SQLite they run as plain SQL."""

import pytest
from django.db import connection, transaction

from articles.models import Article
from newsroom import prepared
from tests.factories import make_article, make_issue, make_section

pytestmark = pytest.mark.django_db

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


def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_there():
    issue = make_issue()
    make_article(headline="回滚之后", issue=issue)
    params = [Article.Status.PUBLISHED, issue.pk]
    sql = SQL.replace("ORDER BY id", "ORDER BY id DESC")
    with pytest.raises(RuntimeError), transaction.atomic():
        run(sql, params)
        raise RuntimeError("the writer's transaction fails")
    assert [headline for _, headline in run(sql, params)] == ["回滚之后"]


@pytest.mark.django_db(transaction=True)
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
