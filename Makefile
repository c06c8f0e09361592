PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench migrate kb-eval clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) (or run: make PY=python3 ...)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@test -f .env || $(BIN)/python -c "import secrets,pathlib; t=secrets.token_urlsafe(24); \
	  pathlib.Path('.env').write_text(pathlib.Path('.env.example').read_text().replace('ADMIN_API_TOKEN=\n', f'ADMIN_API_TOKEN={t}\n')); \
	  print('created .env from .env.example with a new ADMIN_API_TOKEN:', t)"
	$(BIN)/support-bot run

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

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
