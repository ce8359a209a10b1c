# The two commands a new machine needs: `make brief` (a brief of corpus/) and `make test`.
# Both create the virtual environment and install everything on first use; `make test` also
# installs what the tests drive when it is missing (Debian's chromium and nginx:
# scripts/install-test-tools) and starts the local PostgreSQL and Redis (scripts/start-services).

VENV ?= .venv
BIN := $(VENV)/bin
# A CPU build of torch; on this project's machines pip finds it on local disk. Elsewhere add
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu to the environment to avoid a CUDA build.
TORCH ?= torch==2.13.0
MAX_WORDS ?= 250

.PHONY: install test-tools services brief test lint serve

$(BIN)/.installed: pyproject.toml
	TORCH="$(TORCH)" EDITABLE=1 scripts/install $(VENV) dev
	touch $@

install: $(BIN)/.installed

# First, so that a machine where chromium or nginx cannot be installed stops before the venv is built.
test-tools:
	scripts/install-test-tools

services:
	scripts/start-services

brief: install
	$(BIN)/python -m service brief corpus/ --max-words $(MAX_WORDS)

test: test-tools services install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench
	$(BIN)/mypy service bench
	$(BIN)/lint-imports

serve: install
	$(BIN)/gunicorn -c gunicorn.conf.py service.wsgi:app
