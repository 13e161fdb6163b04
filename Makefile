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
	$(wildcard bot/nlu/components/*.py bot/nlu/components/*.yml bot/dialogue/*.py)

KB_INDEX := kb_index/build/CURRENT
KB_INPUTS := $(shell find data/kb -name '*.md' 2>/dev/null) $(wildcard kb_index/*.py data/kb_no_article/*.txt) data/glossary.yml

# Rasa's endpoints.yml reads the action server URL from the environment.
export HELPBOT_ACTIONS_URL ?= http://127.0.0.1:$(or $(HELPBOT_ACTIONS_PORT),5055)/webhook
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: help run test build venv model kb lint bench clean

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

# The model and the KB index side by side: neither waits for the other (they share the
# e5 vector cache, which is safe for several processes).
build:
	@$(MAKE) --no-print-directory -j2 $(MODEL) $(KB_INDEX)

run: build
	$(PY) -m bot run

FAR_DATE := 2099-06-30T12:00:00+00:00
FAR_DATE_LOG := var/log/test-far-date.log

# The unit tests run a second time on a date far in the future (no test may depend on
# today), beside the main run: the end-to-end tests mostly wait on servers and browsers.
test: build
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-redis.sh
	@$(MAKE) --no-print-directory lint
	@mkdir -p var/log
	@echo "==> the unit tests again on $(FAR_DATE), in the background (log: $(FAR_DATE_LOG))"
	@HELPBOT_TEST_DATE=$(FAR_DATE) $(PY) -m pytest tests/unit -q -p no:cacheprovider \
		> $(FAR_DATE_LOG) 2>&1 & far=$$!; \
	$(PY) -m pytest; main=$$?; \
	wait $$far; late=$$?; \
	echo "==> the unit tests on $(FAR_DATE):"; tail -n 3 $(FAR_DATE_LOG); \
	if [ $$late -ne 0 ]; then grep -E '^(FAILED|ERROR)' $(FAR_DATE_LOG) | head -n 40; fi; \
	exit $$(( main || late ))

lint: $(INSTALLED)
	$(PY) -m ruff check bot actions kb_index tests bench
	$(PY) -m mypy bot actions kb_index bench

bench: $(MODEL) $(KB_INDEX)
	$(PY) bench/language_id.py
	$(PY) bench/parse_latency.py
	$(PY) bench/kb_eval.py

clean:
	rm -rf models var .rasa results kb_index/build
