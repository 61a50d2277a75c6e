# Two commands on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: build test fetch check prune serve bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## build: generate briefings from snapshots/ into docs/, then the site into site/
# A build whose stories partly failed (exit 1) still publishes the rest;
# an invalid feeds.yaml (exit 2) stops here.
build: $(STAMP)
	@$(PY) -m generator build; status=$$?; \
	  if [ $$status -eq 1 ]; then echo "warning: some stories were not written (see above); publishing the rest" >&2; \
	  elif [ $$status -ne 0 ]; then exit $$status; fi
	$(PY) -m generator site

## test: run the whole test suite
test: $(STAMP)
	$(PY) -m pytest

## fetch: download every enabled feed into snapshots/
fetch: $(STAMP)
	$(PY) -m generator fetch

## prune: remove snapshots older than site.snapshot_retention_days whose editions are published
prune: $(STAMP)
	$(PY) -m generator prune

## check: validate feeds.yaml
check: $(STAMP)
	$(PY) -m generator check

## serve: preview the site at http://127.0.0.1:8000/
serve: $(STAMP)
	$(PY) -m mkdocs serve

## bench: run the benchmarks under bench/ and print their figures
bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf site site.* .cache
