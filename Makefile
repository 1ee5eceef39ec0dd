# Comparative text analytics for Chinese documents.
# `make figures` and `make test` work on a fresh machine with Python 3.11, pip and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := chinese-text-analysis

.DEFAULT_GOAL := help
.PHONY: help figures test lab venv lock clean-cache bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

## venv: create .venv and install the project (again when pyproject.toml changes)
venv: $(STAMP)

## figures: run every notebook on seeds/ and write the figures into figures/
figures: $(STAMP)
	$(PY) -m analysis run -f notebooks/params/seeds.yaml --out figures --no-progress

## test: run the test suite (notebooks through papermill included)
test: $(STAMP)
	$(PY) -m pytest

## bench: time naive, stages and runner (cold, warm) on DOCS generated documents; ONLY="02 05" picks notebooks, KEEP=1 keeps the corpus
DOCS ?= 10000
ONLY ?=
KEEP ?=
bench: $(STAMP)
	$(PY) -m benchmarks --docs $(DOCS) --json benchmark-$(DOCS).json $(if $(strip $(ONLY)),--only $(ONLY)) $(if $(filter 1,$(KEEP)),--keep)

## lab: start JupyterLab on notebooks/ (prints the address to open; outputs never saved into the shipped notebooks)
PORT ?= 8888
lab: $(STAMP)
	$(PY) -m ipykernel install --user --name $(KERNEL) --display-name "Python (chinese-text-analysis)" >/dev/null
	@TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_hex(16))'); \
	echo ""; \
	echo "  JupyterLab: http://127.0.0.1:$(PORT)/lab?token=$$TOKEN"; \
	echo "  Figures of notebooks run here go to figures/lab/ (git-ignored)."; \
	echo "  Chinese shows as boxes? Install CJK fonts for the browser (Debian: fonts-noto-cjk)."; \
	echo "  Stop with Ctrl-C twice."; \
	echo ""; \
	$(PY) -m jupyter lab --notebook-dir=notebooks --no-browser --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.port_retries=0 --IdentityProvider.token=$$TOKEN \
	  --ContentsManager.pre_save_hook=analysis.run.lab.strip_shipped_outputs \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  $(if $(filter 0,$(shell id -u)),--allow-root,)

## lock: record the exact installed versions in constraints.txt
lock: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^analysis'; } > constraints.tmp
	mv constraints.tmp constraints.txt

## clean-cache: remove the token and font caches in .cache/
clean-cache:
	rm -rf .cache

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'
