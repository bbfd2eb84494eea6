"""Only the optional C extensions live here; everything else is in pyproject.toml.

``optional=True``: where they cannot be compiled (no compiler, another interpreter), the install goes on
and the same code runs in Python (``otel_privacy.perf.spans``, ``otel_privacy.scrub.sql``, ``otel_privacy.wire``).

The wire core hashes pseudonyms with OpenSSL's SHA-256 when its headers are there (libssl-dev); without
them it is built all the same and asks the Python engine for each pseudonym.

The text scanner's trigger set calls RE2's ``RE2::Set`` directly (``scrub/_textgate.cc``, C++) when RE2's headers
are there (libre2-dev); without them it is not built and the scanner uses google-re2's binding of the same set.
"""

import os
import sysconfig

from setuptools import Extension, setup


def _has_header(*path: str) -> bool:
    dirs = [sysconfig.get_paths()["include"], "/usr/include", "/usr/local/include", "/opt/homebrew/include"]
    dirs += [d for d in os.environ.get("CPATH", "").split(os.pathsep) if d]
    return any(os.path.exists(os.path.join(d, *path)) for d in dirs)


_openssl = _has_header("openssl", "sha.h")

setup(ext_modules=[
    Extension("otel_privacy.perf._speedups", ["src/otel_privacy/perf/_speedups.c"],
              optional=True, extra_compile_args=["-O2"]),
    Extension("otel_privacy.scrub._sqlcore", ["src/otel_privacy/scrub/_sqlcore.c"],
              depends=["src/otel_privacy/scrub/_sqlcore_api.h", "src/otel_privacy/scrub/_sqlcore_impl.h"], optional=True, extra_compile_args=["-O2"]),
    Extension("otel_privacy._wirecore", ["src/otel_privacy/_wirecore.c"], optional=True,
              depends=["src/otel_privacy/scrub/_sqlcore_api.h", "src/otel_privacy/_wirespan.h"],
              extra_compile_args=["-O2"], libraries=["crypto"] if _openssl else [],
              define_macros=[] if _openssl else [("WIRE_NO_OPENSSL", "1")]),
] + ([Extension("otel_privacy.scrub._textgate", ["src/otel_privacy/scrub/_textgate.cc"], optional=True,
                language="c++", extra_compile_args=["-O2", "-std=c++17"], libraries=["re2"])]
     if _has_header("re2", "set.h") else []))
