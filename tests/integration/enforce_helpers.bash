# Helpers of the enforcement tests (enforce.bats, policies.bats): workloads
# launched through the API, their cgroups, CPU use, the event log.

teardown() {
	# Whatever a test launched ends with it.
	local n
	req GET /api/v1/workloads
	for n in $(jq -r '.workloads[].name' <<<"$body" 2>/dev/null); do
		req DELETE "/api/v1/workloads/$n?grace=0"
	done
}

wl_dir() { echo "/sys/fs/cgroup/$CGW_PARENT/workloads/$1"; }

# wl_launch NAME LIMITS CMD...: launches a workload running CMD with the
# limits LIMITS ({} for none) and, if $POLICIES is set, those policies.
# Without namespaces: it sees the host's files and devices (/dev/vda).
wl_launch() {
	local name=$1 limits=$2 spec cmd a
	shift 2
	# One jq per word: jq --args would read "--vm" as its own option.
	cmd='[]'
	for a in "$@"; do
		cmd=$(jq -c --arg a "$a" '. + [$a]' <<<"$cmd")
	done
	spec=$(jq -cn --arg n "$name" --argjson l "$limits" --argjson p "${POLICIES:-null}" --argjson c "$cmd" \
		'{name: $n, command: $c, namespaces: [], limits: $l} + (if $p then {policies: $p} else {} end)')
	req POST /api/v1/workloads "$spec"
	[[ $code == 201 ]] || { echo "launch of $name: $code $body" >&2; return 1; }
}

# wl_idle NAME [LIMITS]: a workload that only sleeps.
wl_idle() { wl_launch "$1" "${2:-"{}"}" /bin/sleep 100000; }

# wl_spin NAME [LIMITS]: a one-core busy loop.
wl_spin() { wl_launch "$1" "${2:-"{}"}" /bin/sh -c 'while :; do :; done'; }

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
