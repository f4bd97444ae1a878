#!/usr/bin/env bash
# A single-node Slurm cluster for the plugin's tests, everything under $1:
#   cluster.sh start DIR PLUGIN TMPJAIL
#                                 munged, slurmctld, slurmd from a generated
#                                 slurm.conf, with the Epilog docs/slurm.md
#                                 gives (TMPJAIL --gc as the job's user);
#                                 DIR/up when the node is idle, DIR/skip
#                                 (why) when it cannot be had
#   cluster.sh stop DIR           cancel every job, stop the daemons it
#                                 started (by the pids in DIR), remove DIR
# Run as CTest's fixture setup and cleanup (tests/slurm/CMakeLists.txt), so
# the cleanup runs also when a test failed.
set -uo pipefail

action=${1:?start|stop}
dir=${2:?directory}
conf=$dir/etc/slurm.conf

skip() {
	echo "cluster.sh: skipped: $*" | tee "$dir/skip" >&2
	exit 77
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stop the daemon whose pid is in FILE, and wait until it is gone.
stop_pid_file() {
	local file=$1 pid
	[[ -s $file ]] || return 0
	pid=$(<"$file")
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

write_conf() {
	local plugin=$1 tmpjail=$2 ctld_port slurmd_port cpus
	ctld_port=$(free_port) && slurmd_port=$(free_port) || return 1
	cpus=$(nproc)
	mkdir -p "$dir"/{etc,state,spool,log,run,munge,base,results}
	# Roots of every job user are made here: a sticky, world-writable base like /tmp.
	chmod 1777 "$dir/base" "$dir/results"
	cat >"$conf" <<-EOF
		ClusterName=tjtest
		SlurmctldHost=localhost
		SlurmctldPort=$ctld_port
		SlurmdPort=$slurmd_port
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		AuthInfo=socket=$dir/munge/munge.socket
		CredType=cred/munge
		StateSaveLocation=$dir/state
		SlurmdSpoolDir=$dir/spool
		SlurmctldPidFile=$dir/run/slurmctld.pid
		SlurmdPidFile=$dir/run/slurmd.pid
		SlurmctldLogFile=$dir/log/slurmctld.log
		SlurmdLogFile=$dir/log/slurmd.log
		SlurmctldDebug=info
		SlurmdDebug=info
		PlugStackConfig=$dir/etc/plugstack.conf
		Epilog=$dir/etc/epilog.sh
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		MpiDefault=none
		SchedulerType=sched/builtin
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		AccountingStorageType=accounting_storage/none
		JobAcctGatherType=jobacct_gather/none
		JobCompType=jobcomp/none
		ReturnToService=2
		KillWait=2
		MinJobAge=5
		InactiveLimit=0
		OverTimeLimit=0
		NodeName=tjnode NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
		PartitionName=tj Nodes=tjnode Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
	EOF
	echo "required $plugin base=$dir/base" >"$dir/etc/plugstack.conf"
	# docs/slurm.md's Epilog: a root left by a slurmstepd that died is
	# removed as the job's user, once no step holds it any more.
	cat >"$dir/etc/epilog.sh" <<-EOF
		#!/bin/sh
		# Never fail: a failing Epilog drains the node. What --gc cannot remove
		# now (a mount left in a root) it tries again after the next job.
		setpriv --reuid="\$SLURM_JOB_UID" --regid="\$SLURM_JOB_GID" --init-groups \\
		    $tmpjail --gc --base $dir/base >/dev/null || true
	EOF
	chmod 0755 "$dir/etc/epilog.sh"
	printf 'export SLURM_CONF=%q\n' "$conf" >"$dir/env.sh"
}

start_munge() {
	local munged
	munged=$(command -v munged || echo /usr/sbin/munged)
	[[ -x $munged ]] || skip "munged is not installed (apt-get install munge)"
	head -c 1024 /dev/urandom >"$dir/munge/munge.key" && chmod 0400 "$dir/munge/munge.key"
	chmod 0700 "$dir/munge"
	"$munged" --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
		--pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/munge/munged.seed" --force ||
		skip "munged does not start: $(tail -3 "$dir/log/munged.log" 2>/dev/null)"
	# Clients of every user (the unprivileged job) reach munged through this socket.
	chmod 0755 "$dir/munge"
}

wait_idle() {
	for _ in $(seq 150); do
		state=$(SLURM_CONF=$conf sinfo -h -N -o %t -n tjnode 2>/dev/null)
		[[ $state == idle ]] && return 0
		sleep 0.2
	done
	return 1
}

start() {
	local plugin=${1:?plugin} tmpjail=${2:?tmpjail}
	if ((EUID != 0)); then
		# Nothing of ours to write in: each test says it skips as the cluster is not up.
		echo "cluster.sh: skipped: a cluster's daemons run as root; run the suite as root" >&2
		exit 77
	fi
	rm -rf "$dir" && mkdir -p "$dir" || exit 1
	for program in slurmctld slurmd sinfo srun sbatch scancel squeue; do
		command -v "$program" >/dev/null ||
			skip "$program is not installed (.ci/deps test installs slurmctld slurmd slurm-client munge)"
	done
	[[ -f $plugin ]] || skip "the plugin was not built ($plugin)"
	command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
	write_conf "$plugin" "$tmpjail" || skip "cannot write the configuration"
	start_munge
	slurmctld -f "$conf" -i ||
		skip "slurmctld does not start: $(tail -5 "$dir/log/slurmctld.log")"
	slurmd -f "$conf" -N tjnode ||
		skip "slurmd does not start: $(tail -5 "$dir/log/slurmd.log")"
	if ! wait_idle; then
		SLURM_CONF=$conf sinfo -N >&2
		tail -20 "$dir/log/slurmd.log" "$dir/log/slurmctld.log" >&2
		echo "cluster.sh: the node never became idle" | tee "$dir/skip" >&2
		exit 1
	fi
	touch "$dir/up"
	echo "cluster.sh: tjnode idle (SLURM_CONF=$conf)"
}

stop() {
	[[ -d $dir ]] || return 0
	if [[ -f $dir/up ]]; then
		SLURM_CONF=$conf scancel --partition=tj 2>/dev/null
		for _ in $(seq 100); do
			[[ -z $(SLURM_CONF=$conf squeue -h -p tj 2>/dev/null) ]] && break
			sleep 0.2
		done
	fi
	stop_pid_file "$dir/run/slurmd.pid"
	stop_pid_file "$dir/run/slurmctld.pid"
	stop_pid_file "$dir/run/munged.pid"
	# The logs go with the directory; show the end of them for a failed run.
	tail -5 "$dir"/log/*.log 2>/dev/null
	rm -rf "$dir"
}

case $action in
start) start "${3:-}" "${4:-}" ;;
stop) stop ;;
*) echo "usage: cluster.sh start DIR PLUGIN TMPJAIL | stop DIR" >&2; exit 2 ;;
esac
