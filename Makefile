# Two commands after cloning:  make run  (the default suite on CPU)  and  make test.
# Both create .venv on first use and install the pinned dependencies. torch comes from PyPI (on
# Linux x86_64 the CUDA build) unless TORCH_INDEX names another index, e.g. the CPU-only wheels:
#   make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
CONFIG ?= config/config.yaml
CORES ?= all
TORCH_INDEX ?=
PIP := $(BIN)/pip --disable-pip-version-check -q

export PATH := $(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1
export PYTHONHASHSEED := 0

.PHONY: run resume test status docs-tables smoke lint format report benchmarks constraints clean-results publish pull slurm

$(STAMP): requirements.txt requirements-test.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and alone, from TORCH_INDEX if set, so no other dependency chooses its build.
	$(PIP) install torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PIP) install -c constraints.txt -r requirements.txt -r requirements-test.txt
	$(PIP) install --no-deps -e .
	touch $(STAMP)

# Snakemake's output with a live progress view (jobs, each training run's step, loss and ETA).
run: $(STAMP)
	$(BIN)/python -m hybrid_icl.console $(BIN)/snakemake --profile profiles/local --cores $(CORES) --configfile $(CONFIG)
	@$(BIN)/python -m hybrid_icl where --configfile $(CONFIG)

# After a kill or crash Snakemake's lock stays behind: release it (unless a Snakemake is still
# running in this folder) and run again; interrupted training runs resume from their checkpoints.
resume: $(STAMP)
	$(BIN)/python -m hybrid_icl.unlock --configfile $(CONFIG)
	$(MAKE) run

test: $(STAMP)
	$(BIN)/python -m pytest

status: $(STAMP)
	$(BIN)/python -m hybrid_icl status --configfile $(CONFIG)

# Markdown tables of a suite's results for the docs: docs/tables/<suite>/<task>.md (and ood.md);
# with a part given last (CONFIG="suite.yaml slices/<suite>_<part>.yaml"): docs/tables/<suite>/<part>/.
docs-tables: $(STAMP)
	$(BIN)/python -m hybrid_icl docs-tables --configfile $(CONFIG) --out docs/tables

smoke: $(STAMP)
	$(MAKE) run CONFIG=config/smoke.yaml CORES=2

report: $(STAMP)
	$(BIN)/snakemake --profile profiles/local --cores $(CORES) --configfile $(CONFIG) --report results/report.html

lint: $(STAMP)
	$(BIN)/snakemake --lint --configfile $(CONFIG)
	$(BIN)/snakefmt --check Snakefile workflow/rules

format: $(STAMP)
	$(BIN)/snakefmt Snakefile workflow/rules

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/baselines_speed.py

constraints: $(STAMP)
	(echo "# Full pin set of the venv (pip install -c constraints.txt); regenerate with 'make constraints'."; \
	 $(BIN)/pip freeze | grep -v -e '^-e' -e '^hybrid' | sed 's/^torch==\(.*\)+cpu/torch==\1/') > constraints.txt

slurm: $(STAMP)
	$(BIN)/snakemake --profile profiles/slurm --configfile $(CONFIG)

publish: $(STAMP)
	scripts/dvc_publish.sh $(CONFIG)

pull: $(STAMP)
	scripts/dvc_pull.sh $(CONFIG)

clean-results:
	rm -rf results .snakemake
