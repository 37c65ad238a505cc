#!/usr/bin/env bats
# Limits of watched cgroups the agent did not launch: PATCH and GET of
# /api/v1/cgroups/{id}/limits only at or below a --watch root, and every
# way of naming a path that leads out of it refused.

load helpers

CG=/sys/fs/cgroup

setup_file() {
	echo "+cpu +memory +pids +io" >$CG/cgroup.subtree_control
	mkdir -p $CG/cgw-watch $CG/cgw-other/x $CG/cgw-watchx
	echo "+cpu +memory +pids +io" >$CG/cgw-watch/cgroup.subtree_control
	echo "+cpu +memory +pids +io" >$CG/cgw-other/cgroup.subtree_control
	mkdir -p $CG/cgw-watch/svc/inner
	echo "+pids" >$CG/cgw-watch/svc/cgroup.subtree_control
	agent_start --watch cgw-watch
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	export CGW_STATE CGW_PARENT CGW_LOG
}

teardown_file() {
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	cgroup_cleanup
	umount $CG/cgw-watch/svc/evil 2>/dev/null || true
	rmdir $CG/cgw-watch/svc/evil $CG/cgw-watch/svc/inner $CG/cgw-watch/svc $CG/cgw-watch $CG/cgw-other/x \
		$CG/cgw-other $CG/cgw-watchx 2>/dev/null || true
}

# raw METHOD PATH [BODY]: like req, but the path goes out as written.
raw() {
	local args=(-sS --path-as-is -X "$1" -H "Authorization: Bearer $(token)" -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}')
	[[ -n ${3-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	code=$(curl "${args[@]}" "http://127.0.0.1:$CGW_PORT$2") || code=000
	body=$(cat "$BATS_TEST_TMPDIR/body")
}

@test "a watched cgroup's limits: GET, PATCH read back, an event naming the cgroup" {
	req GET /api/v1/cgroups/cgw-watch/svc/limits
	[ "$code" = 200 ]
	[ "$(jq -r .memory.max <<<"$body")" = max ]
	req PATCH /api/v1/cgroups/cgw-watch/svc/limits '{"memory":{"high":"256M"},"cpu":{"weight":50}}'
	[ "$code" = 200 ] || { echo "$body"; false; }
	[ "$(cat $CG/cgw-watch/svc/memory.high)" = 268435456 ]
	[ "$(cat $CG/cgw-watch/svc/cpu.weight)" = 50 ]
	[ "$(jq -r .memory.high <<<"$body")" = 268435456 ]
	# Deeper, and the watch root itself, are allowed too.
	req PATCH /api/v1/cgroups/cgw-watch/svc/inner/limits '{"pids":{"max":20}}'
	[ "$code" = 200 ]
	[ "$(cat $CG/cgw-watch/svc/inner/pids.max)" = 20 ]
	req PATCH /api/v1/cgroups/cgw-watch/limits '{"pids":{"max":500}}'
	[ "$code" = 200 ]
	[ "$(cat $CG/cgw-watch/pids.max)" = 500 ]
	req GET '/api/v1/events?since=0&limit=1000'
	jq -e '.events[] | select(.workload == "/cgw-watch/svc" and .action == "limits" and .new.memory.high == 268435456
		and .old.memory.high == "max" and .new.cpu.weight == 50)' <<<"$body"
	# A bad document is 400 naming the field; nothing changes.
	req PATCH /api/v1/cgroups/cgw-watch/svc/limits '{"memory":{"high":"1M"},"cpu":{"weight":-1}}'
	expect_error 400 cpu.weight
	[ "$(cat $CG/cgw-watch/svc/memory.high)" = 268435456 ]
}

@test "a cgroup outside every watch root is 403; a missing one 404" {
	req PATCH /api/v1/cgroups/cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 403 id
	req GET /api/v1/cgroups/cgw-other/x/limits
	expect_error 403 id
	# A name that merely starts like the root is not below it.
	req PATCH /api/v1/cgroups/cgw-watchx/limits '{"pids":{"max":1}}'
	expect_error 403 id
	req PATCH /api/v1/cgroups/cgw-watch/nosuch/limits '{"pids":{"max":1}}'
	expect_error 404 id
	[ "$(cat $CG/cgw-other/x/pids.max)" = max ]
	[ "$(cat $CG/cgw-watchx/pids.max)" = max ]
}

@test "paths that escape the watch root are refused: .., absolute, percent-encoding, NUL, bind mounts" {
	raw PATCH /api/v1/cgroups/cgw-watch/../cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/svc/../../cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/%2e%2e/cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/%2E%2E/cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch%2f..%2fcgw-other%2fx/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch%2Fsvc/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH //api/v1/cgroups//cgw-other/x/limits '{"pids":{"max":1}}'
	[ "$code" != 200 ]
	# One leading '/' is the form GET /api/v1/cgroups and the events show
	# ids in: the same path below the cgroup root, so outside the watch
	# root it is 403 as the relative form is. Empty segments are 400.
	raw PATCH /api/v1/cgroups//cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 403 id
	raw PATCH /api/v1/cgroups///cgw-watch/svc/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch//svc/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/svc//limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups//limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/./svc/limits '{"pids":{"max":1}}'
	expect_error 400 id
	raw PATCH /api/v1/cgroups/cgw-watch/svc%00/limits '{"pids":{"max":1}}'
	[ "$code" = 400 ]
	raw PATCH /api/v1/cgroups/cgw-watch/cgroup.procs/limits '{"pids":{"max":1}}'
	expect_error 400 id
	# Decoded once only: "%252e%252e" is a (missing) group named "%2e%2e".
	raw PATCH /api/v1/cgroups/cgw-watch/%252e%252e/cgw-other/x/limits '{"pids":{"max":1}}'
	expect_error 404 id
	# cgroupfs has no symlinks (ln fails there); a bind mount of an
	# outside group into the watched tree is the same trick, and openat2
	# refuses to cross it.
	! ln -s $CG/cgw-other/x $CG/cgw-watch/svc/link 2>/dev/null
	mkdir -p $CG/cgw-watch/svc/evil
	mount --bind $CG/cgw-other/x $CG/cgw-watch/svc/evil
	raw PATCH /api/v1/cgroups/cgw-watch/svc/evil/limits '{"pids":{"max":1}}'
	umount $CG/cgw-watch/svc/evil
	expect_error 403 id
	[ "$(cat $CG/cgw-other/x/pids.max)" = max ]
	# Inside the watch root the absolute form names the group itself, and
	# its event names it as the relative form does.
	raw PATCH /api/v1/cgroups//cgw-watch/svc/inner/limits '{"pids":{"max":21}}'
	[ "$code" = 200 ] || { echo "$body"; false; }
	[ "$(cat $CG/cgw-watch/svc/inner/pids.max)" = 21 ]
	raw GET /api/v1/cgroups//cgw-watch/svc/inner/limits
	[ "$code" = 200 ]
	[ "$(jq -r .pids.max <<<"$body")" = 21 ]
	req GET '/api/v1/events?since=0&limit=1000'
	jq -e '.events[] | select(.workload == "/cgw-watch/svc/inner" and .new.pids.max == 21)' <<<"$body"
}
