"""The SQL corpus (tests/data/sql_corpus.yaml): every template × dialect × literal form, plus hand-written cases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from otel_privacy.scrub.sql import DIALECTS, SqlObfuscator
from sql_engines import sql_engine  # noqa: F401  (autouse: every test on the C and the Python passes)

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "sql_corpus.yaml").read_text())
OBF = SqlObfuscator(cache_size=0)


def _template_cases():
    for t in CORPUS["templates"]:
        for dialect in t.get("dialects", DIALECTS):
            yield pytest.param(t, dialect, id=f"{dialect}:{t['sql'][:50]}")


def test_the_corpus_is_large():
    literal_forms = {d: len(CORPUS["literals"]["common"]) + len(CORPUS["literals"].get(d, [])) for d in DIALECTS}
    expanded = sum(literal_forms[d] for t in CORPUS["templates"] for d in t.get("dialects", DIALECTS))
    assert expanded + len(CORPUS["cases"]) >= 200


@pytest.mark.parametrize(("template", "dialect"), list(_template_cases()))
def test_template_with_every_literal_form(template, dialect):
    expected = template.get("expected") or template["sql"].replace("{L}", "?")
    for literal in CORPUS["literals"]["common"] + CORPUS["literals"].get(dialect, []):
        sql = template["sql"].replace("{L}", literal)
        result = OBF.obfuscate(sql, dialect)
        assert result.statement == expected, f"{dialect}: {sql!r}"
        assert result.summary == template["summary"], f"{dialect}: {sql!r}"
        body = literal.strip("'\"$").split("'")[-1].strip("$") if "'" in literal else literal
        if len(body) > 3:
            assert body not in result.statement


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["sql"][:60] for c in CORPUS["cases"]])
def test_hand_written_case(case):
    result = OBF.obfuscate(case["sql"], case.get("dialect", "generic"))
    assert result.statement == case["expected"]
    assert result.summary == case["summary"]
