"""Query languages that are not SQL (scrub.querylang): Cypher, Gremlin, SPARQL, GraphQL, InfluxQL, Flux, PromQL,
LogQL, AQL. Literals replaced, structure kept; routed by db.system or by an unmistakable shape; table cases
with a name each, the redactor's wiring, and properties (planted literals never survive, idempotent, never
raises)."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor
from otel_privacy.scrub.querylang import LANGUAGES, language_for, obfuscate_query

# (name, language, query, expected, operation, summary, hidden words)
CASES = [
    ("cypher_pattern_map_and_list", "cypher",
     "MATCH (u:User {email: 'ann@example.com'})-[:FOLLOWS]->(f:User) WHERE f.age > 30 AND f.name IN ['Bo', 'Cy'] "
     "RETURN f.name, count(*) // who follows whom",
     "MATCH (u:User {email: ?})-[:FOLLOWS]->(f:User) WHERE f.age > ? AND f.name IN [?] RETURN f.name, count(*)",
     "MATCH", "MATCH User FOLLOWS", ["ann@example.com", "30", "Bo", "Cy", "whom"]),
    ("cypher_create_with_parameters", "cypher",
     "CREATE (n:Person:Admin {name: $name, pin: 4321, active: true}) RETURN n",
     "CREATE (n:Person:Admin {name: $name, pin: ?, active: ?}) RETURN n", "CREATE", "CREATE Person Admin",
     ["4321", "true"]),
    ("cypher_undirected_relationship_is_not_a_comment", "cypher",
     "MATCH (a)--(b) WHERE a.note = 'it\\'s Zelda' RETURN b", "MATCH (a)--(b) WHERE a.note = ? RETURN b",
     "MATCH", "MATCH", ["Zelda"]),
    ("cypher_backquoted_names_and_block_comment", "cypher",
     "MATCH (n:`Odd Label`) /* Zelda */ SET n.`full name` = \"Zelda Quill\" RETURN n",
     "MATCH (n:`Odd Label`) SET n.`full name` = ? RETURN n", "MATCH", "MATCH Odd Label", ["Zelda", "Quill"]),
    ("cypher_unterminated_string", "cypher", "MATCH (n) WHERE n.name = 'Zelda RETURN n",
     "MATCH (n) WHERE n.name = ?", "MATCH", "MATCH", ["Zelda"]),
    ("gremlin_keys_and_labels_kept", "gremlin",
     "g.V().has('person','name','Zelda').out('knows').has('age', gt(30)).values('name', 'email')",
     "g.V().has('person','name',?).out('knows').has('age', gt(?)).values('name', 'email')", None, None,
     ["Zelda", "30"]),
    ("gremlin_properties", "gremlin",
     "g.addV('person').property('name', 'Zelda').property(single, 'email', 'z@q.io').property('k','v1','mk','mv1')",
     "g.addV('person').property('name', ?).property(single, 'email', ?).property('k',?,'mk',?)", None, None,
     ["Zelda", "z@q.io", "v1", "mv1"]),
    ("gremlin_ids_and_predicates", "gremlin",
     "g.V('4f1a-77').hasId(123).has('name', within('Zelda','Quill')).limit(10)",
     "g.V(?).hasId(?).has('name', within(?,?)).limit(?)", None, None, ["4f1a", "123", "Zelda", "Quill"]),
    ("sparql_things_masked_predicates_and_classes_kept", "sparql",
     "PREFIX foaf: <http://xmlns.com/foaf/0.1/> SELECT ?name WHERE { ?p a foaf:Person ; foaf:name ?name ; "
     "foaf:mbox <mailto:ann@example.com> . ex:zelda foaf:knows ?p . FILTER(?age > 30 && regex(?name, \"^Al\")) } "
     "LIMIT 10",
     "PREFIX foaf: <http://xmlns.com/foaf/0.1/> SELECT ?name WHERE { ?p a foaf:Person ; foaf:name ?name ; "
     "foaf:mbox ? . ? foaf:knows ?p . FILTER(?age > ? && regex(?name, ?)) } LIMIT ?",
     "SELECT", "SELECT", ["ann@example.com", "zelda", "30", "^Al"]),
    ("sparql_update_with_typed_and_tagged_literals", "sparql",
     "INSERT DATA { <http://ex.org/p/77> <http://xmlns.com/foaf/0.1/name> \"Zelda\"@en ; "
     "<http://ex.org/age> \"41\"^^<http://www.w3.org/2001/XMLSchema#int> } # by Quill",
     "INSERT DATA { ? <http://xmlns.com/foaf/0.1/name> ?@en ; <http://ex.org/age> ?^^? }",
     "INSERT", "INSERT", ["Zelda", "77", "41", "Quill"]),
    ("graphql_arguments_and_defaults", "graphql",
     'query GetUser($id: ID!, $first: Int = 10) { user(id: "u-123", email: "ann@example.com") { name '
     "friends(first: 5, orderBy: NAME_ASC) { name } } } # trailing note",
     "query GetUser($id: ID!, $first: Int = ?) { user(id: ?, email: ?) { name friends(first: ?, orderBy: NAME_ASC) "
     "{ name } } }", "query", "query GetUser", ["u-123", "ann@example.com", "10", "note"]),
    ("graphql_block_strings_and_lists", "graphql",
     '{ search(text: """two\nlines "Zelda" """, tags: ["x1", "y2"]) { id } }',
     "{ search(text: ?, tags: [?]) { id } }", "query", "query", ["Zelda", "x1", "y2"]),
    ("graphql_mutation_with_input_object", "graphql",
     'mutation { createUser(input: {name: "Zelda", admin: true, tags: []}) { id } }',
     "mutation { createUser(input: {name: ?, admin: ?, tags: []}) { id } }", "mutation", "mutation",
     ["Zelda", "true"]),
    ("influxql", "influxql",
     "SELECT mean(\"value\") FROM \"cpu\" WHERE \"host\" = 'srv-zelda' AND region =~ /us-zelda.*/ AND "
     "time > now() - 1h GROUP BY time(5m)",
     "SELECT mean(\"value\") FROM \"cpu\" WHERE \"host\" = ? AND region =~ ? AND time > now() - ? GROUP BY time(?)",
     "SELECT", "SELECT cpu", ["zelda"]),
    ("flux", "flux",
     'from(bucket: "telegraf") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "cpu" and '
     "r.host =~ /web-zelda[0-9]+/ and r._value > 0.5) // owner Zelda",
     "from(bucket: ?) |> range(start: -1h) |> filter(fn: (r) => r._measurement == ? and r.host =~ ? and "
     "r._value > ?)", None, None, ["zelda", "Zelda", "0.5", "telegraf"]),
    ("promql", "promql",
     'sum(rate(http_requests_total{job="api", path=~"/users/zelda.*"}[5m] offset 1h)) by (instance) > 0.75',
     "sum(rate(http_requests_total{job=?, path=~?}[5m] offset 1h)) by (instance) > ?", None, None,
     ["zelda", "0.75", "api"]),
    ("logql", "logql",
     '{app="api", env=`prod`} |= "ann@example.com" | json | status >= 500 | line_format "{{.msg}}"',
     "{app=?, env=?} |= ? | json | status >= ? | line_format ?", None, None, ["ann@example.com", "500", "prod"]),
    ("aql", "aql", "FOR u IN users FILTER u.email == 'ann@example.com' && u.age > 30 LIMIT @offset, 10 RETURN u",
     "FOR u IN users FILTER u.email == ? && u.age > ? LIMIT @offset, ? RETURN u", "FOR", "FOR",
     ["ann@example.com", "30"]),
]


@pytest.mark.parametrize(("language", "query", "expected", "operation", "summary", "hidden"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_query_language_case(language, query, expected, operation, summary, hidden):
    result = obfuscate_query(language, query)
    assert result.statement == expected
    assert (result.operation, result.summary) == (operation, summary)
    for word in hidden:
        assert word not in result.statement and word not in (result.summary or ""), word
    assert obfuscate_query(language, result.statement).statement == result.statement


@pytest.mark.parametrize(("system", "text", "language"), [
    ("neo4j", "MATCH (n) RETURN n", "cypher"), ("memgraph", "RETURN 1", "cypher"), ("NEO4J", "x", "cypher"),
    ("janusgraph", "g.V()", "gremlin"), ("virtuoso", "SELECT * WHERE {}", "sparql"),
    ("influxdb", 'from(bucket: "b") |> range(start: -1h)', "flux"), ("influxdb", "SELECT * FROM cpu", "influxql"),
    ("aws.neptune", "g.V().count()", "gremlin"), ("aws.neptune", "SELECT ?s WHERE { ?s ?p ?o }", "sparql"),
    ("aws.neptune", "MATCH (n) RETURN n", "cypher"), ("prometheus", "up", "promql"), ("loki", '{a="b"}', "logql"),
    ("arangodb", "FOR d IN c RETURN d", "aql"),
    # no db.system: only openings no SQL statement has
    (None, "MATCH (n:User) RETURN n", "cypher"), (None, "CREATE (n:P {a: 1})", "cypher"),
    (None, "g.V().has('a', 'b')", "gremlin"), (None, "PREFIX x: <urn:x> SELECT ?s WHERE { ?s ?p ?o }", "sparql"),
    (None, "query Q { me { id } }", "graphql"), (None, "{ me { id } }", "graphql"), (None, "mutation { a }", "graphql"),
    (None, "SELECT * FROM t", None), (None, "SELECT ? FROM t", None), (None, "MERGE INTO t USING s ON (a = b)", None),
    (None, "CALL db.proc(1)", None), (None, "SELECT * FROM t WHERE id IN (:ids)", None),
    (None, "SELECT * FROM t WHERE MATCH(a) AGAINST ('q')", None), (None, '{"find": "users"}', None),
    (None, "{email: 'x'}", None), ("postgresql", "MATCH (n) RETURN n", None),
])
def test_routing(system, text, language):
    assert language_for(system, text) == language


def test_redactor_routes_graph_queries_and_derives_their_summary():
    r = Redactor("default")
    out = r.redact_attributes({"db.system": "neo4j",
                               "db.statement": "MATCH (u:User {email: 'ann@example.com'}) RETURN u.name"})
    assert out["db.statement"] == "MATCH (u:User {email: ?}) RETURN u.name"
    assert out["db.query.summary"] == "MATCH User" and out["db.operation.name"] == "MATCH"
    # without db.system, by shape
    out = r.redact_attributes({"db.query.text": "g.V().has('person', 'name', 'Zelda').values('email')"})
    assert out["db.query.text"] == "g.V().has('person', 'name', ?).values('email')"
    # a statement named as the span name: its summary
    assert r.redact_span_name("MATCH (u:User {email: 'ann@example.com'}) RETURN u",
                              {"db.system": "neo4j"}) == "MATCH User"


def test_graphql_documents_are_obfuscated_without_database_attributes():
    r = Redactor("default")
    doc = 'query Find($q: String) { users(filter: {email: "ann@example.com"}, first: 20) { id name } }'
    out = r.redact_attributes({"graphql.operation.type": "query", "graphql.document": doc})
    assert out["graphql.document"] == "query Find($q: String) { users(filter: {email: ?}, first: ?) { id name } }"
    assert "db.query.summary" not in out and "db.operation.name" not in out


def test_a_graphql_document_in_db_statement_is_read_as_graphql():
    r = Redactor("default")
    out = r.redact_attributes({"db.statement": '{ user(id: "u-77") { name } }'})
    assert out["db.statement"] == "{ user(id: ?) { name } }"


# -- properties ------------------------------------------------------------------------------------
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
secrets = st.text(alphabet=string.ascii_letters, min_size=5, max_size=10).map(lambda s: "Qz" + s)
noise = st.lists(st.sampled_from(list("ab '\"\\/*#$;()?,.:=\n{}[]<>|`@") + ["//", "/*", "*/", "--"]),
                 max_size=6).map("".join)


def _string(body: str, quote: str = "'") -> str:
    return quote + body.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


TEMPLATES = {
    "cypher": "MATCH (n:Person {{name: {s}}}) WHERE n.age > {n} SET n.note = {s2} RETURN n",
    "gremlin": "g.V().has('person', 'name', {s}).property('note', {s2}).limit({n})",
    "sparql": "SELECT ?p WHERE {{ ?p foaf:name {s} ; foaf:age {n} . FILTER(?x != {s2}) }}",
    "graphql": "query Q {{ user(name: {s}, limit: {n}) {{ notes(text: {s2}) {{ id }} }} }}",
    "influxql": "SELECT value FROM cpu WHERE host = {s} AND v > {n} AND note = {s2}",
    "flux": 'from(bucket: "b") |> filter(fn: (r) => r.host == {s} and r._value > {n} and r.note == {s2})',
    "promql": 'rate(requests{{host={s}, note={s2}}}[5m]) > {n}',
    "logql": '{{host={s}}} |= {s2} | status > {n}',
    "aql": "FOR u IN users FILTER u.name == {s} && u.age > {n} && u.note == {s2} RETURN u",
}
DOUBLE_ONLY = ("graphql", "flux", "promql", "logql", "sparql")  # languages whose strings are "…" (or only there)


@SETTINGS
@given(st.sampled_from(LANGUAGES), secrets, secrets, noise, noise, st.integers(1000, 10**9))
def test_planted_literals_never_survive(language, s1, s2, pre, post, number):
    quote = '"' if language in DOUBLE_ONLY else "'"
    query = TEMPLATES[language].format(s=_string(pre + s1 + post, quote), s2=_string(s2, quote), n=number)
    result = obfuscate_query(language, query)
    for secret in (s1, s2, str(number)):
        assert secret not in result.statement, (language, query, result.statement)
        assert secret not in (result.summary or "")
    assert obfuscate_query(language, result.statement).statement == result.statement


@SETTINGS
@given(st.sampled_from(LANGUAGES), st.one_of(st.text(max_size=200), noise))
def test_any_text_never_raises_and_is_idempotent(language, text):
    once = obfuscate_query(language, text)
    assert isinstance(once.statement, str) and "\n" not in once.statement
    assert obfuscate_query(language, once.statement).statement == once.statement
