#!/usr/bin/env bash
# Install a single-node SLURM (Debian's slurm-wlm + munge) for tests/test_slurm.py.
# Idempotent: does nothing when the daemons and client tools are already on PATH.
# Needs root and apt-get. Daemons are NOT started here (see start.sh); the packages'
# init scripts are kept from auto-starting with a temporary policy-rc.d.
set -euo pipefail

have_all() {
    for exe in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
        command -v "$exe" >/dev/null 2>&1 || [ -x "/usr/sbin/$exe" ] || return 1
    done
}

if have_all; then
    echo "slurm + munge already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: needs root to run apt-get" >&2
    exit 2
fi
command -v apt-get >/dev/null || { echo "install.sh: apt-get not found" >&2; exit 2; }

policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
have_all
echo "slurm + munge installed: $(/usr/sbin/slurmctld -V)"
