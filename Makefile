# Posedeck: `make run` and `make test` are the two commands; both call the idempotent `make install`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run worker test test-py test-js browser ocr migrate bench docs clean

install: $(STAMP) ocr

# Tesseract (the detect endpoint's OCR: ocr_model=small) with English and German; Debian packages.
ocr:
	@command -v tesseract >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu; }

$(STAMP): requirements/base.txt requirements/test.txt requirements/lock.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.14.1 torchvision==0.29.1
	$(PIP) install -q -r requirements/test.txt -c requirements/lock.txt
	# Ultralytics pulls opencv-python (GUI libraries); the headless build is all we need.
	$(PIP) uninstall -q -y opencv-python || true
	$(PIP) install -q --no-deps --force-reinstall opencv-python-headless==5.0.0.93
	touch $(STAMP)

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

run: migrate
	@echo ""
	@echo "  Posedeck is starting at http://127.0.0.1:$(PORT)/"
	@echo "  First time? Sign up at http://127.0.0.1:$(PORT)/accounts/signup/"
	@echo "  (or: $(PY) manage.py createsuperuser), then log in."
	@echo "  API docs: http://127.0.0.1:$(PORT)/api/docs/   Stop with Ctrl+C."
	@echo ""
	@# One supervisor for the web server and both workers: Ctrl+C stops all three (config/serve.py).
	@$(PY) -m config.serve --port $(PORT)

browser:
	@command -v chromium >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q chromium; }

test: install browser
	$(MAKE) test-js
	$(MAKE) test-py

test-py:
	$(PY) -m pytest

test-js:
	@files=$$(find frontend datasets labeling training deploy autolabel -name '*.test.mjs' -not -path '*/node_modules/*' 2>/dev/null); \
	if [ -n "$$files" ]; then node --test $$files; else echo "no JS tests"; fi

# Refresh the README's screenshots (the browser tests save them to docs/ only here).
docs: install browser
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/test_labeler_browser.py -k "template_by_clicking or three_images"
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/test_dataset_page_browser.py -k "imports_keep"
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/test_deploy_pages_browser.py -k "finished_session"

bench: install
	for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f; done

clean:
	rm -rf var/test.sqlite3 var/broker
