# academy-video: `make serve` runs the service, `make test` runs every test.
# Installs are reproducible: requirements.lock pins every package with its hashes.

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
# hls.js for the reference player, from web/package-lock.json (pinned, with its integrity hash).
HLSJS := src/academy_video/adapters/http/web/assets/vendor/hls.min.js
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: install serve test coverage test-unit test-reliability lint bench lock clean

install: $(VENV)/.installed $(HLSJS)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	test -x $(PY) || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(PY) --require-hashes --compile-bytecode requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	# Compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process (each CLI
	# command, each test's subprocess) would otherwise compile the sources it imports again.
	$(PY) -m compileall -q -j 0 src
	touch $@

# npm ci installs exactly the locked tarball and checks its integrity; no install scripts run.
$(HLSJS): web/package.json web/package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	install -D -m 644 web/node_modules/hls.js/dist/hls.min.js $@

serve: install
	$(VENV)/bin/academy-video serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

test: install
	scripts/run-tests

# Every test under coverage's tracer (`make test` measures the in-memory tests only).
coverage: install
	COVERAGE_ALL=1 scripts/run-tests

# The reliability suite at full scale (500 students, faults); `make test` runs it short.
test-reliability: install
	scripts/run-reliability

test-unit: install
	$(PY) -m pytest tests/unit -q

# lint-imports checks the layer contracts in pyproject.toml ([tool.importlinter]).
lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache --no-logo

bench: install
	scripts/run-bench

# Re-resolve the lock after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 \
		--quiet -o requirements.lock

clean:
	rm -rf $(VENV) $(TOOLS) web/node_modules $(dir $(HLSJS)) .pytest_cache .mypy_cache .ruff_cache .coverage var
