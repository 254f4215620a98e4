#!/usr/bin/env bash
# Stop the daemons that start.sh started in STATE_DIR (by their pid files, never by name).
set -uo pipefail

STATE=$(realpath -m "${1:?usage: stop.sh STATE_DIR}")
export SLURM_CONF="$STATE/slurm.conf"

# Cancel leftover jobs first so slurmd has no steps to wait for.
[ -f "$SLURM_CONF" ] && scancel --full --quiet --user="$(id -un)" >/dev/null 2>&1 || true

stop_pidfile() {
    local file=$1 pid
    [ -s "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$file"
}

stop_pidfile "$STATE/slurmd.pid"
stop_pidfile "$STATE/slurmctld.pid"
stop_pidfile "$STATE/munge/munged.pid"
echo "slurm stopped ($STATE)"
