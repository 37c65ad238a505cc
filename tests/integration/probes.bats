#!/usr/bin/env bats
# The probes on the real kernel (run in the VM by tests/run-tests
# integration): the sampler's unit test with its live part on, which samples
# a fresh cgroup, disables and re-enables the memory controller under the
# open sampler, and removes the cgroup (the read must say it is gone).
#
# The test gets a parent group of its own: the kernel refuses to take a
# controller out of a group's subtree_control (EBUSY) while any child
# delegates it further, and the other files leave such children below the
# root (the agents' cgroup parents).

LIVE=/sys/fs/cgroup/cgw-probes

setup() {
	V=$([[ ${SANITIZE-} == 1 ]] && echo asan || echo release)
	[[ -x build/$V/unit/test_sampler ]] || skip "build/$V/unit/test_sampler not built (make unit)"
	echo "+cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
	[[ -d $LIVE/cgw-sampler-live ]] && rmdir "$LIVE/cgw-sampler-live"
	[[ -d $LIVE ]] && rmdir "$LIVE"
	mkdir "$LIVE"
}

teardown() {
	local d
	for d in "$LIVE/cgw-sampler-live" "$LIVE" /sys/fs/cgroup/cgw-probes-sibling; do
		[[ ! -d $d ]] || rmdir "$d"
	done
}

@test "sampler: live cgroup, controller toggled, cgroup removed" {
	# A sibling that delegates memory, as the agents' parents do: the
	# toggle below must not depend on what else is in the tree.
	mkdir -p /sys/fs/cgroup/cgw-probes-sibling
	echo +memory >/sys/fs/cgroup/cgw-probes-sibling/cgroup.subtree_control
	run env CGW_LIVE_CGROUP="$LIVE" CMOCKA_MESSAGE_OUTPUT=TAP "build/$V/unit/test_sampler"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE "^ok [0-9]+ - test_live$" <<<"$output" # it ran, and passed (not skipped)
	[[ $output != *"not ok"* ]]
}
