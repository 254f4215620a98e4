#!/usr/bin/env bash
# Start a throw-away single-node SLURM cluster (munged, slurmctld, slurmd) whose every file lives
# in STATE_DIR: config, keys, sockets, spool, logs, pid files. Nothing under /etc is touched, so
# it can run beside a system munge/slurm. One node (this host, at 127.0.0.1) with all its CPUs,
# its memory and one fake GPU (gres.conf: File=/dev/null), no accounting database; every finished
# job is logged by jobcomp/filetxt to STATE_DIR/jobcomp.log. (Without slurmdbd, gres/gpu cannot be
# an accounting TRES; `squeue -O tres-per-job` shows a job's GPU request for MinJobAge seconds.)
#
#   tests/slurm/start.sh STATE_DIR
#   export SLURM_CONF=STATE_DIR/slurm.conf PATH=STATE_DIR/bin:$PATH
#   tests/slurm/stop.sh STATE_DIR
#
# Ports: SLURMCTLD_PORT (default 6817) and SLURMD_PORT (default 6818).
set -euo pipefail

STATE=$(realpath -m "${1:?usage: start.sh STATE_DIR}")
CTLD_PORT=${SLURMCTLD_PORT:-6817}
D_PORT=${SLURMD_PORT:-6818}
export PATH="/usr/sbin:/usr/bin:$PATH"

mkdir -p "$STATE"/{munge,ctld,spool,log}
chmod 700 "$STATE" "$STATE/munge"

# --- munge: a private key, socket and pid file ------------------------------------------------
KEY="$STATE/munge/munge.key"
SOCKET="$STATE/munge/munge.socket"
[ -s "$KEY" ] || { dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none; chmod 400 "$KEY"; }
# --force: the state dir may sit below a world-writable /tmp, which munged would otherwise refuse.
munged --force --key-file="$KEY" --socket="$SOCKET" \
    --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/log/munged.log" \
    --seed-file="$STATE/munge/munged.seed"

# --- slurm.conf --------------------------------------------------------------------------------
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 256 ))
cat > "$STATE/slurm.conf" <<CONF
ClusterName=localtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
LaunchParameters=use_interactive_step
SchedulerType=sched/backfill
SelectType=select/cons_tres
# Cores are consumable, memory is not (a small CI runner must not leave jobs pending on --mem).
SelectTypeParameters=CR_Core
# No accounting database: sacct cannot answer, so the snakemake plugin must poll with squeue,
# which sees a finished job for MinJobAge seconds (long here: the test reads them all at the end).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
MinJobAge=3600
ReturnToService=2
SchedulerParameters=sched_interval=2
GresTypes=gpu
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
# A fake GPU: scheduling works, the job sees no device (CUDA_VISIBLE_DEVICES is set, though).
echo "NodeName=$HOST Name=gpu File=/dev/null" > "$STATE/gres.conf"
export SLURM_CONF="$STATE/slurm.conf"

# --- an srun that finds this cluster ------------------------------------------------------------
# Inside a job, snakemake-executor-plugin-slurm-jobstep (0.6.x) runs the rule with a nested srun
# after deleting every SLURM_* variable but the job's identity, SLURM_CONF included; with the
# config outside /etc/slurm that srun finds no cluster. Put STATE_DIR/bin first on PATH.
mkdir -p "$STATE/bin"
cat > "$STATE/bin/srun" <<SHIM
#!/bin/sh
export SLURM_CONF="\${SLURM_CONF:-$STATE/slurm.conf}"
exec $(command -v srun) "\$@"
SHIM
chmod +x "$STATE/bin/srun"

# --- daemons (they fork into the background and write their pid files) ------------------------
slurmctld -i
slurmd

# --- wait until the node takes jobs ------------------------------------------------------------
for _ in $(seq 1 60); do
    for pidfile in slurmctld.pid slurmd.pid; do
        if ! kill -0 "$(cat "$STATE/$pidfile" 2>/dev/null || echo 0)" 2>/dev/null; then
            echo "start.sh: ${pidfile%.pid} is not running" >&2
            tail -n 20 "$STATE"/log/*.log >&2 || true
            exit 1
        fi
    done
    state=$(sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null || true)
    case "$state" in
        idle*|mixed*) echo "slurm up: node $HOST is $state (SLURM_CONF=$SLURM_CONF)"; exit 0 ;;
    esac
    sleep 0.5
done
echo "start.sh: node $HOST did not become idle (state: '${state:-}')" >&2
tail -n 30 "$STATE"/log/*.log >&2 || true
exit 1
