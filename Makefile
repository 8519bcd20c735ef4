# The two commands: `make run` (the app on embedded defaults) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEPS := $(VENV)/.deps-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
APP_PORT ?= 8000
SIM_PORT ?= 9100
DEV_ENV := APP_ENV=development SHOPIFY_APP_URL=http://127.0.0.1:$(APP_PORT) \
	SHOPIFY_API_ORIGIN_OVERRIDE=http://127.0.0.1:$(SIM_PORT)

.PHONY: run scan test bench clean

$(DEPS): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "ShipPromise needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.deps-* && touch $@

run: $(DEPS)
	$(DEV_ENV) $(BIN)/flask --app app db upgrade
	@echo ""
	@echo "  ShipPromise       http://127.0.0.1:$(APP_PORT)/healthz"
	@echo "  Store simulator   http://127.0.0.1:$(SIM_PORT)/   (create orders there; open the admin from its link)"
	@echo "  Mail sink         smtp://127.0.0.1:1025            (emails are printed below)"
	@echo "  Time travel       make scan NOW=2027-01-15T09:00:00+09:00   (run the delay scan as of that time)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:1025 -c aiosmtpd.handlers.Debugging & \
	$(DEV_ENV) $(BIN)/python -m simulator --port $(SIM_PORT) --app-url http://127.0.0.1:$(APP_PORT) & \
	$(DEV_ENV) $(BIN)/flask --app app run --host 127.0.0.1 --port $(APP_PORT)

scan: $(DEPS)
	$(DEV_ENV) $(BIN)/flask --app app delays scan $(if $(NOW),--now $(NOW))

test: $(DEPS)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto

bench: $(DEPS)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
