# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install lint format bench loadbench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "FixTracker needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The webhook worker runs beside the development server and stops with it.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)/
	@echo "  Webhook worker: started (manage.py deliver_webhooks); it stops with the server."
	@export FIXTRACKER_BASE_URL="$${FIXTRACKER_BASE_URL:-http://$(HOST):$(PORT)}"; \
	    $(BIN)/python manage.py deliver_webhooks -v0 & worker=$$!; \
	    trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	    $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production's way on this machine: DEBUG off, collected static files through WhiteNoise,
# migrations, gunicorn with gunicorn.conf.py; plain HTTP (FIXTRACKER_HTTPS=0), no TLS here.
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fixtracker
serve: install
	@export DATABASE_URL="$${DATABASE_URL:-$(SERVE_DATABASE_URL)}" DEBUG=0 FIXTRACKER_HTTPS=0 \
	    FIXTRACKER_BEHIND_PROXY=0 ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
	    SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	    && $(BIN)/python -m fixtracker.dbcreate \
	    && $(BIN)/python manage.py collectstatic --noinput -v0 \
	    && $(BIN)/python manage.py migrate --noinput -v0 \
	    && echo "FixTracker (gunicorn) at http://$(HOST):$(PORT)/ on $${DATABASE_URL%%@*}@..." \
	    && exec $(BIN)/gunicorn fixtracker.wsgi -c gunicorn.conf.py --bind $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench.run

# gunicorn on PostgreSQL under wrk: 10,000 plans, every main endpoint beside a bare view.
loadbench: install
	@command -v wrk >/dev/null || apt-get install -y -qq --no-install-recommends wrk \
	    || { echo "loadbench needs wrk (Debian: apt-get install -y wrk)"; exit 2; }
	$(BIN)/python -m bench.load $(BENCH_ARGS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
