#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The dashboard page in headless Chromium and a real Prometheus server,
# against an agent in the VM reached through a forwarded port, with a
# workload that burns CPU under a cpu.max and a watched cgroup (--watch) that
# does the same. One VM for the file.

load helpers

W=burn
# A cgroup the agent did not launch, under its --watch root.
WATCHED=batch/job

setup_file() {
	export VM_SHARE
	VM_SHARE=$(mktemp -d "$CGW_TOP/build/vm-share.XXXXXX")
	vm_agent_start "$(free_port)" --watch "${WATCHED%%/*}"
	# ~16 MB held in a shell variable, then a busy loop: memory and CPU to draw.
	vm_req POST /api/v1/workloads "$(jq -nc --arg n "$W" \
		--arg cmd 'x=$(head -c 16000000 /dev/zero | tr "\0" a); while :; do :; done' \
		'{name: $n, command: ["/bin/sh", "-c", $cmd],
		  limits: {cpu: {max: 0.5}, memory: {max: "256M"}, pids: {max: 50}}}')"
	[[ $code == 20? ]] || { echo "launch: $code $body" >&2; return 1; }
	# The watched cgroup, made by a helper without namespaces (it sees the
	# VM's /sys/fs/cgroup), holding a loop of its own under cpu.max 0.2 that
	# the helper moves there before it exits; then the helper is removed.
	vm_req POST /api/v1/workloads "$(jq -nc --arg w "$WATCHED" --arg cmd '
		cd /sys/fs/cgroup && mkdir -p "$1" && echo "+cpu +memory +pids" >"${1%/*}/cgroup.subtree_control" &&
		echo "20000 100000" >"$1/cpu.max" || exit 1
		sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 &
		echo $! >"$1/cgroup.procs"' \
		'{name: "mkcg", namespaces: [], command: ["/bin/sh", "-c", $cmd, "sh", $w]}')"
	[[ $code == 20? ]] || { echo "launch mkcg: $code $body" >&2; return 1; }
	wait_until 120 mkcg_exited
	vm_req GET /api/v1/workloads/mkcg
	[[ $(jq -r .exit_code <<<"$body") == 0 ]] || { echo "mkcg: $body" >&2; return 1; }
	vm_req DELETE /api/v1/workloads/mkcg
	[[ $code == 20? ]] || { echo "delete mkcg: $code $body" >&2; return 1; }
}

mkcg_exited() {
	vm_req GET /api/v1/workloads/mkcg
	[[ $(jq -r .state <<<"$body") == exited ]]
}

teardown_file() {
	vm_agent_stop
}

teardown() {
	[[ -z ${PROM_PID-} ]] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null || true; }
}

# prom_query EXPR: the result vector of an instant query, as JSON.
prom_query() {
	curl -fsS --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" | jq -c '.data.result'
}

# prom_has EXPR: the query returns at least one sample.
prom_has() {
	[[ $(prom_query "$1" | jq length) -gt 0 ]]
}

@test "a real Prometheus scrapes the agent and finds container_cpu_usage_seconds_total of a launched workload" {
	local d=$BATS_TEST_TMPDIR/prom
	mkdir -p "$d"
	PROM_PORT=$(free_port)
	# The example config of dashboards/, pointed at the VM's agent, every second.
	sed -e "s/127.0.0.1:9851/127.0.0.1:$VM_PORT/" -e 's/\(scrape\|evaluation\)_interval: 15s/\1_interval: 1s/' \
		-e "s|- prometheus-rules.yml|- $CGW_TOP/dashboards/prometheus-rules.yml|" \
		"$CGW_TOP/dashboards/prometheus.yml" >"$d/prometheus.yml"
	grep -q "127.0.0.1:$VM_PORT" "$d/prometheus.yml"
	promtool check config "$d/prometheus.yml"
	prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$d/log" 2>&1 3>&- &
	PROM_PID=$!
	wait_until 60 curl -fsS "http://127.0.0.1:$PROM_PORT/-/ready" || { cat "$d/log"; return 1; }
	# The target is up, and the workload's CPU counter is there and grows.
	wait_until 120 prom_has 'up{job="cgwarden"} == 1'
	wait_until 120 prom_has "container_cpu_usage_seconds_total{name=\"$W\"} > 0"
	prom_query "container_cpu_usage_seconds_total{name=\"$W\"}"
	wait_until 120 prom_has "rate(container_cpu_usage_seconds_total{name=\"$W\"}[10s]) > 0.05"
	wait_until 60 prom_has "container_spec_cpu_quota{name=\"$W\"} / container_spec_cpu_period{name=\"$W\"} == 0.5"
	# The alert rules loaded, and evaluate against the real series without error.
	rules=$(curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/rules")
	[ "$(jq '.data.groups | length' <<<"$rules")" -eq 3 ]
	wait_until 30 bash -c "curl -fsS http://127.0.0.1:$PROM_PORT/api/v1/rules |
		jq -e '[.data.groups[].rules[]] | length > 0 and all(.health == \"ok\")'"
}

@test "the dashboard in headless Chromium: no console error, the workload's charts, a limit changed in the form reads back through the API" {
	local art=$CGW_TOP/build/test-artifacts
	mkdir -p "$art"
	rm -f "$art"/dashboard*.png
	CGW_URL=http://127.0.0.1:$VM_PORT CGW_TOKEN=$(vm_token) CGW_WORKLOAD=$W CGW_SET_CPU=0.3 CGW_SET_MEM=96M \
		CGW_WATCHED=/$WATCHED CGW_WATCHED_CPU=0.2 CGW_SET_PIDS=64 \
		CGW_LAUNCH=from-page CGW_ARTIFACTS=$art run node "$CGW_TOP/tests/host/dashboard.js"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
	# The limits typed into the page, read back through the API.
	vm_req GET "/api/v1/workloads/$W/limits"
	echo "$body"
	[ "$code" = 200 ]
	jq -e '.cpu.max == 0.3 or .cpu.max == "30%"' <<<"$body"
	jq -e '.memory.max == 100663296 or .memory.max == "96M"' <<<"$body"
	# The watched cgroup's pids.max typed into its card, read back.
	vm_req GET "/api/v1/cgroups/$WATCHED/limits"
	echo "$body"
	[ "$code" = 200 ]
	jq -e '.pids.max == 64 and .cpu.max == 0.2' <<<"$body"
	# The workload launched from the page's form exists, and was stopped there.
	vm_req GET /api/v1/workloads/from-page
	echo "$body"
	[ "$code" = 200 ]
	[ "$(jq -r .state <<<"$body")" != running ]
	# The screenshots.
	file "$art/dashboard.png" | grep -q 'PNG image data, 1280 x'
	file "$art/dashboard-phone.png" | grep -q 'PNG image data, 780 x'
}
