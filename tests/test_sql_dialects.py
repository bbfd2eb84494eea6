"""Dialect rules: where "…" is a string, CQL's $$…$$ and // comments, nested comments, Hive/Spark, and the
generic reading every unknown db.system gets (the union of every known dialect's rules: the safest).

Each case: a name, the dialects it applies to, the statement, the exact output, the summary, and the words
that must not survive anywhere in the result."""

from __future__ import annotations

import pytest

from otel_privacy import Redactor
from otel_privacy.scrub.sql import SqlObfuscator, dialect_for_system
from sql_engines import sql_engine  # noqa: F401  (autouse: every test on the C and the Python passes)

OBF = SqlObfuscator(cache_size=0)
DQ_STRING = ("mysql", "sqlite", "hive", "generic")  # "…" may be a string: a name only where nothing else fits
DQ_NAME = ("postgresql", "oracle", "mssql", "cassandra")

# (name, dialects, sql, expected, summary, hidden)
CASES = [
    # -- "…": ORM output (Django, Peewee) quotes every name in positions only a name can take -----------------
    ("qualified_names", DQ_STRING + DQ_NAME,
     'SELECT "auth_user"."id", "auth_user"."email" FROM "auth_user" WHERE "auth_user"."email" = \'a@b.co\' LIMIT 21',
     'SELECT "auth_user"."id", "auth_user"."email" FROM "auth_user" WHERE "auth_user"."email" = ? LIMIT ?',
     "SELECT auth_user", ["a@b.co", "21"]),
    ("insert_column_list", DQ_STRING,
     'INSERT INTO "app_order" ("user_id", "note") VALUES (1, "s3kret note") RETURNING "app_order"."id"',
     'INSERT INTO "app_order" ("user_id", "note") VALUES (?, ?) RETURNING "app_order"."id"',
     "INSERT app_order", ["s3kret"]),
    ("update_set_targets", DQ_STRING,
     'UPDATE "app_order" SET "note" = "s3kret", "total" = 3 WHERE "app_order"."id" = 7',
     'UPDATE "app_order" SET "note" = ?, "total" = ? WHERE "app_order"."id" = ?', "UPDATE app_order", ["s3kret"]),
    ("alias_and_cte_names", DQ_STRING,
     'WITH "recent" AS (SELECT count(*) AS "n" FROM orders) SELECT "n" AS "total" FROM "recent"',
     'WITH "recent" AS (SELECT count(*) AS "n" FROM orders) SELECT ? AS "total" FROM "recent"',
     "SELECT orders", []),
    ("alias_and_cte_names_are_names_anyway", DQ_NAME,
     'WITH "recent" AS (SELECT count(*) AS "n" FROM orders) SELECT "n" AS "total" FROM "recent"',
     'WITH "recent" AS (SELECT count(*) AS "n" FROM orders) SELECT "n" AS "total" FROM "recent"',
     "SELECT orders", []),
    ("from_list_and_join_using", DQ_STRING,
     'SELECT * FROM "a", "b" JOIN "c" USING ("id") WHERE "a"."x" = "b"."y"',
     'SELECT * FROM "a", "b" JOIN "c" USING ("id") WHERE "a"."x" = "b"."y"', "SELECT a b c", []),
    ("create_table_column_definitions", ("sqlite", "generic"),
     'CREATE TABLE IF NOT EXISTS "t" ("a" TEXT DEFAULT "s3kret", "b" INT)',
     'CREATE TABLE IF NOT EXISTS "t" ("a" TEXT DEFAULT ?, "b" INT)', "CREATE t", ["s3kret"]),
    # -- "…" where a value stands: a string ------------------------------------------------------------------
    ("compared_value", DQ_STRING, 'SELECT * FROM t WHERE name = "Zelda Quill"',
     "SELECT * FROM t WHERE name = ?", "SELECT t", ["Zelda", "Quill"]),
    ("compared_value_is_a_name_elsewhere", DQ_NAME, 'SELECT * FROM t WHERE name = "Zelda Quill"',
     'SELECT * FROM t WHERE name = "Zelda Quill"', "SELECT t", []),
    ("function_arguments_and_in_lists", DQ_STRING,
     'SELECT lower("Zelda"), EXTRACT(YEAR FROM "2024-05-01") FROM t WHERE x IN ("a1b2", "c3d4")',
     "SELECT lower(?), EXTRACT(YEAR FROM ?) FROM t WHERE x IN (?)", "SELECT t", ["Zelda", "2024", "a1b2", "c3d4"]),
    ("order_by_an_unproven_name", ("sqlite", "generic"), 'SELECT a FROM t ORDER BY "Zelda"',
     "SELECT a FROM t ORDER BY ?", "SELECT t", ["Zelda"]),
    ("unterminated_double_quote", DQ_STRING, 'SELECT a FROM t WHERE b = "Zelda AND c = 1',
     "SELECT a FROM t WHERE b = ?", "SELECT t", ["Zelda"]),
    # -- other quoting ----------------------------------------------------------------------------------------
    ("sqlite_brackets_and_backticks", ("sqlite",), "SELECT [my col], `x` FROM [my table] WHERE [id] = 5",
     "SELECT [my col], `x` FROM [my table] WHERE [id] = ?", "SELECT my table", []),
    ("brackets_hold_values_outside_sql_server", ("generic", "postgresql"),
     "SELECT arr[2] FROM t WHERE tags = ARRAY['Zelda']", "SELECT arr[?] FROM t WHERE tags = ARRAY[?]", "SELECT t",
     ["Zelda"]),
    ("cql_dollar_strings", ("cassandra",), "INSERT INTO ks.f (k, body) VALUES (1, $$it's Zelda$$)",
     "INSERT INTO ks.f (k, body) VALUES (?, ?)", "INSERT ks.f", ["Zelda"]),
    ("cql_line_comment", ("cassandra",), "SELECT * FROM ks.t WHERE k = 1 // owner Zelda's\n AND v = 2",
     "SELECT * FROM ks.t WHERE k = ? AND v = ?", "SELECT ks.t", ["Zelda", "owner"]),
    ("sql_server_nested_comments", ("mssql", "postgresql", "hive", "generic"),
     "SELECT 1 /* a /* b */ Zelda */ FROM t", "SELECT ? FROM t", "SELECT t", ["Zelda"]),
    ("hive_double_quoted_strings_and_backticks", ("hive",),
     "SELECT `col` FROM `db`.`t` WHERE name = \"Zelda\" AND note = 'Quill' /* x /* y */ Zelda */",
     "SELECT `col` FROM `db`.`t` WHERE name = ? AND note = ?", "SELECT db.t", ["Zelda", "Quill"]),
    # -- unknown servers: every dialect's rules at once -----------------------------------------------------
    ("snowflake_line_comment", ("generic",), "SELECT * FROM t // owner Zelda\nWHERE a = 1",
     "SELECT * FROM t WHERE a = ?", "SELECT t", ["Zelda", "owner"]),
    ("bigquery_hash_comment", ("generic",), "SELECT * FROM ds.t # owner Zelda\nWHERE a = 1",
     "SELECT * FROM ds.t WHERE a = ?", "SELECT ds.t", ["Zelda", "owner"]),
    ("bigquery_triple_quotes", ("generic",), 'SELECT """it\'s "Zelda" """ AS s FROM t',
     "SELECT ? AS s FROM t", "SELECT t", ["Zelda"]),
    ("dollar_tags", ("postgresql",), "SELECT $fn$ it's Zelda $fn$ FROM t", "SELECT ? FROM t", "SELECT t", ["Zelda"]),
    ("dollar_quotes_read_every_way", ("generic",), "SELECT $fn$ Zelda $fn$, $$Quill$$ FROM t",
     "SELECT ?, ? FROM t", "SELECT t", ["Zelda", "Quill"]),
    # a quote inside $$…$$ or a // comment opens a string to the end in the readings without them: masked
    ("quote_inside_dollar_quotes_read_every_way", ("generic",), "SELECT $fn$ it's Zelda $fn$ FROM t",
     "SELECT ?", "SELECT", ["Zelda"]),
    ("quote_inside_a_slash_comment_read_every_way", ("generic",),
     "SELECT * FROM ks.t WHERE k = 1 // owner Zelda's\n AND v = 2", "SELECT * FROM ks.t WHERE k = ? ?", "SELECT ks.t",
     ["Zelda", "owner"]),
    ("oracle_q_quote", ("oracle",), "SELECT * FROM t WHERE a = q'[it's Zelda]' AND b = 1",
     "SELECT * FROM t WHERE a = ? AND b = ?", "SELECT t", ["Zelda"]),
    # (elsewhere q'[it' … is a string too: the readings disagree, so everything after the q is masked)
    ("oracle_q_quote_read_every_way", ("generic",), "SELECT * FROM t WHERE a = q'[it's Zelda]' AND b = 1",
     "SELECT * FROM t WHERE a = ?", "SELECT t", ["Zelda"]),
    ("backslash_escapes", ("generic",), "SELECT * FROM t WHERE s = 'a\\'Zelda' AND x = 1",
     "SELECT * FROM t WHERE s = ?", "SELECT t", ["Zelda"]),
    ("ordinary_statements_read_as_before", ("generic",),
     "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'a@b.co' AND o.total > 10",
     "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = ? AND o.total > ?",
     "SELECT orders users", ["a@b.co"]),
]


@pytest.mark.parametrize(("dialects", "sql", "expected", "summary", "hidden"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_dialect_case(dialects, sql, expected, summary, hidden):
    for dialect in dialects:
        result = OBF.obfuscate(sql, dialect)
        assert result.statement == expected, dialect
        assert result.summary == summary, dialect
        everything = " ".join([result.statement, result.summary or "", *result.tables])
        for word in hidden:
            assert word not in everything, (dialect, word, result)


@pytest.mark.parametrize(("system", "dialect"), [
    ("postgresql", "postgresql"), ("cockroachdb", "postgresql"), ("mysql", "mysql"), ("mariadb", "mysql"),
    ("sqlite", "sqlite"), ("microsoft.sql_server", "mssql"), ("oracle.db", "oracle"), ("scylladb", "cassandra"),
    ("hive", "hive"), ("spark", "hive"),
    # no rules of their own: the generic reading, never a more permissive one
    ("redshift", "generic"), ("aws.redshift", "generic"), ("snowflake", "generic"), ("clickhouse", "generic"),
    ("trino", "generic"), ("gcp.bigquery", "generic"), ("databricks", "generic"), ("duckdb", "generic"),
    ("teradata", "generic"), ("other_sql", "generic"), ("", "generic"), (None, "generic"),
])
def test_systems_map_to_dialects(system, dialect):
    assert dialect_for_system(system) == dialect


def test_an_unknown_system_gets_the_generic_reading_through_the_redactor():
    r = Redactor("default")
    out = r.redact_attributes({"db.system.name": "snowflake",
                               "db.query.text": "SELECT * FROM sales // for Zelda\nWHERE region = \"north\""})
    assert out["db.query.text"] == "SELECT * FROM sales WHERE region = ?"
    assert out["db.query.summary"] == "SELECT sales"
