#!/usr/bin/env bats
# make demo as a new user runs it (tests/tools/demo, what `make demo` calls
# after building): within a minute of its banner the three workloads run
# under their limits and show live figures in the API the dashboard reads;
# the page is served; the curl commands it prints work; Ctrl-C stops it all.

setup_file() {
	export PORT=9897 OUT=$BATS_FILE_TMPDIR/demo.out
	# Job control on: the demo gets its own process group, as in a terminal,
	# and SIGINT is not ignored the way a plain background job's is, so the
	# INT sent below is the Ctrl-C a user types.
	date +%s >"$BATS_FILE_TMPDIR/t0"
	# SIGINT back to its default too: a shell started in the background (a CI
	# runner, nohup ... &) passes it on ignored, and bash cannot trap a
	# signal ignored at its start.
	set -m
	CGW_DEMO_PORT=$PORT /usr/bin/python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		tests/tools/demo >"$OUT" 2>&1 </dev/null &
	echo $! >"$BATS_FILE_TMPDIR/pid"
	set +m
	for _ in $(seq 1 600); do
		grep -q 'Ctrl-C stops everything' "$OUT" && return 0
		kill -0 "$(cat "$BATS_FILE_TMPDIR/pid")" 2>/dev/null || break
		sleep 0.5
	done
	cat "$OUT" >&2
	return 1
}

teardown_file() {
	pid=$(cat "$BATS_FILE_TMPDIR/pid")
	kill -INT -- -"$pid" 2>/dev/null || true
	for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
	kill -KILL -- -"$pid" 2>/dev/null || true
	# qemu runs in a process group of its own (under timeout)
	pkill -KILL -f "hostfwd=tcp:127.0.0.1:$PORT-" 2>/dev/null || true
	rm -rf build/demo.*
}

# cg NAME: the workload's cgroup object from /api/v1/cgroups.
cg() {
	curl -fsS "http://127.0.0.1:$PORT/api/v1/cgroups" |
		jq -c --arg n "$1" '.cgroups[] | select(.managed and .workload == $n)'
}

@test "demo: the banner names the dashboard, /metrics and three curl commands" {
	grep -q "Dashboard:  http://127.0.0.1:$PORT/" "$OUT"
	grep -q "Metrics:    http://127.0.0.1:$PORT/metrics" "$OUT"
	[ "$(grep -c '^    curl ' "$OUT")" -eq 3 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ]
	curl -fsS "http://127.0.0.1:$PORT/" | grep -q '<title>cgwarden'
}

@test "demo: within a minute the three workloads run, with live CPU, memory and io under their limits" {
	start=$SECONDS
	ok=0
	while ((SECONDS - start < 60)); do
		hog=$(cg cpu-hog) mem=$(cg mem-grower) io=$(cg io-writer)
		if [[ -n $hog && -n $mem && -n $io ]] &&
			(($(jq -r '.cpu.usage_usec' <<<"$hog") > 0)) &&
			(($(jq -r '.memory.current' <<<"$mem") > 0)) &&
			(($(jq -r '[.io.devices[]?.wbytes] | add // 0' <<<"$io") > 0)); then
			ok=1
			break
		fi
		sleep 2
	done
	since=$(($(date +%s) - $(cat "$BATS_FILE_TMPDIR/t0")))
	echo "# live $((SECONDS - start)) s after the banner, $since s after the demo started" >&3
	((ok))
	((since <= 60))
	run curl -fsS "http://127.0.0.1:$PORT/api/v1/workloads"
	[ "$(jq -r '[.workloads[] | select(.state == "running") | .name] | sort | join(" ")' <<<"$output")" = "cpu-hog io-writer mem-grower" ]
	[ "$(jq -r .limits.cpu.max <<<"$hog")" = 0.5 ]
	[ "$(jq -r '.limits.io.max[0].wbps' <<<"$io")" = 10485760 ]
	run curl -fsS "http://127.0.0.1:$PORT/api/v1/workloads/mem-grower/policies"
	[ "$(jq -r '.policies[0].kind' <<<"$output")" = memory-autosize ]
	curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -q '^container_cpu_usage_seconds_total{id="/cgwarden/workloads/cpu-hog",name="cpu-hog"}'
}

@test "demo: the printed curl commands work (list, change a limit, stop)" {
	mapfile -t cmds < <(awk '/^    curl /{c=$0; while (c ~ /\\$/) {sub(/\\$/, "", c); getline l; c = c l} print c}' "$OUT")
	[ "${#cmds[@]}" -eq 3 ]
	for c in "${cmds[@]}"; do
		c=${c%| jq .}
		run bash -c "$c -w '\n%{http_code}'"
		echo "$c -> ${output##*$'\n'}"
		[[ ${output##*$'\n'} == 200 ]]
	done
	[ "$(cg cpu-hog | jq -r .limits.cpu.max)" = 0.25 ] || {
		sleep 2
		[ "$(cg cpu-hog | jq -r .limits.cpu.max)" = 0.25 ]
	}
	[ "$(curl -fsS "http://127.0.0.1:$PORT/api/v1/workloads/io-writer" | jq -r .state)" != running ]
}

@test "demo: Ctrl-C stops the agent and the VM" {
	pid=$(cat "$BATS_FILE_TMPDIR/pid")
	kill -INT -- -"$pid"
	t0=$SECONDS
	for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
	echo "# stopped $((SECONDS - t0)) s after the Ctrl-C" >&3
	! kill -0 "$pid" 2>/dev/null
	! pgrep -f "hostfwd=tcp:127.0.0.1:$PORT-" >/dev/null
	! curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null
	grep -q 'demo: stopping' "$OUT"
}
