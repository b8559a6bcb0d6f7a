# KLeLite — `make run` starts the shop with demo data; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT ?= swift
PYTHON ?= python3
DEBUG_DIR := .build
RELEASE_DIR := .build-release
DEBUG_BIN := $(DEBUG_DIR)/debug/klelite
RELEASE_BIN := $(RELEASE_DIR)/release/klelite
DATA_DIR ?= ./data
# The demo pays by card through the simulated gateway; a real shop leaves PAYMENT_PROVIDER at none.
PAYMENT_PROVIDER ?= simulated

.PHONY: help run demo-rush test test-swift test-e2e bench build build-release lint deps deps-test clean

help:
	@echo "make run    build (release) and serve the shop with demo data on http://127.0.0.1:8080"
	@echo "make demo-rush  (with make run going) demo customers rush the running flash sale until it sells out"
	@echo "make test   run the Swift unit/HTTP tests, then the end-to-end tests in e2e/"
	@echo "make lint   swift format lint"
	@echo "make bench  every benchmark of the release build, written to BENCHMARKS.md (about 10 minutes)"

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

build-release: deps
	$(SWIFT) build -c release --scratch-path $(RELEASE_DIR) --product klelite

build: deps
	$(SWIFT) build --scratch-path $(DEBUG_DIR) --product klelite

run: build-release
	@PAYMENT_PROVIDER=$(PAYMENT_PROVIDER) scripts/run-demo.sh $(RELEASE_BIN) $(DATA_DIR)

demo-rush:
	$(PYTHON) scripts/demo_rush.py --data-dir $(DATA_DIR) $(if $(URL),--url $(URL),)

test: deps-test test-swift test-e2e

test-swift:
	$(SWIFT) build --scratch-path $(DEBUG_DIR) --build-tests
	$(SWIFT) test --scratch-path $(DEBUG_DIR) --skip-build

test-e2e:
	$(SWIFT) build --scratch-path $(DEBUG_DIR) --product klelite
	KLELITE_BIN=$(abspath $(DEBUG_BIN)) $(PYTHON) -m pytest -q e2e

# Every row of issue 14's table, side by side with its references, into BENCHMARKS.md (about 10 minutes).
bench: build-release
	@scripts/install-deps.sh bench
	KLELITE_BENCH=1 $(SWIFT) build -c release --scratch-path $(RELEASE_DIR) --product klelite-bench
	$(PYTHON) bench/run.py

lint:
	$(SWIFT) format lint --recursive --strict Sources Tests

clean:
	rm -rf $(DEBUG_DIR) $(RELEASE_DIR)
