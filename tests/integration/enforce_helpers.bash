# Helpers of the enforcement tests (enforce.bats, policies.bats): workloads
# as bare cgroups under <parent>/workloads, processes in them, CPU use.

teardown() {
	# Whatever a test started in its workloads ends with it.
	local d
	for d in /sys/fs/cgroup/"$CGW_PARENT"/workloads/*/; do
		[[ -d $d ]] || continue
		echo 1 >"$d/cgroup.kill" 2>/dev/null || true
	done
	sleep 0.2
	for d in /sys/fs/cgroup/"$CGW_PARENT"/workloads/*/; do
		[[ -d $d ]] && rmdir "$d" 2>/dev/null || true
	done
}

wl_dir() { echo "/sys/fs/cgroup/$CGW_PARENT/workloads/$1"; }

# wl_create NAME: the workload's cgroup, as the launcher will make it.
wl_create() { mkdir -p "$(wl_dir "$1")"; }

# wl_run NAME CMD...: runs CMD inside the workload's cgroup, in the background.
wl_run() {
	local dir
	dir=$(wl_dir "$1")
	shift
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$dir" "$@" </dev/null >/dev/null 2>&1 &
}

usage_usec() { awk '/^usage_usec/ {print $2}' "$(wl_dir "$1")/cpu.stat"; }
now_usec() { echo $(($(date +%s%N) / 1000)); }

# cores NAME SECONDS: the CPU cores the workload used over that wall time.
cores() {
	local u0 t0 u1 t1
	u0=$(usage_usec "$1") t0=$(now_usec)
	sleep "$2"
	u1=$(usage_usec "$1") t1=$(now_usec)
	awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.3f", u / t}'
}

within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(x >= lo && x <= hi)}'; }


# events_mark: the id of the newest event now (later ones are a test's).
events_mark() {
	req GET '/api/v1/events?limit=1'
	jq -r .last_id <<<"$body"
}

# wait_event SINCE SECONDS SELECT: waits until an event after SINCE matches
# the jq condition SELECT; leaves the matching events in $matched.
wait_event() {
	local since=$1 t=$2 filter=$3 i
	# Twice a second: the VM's CPU is slow, and the polling itself must
	# not be what loads it.
	for ((i = 0; i < t * 2; i++)); do
		req GET "/api/v1/events?since=$since&limit=1000"
		matched=$(jq -c "[.events[] | select($filter)]" <<<"$body")
		[[ $matched != '[]' ]] && return 0
		sleep 0.5
	done
	echo "no event matching $filter within $t s; events: $body" >&2
	return 1
}

# some_pct NAME SECONDS: the workload's memory "some" stall, in percent of
# wall time, over that time (from the PSI total).
memory_some_pct() {
	local f t0 t1 s0 s1
	f=$(wl_dir "$1")/memory.pressure
	s0=$(awk '/^some/ {sub("total=", "", $5); print $5}' "$f") t0=$(now_usec)
	sleep "$2"
	s1=$(awk '/^some/ {sub("total=", "", $5); print $5}' "$f") t1=$(now_usec)
	awk -v s=$((s1 - s0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.3f", 100 * s / t}'
}
