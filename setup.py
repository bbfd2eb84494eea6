"""Only the optional C hot path lives here; everything else is in pyproject.toml.

``optional=True``: where it cannot be compiled (no compiler, another interpreter), the install goes on
and ``otel_privacy.perf.spans`` uses the same code in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("otel_privacy.perf._speedups", ["src/otel_privacy/perf/_speedups.c"],
                             optional=True, extra_compile_args=["-O2"])])
