# Helpers of the security and reliability tests (load after helpers).

RAWHTTP="python3 $CGW_TOP/tests/integration/rawhttp.py"

# routes: every route of agent/api.c's api_routes table, one per line as
# "METHOD PATTERN FLAGS" (FLAGS: a combination of M, B, S or 0). Read from
# the source so a route added there is tested without editing the tests; a
# table line this parser does not understand fails the caller.
routes() {
	local line n=0
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*\{\"([A-Z]+)\",\ \"([^\"]+)\",\ ([^,]+),\ [a-z_]+\},?$ ]] || {
			echo "routes: cannot parse api_routes line: $line" >&2
			return 1
		}
		local method=${BASH_REMATCH[1]} pattern=${BASH_REMATCH[2]} flag f=
		for flag in ${BASH_REMATCH[3]//|/ }; do
			case $flag in
			M | ROUTE_MUTATES) f+=M ;;
			B | ROUTE_BODY) f+=B ;;
			ROUTE_STREAM) f+=S ;;
			0) ;;
			*) echo "routes: unknown flag $flag in: $line" >&2; return 1 ;;
			esac
		done
		echo "$method $pattern ${f:-0}"
		n=$((n + 1))
	done < <(sed -n '/^const struct route api_routes\[\] = {/,/^};/p' "$CGW_TOP/agent/api.c" | sed '1d;$d' |
		grep -v '^[[:space:]]*//')
	((n > 10)) || { echo "routes: only $n routes found in agent/api.c" >&2; return 1; }
}

# route_path PATTERN [NAME]: a concrete path for it ({name} a valid
# workload name, sec-probe unless given, {id*} the cgroup path $ROUTE_ID,
# {file} a file).
route_path() {
	local p=$1
	p=${p//\{name\}/${2:-sec-probe}}
	p=${p//\{id\*\}/${ROUTE_ID:-cgw-test}}
	p=${p//\{file\}/app.js}
	[[ $p != *[{}]* ]] || { echo "route_path: no value for a parameter of $1" >&2; return 1; }
	echo "$p"
}

# disk_snapshot: what a refused request must not change: the cgroup
# directories below the test's parent, the limit files of every group from
# the root down to it, and the state directory's files with their digests.
disk_snapshot() {
	local d=/sys/fs/cgroup rel f
	find "/sys/fs/cgroup/$CGW_PARENT" -type d | sort
	find "/sys/fs/cgroup/$CGW_PARENT" -name cgroup.procs -exec sha256sum {} + | sort
	# The ancestors' limits (their cgroup.procs change with every process
	# the test starts).
	for rel in "" ${CGW_PARENT//\// }; do
		d=$d${rel:+/$rel}
		for f in cgroup.subtree_control cpu.max cpu.weight memory.max memory.high memory.low memory.min \
			memory.swap.max io.max pids.max cpuset.cpus cpuset.mems; do
			[[ -r $d/$f ]] && echo "$d/$f: $(<"$d/$f")"
		done
	done
	find "$CGW_STATE" -type f ! -name agent.log ! -name agent.lock -exec sha256sum {} + | sort
}

# http METHOD URL [CURL ARGS...]: sets $code and $body, no token added.
http() {
	local method=$1 url=$2
	shift 2
	# curl prints the status even when it fails later (a stream cut by -m).
	code=$(curl -sS --path-as-is -X "$method" -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' "$@" "$url" || true)
	body=$(cat "$BATS_TEST_TMPDIR/body" 2>/dev/null)
}

# Many requests in one curl process (a process per request is slow in the
# VM): queue METHOD URL [CURL ARGS...] adds one; run_queue runs them and
# sets results[i] to "STATUS SECONDS WWW-AUTHENTICATE" (SECONDS: curl's
# time_total, the request alone) and the body of request i
# in $BATS_TEST_TMPDIR/q.i; labels[i] is what queue was given.
queue() {
	local m=$1 u=$2
	shift 2
	((${#labels[@]})) && qargs+=(--next)
	qargs+=(-sS --path-as-is -X "$m" -o "$BATS_TEST_TMPDIR/q.${#labels[@]}" -w '%{http_code} %{time_total} %header{www-authenticate}\n'
		"$@" "$u")
	labels+=("$m $u $*")
}
run_queue() {
	mapfile -t results < <(curl "${qargs[@]}" 2>/dev/null || true)
	((${#results[@]} == ${#labels[@]})) || { echo "run_queue: ${#results[@]} answers to ${#labels[@]}" >&2; return 1; }
	qargs=()
}
clear_queue() { qargs=() labels=() results=(); }

# expect_all STATUS [FIELD]: every queued request answered STATUS (and a
# JSON error naming FIELD); prints the ones that did not.
expect_all() {
	local i bad=0 b
	for i in "${!labels[@]}"; do
		b=$(<"$BATS_TEST_TMPDIR/q.$i") 2>/dev/null || b=
		# (no jq per answer: a process each is slow in the VM)
		if [[ ${results[$i]%% *} != "$1" ]] || { [[ -n ${2-} ]] && [[ $b != *"\"field\":\"$2\""* ]]; }; then
			echo "${labels[$i]}: ${results[$i]} ${b:0:300}" >&2
			bad=$((bad + 1))
		fi
	done
	((bad == 0))
}

# handler_ready METHOD PATH: false while the route answers 501 (its
# handler is on another engineer's branch, not merged here yet).
handler_ready() {
	local c
	c=$(curl -sS -o /dev/null -w '%{http_code}' -X "$1" -H "Authorization: Bearer $(token)" \
		-H 'Content-Type: application/json' --data-binary '{}' "http://127.0.0.1:$CGW_PORT$2")
	[[ $c != 501 ]]
}

# agent_fds PID: the number of open descriptors of PID.
agent_fds() { ls "/proc/$1/fd" | wc -l; }

# wait_fds PID N SECONDS: waits until PID has at most N descriptors.
wait_fds() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		(($(agent_fds "$1") <= $2)) && return 0
		sleep 0.1
	done
	echo "agent has $(agent_fds "$1") descriptors, baseline $2:" >&2
	ls -l "/proc/$1/fd" >&2
	return 1
}

# hold PORT COUNT [rawhttp hold options]: holds connections in the
# background until unhold; waits until they are open. HELD: how many the
# client managed to open.
hold() {
	$RAWHTTP hold "$@" >"$BATS_TEST_TMPDIR/hold" &
	HOLD_PID=$!
	for _ in $(seq 300); do
		grep -q connected "$BATS_TEST_TMPDIR/hold" && break
		sleep 0.1
	done
	HELD=$(awk '{print $2}' "$BATS_TEST_TMPDIR/hold")
	[[ -n $HELD ]]
}
unhold() {
	[[ -n ${HOLD_PID-} ]] && kill "$HOLD_PID" 2>/dev/null
	HOLD_PID=
	return 0
}

# sockets PID: how many sockets PID has open.
sockets() { ls -l "/proc/$1/fd" | grep -c socket; }

# asan_build: the agent binary is the ASan+UBSan build.
asan_build() { ldd "$CGW" 2>/dev/null | grep -q libasan; }

# note TEXT: a measured figure, shown in the TAP output.
note() { echo "# $*" >&3; }

# extra_start NAME URL CURL_ARGS -- FLAGS...: starts a second agent (own
# state dir and cgroup parent) and waits until URL answers /healthz.
# Sets EXTRA_PID, EXTRA_STATE, EXTRA_LOG.
extra_start() {
	local name=$1 url=$2 curl_args=()
	shift 2
	while (($#)) && [[ $1 != -- ]]; do curl_args+=("$1"); shift; done
	shift
	EXTRA_STATE=$(mktemp -d /tmp/cgw-state-$name.XXXXXX)
	EXTRA_LOG=$EXTRA_STATE/agent.log
	"$CGW" --state-dir "$EXTRA_STATE" --cgroup-parent "$CGW_PARENT-$name" --log-level debug "$@" \
		>>"$EXTRA_LOG" 2>&1 &
	EXTRA_PID=$!
	for _ in $(seq 1 200); do
		curl -fsS -o /dev/null "${curl_args[@]}" "$url/healthz" 2>/dev/null && return 0
		kill -0 "$EXTRA_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "agent $name did not start; log:" >&2
	cat "$EXTRA_LOG" >&2
	return 1
}

extra_stop() {
	[[ -n ${EXTRA_PID-} ]] || return 0
	kill -TERM "$EXTRA_PID" 2>/dev/null || true
	wait "$EXTRA_PID" 2>/dev/null || true
	EXTRA_PID=
	sanitizer_clean "$EXTRA_LOG"
	local dir=/sys/fs/cgroup/$CGW_PARENT-$1
	[[ -e $dir/cgroup.kill ]] && echo 1 >"$dir/cgroup.kill" 2>/dev/null
	sleep 0.2
	[[ -d $dir ]] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
	return 0
}

# self_signed DIR: a CA-less self-signed certificate for 127.0.0.1 and
# localhost in DIR/cert.pem, its key in DIR/key.pem (0600).
self_signed() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
	chmod 600 "$1/key.pem"
}
