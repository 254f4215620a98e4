#!/usr/bin/env bash
# Fetch a suite's published results and make Snakemake accept them as up to date.
#   scripts/dvc_pull.sh config/paper.yaml [TARGET ...]
# `dvc pull` writes every file with a new modification time, in no particular order, so Snakemake
# would see outputs older than their inputs and re-run (retrain!) jobs. `snakemake --touch` then
# re-stamps the outputs in DAG order; it runs nothing.
set -euo pipefail
config=${1:?usage: dvc_pull.sh CONFIG.yaml [TARGET ...]}
shift
suite=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["suite"])' "$config")
export DVC_NO_ANALYTICS=1
dvc pull "results@$suite"
snakemake "$@" --touch --cores 1 --configfile "$config"   # targets first: --configfile takes several values
