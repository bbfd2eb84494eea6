"""Only the optional C extensions live here; everything else is in pyproject.toml.

``optional=True``: where they cannot be compiled (no compiler, another interpreter), the install goes on
and the same code runs in Python (``otel_privacy.perf.spans``, ``otel_privacy.scrub.sql``, ``otel_privacy.wire``).

The wire core hashes pseudonyms with OpenSSL's SHA-256 when its headers are there (libssl-dev); without
them it is built all the same and asks the Python engine for each pseudonym.
"""

import os
import sysconfig

from setuptools import Extension, setup


def _has_openssl() -> bool:
    dirs = [sysconfig.get_paths()["include"], "/usr/include", "/usr/local/include", "/opt/homebrew/include"]
    dirs += [d for d in os.environ.get("CPATH", "").split(os.pathsep) if d]
    return any(os.path.exists(os.path.join(d, "openssl", "sha.h")) for d in dirs)


_openssl = _has_openssl()

setup(ext_modules=[
    Extension("otel_privacy.perf._speedups", ["src/otel_privacy/perf/_speedups.c"],
              optional=True, extra_compile_args=["-O2"]),
    Extension("otel_privacy.scrub._sqlcore", ["src/otel_privacy/scrub/_sqlcore.c"],
              depends=["src/otel_privacy/scrub/_sqlcore_api.h", "src/otel_privacy/scrub/_sqlcore_impl.h"], optional=True, extra_compile_args=["-O2"]),
    Extension("otel_privacy._wirecore", ["src/otel_privacy/_wirecore.c"], optional=True,
              depends=["src/otel_privacy/scrub/_sqlcore_api.h"],
              extra_compile_args=["-O2"], libraries=["crypto"] if _openssl else [],
              define_macros=[] if _openssl else [("WIRE_NO_OPENSSL", "1")]),
])
