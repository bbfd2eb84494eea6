"""The C passes (scrub._sqlcore) against the Python reference (scrub.sql): byte-identical results on generated
statements of every dialect and option, on the corpus, on arbitrary text and binary garbage, on pathological
megabyte inputs; keyword tables equal; bad input is an exception, never a crash; without a compiler the
package works on the Python passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy.scrub import sql
from otel_privacy.scrub.sql import DIALECTS, SqlObfuscator

core = pytest.importorskip("otel_privacy.scrub._sqlcore") if not os.environ.get("CI") else sql._CORE
CI = os.environ.get("CI") == "true"  # (CI runs the whole suite on 2 cores: fewer examples there)
SETTINGS = settings(max_examples=300 if CI else 1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of statements: keywords (some in non-ASCII look-alikes), names, every quote and comment opener of
# every reading, placeholders, numbers, UUIDs, whitespace and control characters.
FRAGMENTS = [
    "SELECT", "select", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "JOIN", "ON", "AS",
    "IN", "WITH", "USING", "MERGE", "CALL", "EXEC", "TABLE", "CREATE", "IF", "NOT", "EXISTS", "RECURSIVE",
    "MATERIALIZED", "FOR", "KEY", "AND", "LIMIT", "ORDER", "BY", "TRUE", "false", "NULL", "DUAL", "t", "users", "o",
    "u", "a1", "x_y", "ſelect", "falſe", "ın", "é", "漢", "N", "E", "X", "B", "U", "q", "Q", "nq", "_utf8", " ", "  ",
    "\n", "\t", "'", "''", "'''", '"', '""', '"""', "`", "[", "]", "(", ")", ",", ".", ";", "=", "-", "--", "/", "/*",
    "*/", "*", "#", "//", "$", "$$", "$tag$", "$1", "?", "?1", ":", "::", ":name", "@", "@p", "@@v", "\\", "\\'",
    "1", "42", "3.14", "1e-5", "2E+3", ".5", "0xFF", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "&", "{", "}", "<",
    ">", "+", "%s", "\x00", "€", "\U0001f600", "\ud800",
]
statements = st.lists(st.sampled_from(FRAGMENTS), max_size=50).map("".join)
options = st.fixed_dictionaries({"collapse_lists": st.booleans(), "obfuscate_booleans": st.booleans(),
                                 "keep_comments": st.booleans(), "relationships": st.booleans()})


def both(text: str, dialect: str, **opts):
    obf = SqlObfuscator(cache_size=0, **opts)
    c = obf.obfuscate(text, dialect)
    sql._sqlcore = None
    try:
        py = obf.obfuscate(text, dialect)
    finally:
        sql._sqlcore = sql._CORE
    return c, py


def test_the_c_core_is_built_and_used():
    # `make` installs with a C compiler; without one the package still works (the Python passes), but this
    # project's own test runs must exercise the C code
    assert sql._CORE is not None and sql._sqlcore is sql._CORE


def test_keyword_tables_are_the_python_ones():
    for name, words in core.keyword_sets().items():
        assert words == getattr(sql, name), name


@SETTINGS
@given(statements, st.sampled_from(DIALECTS), options)
def test_generated_statements_give_identical_results(text, dialect, opts):
    c, py = both(text, dialect, **opts)
    assert c == py, (text, dialect, opts)


@settings(max_examples=150 if CI else 500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))),
       st.sampled_from(DIALECTS), options)
def test_arbitrary_text_gives_identical_results(text, dialect, opts):
    c, py = both(text, dialect, **opts)
    assert c == py


CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "sql_corpus.yaml").read_text())


def test_the_corpus_gives_identical_results():
    cases = [(c["sql"], c.get("dialect", "generic")) for c in CORPUS["cases"]]
    for t in CORPUS["templates"]:
        for dialect in t.get("dialects", DIALECTS):
            for literal in CORPUS["literals"]["common"] + CORPUS["literals"].get(dialect, []):
                cases.append((t["sql"].replace("{L}", literal), dialect))
    for text, dialect in cases:
        for opts in ({}, {"relationships": True, "keep_comments": True, "collapse_lists": False}):
            c, py = both(text, dialect, **opts)
            assert c == py, (text, dialect, opts)


def test_long_pathological_statements_give_identical_results():
    # (identical results here; that C handles a megabyte of each in linear time is test_sql_properties')
    big = "SELECT * FROM t WHERE a IN (" + ", ".join(f"'{i:08d}'" for i in range(4_000)) + ")"
    size = 20_000
    for text in (big, "(" * size, "'" * (size + 1), "/*" * (size // 2), "$a$" * (size // 3), "'\\" * (size // 2),
                 "SELECT " + "a1, " * (size // 4), "\x00\xff" * (size // 2), '"' * size, "[" * size,
                 "WITH a AS (SELECT 1), b AS (" * (size // 30), "x IN ((1, 2), " * (size // 15)):
        for dialect in ("generic", "postgresql", "mysql", "mssql"):
            c, py = both(text, dialect, relationships=True)
            assert c == py, (text[:20], dialect)


STATEMENTS = [
    ("WITH c AS (SELECT 1) DELETE FROM x USING y JOIN z AS zz ON y.k = z.k JOIN c ON c.a = y.a "
     "WHERE x.a = y.a AND q IN (1, 2) AND \"s\" = 'x\\' OR 1", "generic"),
    ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", "sqlite"),
    ("CALL proc(1, 'a') /* c */", "mysql"),
    ("SELECT " + ", ".join(f"c{i}" for i in range(300)) + " FROM t WHERE a = 'x'", "mssql"),
]


@pytest.mark.parametrize("text,dialect", STATEMENTS, ids=["cte-using-joins", "insert-rows", "call", "wide"])
def test_an_allocation_failure_anywhere_is_a_memory_error_and_leaks_nothing(text, dialect):
    # Every allocation in turn fails (CPython's _testcapi.set_nomemory): each call gives the exact result or
    # a MemoryError (which SqlObfuscator turns into FAILED: fail closed), never a crash; and no reference or
    # block is left behind on any error path — a leak per call would grow with the number of calls.
    testcapi = pytest.importorskip("_testcapi")
    readings, dq_mode = sql._DIALECT_READINGS[dialect]
    statement, tokens = core.tokenize(text, readings, dq_mode, 7)
    # the engine (SqlObfuscator's one call) with its caches off, so that every call computes anew; it turns a
    # MemoryError into FAILED itself
    engine = SqlObfuscator(cache_size=0, relationships=True, keep_comments=True).c_engine
    expected = {"tokenize": (statement, tokens), "summarize": core.summarize(statement, tokens, True),
                "engine": engine.obfuscate(text, dialect)}
    calls = {"tokenize": lambda: core.tokenize(text, readings, dq_mode, 7),
             "summarize": lambda: core.summarize(statement, tokens, True),
             "engine": lambda: engine.obfuscate(text, dialect)}

    def once(name: str, start: int) -> bool:
        testcapi.set_nomemory(start, 0)
        try:
            result = calls[name]()
        except MemoryError:
            return False
        finally:
            testcapi.remove_mem_hooks()
        if name == "engine" and result is sql.FAILED:
            return False
        assert result == expected[name], (name, start)
        return True

    repeats = 40
    for name in calls:
        start = 0
        while True:
            once(name, start)  # (a first call may fill caches: not counted)
            nones, blocks = sys.getrefcount(None), sys.getallocatedblocks()
            for _ in range(repeats):
                succeeded = once(name, start)
            grown = sys.getrefcount(None) - nones, sys.getallocatedblocks() - blocks
            assert max(grown) < repeats, (name, start, grown)
            if succeeded:
                break
            start += 1
        assert start > 1, name  # (the failures were reached)


def test_bad_input_is_an_exception_never_a_crash():
    with pytest.raises(TypeError):
        core.tokenize(b"SELECT 1", (0,), 0, 0)
    with pytest.raises(ValueError):
        core.tokenize("SELECT 1", (), 0, 0)
    with pytest.raises(ValueError):
        core.summarize("SELECT", (0).to_bytes(4, "little") + (3).to_bytes(4, "little") + (99).to_bytes(4, "little"),
                       False)
    assert core.summarize("", b"", False) == (None, (), None, ())
    # a statement that fails (here: a non-str) is counted and fails closed, as in Python
    obf = SqlObfuscator(cache_size=0)
    assert obf.obfuscate(b"SELECT 'x'") is sql.FAILED and obf.errors == 1  # type: ignore[arg-type]


def test_without_a_compiler_the_python_passes_are_used():
    # as on a machine where `pip install` found no compiler: the import fails, nothing else changes
    script = """
import sys
sys.modules["otel_privacy.scrub._sqlcore"] = None  # ImportError on import
from otel_privacy.scrub import sql
assert sql._CORE is None and sql._sqlcore is None
r = sql.SqlObfuscator().obfuscate("SELECT * FROM users WHERE email = 'a@b.co' AND id IN (1, 2)")
assert r.statement == "SELECT * FROM users WHERE email = ? AND id IN (?)" and r.summary == "SELECT users", r
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ),
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# -- the engine: SqlObfuscator.obfuscate in one C call, caches included ---------------------------------------
statement_lists = st.lists(st.one_of(statements, st.sampled_from(
    ["SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE a = 2", "SELECT * FROM t WHERE a = 'x'",
     "select * from T where A = 1", "INSERT INTO t VALUES (1, 2), (3, 4)", "SELECT \"t\" FROM \"t\""])),
    max_size=30)


@settings(max_examples=60 if CI else 400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement_lists, st.lists(st.sampled_from(DIALECTS + ("klingon",)), min_size=1, max_size=3),
       options, st.sampled_from([1, 3, 64]), st.sampled_from([12, 4096]))
def test_the_engine_with_small_caches_gives_the_python_results(texts, dialects, opts, cache_size, max_length):
    # statement and shape caches of a few entries (evicting all the time: every path of the LRU), repeated
    # statements and shapes, short max_length (long shapes bypass the shape cache): every result equals the
    # Python reference's, computed without any cache
    engine = SqlObfuscator(cache_size=cache_size, max_length=max_length, **opts)
    reference = SqlObfuscator(cache_size=0, max_length=max_length, **opts)
    sql._sqlcore = None
    try:
        expected = [reference.obfuscate(t, d) for t in texts for d in dialects]
    finally:
        sql._sqlcore = sql._CORE
    got = [engine.obfuscate(t, d) for t in texts for d in dialects]
    got_again = [engine.obfuscate(t, d) for t in reversed(texts) for d in dialects]
    assert got == expected and got_again == [expected[i * len(dialects) + k] for i in reversed(range(len(texts)))
                                             for k in range(len(dialects))]
    info = engine.cache_info()
    assert info["statements"] <= cache_size and info["shapes"] <= cache_size
    assert engine.errors == 0 and reference.errors == 0


def test_the_caches_are_bounded_in_entries_and_characters():
    obf = SqlObfuscator(cache_size=100)
    for i in range(1000):
        obf.obfuscate(f"SELECT * FROM t{i % 300} WHERE a = {i}")
    assert obf.cache_info() == {"statements": 100, "shapes": 100}
    # huge statements: at most cache_size × 1024 characters of keys (here ≈ 100 k), whatever their number
    huge = [f"SELECT '{i}{'x' * 60_000}' FROM t" for i in range(10)]
    assert [obf.obfuscate(h).statement for h in huge] == ["SELECT ? FROM t"] * 10
    assert obf.cache_info()["statements"] <= 1 + 100 * 1024 // 60_000


def test_the_capsule_gives_what_the_python_face_gives():
    # the C API of _sqlcore_api.h, called as another extension calls it (through ctypes here)
    import ctypes

    class Api(ctypes.Structure):
        _fields_ = [("version", ctypes.c_int),
                    ("is_engine", ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object)),
                    ("obfuscate", ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object, ctypes.py_object,
                                                    ctypes.py_object)),
                    ("fields", ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.py_object,
                                                 *[ctypes.POINTER(ctypes.c_void_p)] * 5))]

    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    api = Api.from_address(get(core._C_API, b"otel_privacy.scrub._sqlcore._C_API"))
    assert api.version == 1
    obf = SqlObfuscator(relationships=True)
    engine = obf.c_engine
    assert api.is_engine(engine) == 1 and api.is_engine(obf) == 0
    text = "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'a@b.co'"
    result = api.obfuscate(engine, text, "postgresql")
    assert result is obf.obfuscate(text, "postgresql")  # one engine, one cache
    outs = [ctypes.c_void_p() for _ in range(5)]
    assert api.fields(engine, result, *[ctypes.byref(o) for o in outs]) == 0
    values = tuple(ctypes.cast(o, ctypes.py_object).value for o in outs)
    assert values == (result.statement, result.operation, result.tables, result.summary, result.joins)
    assert values[2] == ("orders", "users") and values[4] == ("users.id=orders.user_id",)
    # fail closed: not a str, or a failure inside, is FAILED (fields says so), counted
    failed = api.obfuscate(engine, b"SELECT 'x'", "generic")
    assert failed is sql.FAILED and api.fields(engine, failed, *[None] * 5) == 1 and obf.errors == 1
    engine._fail_next = 1
    assert api.obfuscate(engine, "SELECT 'fresh'", None) is sql.FAILED and obf.errors == 2
    assert api.fields(engine, "not a result", *[None] * 5) == -1
    # an unknown dialect (or none) reads as generic
    assert api.obfuscate(engine, "SELECT 1", "klingon") == obf.obfuscate("SELECT 1", "generic")


# statements shaped like queries (CTEs, aliases, joins, USING, CALL, quoted and non-ASCII names — Latin-1 ones that
# lower-case in C, and wider ones, İ and Σ among them, that lower-case through Python) for the summary's two paths
names = st.sampled_from(["t", "Users", "shop.orders", '"Q"."x"', "`b`", "[c]", "ÀB", "straße", "µ", "İx", "ΣΑΣ",
                         "select", '"SELECT"', "o", "u", "r", "a.b.c", '""', "x."])
clauses = st.one_of(
    st.builds("FROM {} {} JOIN {} AS {} ON {}.id = {}.{}".format, names, names, names, names, names, names, names),
    st.builds("WITH {} AS (SELECT * FROM {}) SELECT * FROM {}, {}".format, names, names, names, names),
    st.builds("DELETE FROM {} USING {} WHERE {}.a = 1".format, names, names, names),
    st.builds("MERGE INTO {} USING {} ON {}.k = {}.k".format, names, names, names, names),
    st.builds("CALL {}(1)".format, names), st.builds("UPDATE {} SET a = 1".format, names),
    st.builds("INSERT INTO {} SELECT * FROM {}".format, names, names), st.sampled_from(["SELECT", "(", ")", ","]))
queries = st.lists(clauses, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=100 if CI else 600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(queries, statements), st.sampled_from(DIALECTS), st.booleans())
def test_the_summary_without_python_objects_is_the_one_with_them(text, dialect, relationships):
    # summarize reads the tokens without making Python objects in between where it can (falling back to the
    # Python-object path for names beyond Latin-1 and very long statements); forced onto that path it must agree
    readings, dq_mode = sql._DIALECT_READINGS[dialect]
    statement, tokens = core.tokenize(text, readings, dq_mode, 7)
    assert core.summarize(statement, tokens, relationships) == core.summarize(statement, tokens, relationships, True)
    c, py = both(text, dialect, relationships=relationships)
    assert c == py
