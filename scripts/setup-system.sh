#!/usr/bin/env bash
# Install the Debian packages the test suite and demo need (idempotent; root or sudo).
# Tests start and stop these servers themselves; nothing here starts a service.
set -euo pipefail
pkgs=()
need() { dpkg -s "$1" >/dev/null 2>&1 || pkgs+=("$1"); }
need postgresql
need redis-server      # the real-world corpus (tests/test_realworld_corpus.py) runs its own on a free port
need chromium          # headless browser for the HTML report test (otel-privacy inspect --html)
need chromium-driver
need gcc               # builds the optional C hot path of otel_privacy.perf (tests check that it is built)
need libssl-dev        # OpenSSL's SHA-256 for the wire core's HMAC pseudonyms (otel_privacy._wirecore)
need g++               # with libre2-dev: the text scanner's trigger set calls RE2 directly (scrub/_textgate.cc)
need libre2-dev
py="${PYTHON:-python3}"
if ! "$py" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
  need python3-dev     # the interpreter's headers, for the same build
fi
if [ "${#pkgs[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  # Debian starts a cluster on install; the tests run their own, so stop the packaged one.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi
