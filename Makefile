# hcp-dr developer entry points. Every target sets the machine up first (a no-op when nothing
# changed: see scripts/bootstrap.sh), then runs with the project's venv and node_modules.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PY := .venv/bin/python
CDK := node_modules/.bin/cdk
ASL_VALIDATOR := node_modules/.bin/asl-validator
CDK_OUT := cdk.out
# The same app bound to a region other than us-east-1 (placeholder account) and attached to a
# VPC (placeholder ids), so that the lint also covers the Route 53 event forwarder stack the app
# adds there and the functions' network configuration.
CDK_OUT_REGIONAL := cdk.out.regional
LINT_NETWORK := {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}

export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
# aws-cdk-lib runs a built-in CloudFormation validator (WASM) on every synth, ~8 s here;
# `make lint` runs cfn-lint on the templates instead.
export CDK_VALIDATION := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup drill test lint lint-python lint-cdk lint-asl synth bench sandbox clean

help:
	@echo "make setup    install Debian packages, .venv and node_modules (idempotent)"
	@echo "make test     pytest over tests/ (every tier)"
	@echo "make lint     ruff, cdk synth with cdk-nag, cfn-lint, asl-validator"
	@echo "make synth    cdk synth into $(CDK_OUT)/ (Lambda bundles built locally, cached)"
	@echo "make drill    the end-to-end DR drill against the sandbox"
	@echo "make sandbox  run the sandbox"
	@echo "make bench    run bench/bench_*.py and write bench-results.json"

setup:
	@scripts/bootstrap.sh

drill: setup
	$(PY) -m sandbox.drill $(ARGS)

sandbox: setup
	$(PY) -m sandbox

test: setup
	$(PY) -m pytest tests

bench: setup
	$(PY) -m bench

synth: setup
	$(CDK) synth --quiet --no-notices --output $(CDK_OUT)

lint: setup lint-python lint-cdk lint-asl

lint-python: setup
	$(PY) -m ruff check .

# cdk-nag (AwsSolutions) runs inside the synth: an unacknowledged finding fails it.
lint-cdk: synth
	AWS_REGION=eu-west-1 CDK_DEFAULT_ACCOUNT=111122223333 \
		$(CDK) synth --quiet --no-notices --output $(CDK_OUT_REGIONAL) \
		-c managementClusterNetwork='$(LINT_NETWORK)'
	.venv/bin/cfn-lint --ignore-checks W3005 -- $(CDK_OUT)/*.template.json \
		$(CDK_OUT_REGIONAL)/*.template.json

lint-asl: setup
	@shopt -s nullglob; files=(statemachines/*.asl.json); \
	if [ $${#files[@]} -eq 0 ]; then echo "lint-asl: no statemachines/*.asl.json"; exit 0; fi; \
	$(ASL_VALIDATOR) $$(printf -- '--json-path %s ' "$${files[@]}")

clean:
	rm -rf $(CDK_OUT) $(CDK_OUT_REGIONAL) build .pytest_cache .ruff_cache bench-results.json
