#!/usr/bin/env bats
# The agent's skeleton on a real cgroup v2 kernel: it starts, answers
# /healthz and /metrics (checked by promtool), errors are JSON, and it
# refuses to run where it cannot work.

load helpers

setup_file() {
	agent_start
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	export CGW_STATE CGW_PARENT CGW_LOG
}

teardown_file() {
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	cgroup_cleanup
}

@test "healthz answers ok" {
	run curl -fsS http://127.0.0.1:9851/healthz
	[ "$status" -eq 0 ]
	[ "$output" = '"ok"' ]
}

@test "metrics pass promtool check metrics and carry build info and host PSI" {
	curl -fsS http://127.0.0.1:9851/metrics >"$BATS_TEST_TMPDIR/m"
	run promtool check metrics <"$BATS_TEST_TMPDIR/m"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^cgwarden_build_info{version="[0-9.]*",revision=' "$BATS_TEST_TMPDIR/m"
	# The counter equals /proc/pressure/cpu's total within the time between reads.
	want=$(awk '/^some/ {sub("total=", "", $5); print $5}' /proc/pressure/cpu)
	got=$(awk '/^cgwarden_host_pressure_cpu_waiting_seconds_total / {printf "%d", $2 * 1000000}' "$BATS_TEST_TMPDIR/m")
	[ "$got" -le "$want" ]
	[ $((want - got)) -lt 5000000 ]
}

@test "unknown path: 404 with a JSON error naming the field" {
	req GET /nope
	expect_error 404 path
}

@test "wrong method: 405 with an Allow header" {
	run curl -sS -i -X PUT http://127.0.0.1:9851/healthz
	[[ $output == *"405 Method Not Allowed"* ]]
	[[ $output == *"Allow: GET"* ]]
}

@test "a mutation without a token, or with a wrong one, is 401" {
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' \
		http://127.0.0.1:9851/api/v1/workloads)
	[ "$code" = 401 ]
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer wrongwrongwrongwrongwrongwrongwrong' \
		-H 'Content-Type: application/json' -d '{}' http://127.0.0.1:9851/api/v1/workloads)
	[ "$code" = 401 ]
}

@test "a foreign Host header is refused (DNS rebinding)" {
	run curl -sS -w '\n%{http_code}' -H 'Host: evil.example' http://127.0.0.1:9851/healthz
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'"field":"Host"'* ]]
}

@test "a cross-origin mutation is refused even with the token" {
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(token)" \
		-H 'Origin: http://evil.example' -H 'Content-Type: application/json' -d '{}' \
		http://127.0.0.1:9851/api/v1/workloads)
	[ "$code" = 403 ]
}

@test "a body over 64 KiB is 413, by Content-Length and chunked" {
	head -c 70000 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(token)" \
		-H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/big" http://127.0.0.1:9851/api/v1/workloads)
	[ "$code" = 413 ]
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(token)" \
		-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/big" \
		http://127.0.0.1:9851/api/v1/workloads)
	[ "$code" = 413 ]
}

@test "the page is served with security headers" {
	run curl -sS -i http://127.0.0.1:9851/
	[[ $output == *"Content-Security-Policy: default-src 'self'"* ]]
	[[ $output == *"X-Frame-Options: DENY"* ]]
	[[ $output == *"X-Content-Type-Options: nosniff"* ]]
	[[ $output == *"<!doctype html>"* ]]
}

@test "the subtree is set up with every controller" {
	run cat "/sys/fs/cgroup/$CGW_PARENT/cgroup.subtree_control"
	[[ $output == *cpu* && $output == *memory* && $output == *io* && $output == *pids* ]]
	[ -d "/sys/fs/cgroup/$CGW_PARENT/workloads" ]
}

@test "refuses a cgroup root that is not cgroup v2, naming the fix" {
	run "$CGW" --cgroup-root /tmp --state-dir "$BATS_TEST_TMPDIR/s" --listen 127.0.0.1:9852
	[ "$status" -ne 0 ]
	[[ $output == *"not a cgroup v2 mount"* ]]
	[[ $output == *"tests/vm/run"* ]]
}

@test "refuses a cgroup v2 root without the controllers it needs" {
	mkdir -p /sys/fs/cgroup/cgw-nocontrollers/inner
	run "$CGW" --cgroup-root /sys/fs/cgroup/cgw-nocontrollers/inner --state-dir "$BATS_TEST_TMPDIR/s" --listen 127.0.0.1:9852
	rmdir /sys/fs/cgroup/cgw-nocontrollers/inner /sys/fs/cgroup/cgw-nocontrollers
	[ "$status" -ne 0 ]
	[[ $output == *"lacks the controllers"*"cpu"*"memory"* ]]
	[[ $output == *"tests/vm/run"* ]]
}

@test "refuses a non-loopback listen address without TLS" {
	run "$CGW" --listen 0.0.0.0:9852 --state-dir "$BATS_TEST_TMPDIR/s"
	[ "$status" -ne 0 ]
	[[ $output == *"without TLS"* ]]
}

@test "--check-config names the bad field" {
	echo '{"poll_interval": "5h"}' >"$BATS_TEST_TMPDIR/c.json"
	run "$CGW" --check-config "$BATS_TEST_TMPDIR/c.json"
	[ "$status" -eq 2 ]
	[[ $output == *"poll_interval"* ]]
	echo '{"poll_interval": "2s", "watch": ["system.slice"]}' >"$BATS_TEST_TMPDIR/c.json"
	run "$CGW" --check-config "$BATS_TEST_TMPDIR/c.json"
	[ "$status" -eq 0 ]
}
