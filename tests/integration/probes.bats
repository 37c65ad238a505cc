#!/usr/bin/env bats
# The probes on the real kernel (run in the VM by tests/run-tests
# integration): the sampler's unit test with its live part on, which samples
# a fresh cgroup, disables and re-enables the memory controller under the
# open sampler, and removes the cgroup (the read must say it is gone).

setup() {
	V=$([[ ${SANITIZE-} == 1 ]] && echo asan || echo release)
	[[ -x build/$V/unit/test_sampler ]] || skip "build/$V/unit/test_sampler not built (make unit)"
}

@test "sampler: live cgroup, controller toggled, cgroup removed" {
	run env CGW_LIVE_CGROUP=/sys/fs/cgroup CMOCKA_MESSAGE_OUTPUT=TAP "build/$V/unit/test_sampler"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok 7 - test_live"* ]]
	[[ $output != *"not ok"* ]]
}
