#!/usr/bin/env bats
# Dynamic policies on a real kernel, driven by PSI triggers: PUT and GET,
# memory-autosize, cpu-guard, pressure-kill, cpu-budget, each checked in
# the cgroup files and in the event log; the reaction time from a trigger
# firing to the limit written is printed and exported as a histogram.

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
	[[ -d /sys/fs/cgroup/cgw-stress ]] && { echo 1 >/sys/fs/cgroup/cgw-stress/cgroup.kill; sleep 0.5; rmdir /sys/fs/cgroup/cgw-stress; }
	true
}

# reaction NAME KIND: the policy's last reaction time, trigger -> write (ms).
reaction() {
	req GET "/api/v1/workloads/$1/policies"
	jq -r --arg k "$2" '.policies[] | select(.kind == $k) | .state.last_reaction_ms' <<<"$body"
}

@test "policies: PUT validates the whole array naming the field, GET answers them with their state" {
	wl_idle pv
	while IFS='|' read -r doc field; do
		[[ -n $doc ]] || continue
		req PUT /api/v1/workloads/pv/policies "$doc"
		expect_error 400 "$field" || { echo "row: $doc"; false; }
	done <<'EOF'
{}|policies
{"policies":{}}|policies
{"policies":[],"x":1}|x
[1]|policies[0]
[{"max":"64M"}]|policies[0].kind
[{"kind":"senpai"}]|policies[0].kind
[{"kind":"memory-autosize"}]|policies[0].max
[{"kind":"memory-autosize","max":"64M","min":"128M"}]|policies[0].min
[{"kind":"memory-autosize","max":"max"}]|policies[0].max
[{"kind":"memory-autosize","max":"64M","target_pct":0}]|policies[0].target_pct
[{"kind":"memory-autosize","max":"64M","interval":"1h"}]|policies[0].interval
[{"kind":"memory-autosize","max":"64M","bogus":1}]|policies[0].bogus
[{"kind":"cpu-guard","threshold_pct":101}]|policies[0].threshold_pct
[{"kind":"cpu-guard","cap":"max"}]|policies[0].cap
[{"kind":"cpu-guard","threshold_pct":20,"restore_pct":30}]|policies[0].restore_pct
[{"kind":"pressure-kill","duration":"soon"}]|policies[0].duration
[{"kind":"cpu-budget"}]|policies[0].budget
[{"kind":"cpu-budget","budget":"1s","window":"500ms"}]|policies[0].window
[{"kind":"cpu-guard"},{"kind":"cpu-guard"}]|policies[1].kind
EOF
	req GET /api/v1/workloads/pv/policies
	[ "$(jq -c .policies <<<"$body")" = '[]' ]
	mark=$(events_mark)
	req PUT /api/v1/workloads/pv/policies \
		'[{"kind":"cpu-guard","threshold_pct":40,"cap":"20%"},{"kind":"cpu-budget","budget":2,"window":"10s"}]'
	[ "$code" = 200 ] || { echo "$body"; false; }
	jq -e '.policies[0] | .kind == "cpu-guard" and .threshold_pct == 40 and .restore_pct == 20 and .cap == "20%"
		and .calm == "30s" and .state.capped == false and .state.attached == true' <<<"$body"
	jq -e '.policies[1] | .kind == "cpu-budget" and .budget == "2s" and .window == "10s"' <<<"$body"
	wait_event "$mark" 5 '.workload == "pv" and .action == "policies" and (.actor | startswith("token:"))
		and (.new | length) == 2 and .old == []'
	# The object form, and [] removes them all.
	req PUT /api/v1/workloads/pv/policies '{"policies":[]}'
	[ "$code" = 200 ]
	[ "$(jq -c .policies <<<"$body")" = '[]' ]
	req PUT /api/v1/workloads/nosuch/policies '[]'
	expect_error 404 name
}

@test "memory-autosize: a growing cache brings memory.high down and holds pressure near the target" {
	# Read the whole disk over and over at 8 MiB/s: a page cache that
	# grows as far as it is let (fd 3 holds the disk open: its last close
	# would drop its cache).
	wl_launch cache '{"io":{"max":[{"device":"/dev/vda","rbps":"8M"}]}}' \
		/bin/sh -c 'exec 3</dev/vda; while :; do dd if=/dev/vda of=/dev/null bs=1M status=none; done'
	d=$(wl_dir cache)
	for _ in $(seq 1 300); do
		(($(cat "$d/memory.current") > 96 * 1024 * 1024)) && break
		sleep 0.2
	done
	start=$(cat "$d/memory.current")
	echo "# memory.current before the policy: $((start >> 20)) MiB" >&3
	((start > 96 * 1024 * 1024))
	mark=$(events_mark)
	req PUT /api/v1/workloads/cache/policies \
		'[{"kind":"memory-autosize","min":"16M","max":"512M","target_pct":1,"interval":"1s","step_down_pct":20,"step_up_pct":10}]'
	[ "$code" = 200 ] || { echo "$body"; false; }
	sleep 30
	high=$(cat "$d/memory.high")
	pct=$(memory_some_pct cache 10)
	echo "# memory.high $((start >> 20)) MiB -> $((high >> 20)) MiB; memory some pressure over the last 10 s: $pct% (target 1%)" >&3
	((high < start * 4 / 5))
	within "$pct" 0 3
	wait_event "$mark" 1 '.workload == "cache" and .actor == "policy:memory-autosize" and .action == "memory.high"
		and (.reason | test("under the target")) and .new.memory.high < .old.memory.high'
	echo "# memory-autosize steps: $(jq length <<<"$matched")" >&3
	req GET /api/v1/workloads/cache/policies
	jq -e '.policies[0].state | .memory_high >= 16777216 and .memory_high <= 536870912 and .pressure_pct >= 0' <<<"$body"
}

@test "memory-autosize: pressure over the target raises memory.high at once (PSI trigger)" {
	mark=$(events_mark)
	# 64 MiB of anonymous memory that cannot be reclaimed (no swap): with
	# memory.high below it the kernel throttles the workload, pressure
	# crosses the target and the trigger fires. The policy comes with the
	# launch spec.
	POLICIES='[{"kind":"memory-autosize","min":"16M","max":"256M","target_pct":5,"interval":"1s","step_down_pct":50,"step_up_pct":50}]' \
		wl_launch grow '{}' /usr/bin/stress-ng --vm 1 --vm-bytes 64M --vm-keep --timeout 600
	d=$(wl_dir grow)
	wait_event "$mark" 60 '.workload == "grow" and .actor == "policy:memory-autosize"
		and (.reason | test("PSI trigger")) and .new.memory.high > .old.memory.high'
	ms=$(reaction grow memory-autosize)
	echo "# memory-autosize: PSI trigger fired -> memory.high written in $ms ms" >&3
	within "$ms" 0 100000
	(($(cat "$d/memory.high") > 16 * 1024 * 1024))
}

@test "cpu-guard caps a best-effort hog while stress-ng raises host cpu pressure, and restores it after calm" {
	wl_spin be '{"cpu":{"max":"50%"}}'
	d=$(wl_dir be)
	mark=$(events_mark)
	req PUT /api/v1/workloads/be/policies '[{"kind":"cpu-guard","threshold_pct":20,"restore_pct":10,"cap":"10%","calm":"2s"}]'
	[ "$code" = 200 ]
	# Its own throttling (cpu.max 50%) stalls it in the host's PSI too;
	# that alone does not cap it.
	sleep 4
	[ "$(cat "$d/cpu.max")" = "50000 100000" ]
	mkdir -p /sys/fs/cgroup/cgw-stress
	bash -c 'echo $$ >/sys/fs/cgroup/cgw-stress/cgroup.procs; exec stress-ng --cpu 3 --timeout 20' >/dev/null 2>&1 &
	stress=$!
	wait_event "$mark" 30 '.workload == "be" and .actor == "policy:cpu-guard" and .action == "cpu.max"
		and .new.cpu.max == "10000 100000" and .old.cpu.max == "50000 100000"'
	[ "$(cat "$d/cpu.max")" = "10000 100000" ]
	ms=$(reaction be cpu-guard)
	echo "# cpu-guard: PSI trigger on /proc/pressure/cpu fired -> cpu.max written in $ms ms" >&3
	c=$(cores be 3)
	echo "# capped hog: $c cores (cpu.max 10%; 50% before)" >&3
	# Bandwidth is enforced at scheduler ticks, which the emulated CPU
	# delays: judge the ratio.
	within "$c" 0 0.3
	wait "$stress" || true
	echo 1 >/sys/fs/cgroup/cgw-stress/cgroup.kill
	wait_event "$mark" 60 '.workload == "be" and .actor == "policy:cpu-guard" and .new.cpu.max == "50000 100000"
		and (.reason | test("restored"))'
	[ "$(cat "$d/cpu.max")" = "50000 100000" ]
	echo "# cpu-guard restored: $(jq -r '.[0].reason' <<<"$matched")" >&3
}

@test "pressure-kill kills a thrashing workload and records why" {
	mark=$(events_mark)
	# Twice its memory.high of memory it cannot give back: the kernel
	# throttles it without end (memory full pressure near 100%).
	POLICIES='[{"kind":"pressure-kill","threshold_pct":30,"duration":"3s"}]' \
		wl_launch thrash '{"memory":{"high":"32M"}}' /usr/bin/stress-ng --vm 1 --vm-bytes 64M --vm-keep --timeout 600
	d=$(wl_dir thrash)
	wait_event "$mark" 60 '.workload == "thrash" and .actor == "policy:pressure-kill" and .action == "kill"
		and (.reason | test("memory full pressure above 30%"))'
	echo "# pressure-kill: $(jq -r '.[0].reason' <<<"$matched")" >&3
	for _ in $(seq 1 50); do
		grep -q '^populated 0' "$d/cgroup.events" && break
		sleep 0.1
	done
	grep -q '^populated 0' "$d/cgroup.events"
	req GET /api/v1/workloads/thrash
	jq -e '.state == "exited" and .exit_signal != null' <<<"$body"
	req GET /api/v1/workloads/thrash/policies
	jq -e '.policies[0].state.kills >= 1' <<<"$body"
}

@test "cpu-budget freezes a workload that spent its CPU-seconds and thaws it at the next window" {
	wl_spin budget
	d=$(wl_dir budget)
	mark=$(events_mark)
	# A 12 s window: the frozen rest of it must outlast noticing the
	# freeze and the 1 s look below even in a slow, loaded guest (with 6 s
	# the thaw once came within that look under ASan).
	req PUT /api/v1/workloads/budget/policies '[{"kind":"cpu-budget","budget":"1s","window":"12s"}]'
	[ "$code" = 200 ]
	wait_event "$mark" 30 '.workload == "budget" and .actor == "policy:cpu-budget" and .action == "freeze"'
	grep -q '^frozen 1' "$d/cgroup.events"
	echo "# cpu-budget: $(jq -r '.[0].reason' <<<"$matched")" >&3
	u0=$(usage_usec budget)
	sleep 1
	[ "$(usage_usec budget)" = "$u0" ] # frozen: no CPU at all
	wait_event "$mark" 30 '.workload == "budget" and .actor == "policy:cpu-budget" and .action == "thaw"'
	(($(usage_usec budget) > u0)) # running again (and soon frozen again: it spends 1 s in about 1 s)
	# Removing the policy thaws a frozen workload.
	wait_event "$mark" 30 '.workload == "budget" and .action == "freeze" and .id > '"$(jq '.[0].id' <<<"$matched")"
	req PUT /api/v1/workloads/budget/policies '[]'
	grep -q '^frozen 0' "$d/cgroup.events"
}

@test "reaction times are a histogram in /metrics, and policy actions are counted" {
	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" >"$BATS_TEST_TMPDIR/m"
	promtool check metrics <"$BATS_TEST_TMPDIR/m"
	grep -E '^cgwarden_policy_reaction_seconds_count\{policy="cpu-guard"\} [1-9]' "$BATS_TEST_TMPDIR/m"
	grep -E '^cgwarden_policy_reaction_seconds_bucket\{policy="memory-autosize",le="\+Inf"\} [1-9]' "$BATS_TEST_TMPDIR/m"
	grep -E '^cgwarden_enforcement_actions_total\{name="budget",actor="policy:cpu-budget",action="freeze"\} [1-9]' "$BATS_TEST_TMPDIR/m"
	grep -E '^cgwarden_enforcement_actions_total\{name="thrash",actor="policy:pressure-kill",action="kill"\} 1$' "$BATS_TEST_TMPDIR/m"
	for p in memory-autosize cpu-guard; do
		awk -v p="$p" '$1 == "cgwarden_policy_reaction_seconds_sum{policy=\"" p "\"}" {s = $2}
			$1 == "cgwarden_policy_reaction_seconds_count{policy=\"" p "\"}" {c = $2}
			END {printf "# %s: %d reactions, mean %.1f ms (trigger fired -> limit written)\n", p, c, 1000 * s / c}' \
			"$BATS_TEST_TMPDIR/m" >&3
	done
}

@test "policies survive a restart of the agent, and so does their removal; a delete drops them" {
	# A PUT wins over the launch spec's policies, across the restart too.
	wl_idle keep
	POLICIES='[{"kind":"cpu-guard"}]' wl_idle gone
	req PUT /api/v1/workloads/keep/policies '[{"kind":"cpu-budget","budget":"30s","window":"1m"}]'
	[ "$code" = 200 ]
	req PUT /api/v1/workloads/gone/policies '[{"kind":"pressure-kill"}]'
	req PUT /api/v1/workloads/gone/policies '[]'
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	jq -e '.keep[0].kind == "cpu-budget" and .gone == []' "$CGW_STATE/policies.json"
	agent_start
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	req GET /api/v1/workloads/keep/policies
	jq -e '.policies | length == 1 and .[0].kind == "cpu-budget" and .[0].budget == "30s" and .[0].window == "60s"
		and .[0].state.attached' <<<"$body"
	req GET /api/v1/workloads/gone/policies
	[ "$(jq -c .policies <<<"$body")" = '[]' ]
	req DELETE '/api/v1/workloads/keep?grace=0'
	[ "$code" = 204 ]
	jq -e 'has("keep") | not' "$CGW_STATE/policies.json"
}
