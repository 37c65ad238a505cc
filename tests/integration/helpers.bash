# Shared helpers for the integration tests (bats, inside the VM).
# Each test file gets its own agent, cgroup subtree and state directory, so
# files do not see each other's workloads.

CGW_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CGW=${CGW:-$CGW_TOP/agent/cgwarden}

# agent_start [FLAG...]: starts the agent on 127.0.0.1:$CGW_PORT with a fresh
# state dir and waits until /healthz answers.
agent_start() {
	export CGW_PORT=${CGW_PORT:-9851}
	export CGW_STATE=${CGW_STATE:-$(mktemp -d /tmp/cgw-state.XXXXXX)}
	export CGW_PARENT=${CGW_PARENT:-cgw-test/${BATS_TEST_FILENAME##*/}}
	CGW_PARENT=${CGW_PARENT%.bats}
	CGW_LOG=$CGW_STATE/agent.log
	"$CGW" --listen "127.0.0.1:$CGW_PORT" --state-dir "$CGW_STATE" --cgroup-parent "$CGW_PARENT" \
		--log-level debug "$@" >>"$CGW_LOG" 2>&1 &
	CGW_PID=$!
	for _ in $(seq 1 200); do
		curl -fsS -o /dev/null "http://127.0.0.1:$CGW_PORT/healthz" 2>/dev/null && return 0
		kill -0 "$CGW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "agent did not start; log:" >&2
	cat "$CGW_LOG" >&2
	return 1
}

# agent_stop: SIGTERM, wait, and fail if a sanitizer reported anything.
agent_stop() {
	[[ -n ${CGW_PID-} ]] || return 0
	kill -TERM "$CGW_PID" 2>/dev/null || true
	wait "$CGW_PID" 2>/dev/null || true
	CGW_PID=
	sanitizer_clean "$CGW_LOG"
}

# sanitizer_clean LOG: fails (printing the report) if ASan/UBSan wrote to it.
sanitizer_clean() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" 2>/dev/null; then
		grep -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" >&2
		return 1
	fi
}

# cgroup_cleanup: kills and removes the test's cgroup subtree.
cgroup_cleanup() {
	local dir=/sys/fs/cgroup/${CGW_PARENT-}
	[[ -n ${CGW_PARENT-} && -d $dir ]] || return 0
	[[ -e $dir/cgroup.kill ]] && echo 1 >"$dir/cgroup.kill" 2>/dev/null
	find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

token() { cat "$CGW_STATE/token"; }

# req METHOD PATH [BODY]: an authenticated JSON request. Sets $code (HTTP
# status) and $body (the response body).
req() {
	local method=$1 path=$2 data=${3-} out
	local args=(-sS -X "$method" -H "Authorization: Bearer $(token)" -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}')
	[[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	out=$(curl "${args[@]}" "http://127.0.0.1:$CGW_PORT$path") || out=000
	code=$out
	body=$(cat "$BATS_TEST_TMPDIR/body")
}

# poll_settled: returns once the poller has finished two rounds begun after
# the call, so the cgroups it holds open are the ones there are now (a
# sampler opens the round after its cgroup appears, closes the round after
# it goes).
poll_settled() {
	local s0 s
	req GET /api/v1/cgroups
	s0=$(jq -r .seq <<<"$body")
	for _ in $(seq 1 100); do
		sleep 0.2
		req GET /api/v1/cgroups
		s=$(jq -r .seq <<<"$body")
		((s >= s0 + 2)) && return 0
	done
	echo "the poller did not finish two rounds in 20 s" >&2
	return 1
}

# settled_fds: the number of descriptors the agent holds once its poller has
# settled and the connections of the requests that asked have closed (the
# same count twice running).
settled_fds() {
	local n prev=-1
	for _ in $(seq 1 10); do
		poll_settled || return 1
		n=$(ls "/proc/$CGW_PID/fd" | wc -l)
		[[ $n == "$prev" ]] && { echo "$n"; return 0; }
		prev=$n
	done
	echo "the agent's descriptor count did not settle: $n" >&2
	return 1
}

# expect_error STATUS FIELD: the last req answered STATUS with a JSON error
# naming FIELD.
expect_error() {
	[[ $code == "$1" ]] || { echo "status $code, want $1: $body" >&2; return 1; }
	[[ $(jq -r .error.field <<<"$body") == "$2" ]] || { echo "field: $body, want $2" >&2; return 1; }
	[[ -n $(jq -r .error.message <<<"$body") ]]
}
