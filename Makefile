# The README's commands. Everything builds on `make setup`, which makes .venv in the repo.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
QI := $(BIN)/qi

.PHONY: setup browser postgres demo serve test test-fast ingest index lint bench loadtest clean vendor fonts

setup: $(VENV)/.installed vendor fonts

# torch is installed first and pinned: 2.13.0 is the CPU build on this machine's disk; a bare `torch`
# (pulled by sentence-transformers) would download a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[st,dev,pg]'
	touch $@

ingest: setup
	$(QI) ingest corpora/tangshan-demo
	$(QI) seed load corpora/enterprise-demo

index: ingest
	$(QI) index

# Debian's Chromium (the browser tests drive it with Playwright; nothing is downloaded by Playwright itself)
# and a CJK font so the Chinese pages render in screenshots. Needs root or sudo, once per machine.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null )

# Apache ECharts for the statistics dashboard, from the npm registry into a git-ignored folder the app serves
# itself (no CDN). Debian's nodejs/npm are installed when npm is missing.
ECHARTS_VERSION := 5.6.0
VENDOR := api/static/vendor
vendor: $(VENDOR)/echarts.min.js
$(VENDOR)/echarts.min.js:
	@command -v npm >/dev/null || ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm >/dev/null )
	mkdir -p $(VENDOR)
	cd $(VENDOR) && npm pack echarts@$(ECHARTS_VERSION) --silent >/dev/null && \
	  tar -xzf echarts-$(ECHARTS_VERSION).tgz package/dist/echarts.min.js package/LICENSE && \
	  mv package/LICENSE ECHARTS-LICENSE && mv package/dist/echarts.min.js echarts.min.js.tmp && \
	  rm -rf package echarts-$(ECHARTS_VERSION).tgz && mv echarts.min.js.tmp echarts.min.js

# The CJK font the 服务单 PDF embeds (QI_CJK_FONT points elsewhere if you have another).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@[ -f $(CJK_FONT) ] || ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-noto-cjk >/dev/null )

# A local PostgreSQL for the shared-state tests (Debian's package; the cluster, a role and a database).
PG_URL := postgresql+psycopg://qi:qi@127.0.0.1:5432/qi_test
AS_PG := $(if $(SUDO),sudo -u postgres,runuser -u postgres --)
postgres:
	@command -v pg_lsclusters >/dev/null || ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql >/dev/null )
	@cluster=$$(pg_lsclusters -h | awk 'NR==1 {print $$1" "$$2}'); \
	  [ -n "$$cluster" ] || { v=$$(ls /usr/lib/postgresql | sort -V | tail -1); $(SUDO) pg_createcluster $$v main >/dev/null; cluster="$$v main"; }; \
	  $(SUDO) pg_ctlcluster $$cluster start >/dev/null 2>&1 || true
	@$(AS_PG) psql -qc "DO \$$\$$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qi') THEN \
	  CREATE ROLE qi LOGIN PASSWORD 'qi'; END IF; END \$$\$$;" >/dev/null
	@$(AS_PG) psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'qi_test'" | grep -q 1 || $(AS_PG) createdb -O qi qi_test

HOST ?= 127.0.0.1
PORT ?= 8000
PORTAL_PORT ?= 8081
WORKERS ?= 2

# Set up, ingest, index, show four typical demands, then serve the API, the pages and a demo portal.
demo: index
	$(QI) demo
	$(QI) serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --demo-host-port $(PORTAL_PORT)

serve: setup
	$(QI) serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: setup browser postgres
	QI_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m pytest -q

# The pure code and unit tests: no encoder, no index, no browser (well under a minute).
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff check engine api tests

bench: index
	$(QI) bench

# 32 connections on POST /v1/recommend for 60 s against a running server (`make demo` or `make serve`).
loadtest: setup
	$(QI) loadtest --url http://$(HOST):$(PORT) --key "$$($(QI) keys create --role public --name loadtest --rate 1000000)" \
	  --connections 32 --duration 60

clean:
	rm -rf $(VENV) indexes/current indexes/.build-* var tests/artifacts
