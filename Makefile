# helpbot: `make run` starts the product, `make test` runs every test.
# Both build whatever is missing first; nothing is rebuilt when its inputs are unchanged.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MODEL := models/helpbot.tar.gz
# Only these folders are Rasa training data; data/ also holds KB articles and demo data.
RASA_DATA := data/nlu data/rules data/stories
TRAINING_INPUTS := config.yml $(shell find domain $(RASA_DATA) -name '*.yml' 2>/dev/null) \
	$(wildcard bot/nlu/components/*.py bot/nlu/components/*.yml)

KB_INDEX := kb_index/build/CURRENT
KB_INPUTS := $(shell find data/kb -name '*.md' 2>/dev/null) $(wildcard kb_index/*.py data/kb_no_article/*.txt) data/glossary.yml

# Rasa's endpoints.yml reads the action server URL from the environment.
export HELPBOT_ACTIONS_URL ?= http://127.0.0.1:$(or $(HELPBOT_ACTIONS_PORT),5055)/webhook
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: help run test venv model kb lint bench clean

help:
	@echo "make run   - build what is missing, then start the assistant on localhost"
	@echo "make test  - build what is missing, then run every test"
	@echo "make lint  - ruff and mypy"
	@echo "make bench - benchmarks (see bench/README.md)"

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt scripts/make-venv.sh
	@scripts/make-venv.sh
	@touch $@

model: $(MODEL)

$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	@echo "==> training the NLU and dialogue model (about 5 minutes; log: var/log/train.log)"
	@mkdir -p var/log
	@$(PY) -m rasa train --domain domain --data $(RASA_DATA) --fixed-model-name helpbot --out models --num-threads 2 \
		> var/log/train.log 2>&1 || { tail -n 40 var/log/train.log; exit 1; }
	@touch $(MODEL)
	@echo "==> model ready: $(MODEL) (log: var/log/train.log)"

kb: $(KB_INDEX)

$(KB_INDEX): $(INSTALLED) $(KB_INPUTS)
	@echo "==> building the knowledge-base index"
	@$(PY) -m kb_index build
	@touch $@

run: $(MODEL) $(KB_INDEX)
	$(PY) -m bot run

test: $(MODEL) $(KB_INDEX)
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-redis.sh
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest
	@echo "==> the unit tests again, on a date far in the future (no test may depend on today)"
	HELPBOT_TEST_DATE=2099-06-30T12:00:00+00:00 $(PY) -m pytest tests/unit -q -p no:cacheprovider

lint: $(INSTALLED)
	$(PY) -m ruff check bot actions kb_index tests bench
	$(PY) -m mypy bot actions kb_index bench

bench: $(MODEL) $(KB_INDEX)
	$(PY) bench/language_id.py
	$(PY) bench/parse_latency.py
	$(PY) bench/kb_eval.py

clean:
	rm -rf models var .rasa results kb_index/build
