"""The SQL passes run twice in the SQL test modules: in C (``scrub._sqlcore``) and in Python (the reference).

Import ``sql_engine`` into a test module (``from sql_engines import sql_engine  # noqa: F401``): the autouse
fixture runs every test of the module on each engine built here."""

from __future__ import annotations

import os

import pytest

from otel_privacy.scrub import sql

ENGINES = ["c", "python"] if sql._CORE is not None else ["python"]


def examples(n: int) -> int:
    """Hypothesis examples per engine for a property meant to see ``n``: all n on each engine locally; under
    CI (the whole suite on 2 cores, a time budget) n split between the engines — test_sql_core shows the two
    give identical results, so a property checked on either holds for both."""
    return max(1, n // len(ENGINES)) if os.environ.get("CI") == "true" else n


@pytest.fixture(params=ENGINES, autouse=True)
def sql_engine(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(sql, "_sqlcore", None)
    return request.param
