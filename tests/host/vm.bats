#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The VM harness itself (tests/vm/run), as the foundation issue specifies.

load helpers

@test "tests/vm/run: the guest has cgroup v2 with cpu, io, memory and pids" {
	run "$CGW_TOP/tests/vm/run" -- cat /sys/fs/cgroup/cgroup.controllers
	[ "$status" -eq 0 ]
	for c in cpu io memory pids; do [[ " $output " == *" $c "* ]]; done
}

@test "tests/vm/run: the command's exit status is ours, its cwd and tree are the host's" {
	run "$CGW_TOP/tests/vm/run" -- false
	[ "$status" -eq 1 ]
	cd "$CGW_TOP/tests"
	run --separate-stderr "$CGW_TOP/tests/vm/run" -- sh -c 'pwd; test -f vm/run && echo seen; echo x > /etc/cgw-probe && echo wrote; exit 7'
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = "$CGW_TOP/tests" ]
	[ "${lines[1]}" = seen ]
	[ "${lines[2]}" = wrote ]
	# Writes stay in the VM's overlay.
	[ ! -e /etc/cgw-probe ]
}

@test "tests/vm/run -w shares a directory writable; -t bounds the run" {
	d=$(mktemp -d "$CGW_TOP/build/vmw.XXXXXX")
	run "$CGW_TOP/tests/vm/run" -w "$d" -- sh -c "echo hello > $d/out"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/out")" = hello ]
	rm -rf "$d"
	run "$CGW_TOP/tests/vm/run" -t 3 -- sleep 60
	[ "$status" -eq 124 ]
	[[ $output == *"timed out"* ]]
}

@test "an agent in the VM answers on the host through a forwarded port, and promtool accepts its metrics" {
	vm_agent_start 19851
	run curl -fsS http://127.0.0.1:19851/healthz
	[ "$output" = '"ok"' ]
	curl -fsS http://127.0.0.1:19851/metrics | promtool check metrics
	vm_agent_stop
}
