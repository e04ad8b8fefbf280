# Two commands for a fresh machine: `make run` serves the whole stack, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What the settings need to load for `make lint` (mypy's Django plugin, makemigrations); no Redis is contacted.
LOCAL_SETTINGS := DEBUG=1 REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}

.PHONY: install run test lint bench clean engine-stretch engine-ship

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m sora_social.stack

# One pytest-xdist worker per core (tests/services.py gives each its own database, media and Redis database);
# TEST_WORKERS=0 runs the suite in one process. Then the browser tests, alone: their stack (a server, Celery
# workers making real clips, Chromium) needs the machine to itself, and Playwright's event loop must not
# share a process with the async tests. Both parts always run; either failing fails the target.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser"; suite=$$?; \
	$(BIN)/python -m pytest -m browser; browser=$$?; \
	exit $$(( suite || browser ))

# Ruff, formatting, the import contracts of pyproject.toml (the layers and the engine without the web stack),
# mypy, and no model change left without its migration.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(LOCAL_SETTINGS) $(BIN)/mypy
	$(LOCAL_SETTINGS) $(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench

# The engine's background training, in stretches (README, "Training the engine"). A stretch resumes this
# machine's own state when there is one, else warm-starts from the shipped weights; it saves every 10
# minutes and logs the held-out evaluation every 30. THREADS=1 while you work beside it, 2 when the machine
# is otherwise idle; on a GPU: make engine-stretch DEVICE=cuda BATCH=64.
ENGINE_CONFIG ?= latent
ENGINE_RUN := .run/engine
STRETCH_MINUTES ?= 150
THREADS ?= 1
BATCH ?= 8
DEVICE ?= cpu
ENGINE_TRAIN_ARGS ?= --lr 5e-4 --warmup 300 --foreground-weight 5 --durations 2,4
engine-stretch: install
	mkdir -p $(ENGINE_RUN)
	$(BIN)/python -m generation.engine.train --config $(ENGINE_CONFIG) \
		--out $(ENGINE_RUN)/$(ENGINE_CONFIG).safetensors \
		$$(if [ -f $(ENGINE_RUN)/$(ENGINE_CONFIG).train.safetensors ]; \
			then echo --resume $(ENGINE_RUN)/$(ENGINE_CONFIG).train.safetensors; \
			else echo --init generation/engine/weights/$(ENGINE_CONFIG).safetensors; fi) \
		--minutes $(STRETCH_MINUTES) --threads $(THREADS) --batch $(BATCH) --device $(DEVICE) \
		--steps 100000000 --save-minutes 10 --eval-minutes 30 --eval-at-end --quiet $(ENGINE_TRAIN_ARGS)

# Makes the stretch's newest EMA weights the shipped checkpoint, with its log thinned.
engine-ship: install
	$(BIN)/python -m generation.engine.ship $(ENGINE_RUN)/$(ENGINE_CONFIG).safetensors

clean:
	rm -rf $(VENV) .run staticfiles
