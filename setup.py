"""Only the optional C hot paths live here; everything else is in pyproject.toml.

``optional=True``: where they cannot be compiled (no compiler, another interpreter), the install goes on
and ``otel_privacy.perf.spans`` and ``otel_privacy.scrub.sql`` use the same code in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("otel_privacy.perf._speedups", ["src/otel_privacy/perf/_speedups.c"],
              optional=True, extra_compile_args=["-O2"]),
    Extension("otel_privacy.scrub._sqlcore", ["src/otel_privacy/scrub/_sqlcore.c"],
              optional=True, extra_compile_args=["-O2"]),
])
