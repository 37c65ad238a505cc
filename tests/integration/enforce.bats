#!/usr/bin/env bats
# Run-time limits on a real kernel: PATCH and GET of a workload's limits,
# measured effect (cpu.max on a busy loop, memory.max OOM, pids.max on a
# fork bomb), all-or-nothing on bad input and on the kernel's refusal, the
# event log (paged, live, persistent) and its counter in /metrics.
# Workloads are launched through the API, without namespaces (they see the
# host's files and /dev/vda).

load helpers
load enforce_helpers

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

# A digest of every limit file of a group, to prove nothing changed.
limit_files() {
	local d
	d=$(wl_dir "$1")
	for f in cpu.max cpu.weight memory.max memory.high memory.low memory.min memory.swap.max io.max io.weight \
		pids.max cpuset.cpus cpuset.mems; do
		printf '%s=%s\n' "$f" "$(cat "$d/$f")"
	done
}

@test "GET limits answers the shape read from the cgroup files" {
	wl_idle shape
	req GET /api/v1/workloads/shape/limits
	[ "$code" = 200 ]
	[ "$(jq -r .cpu.max <<<"$body")" = max ]
	[ "$(jq -r .cpu.period_us <<<"$body")" = 100000 ]
	[ "$(jq -r .cpu.weight <<<"$body")" = 100 ]
	[ "$(jq -r .memory.max <<<"$body")" = max ]
	[ "$(jq -r .memory.low <<<"$body")" = 0 ]
	[ "$(jq -r .pids.max <<<"$body")" = max ]
	[ "$(jq -c .io.max <<<"$body")" = '[]' ]
	[ "$(jq -r .cpuset.cpus <<<"$body")" = "" ]
	req GET /api/v1/workloads/nosuch/limits
	expect_error 404 name
	req GET /api/v1/workloads/Bad..Name/limits
	expect_error 400 name
	# A cgroup under workloads/ that the registry does not know is no workload.
	mkdir "$(wl_dir stray)"
	req PATCH /api/v1/workloads/stray/limits '{"pids":{"max":1}}'
	rmdir "$(wl_dir stray)"
	expect_error 404 name
}

@test "PATCH changes only the keys it names, answers the limits read back and keeps them in the spec" {
	wl_idle named '{"cpu":{"weight":200}}'
	req PATCH /api/v1/workloads/named/limits \
		'{"cpu":{"max":1.5},"memory":{"max":"512M","high":"400M","low":"64M","min":"0","swap_max":"0"},"pids":{"max":100},"io":{"weight":300},"cpuset":{"cpus":"0-1","mems":"0"}}'
	[ "$code" = 200 ] || { echo "$body"; false; }
	d=$(wl_dir named)
	[ "$(cat "$d/cpu.max")" = "150000 100000" ]
	[ "$(cat "$d/cpu.weight")" = 200 ] # not named: untouched
	[ "$(cat "$d/memory.max")" = 536870912 ]
	[ "$(cat "$d/memory.high")" = 419430400 ]
	[ "$(cat "$d/memory.low")" = 67108864 ]
	[ "$(cat "$d/memory.swap.max")" = 0 ]
	[ "$(cat "$d/pids.max")" = 100 ]
	[ "$(head -n1 "$d/io.weight")" = "default 300" ]
	[ "$(cat "$d/cpuset.cpus")" = 0-1 ]
	[ "$(jq -r .cpu.max <<<"$body")" = 1.5 ]
	[ "$(jq -r .memory.max <<<"$body")" = 536870912 ]
	[ "$(jq -r .cpu.weight <<<"$body")" = 200 ]
	# A new period alone keeps the share of a CPU; "max" lifts.
	req PATCH /api/v1/workloads/named/limits '{"cpu":{"period_us":50000}}'
	[ "$code" = 200 ]
	[ "$(cat "$d/cpu.max")" = "75000 50000" ]
	req PATCH /api/v1/workloads/named/limits '{"cpu":{"max":"max"},"memory":{"max":"max"},"pids":{"max":"max"}}'
	[ "$code" = 200 ]
	[ "$(cat "$d/cpu.max")" = "max 50000" ]
	[ "$(cat "$d/memory.max")" = max ]
	# What GET answers is a PATCH that changes nothing.
	req GET /api/v1/workloads/named/limits
	limit_files named >"$BATS_TEST_TMPDIR/before"
	req PATCH /api/v1/workloads/named/limits "$body"
	[ "$code" = 200 ] || { echo "$body"; false; }
	limit_files named >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# The workload's spec has them: a restart of it applies them again.
	req PATCH /api/v1/workloads/named/limits '{"pids":{"max":77}}'
	req POST /api/v1/workloads/named/kill
	req POST /api/v1/workloads/named/start
	[ "$code" = 200 ] || { echo "$body"; false; }
	[ "$(cat "$d/pids.max")" = 77 ]
	[ "$(cat "$d/cpu.max")" = "max 50000" ]
}

@test "cpu.max 50% holds a busy loop at 0.50 +- 0.03 cores; a PATCH to 25% shows within 2 s" {
	wl_spin spin '{"cpu":{"max":"50%"}}'
	[ "$(cat "$(wl_dir spin)/cpu.max")" = "50000 100000" ]
	sleep 1
	c=$(cores spin 10)
	echo "# cpu.max 50%: $c cores over 10 s" >&3
	within "$c" 0.47 0.53
	req PATCH /api/v1/workloads/spin/limits '{"cpu":{"max":"25%"}}'
	[ "$code" = 200 ]
	# The rate measured from 0.5 s to 2 s after the PATCH is the new one.
	sleep 0.5
	c=$(cores spin 1.5)
	echo "# cpu.max 25%: $c cores from 0.5 s to 2 s after the PATCH" >&3
	within "$c" 0.20 0.30
}

@test "memory.max 32M on a workload using 100 MB ends in an OOM kill its state and the event log report" {
	wl_launch hog '{}' /usr/bin/python3 -c 'import time; x = b"a" * (100 << 20); time.sleep(1000)'
	d=$(wl_dir hog)
	for _ in $(seq 1 300); do
		(($(cat "$d/memory.current") > 90 * 1024 * 1024)) && break
		sleep 0.1
	done
	(($(cat "$d/memory.current") > 90 * 1024 * 1024))
	code=$(curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $(token)" \
		-H 'Content-Type: application/json' -d '{"memory":{"max":"32M"}}' \
		"http://127.0.0.1:$CGW_PORT/api/v1/workloads/hog/limits")
	[ "$code" = 200 ]
	[ "$(jq -r .memory.max "$BATS_TEST_TMPDIR/b")" = 33554432 ]
	grep '^oom_kill [1-9]' "$d/memory.events"
	# The workload's state says why it ended...
	for _ in $(seq 1 100); do
		req GET /api/v1/workloads/hog
		[ "$(jq -r .state <<<"$body")" = exited ] && break
		sleep 0.2
	done
	jq -e '.state == "exited" and .exit_reason == "oom-killed"' <<<"$body"
	# ... and the log has the change and the kill the kernel made because of it.
	req GET '/api/v1/events?since=0&limit=1000'
	jq -e '.events[] | select(.workload == "hog" and .action == "limits" and .new.memory.max == 33554432
		and .old.memory.max == "max" and (.actor | startswith("token:")))' <<<"$body"
	jq -e '.events[] | select(.workload == "hog" and .action == "oom-kill" and .actor == "kernel"
		and (.reason | test("memory.max of 33554432")))' <<<"$body"
}

@test "pids.max 50 holds a fork bomb and the agent stays responsive" {
	wl_launch bomb '{"pids":{"max":50}}' /bin/bash -c 'f() { f | f & }; f; sleep 600'
	d=$(wl_dir bomb)
	sleep 2
	slow=0
	for i in $(seq 1 20); do
		curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$CGW_PORT/healthz" || slow=$((slow + 1))
		req GET /api/v1/workloads/bomb/limits
		[ "$code" = 200 ]
	done
	echo "# fork bomb: pids.current $(cat "$d/pids.current"), pids.events $(cat "$d/pids.events" | tr '\n' ' ')" >&3
	[ "$slow" = 0 ]
	(($(cat "$d/pids.current") <= 50))
	grep -q '^max [1-9]' "$d/pids.events"
}

@test "a PATCH with one valid and one invalid key changes nothing and names the field" {
	wl_idle half
	limit_files half >"$BATS_TEST_TMPDIR/before"
	req PATCH /api/v1/workloads/half/limits '{"memory":{"max":"64M"},"pids":{"max":"lots"}}'
	expect_error 400 pids.max
	req PATCH /api/v1/workloads/half/limits '{"cpu":{"max":"50%","weight":0}}'
	expect_error 400 cpu.weight
	limit_files half >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "a kernel refusal rolls back the earlier writes: 422, files unchanged" {
	wl_idle refuse
	limit_files refuse >"$BATS_TEST_TMPDIR/before"
	# CPU 7 does not exist in a 2-CPU VM: the kernel refuses (ERANGE)
	# after memory.max and pids.max were written.
	req PATCH /api/v1/workloads/refuse/limits '{"memory":{"max":"64M"},"pids":{"max":10},"cpuset":{"cpus":"7"}}'
	expect_error 422 cpuset.cpus
	[[ $(jq -r .error.message <<<"$body") == *"nothing was changed"* ]]
	limit_files refuse >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# The refusal is no enforcement action: no event for it.
	req GET '/api/v1/events?since=0&limit=1000'
	! jq -e '.events[] | select(.workload == "refuse" and .action == "limits")' <<<"$body"
}

# The validation table (every row: 400 naming the field, nothing on disk changed).
@test "validation table: each bad limits document is 400 naming its field, nothing changed" {
	wl_idle table
	limit_files table >"$BATS_TEST_TMPDIR/before"
	while IFS='|' read -r doc field; do
		[[ -n $doc ]] || continue
		req PATCH /api/v1/workloads/table/limits "$doc"
		expect_error 400 "$field" || { echo "row: $doc"; false; }
	done <<'EOF'
[]|
{"cpus":{}}|cpus
{"cpu":5}|cpu
{"cpu":{"quota":1}}|cpu.quota
{"cpu":{"max":"50"}}|cpu.max
{"cpu":{"max":"0%"}}|cpu.max
{"cpu":{"max":"0.05%"}}|cpu.max
{"cpu":{"max":-1}}|cpu.max
{"cpu":{"max":true}}|cpu.max
{"cpu":{"max":"0.5%","period_us":100000}}|cpu.max
{"cpu":{"period_us":999}}|cpu.period_us
{"cpu":{"period_us":1000001}}|cpu.period_us
{"cpu":{"weight":0}}|cpu.weight
{"cpu":{"weight":10001}}|cpu.weight
{"cpu":{"weight":"100"}}|cpu.weight
{"memory":{"max":"512X"}}|memory.max
{"memory":{"max":"1.5G"}}|memory.max
{"memory":{"max":-5}}|memory.max
{"memory":{"max":"9223372036854775808"}}|memory.max
{"memory":{"max":"8388608T"}}|memory.max
{"memory":{"high":null}}|memory.high
{"memory":{"swap":"0"}}|memory.swap
{"pids":{"max":4194305}}|pids.max
{"pids":{"max":"unlimited"}}|pids.max
{"cpuset":{"cpus":"1-0"}}|cpuset.cpus
{"cpuset":{"mems":0}}|cpuset.mems
{"io":{"weight":0}}|io.weight
{"io":{"max":{}}}|io.max
{"io":{"max":[{"rbps":"1M"}]}}|io.max[0].device
{"io":{"max":[{"device":"/dev/null","rbps":"1M"}]}}|io.max[0].device
{"io":{"max":[{"device":"/dev/vda"}]}}|io.max[0]
{"io":{"max":[{"device":"/dev/vda","rbps":1}]}}|io.max[0].rbps
{"io":{"max":[{"device":"/dev/vda","wiops":4294967296}]}}|io.max[0].wiops
{"io":{"max":[{"device":"/dev/vda","rbps":"1M"},{"device":"254:0","wbps":"1M"}]}}|io.max[1].device
{"io":{"max":[{"device":"254:77","rbps":"1M"}]}}|io.max[0].device
{"memory":{"max":"64M"},"pids":{"max":-1}}|pids.max
EOF
	limit_files table >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "io.max per whole block device: /dev/vda by path or number, read back by MAJ:MIN" {
	wl_idle disk
	maj=$(($(stat -c '0x%t' /dev/vda))) min=$(($(stat -c '0x%T' /dev/vda)))
	req PATCH /api/v1/workloads/disk/limits '{"io":{"max":[{"device":"/dev/vda","wbps":"1M","riops":1000}]}}'
	[ "$code" = 200 ] || { echo "$body"; false; }
	grep -qx "$maj:$min rbps=max wbps=1048576 riops=1000 wiops=max" "$(wl_dir disk)/io.max"
	[ "$(jq -c '.io.max' <<<"$body")" = "[{\"device\":\"$maj:$min\",\"rbps\":\"max\",\"wbps\":1048576,\"riops\":1000,\"wiops\":\"max\"}]" ]
	# Only the keys named change; "max" everywhere lifts the device's limit.
	req PATCH /api/v1/workloads/disk/limits "{\"io\":{\"max\":[{\"device\":\"$maj:$min\",\"rbps\":\"2M\"}]}}"
	grep -qx "$maj:$min rbps=2097152 wbps=1048576 riops=1000 wiops=max" "$(wl_dir disk)/io.max"
	req PATCH /api/v1/workloads/disk/limits "{\"io\":{\"max\":[{\"device\":\"$maj:$min\",\"rbps\":\"max\",\"wbps\":\"max\",\"riops\":\"max\"}]}}"
	[ "$code" = 200 ]
	[ -z "$(cat "$(wl_dir disk)/io.max")" ]
	# A partition is refused: give /dev/vda one for a moment (the VM's
	# disk is blank and thrown away), then wipe it again.
	printf '\x00\x20\x21\x00\x83\x00\x00\x00\x00\x08\x00\x00\x00\x38\x00\x00' |
		dd of=/dev/vda bs=1 seek=446 conv=notrunc status=none
	printf '\x55\xaa' | dd of=/dev/vda bs=1 seek=510 conv=notrunc status=none
	blockdev --rereadpt /dev/vda
	for _ in $(seq 1 20); do [ -b /dev/vda1 ] && break; sleep 0.1; done
	req PATCH /api/v1/workloads/disk/limits '{"io":{"max":[{"device":"/dev/vda1","rbps":"1M"}]}}'
	p1=$(($(stat -c '0x%t' /dev/vda1))):$(($(stat -c '0x%T' /dev/vda1)))
	dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=notrunc status=none
	blockdev --rereadpt /dev/vda
	expect_error 400 'io.max[0].device'
	[[ $(jq -r .error.message <<<"$body") == *partition* ]]
	req PATCH /api/v1/workloads/disk/limits "{\"io\":{\"max\":[{\"device\":\"$p1\",\"rbps\":\"1M\"}]}}"
	expect_error 400 'io.max[0].device' # gone with the table, so no longer a block device here
	[ ! -e /dev/vda1 ]
}

@test "events: since= pages, the live stream, the counter in /metrics" {
	wl_idle ev
	req GET /api/v1/events
	last=$(jq -r .last_id <<<"$body")
	# Page through everything since the start: bounded pages that chain.
	req GET '/api/v1/events?since=0&limit=1'
	[ "$(jq '.events | length' <<<"$body")" -le 1 ]
	req GET '/api/v1/events?since=abc'
	expect_error 400 since
	req GET '/api/v1/events?limit=0'
	expect_error 400 limit

	# The stream lives until the event is seen (killed below): a fixed
	# short life ran out before the event on a loaded machine. since= makes
	# it replay what came after $last, so a connection slower than the PATCH
	# below still gets the event.
	curl -sS -N --max-time 120 "http://127.0.0.1:$CGW_PORT/api/v1/events/stream?since=$last" >"$BATS_TEST_TMPDIR/sse" &
	sse=$!
	sleep 1
	req PATCH /api/v1/workloads/ev/limits '{"pids":{"max":33}}'
	[ "$code" = 200 ]
	req GET "/api/v1/events?since=$last"
	[ "$(jq '.events | length' <<<"$body")" = 1 ]
	id=$(jq -r '.events[0].id' <<<"$body")
	[ "$id" -gt "$last" ]
	jq -e '.events[0] | .workload == "ev" and .action == "limits" and .old.pids.max == "max" and .new.pids.max == 33
		and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and .reason != null' <<<"$body"
	for _ in $(seq 1 150); do
		grep -q "^id: $id\$" "$BATS_TEST_TMPDIR/sse" && break
		sleep 0.2
	done
	kill "$sse" 2>/dev/null || true
	grep -q "^id: $id\$" "$BATS_TEST_TMPDIR/sse"
	grep -q '^event: enforcement$' "$BATS_TEST_TMPDIR/sse"
	grep '^data: ' "$BATS_TEST_TMPDIR/sse" | tail -n1 | sed 's/^data: //' | jq -e ".id == $id and .new.pids.max == 33"
	# Resuming with Last-Event-ID replays what came after it.
	curl -sS -N --max-time 120 -H "Last-Event-ID: $last" "http://127.0.0.1:$CGW_PORT/api/v1/events/stream" \
		>"$BATS_TEST_TMPDIR/sse2" &
	sse=$!
	for _ in $(seq 1 150); do
		grep -q "^id: $id\$" "$BATS_TEST_TMPDIR/sse2" && break
		sleep 0.2
	done
	kill "$sse" 2>/dev/null || true
	grep -q "^id: $id\$" "$BATS_TEST_TMPDIR/sse2"

	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" >"$BATS_TEST_TMPDIR/m"
	promtool check metrics <"$BATS_TEST_TMPDIR/m"
	grep -E "^cgwarden_enforcement_actions_total\\{name=\"ev\",actor=\"token:[^\"]+\",action=\"limits\"\\} 1$" "$BATS_TEST_TMPDIR/m"
}

@test "events persist across a restart; ids continue" {
	req GET '/api/v1/events?since=0&limit=1000'
	before=$(jq -c '[.events[] | {id, action, workload}]' <<<"$body")
	n=$(jq '.events | length' <<<"$body")
	[ "$n" -gt 0 ]
	last=$(jq -r .last_id <<<"$body")
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	agent_start
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	req GET '/api/v1/events?since=0&limit=1000'
	[ "$(jq -c '[.events[] | {id, action, workload}]' <<<"$body")" = "$before" ]
	wl_idle again
	req GET "/api/v1/events?since=$last"
	last=$(jq -r .last_id <<<"$body")
	req PATCH /api/v1/workloads/again/limits '{"pids":{"max":5}}'
	req GET "/api/v1/events?since=$last"
	[ "$(jq -r '.events[0].id' <<<"$body")" = $((last + 1)) ]
	[ -s "$CGW_STATE/events.jsonl" ]
}
