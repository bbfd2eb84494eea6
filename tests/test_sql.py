"""SQL engine options, dialect choice, summaries, span names, NoSQL, and properties (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.nosql import obfuscate_nosql
from otel_privacy.scrub.sql import SqlObfuscator, dialect_for_system, is_low_cardinality_name, looks_like_sql

OBF = SqlObfuscator()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
    obf.obfuscate("SELECT 2")
    obf.obfuscate("SELECT 3")  # evicts SELECT 1
    assert obf.obfuscate("SELECT 1") is not a


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


NOSQL = [
    ("redis", "AUTH hunter2", "AUTH ?"),
    ("redis", "AUTH default hunter2", "AUTH ?"),
    ("redis", "SET user:42 secret EX 60", "SET user:42 ?"),
    ("redis", "GET user:42", "GET user:42"),
    ("redis", "HSET user:1 email a@b.co name bob", "HSET user:1 email ? name ?"),
    ("redis", "MSET a 1 b 2", "MSET a ? b ?"),
    ("redis", 'EVAL "return redis.call(\'get\', KEYS[1])" 1 k', "EVAL ?"),
    ("redis", "DEL a b c", "DEL a b c"),
    ("redis", "SETEX k 10 v", "SETEX k 10 ?"),
    ("redis", "CONFIG SET requirepass s3cret", "CONFIG SET requirepass ?"),
    ("redis", "", ""),
    ("mongodb", '{"find": "users", "filter": {"age": {"$gt": 30}, "tags": {"$in": ["a", "b"]}}}',
     '{"find":"users","filter":{"age":{"$gt":"?"},"tags":{"$in":["?"]}}}'),
    ("mongodb", '{"insert": "users", "documents": [{"_id": {"$oid": "5f1d"}, "email": "a@b.co"}]}',
     '{"insert":"users","documents":[{"_id":{"$oid":"?"},"email":"?"}]}'),
    ("mongodb", "db.users.find({email: 'a@b.co', age: {$gt: 30}})", "db.users.find({email: ?, age: {$gt: ?}})"),
    ("mongodb", '{"filter": {"email": "trunc', '{"filter": {"email": ?'),
    ("elasticsearch", '{"query": {"match": {"name": "alice"}}, "size": 10}', '{"query":{"match":{"name":"?"}},"size":"?"}'),
    ("opensearch", '{"index": {"_id": "1"}}\n{"email": "a@b.co"}', '{"index":{"_id":"?"}}\n{"email":"?"}'),
    ("memcached", "set k 0 0 5 hello", "set k ?"),
    ("memcached", "get k", "get k"),
]


@pytest.mark.parametrize(("system", "text", "expected"), NOSQL)
def test_nosql(system, text, expected):
    assert obfuscate_nosql(system, text) == expected


def test_nosql_unknown_system():
    assert obfuscate_nosql("postgresql", "SELECT 1") is None


# -- properties ----------------------------------------------------------------------------------
literal_text = st.text(alphabet=string.ascii_letters + string.digits + " @.-_%", min_size=4, max_size=20).filter(
    lambda s: s.strip() and not s.isspace())
numbers = st.one_of(st.integers(10**3, 10**12).map(str), st.floats(1000, 1e9).map(lambda f: f"{f:.3f}"))
templates = st.sampled_from([
    "SELECT * FROM t WHERE a = {}", "UPDATE t SET c = {} WHERE id = 1", "INSERT INTO t (a) VALUES ({})",
    "SELECT * FROM t WHERE a IN ({}, {})", "DELETE FROM t WHERE x = {} OR y = {}", "SELECT {} AS v",
    "SELECT * FROM t WHERE a = {} -- {}", "SELECT * FROM t /* {} */ WHERE b = {}",
])
dialects = st.sampled_from(["generic", "postgresql", "mysql", "sqlite", "mssql", "oracle", "cassandra"])


@SETTINGS
@given(templates, st.lists(st.one_of(literal_text.map(lambda s: "'" + s.replace("'", "''") + "'"), numbers),
                           min_size=2, max_size=2), dialects)
def test_no_planted_literal_survives(template, literals, dialect):
    sql = template.format(*literals)
    out = OBF.obfuscate(sql, dialect).statement
    for lit in literals:
        body = lit.strip("'")
        assert body not in out


@SETTINGS
@given(st.text(max_size=300), dialects)
def test_never_raises_and_is_idempotent(text, dialect):
    once = OBF.obfuscate(text, dialect).statement
    assert OBF.obfuscate(once, dialect).statement == once


@SETTINGS
@given(st.binary(max_size=200), dialects)
def test_binary_garbage(data, dialect):
    result = OBF.obfuscate(data.decode("latin-1"), dialect)
    assert isinstance(result.statement, str)


def test_one_megabyte_statement():
    big = "SELECT * FROM t WHERE a IN (" + ", ".join(f"'{i:08d}'" for i in range(90_000)) + ")"
    assert len(big) > 1_000_000
    result = SqlObfuscator().obfuscate(big)
    assert result.statement == "SELECT * FROM t WHERE a IN (?)"
    unterminated = "SELECT '" + "x" * 1_000_000
    assert SqlObfuscator().obfuscate(unterminated).statement == "SELECT ?"
