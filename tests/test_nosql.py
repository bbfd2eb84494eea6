"""NoSQL statement obfuscation: MongoDB JSON / extended JSON / shell syntax, Elasticsearch and OpenSearch
bodies, Redis commands and Memcached — table-driven cases plus properties (hypothesis)."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy.scrub.nosql import NOSQL_SYSTEMS, obfuscate_json, obfuscate_nosql, obfuscate_redis
from otel_privacy.scrub.sql import dialect_for_system

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REDIS = [
    ("AUTH hunter2", "AUTH ?"),
    ("AUTH default hunter2", "AUTH ?"),
    ("auth default hunter2", "auth ?"),
    ("SET user:42 secret EX 60", "SET user:42 ?"),
    ("SET \"quoted key\" \"secret value\"", "SET \"quoted key\" ?"),
    ("SET k 'unterminated secret", "SET k ?"),
    ("GET user:42", "GET user:42"),
    ("HSET user:1 email a@b.co name bob", "HSET user:1 email ? name ?"),
    ("HGET user:1 email", "HGET user:1 email"),
    ("HMSET h f1 v1 f2 v2", "HMSET h f1 ? f2 ?"),
    ("MSET a 1 b 2", "MSET a ? b ?"),
    ("MGET a b c", "MGET a b c"),
    ("DEL a b c", "DEL a b c"),
    ("SETEX k 10 v", "SETEX k 10 ?"),
    ("LPUSH queue job-secret-1 job-secret-2", "LPUSH queue ?"),
    ("SADD tags secret", "SADD tags ?"),
    ("ZADD scores 10 alice 20 bob", "ZADD scores ?"),
    ("PUBLISH channel {\"card\": \"4111111111111111\"}", "PUBLISH channel ?"),
    ('EVAL "return redis.call(\'get\', KEYS[1])" 1 k', "EVAL ? 1 k"),
    ('EVAL "return 1" 0', "EVAL ? 0"),
    ("EVAL \"redis.call('set', KEYS[1], ARGV[1])\" 2 k1 k2 secret1 secret2", "EVAL ? 2 k1 k2 ?"),
    ("EVALSHA 4a2f 1 k secret", "EVALSHA ? 1 k ?"),
    ("EVAL \"return 1\" notanumber secret", "EVAL ? ?"),
    ("CONFIG SET requirepass s3cret", "CONFIG SET requirepass ?"),
    ("CONFIG GET maxmemory", "CONFIG GET maxmemory"),
    ("CLIENT SETNAME secret-app", "CLIENT SETNAME ?"),
    ("ACL SETUSER bob on >pass ~* +@all", "ACL SETUSER ?"),
    ("PING", "PING"),
    ("", ""),
    ("SET a 1\nGET a\nAUTH pw", "SET a ?\nGET a\nAUTH ?"),  # a pipeline, one command a line
]


@pytest.mark.parametrize(("text", "expected"), REDIS)
def test_redis(text, expected):
    assert obfuscate_nosql("redis", text) == expected
    assert obfuscate_redis(text) == expected


MONGO = [
    ('{"find": "users", "filter": {"age": {"$gt": 30}, "tags": {"$in": ["a", "b"]}}}',
     '{"find":"users","filter":{"age":{"$gt":"?"},"tags":{"$in":["?"]}}}'),
    ('{"insert": "users", "documents": [{"_id": {"$oid": "5f1d"}, "email": "a@b.co"}]}',
     '{"insert":"users","documents":[{"_id":{"$oid":"?"},"email":"?"}]}'),
    ('{"_id": {"$oid": "5f1d7e3e9b1e8b3a4c8e4d2a"}, "ts": {"$date": "2020-01-01T00:00:00Z"}}',
     '{"_id":{"$oid":"?"},"ts":{"$date":"?"}}'),
    ('{"n": {"$numberLong": "1234567890"}, "d": {"$numberDecimal": "9.99"}, "ok": true, "x": null}',
     '{"n":{"$numberLong":"?"},"d":{"$numberDecimal":"?"},"ok":"?","x":null}'),
    ('{"$and": [{"a": 1}, {"b": "x"}], "$or": [{"c": [1, 2, 3]}]}',
     '{"$and":[{"a":"?"},{"b":"?"}],"$or":[{"c":["?"]}]}'),
    ('{"aggregate": "orders", "pipeline": [{"$match": {"status": "paid"}}, {"$group": {"_id": "$user"}}]}',
     '{"aggregate":"orders","pipeline":[{"$match":{"status":"?"}},{"$group":{"_id":"?"}}]}'),
    ('{"a": "x\\"secret"}', '{"a":"?"}'),
    ('{"find": 42}', '{"find":"?"}'),  # a command key whose value is not a collection name
    # not JSON: shell syntax and truncated bodies go through the literal tokenizer
    ("db.users.find({email: 'a@b.co', age: {$gt: 30}})", "db.users.find({email: ?, age: {$gt: ?}})"),
    ("{ _id: ObjectId('5f1d7e3e9b1e8b3a4c8e4d2a'), n: NumberLong(1234567) }", "{ _id: ObjectId(?), n: NumberLong(?) }"),
    ('{"filter": {"email": "trunc', '{"filter": {"email": ?'),
    ('{"email": "a@b.c", "age": {"$gt": 30', '{"email": ?, "age": {"$gt": ?'),
    ("{ok: true, n: -5.5e3}", "{ok: ?, n: ?}"),
    ("   ", "   "),
]


@pytest.mark.parametrize(("text", "expected"), MONGO)
def test_mongodb(text, expected):
    assert obfuscate_nosql("mongodb", text) == expected


ELASTIC = [
    ("elasticsearch", '{"query": {"match": {"name": "alice"}}, "size": 10}', '{"query":{"match":{"name":"?"}},"size":"?"}'),
    ("elasticsearch", '{"query": {"bool": {"must": [{"term": {"user.id": "kimchy"}}, {"range": {"age": {"gte": 10}}}]}}}',
     '{"query":{"bool":{"must":[{"term":{"user.id":"?"}},{"range":{"age":{"gte":"?"}}}]}}}'),
    ("opensearch", '{"index": {"_id": "1"}}\n{"email": "a@b.co"}', '{"index":{"_id":"?"}}\n{"email":"?"}'),
    ("opensearch", '{"index":{}}\n{"name":"bob","age":3}\n', '{"index":{}}\n{"name":"?","age":"?"}'),
]


@pytest.mark.parametrize(("system", "text", "expected"), ELASTIC)
def test_elasticsearch_and_opensearch(system, text, expected):
    assert obfuscate_nosql(system, text) == expected


MEMCACHED = [
    ("set k 0 0 5 hello", "set k ?"),
    ("set user:1 0 60 5\r\nsecret", "set user:1 ?"),
    ("add k 0 0 5", "add k ?"),
    ("cas k 0 0 5 99", "cas k ?"),
    ("get k", "get k"),
    ("delete k", "delete k"),
    ("incr counter 5", "incr counter ?"),
    ("touch k 300", "touch k ?"),
    ("stats", "stats"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), MEMCACHED)
def test_memcached(text, expected):
    assert obfuscate_nosql("memcached", text) == expected


def test_unknown_system_and_sql_systems_are_not_touched():
    assert obfuscate_nosql("postgresql", "SELECT 1") is None
    assert obfuscate_nosql("h2", "anything") is None


def test_every_nosql_system_is_kept_away_from_sql_rules():
    for system in ("redis", "mongodb", "elasticsearch", "opensearch", "memcached"):
        assert system in NOSQL_SYSTEMS
        assert dialect_for_system(system) is None


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000, "[1" * 3000,
                                  '{"a": "' + "x" * 1_000_000, "\x00\xff\ufffd" * 1000])
def test_hostile_json_never_raises(text):
    out = obfuscate_nosql("mongodb", text)
    assert isinstance(out, str)
    assert "xxxx" not in out


# -- properties ----------------------------------------------------------------------------------
secret = st.text(alphabet=string.ascii_letters, min_size=4, max_size=10).map(lambda s: "Qz" + s)
# (MongoDB command keys like "find" keep their string value, the collection name: not generated here)
keys = st.text(alphabet=string.ascii_lowercase + "_$.", min_size=1, max_size=8).filter(
    lambda k: k not in {"find", "count", "drop", "create", "insert", "update", "delete", "distinct", "$db"})
leaves = st.one_of(secret, st.integers(10_000, 10**12), st.floats(1000.5, 1e9), st.booleans())
documents = st.recursive(
    st.dictionaries(keys, leaves, min_size=1, max_size=4),
    lambda children: st.one_of(st.dictionaries(keys, children, min_size=1, max_size=4),
                               st.lists(children, min_size=1, max_size=3)),
    max_leaves=20,
)


def _leaves(doc):
    if isinstance(doc, dict):
        for v in doc.values():
            yield from _leaves(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _leaves(v)
    else:
        yield doc


def _keys(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _keys(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _keys(v)


@SETTINGS
@given(documents, st.sampled_from(["mongodb", "elasticsearch", "opensearch"]), st.booleans())
def test_no_json_value_survives_and_every_key_does(doc, system, truncate):
    text = json.dumps(doc)
    if truncate:  # a truncated body is not JSON: the tokenizer fallback must be as safe
        text = text[: max(1, len(text) - 3)]
    out = obfuscate_nosql(system, text)
    for leaf in _leaves(doc):
        if isinstance(leaf, str):
            assert leaf not in out
        elif not isinstance(leaf, bool):
            assert json.dumps(leaf) not in out
    if not truncate:
        parsed = json.loads(out)
        assert set(_keys(doc)) <= set(_keys(parsed))


@SETTINGS
@given(st.text(max_size=300), st.sampled_from(sorted(NOSQL_SYSTEMS)))
def test_arbitrary_text_never_raises(text, system):
    out = obfuscate_nosql(system, text)
    assert out is None or isinstance(out, str)


@SETTINGS
@given(st.sampled_from(["SET", "SETNX", "GETSET", "APPEND", "LPUSH", "RPUSH", "SADD", "PUBLISH", "AUTH"]),
       st.text(alphabet=string.ascii_lowercase + ":_", min_size=1, max_size=10), st.lists(secret, min_size=1, max_size=4))
def test_redis_values_never_survive(command, key, values):
    out = obfuscate_redis(" ".join([command, key, *values]))
    for value in values:
        assert value not in out
    assert out.split()[0] == command
    if command != "AUTH":
        assert out.split()[1] == key


@SETTINGS
@given(st.binary(max_size=300))
def test_binary_garbage_never_raises(data):
    text = data.decode("latin-1")
    for system in ("redis", "mongodb", "memcached", "elasticsearch"):
        assert isinstance(obfuscate_nosql(system, text), str)
    assert isinstance(obfuscate_json(text), str)
