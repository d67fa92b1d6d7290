# Yishi: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs lint and the suite.
# Needs only Python 3.11: uv is bootstrapped into .tools/ and installs the locked dependencies.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages lint migrate demo serve clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode is compiled at install (as pip does; uv does not by default): where
# PYTHONDONTWRITEBYTECODE is set, every process would otherwise compile Django and the rest from
# source at each start, over a second of CPU for each worker, server and command.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: $(VENV)/.synced
	@$(PY) -m compileall -q -j 0 yishi bench tests >/dev/null

# Translations are compiled with Babel, so GNU gettext is not needed to run the site.
messages: install
	$(VENV)/bin/pybabel compile --statistics -d yishi/locale -D django 2>&1 | grep -v "^$$" || true
	@test -f yishi/locale/en/LC_MESSAGES/django.mo

migrate: install messages
	$(PY) manage.py migrate --no-input -v 0

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@echo ""
	@echo "  Yishi (议事) is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops the site and its workers)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	export YISHI_PUBLIC_URL="$${YISHI_PUBLIC_URL:-http://$(HOST):$(PORT)}"; \
	$(PY) manage.py db_worker --queue-name default & \
	$(PY) manage.py run_periodic --interval 30 & \
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .

# Two xdist workers (each with its own test database, demo snapshot and media folder; see
# docs/testing.md); an idle worker takes tests queued for the other (worksteal), so a long test
# near the end does not leave a core idle; the ten slowest tests are listed at the end.
TEST_WORKERS ?= 2
test: install messages lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=10

clean:
	rm -rf $(VENV) .tools var
