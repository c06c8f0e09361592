PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# the one command that regenerates the lock (exact versions with hashes) after a change of pyproject.toml
LOCK_CMD := $(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o $(LOCK)

.PHONY: run test lint typecheck lock bench migrate kb-eval clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) (or run: make PY=python3 ...)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# exactly the locked versions (hash-checked), then the project itself without resolving anything again;
# pip check fails when pyproject.toml names a dependency the lock lacks (run `make lock`)
$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	@touch $(STAMP)

run: $(STAMP)
	@test -f .env || $(BIN)/python -c "import secrets,pathlib; t=secrets.token_urlsafe(24); \
	  pathlib.Path('.env').write_text(pathlib.Path('.env.example').read_text().replace('ADMIN_API_TOKEN=\n', f'ADMIN_API_TOKEN={t}\n')); \
	  print('created .env from .env.example with a new ADMIN_API_TOKEN:', t)"
	$(BIN)/support-bot run --sandbox-without-token

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

lock: $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/pip install -q uv
	$(LOCK_CMD)

migrate: $(STAMP)
	$(BIN)/support-bot migrate

bench: $(STAMP)
	$(BIN)/python -m bench.tickets
	$(BIN)/python -m bench.sla
	$(BIN)/python -m bench.kb
	$(BIN)/python -m bench.bot

kb-eval: $(STAMP)
	$(BIN)/python ../shared/kb-eval/evaluate.py

clean:
	rm -rf $(VENV) data .pytest_cache
