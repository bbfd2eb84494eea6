# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: demo test bench compare lint format system-deps proto clean

$(STAMP): pyproject.toml setup.py constraints.txt src/otel_privacy/perf/_speedups.c src/otel_privacy/scrub/_sqlcore.c src/otel_privacy/_wirecore.c src/otel_privacy/scrub/_textgate.cc
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

system-deps:
	PYTHON=$(PYTHON) bash scripts/setup-system.sh

demo: $(STAMP)
	$(VENV)/bin/otel-privacy demo

test: system-deps $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Leak/utility comparison with other redaction options (Logfire in its own venv); table in README.
compare: $(STAMP)
	$(PY) benchmarks/compare_tools.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples

# Regenerate checked-in protobuf code (tests/test_usage.py fails when it is out of date).
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -Iproto --python_out=src proto/otel_privacy/usage/v1/usage.proto

format: $(STAMP)
	$(VENV)/bin/ruff format src tests benchmarks examples

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info src/otel_privacy/perf/*.so src/otel_privacy/scrub/*.so src/otel_privacy/*.so
