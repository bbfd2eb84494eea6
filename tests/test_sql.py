"""SQL engine options, dialect choice, summaries, span names and the redactor wiring.

Properties (hypothesis) are in test_sql_properties.py, NoSQL in test_nosql.py, the corpus in test_sql_corpus.py."""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.sql import SqlObfuscator, dialect_for_system, is_low_cardinality_name, looks_like_sql
from sql_engines import sql_engine  # noqa: F401  (autouse: every test on the C and the Python passes)

OBF = SqlObfuscator(cache_size=0)  # (no cache: each engine computes its own results)


def test_options_collapse_booleans_comments_and_length():
    sql = "SELECT * FROM t /* c */ WHERE id IN (1, 2) AND ok = TRUE"
    assert SqlObfuscator(collapse_lists=False).obfuscate(sql).statement == \
        "SELECT * FROM t WHERE id IN (?, ?) AND ok = ?"
    assert SqlObfuscator(obfuscate_booleans=False).obfuscate(sql).statement == \
        "SELECT * FROM t WHERE id IN (?) AND ok = TRUE"
    assert SqlObfuscator(keep_comments=True).obfuscate(sql).statement == \
        "SELECT * FROM t /* c */ WHERE id IN (?) AND ok = ?"
    long = "SELECT " + ", ".join(f"col{i}" for i in range(500)) + " FROM t WHERE a = 'secret'"
    out = SqlObfuscator(max_length=100).obfuscate(long).statement
    assert len(out) <= 101 and out.endswith("…") and "secret" not in out


def test_join_relationships():
    r = SqlObfuscator(relationships=True).obfuscate(
        "SELECT * FROM orders o JOIN users u ON o.user_id = u.id LEFT JOIN items AS i ON i.order_id = o.id")
    assert r.tables == ("orders", "users", "items")
    assert r.joins == ("orders.user_id=users.id", "items.order_id=orders.id")


def test_cache_returns_the_same_result_object():
    obf = SqlObfuscator(cache_size=2)
    a = obf.obfuscate("SELECT 1")
    assert obf.obfuscate("SELECT 1") is a
    obf.obfuscate("SELECT a FROM t")
    obf.obfuscate("SELECT b FROM u")  # evicts SELECT 1 from both caches
    assert obf.obfuscate("SELECT 1") is not a
    assert obf.obfuscate("SELECT 1") == a


def test_same_shape_with_fresh_literals_reuses_the_summary():
    obf = SqlObfuscator(cache_size=8)
    first = obf.obfuscate("SELECT * FROM users WHERE email = 'a@b.co' AND id = 1")
    second = obf.obfuscate("SELECT * FROM users WHERE email = 'c@d.co' AND id = 2")
    assert second is first  # one result per query shape
    assert second.statement == "SELECT * FROM users WHERE email = ? AND id = ?" and second.summary == "SELECT users"
    assert SqlObfuscator(cache_size=0).obfuscate("SELECT 1") is not SqlObfuscator(cache_size=0).obfuscate("SELECT 1")


def test_an_internal_error_fails_closed(monkeypatch):
    import otel_privacy.scrub.sql as sql

    def boom(*_a, **_k):
        raise RuntimeError("bug")

    obf = SqlObfuscator(cache_size=0)
    if obf.c_engine is not None:
        obf.c_engine._fail_next = 1  # the C engine's own failure path (a bug, or no memory, inside it)
    else:
        monkeypatch.setattr(sql, "_summarize", boom)
    result = obf.obfuscate("SELECT * FROM t WHERE secret = 'x'")
    assert result.statement == "?" and result.summary is None and obf.errors == 1


@pytest.mark.parametrize(("system", "dialect"), [("postgresql", "postgresql"), ("mariadb", "mysql"),
                                                 ("sqlite", "sqlite"), ("mssql", "mssql"), ("oracle", "oracle"),
                                                 ("cassandra", "cassandra"), ("h2", "generic"), (None, "generic"),
                                                 ("redis", None), ("mongodb", None), ("elasticsearch", None)])
def test_dialect_for_system(system, dialect):
    assert dialect_for_system(system) == dialect


@pytest.mark.parametrize(("name", "low"), [("SELECT", True), ("SELECT users", True), ("SELECT shop.orders", True),
                                           ("GET /orders/{id}", True), ("INSERT", True),
                                           ("SELECT * FROM users WHERE id = 42", False), ("SELECT 'x'", False),
                                           ("GET /users/12345", False), ("find users@x.com", False)])
def test_low_cardinality_names(name, low):
    assert is_low_cardinality_name(name) is low


def test_looks_like_sql():
    assert looks_like_sql("  /* c */ (SELECT 1)") and looks_like_sql("with x as (select 1) select * from x")
    assert not looks_like_sql("POST /api/orders") and not looks_like_sql("selection made")


def test_redactor_picks_the_scrubber_by_db_system():
    r = Redactor("default")
    pg = r.redact_attributes({"db.system": "postgresql", "db.statement": "SELECT $$x$$, 'y' FROM t"})
    assert pg["db.statement"] == "SELECT ?, ? FROM t" and pg["db.query.summary"] == "SELECT t"
    assert pg["db.collection.name"] == "t" and pg["db.operation.name"] == "SELECT"
    redis = r.redact_attributes({"db.system": "redis", "db.statement": "SET session:42 'it''s secret'"})
    assert redis["db.statement"] == "SET session:42 ?"  # no SQL rules on Redis
    assert "db.query.summary" not in redis
    mongo = r.redact_attributes({"db.system.name": "mongodb", "db.query.text": '{"find": "users", "filter": '
                                                                             '{"email": "a@b.co"}}'})
    assert mongo["db.query.text"] == '{"find":"users","filter":{"email":"?"}}'


def test_span_names_from_statements_and_low_cardinality_names():
    r = Redactor("default")
    assert r.redact_span_name("SELECT * FROM users WHERE id = 42", {"db.system": "sqlite"}) == "SELECT users"
    assert r.redact_span_name("SELECT users", {"db.system": "sqlite"}) == "SELECT users"
    assert r.redact_span_name("SET session:42 secret", {"db.system": "redis"}) == "SET session:42 ?"


def test_forced_dialect_and_relationships_from_policy():
    r = Redactor(Policy.from_dict({"sql": {"dialect": "mysql", "relationships": True}}))
    out = r.redact_attributes({"db.statement": 'SELECT * FROM a JOIN b ON a.id = b.a_id WHERE x = "lit"'})
    assert out["db.statement"] == "SELECT * FROM a JOIN b ON a.id = b.a_id WHERE x = ?"
    assert out["otel_privacy.db.joins"] == ["a.id=b.a_id"]


def test_cache_is_keyed_by_dialect():
    obf = SqlObfuscator()
    sql = 'SELECT * FROM t WHERE a = "x"'
    assert obf.obfuscate(sql, "mysql").statement == "SELECT * FROM t WHERE a = ?"
    assert obf.obfuscate(sql, "postgresql").statement == sql  # "x" is an identifier outside MySQL
    assert obf.obfuscate(sql, "mysql").statement == "SELECT * FROM t WHERE a = ?"


def test_cache_is_thread_safe_and_bounded():
    from concurrent.futures import ThreadPoolExecutor

    obf = SqlObfuscator(cache_size=50)
    stmts = [f"SELECT * FROM t{i % 7} WHERE a = {i}" for i in range(400)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(obf.obfuscate, stmts * 3))
    assert [r.statement for r in results] == [f"SELECT * FROM t{i % 7} WHERE a = ?" for i in range(400)] * 3
    assert obf.cache_info()["statements"] <= 50 and obf.cache_info()["shapes"] <= 50


def test_unknown_dialect_falls_back_to_generic():
    assert OBF.obfuscate("SELECT * FROM t WHERE a = 'x'", "klingon").statement == "SELECT * FROM t WHERE a = ?"


def test_a_backslash_before_a_quote_is_read_both_ways_in_every_dialect():
    # with backslash escapes 'it\'s secret' is one string; without, "s secret" would be code and the last quote
    # opens a string to the end: everything either reading puts in a literal is masked
    for dialect in ("generic", "sqlite", "postgresql"):
        out = OBF.obfuscate("SELECT * FROM t WHERE a = 'it\\'s secret' AND b = 1", dialect).statement
        assert out == "SELECT * FROM t WHERE a = ?"
    # where the readings agree (no backslash next to a quote), nothing more is masked
    assert OBF.obfuscate("SELECT * FROM t WHERE a = 'C:\\dir' AND b = 1").statement == \
        "SELECT * FROM t WHERE a = ? AND b = ?"


def test_postgresql_comment_markers_inside_strings_are_not_comments():
    sql = "SELECT * FROM t WHERE a = 'x/*y' AND b = 'secret' /* c /* nested */ still */ AND c = E'/*\\'q'"
    assert OBF.obfuscate(sql, "postgresql").statement == "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?"
    kept = SqlObfuscator(keep_comments=True).obfuscate("SELECT 1 /* a /* b */ c */ FROM t", "postgresql")
    assert kept.statement == "SELECT ? /* a /* b */ c */ FROM t"


def test_oracle_alternative_quoting():
    sql = "SELECT * FROM t WHERE a = q'[it's secret]' AND b = Q'{x}' AND c = q'!y'z!'"
    assert OBF.obfuscate(sql, "oracle").statement == "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?"


def test_summary_fields():
    r = OBF.obfuscate("WITH r AS (SELECT * FROM shop.orders WHERE x = 1) "
                      "SELECT * FROM r JOIN \"Users\" u ON u.id = r.user_id", "postgresql")
    assert r.operation == "SELECT"
    assert r.tables == ("shop.orders", "Users")
    assert r.summary == "SELECT shop.orders SELECT Users"  # the CTE name r is not a table
    call = OBF.obfuscate("CALL billing.charge(42, 'card')")
    assert (call.operation, call.tables, call.summary) == ("CALL", ("billing.charge",), "CALL billing.charge")
    assert OBF.obfuscate("").summary is None and OBF.obfuscate("").statement == ""


def test_an_obfuscator_bug_fails_closed_and_is_counted(monkeypatch):
    """A fault inside the tokenizer (injected: no input produces one) keeps nothing of the statement."""
    from otel_privacy import Redactor
    from otel_privacy.scrub.sql import FAILED

    r = Redactor("default")

    def broken(self, text, dialect):
        raise RuntimeError("tokenizer bug")

    if r.sql.c_engine is not None:
        r.sql.c_engine._fail_next = 1_000_000  # every statement the C engine computes fails
    else:
        monkeypatch.setattr(type(r.sql), "_tokenize", broken)
    assert r.sql.obfuscate("SELECT * FROM t WHERE a = 'secret-1'") is FAILED
    assert r.sql.errors == 1
    out = r.redact_attributes({"db.system": "postgresql", "db.statement": "SELECT 'secret-2'"})
    assert out["db.statement"] == "?" and "secret-2" not in repr(out)
    assert r.stats["errors"] == 1
    # a statement used as a span name fails closed and is counted the same way
    assert r.redact_span_name("SELECT * FROM t WHERE a = 'secret-3'", {"db.system": "postgresql"}) == "?"
    assert r.stats["errors"] == 2


def test_the_shape_cache_holds_no_long_statements():
    obf = SqlObfuscator(cache_size=8, max_length=100)
    long = "SELECT " + ", ".join(f"c{i}" for i in range(100)) + " FROM t WHERE a = 1"
    result = obf.obfuscate(long)
    assert result.statement.endswith("…") and result.summary == "SELECT t"
    assert obf.cache_info()["shapes"] == 0  # (the statement cache has it; the shape cache keeps short ones only)


def test_a_summary_is_never_made_from_another_statements_tokens():
    # The shape cache is keyed by the obfuscated statement; a miss reads the tokens the calling thread left.
    # Were they replaced in between (a re-entrant call, e.g. from a signal handler), the statement fails
    # closed rather than being summarised from another statement's tokens.
    if SqlObfuscator().c_engine is not None:
        pytest.skip("the C engine tokenizes and summarises in one call holding the GIL: nothing can come between")
    obf = SqlObfuscator(cache_size=8)
    miss = obf._shape_miss

    def reentrant(statement):
        obf._pending.shape = ("SELECT * FROM other", obf._pending.shape[1])  # what a nested call leaves
        return miss(statement)

    obf._shape = reentrant
    assert obf.obfuscate("SELECT a FROM t WHERE b = 1").statement == "?" and obf.errors == 1
