#!/usr/bin/env bash
# Publish a suite's results with DVC: record results/<suite>/ (minus resume/ checkpoints) in
# dvc.lock and the DVC cache, then push the data to the default remote.
#   scripts/dvc_publish.sh config/paper.yaml      then: git add dvc.lock && git commit
set -euo pipefail
config=${1:?usage: dvc_publish.sh CONFIG.yaml}
suite=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["suite"])' "$config")
export DVC_NO_ANALYTICS=1
stages=$(dvc stage list --name-only)
if ! grep -qx "results@$suite" <<<"$stages"; then
    echo "dvc_publish: no stage results@$suite in dvc.yaml; add '$suite: $config' to its foreach" >&2
    exit 1
fi
dvc commit --force "results@$suite"
dvc push "results@$suite"
echo "published results/$suite; now: git add dvc.lock && git commit -m 'results: $suite'"
