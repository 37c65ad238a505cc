#!/bin/bash
# tests/fuzz/seeds.sh: fills tests/fuzz/seeds/<target>/ (fuzz_<target>) with
# copies of the fixtures each parser reads, captured and derived, one copy
# per distinct content, named after its fixture path. Run it after the
# fixtures change (tests/fixtures/capture.sh, derive.sh).
set -euo pipefail
cd "$(dirname "$0")"
fx=../fixtures/linux-6.1

# seed TARGET PATTERN...: the fixtures whose file name matches a pattern.
seed() {
	local target=$1 f name sum
	shift
	mkdir -p "seeds/$target"
	declare -A seen=()
	for f in $(cd "$fx" && find . -type f | sort); do
		name=${f##*/}
		for p in "$@"; do
			# shellcheck disable=SC2053
			[[ $name == $p ]] || continue
			sum=$(sha1sum <"$fx/$f" | cut -c1-40)
			[[ -z ${seen[$sum]-} ]] || continue
			seen[$sum]=1
			f=${f#./}
			cp "$fx/$f" "seeds/$target/${f//\//_}"
		done
	done
}

rm -rf seeds
seed num 'memory.current' 'memory.max' 'cpu.weight' 'pids.current'
seed lines 'cgroup.procs' 'memory.current*' 'memory.max*' 'pids.max'
seed words 'cpu.max*' 'cgroup.controllers' 'cgroup.subtree_control'
seed flat 'cpu.stat*' 'memory.stat*' 'memory.events*' 'pids.events*' 'cgroup.events*' 'cgroup.stat*'
seed nested 'io.stat*' 'io.max*' '*.pressure*' 'cpu' 'memory' 'io'
seed psi '*.pressure*' 'cpu' 'memory' 'io'
seed cpu_stat 'cpu.stat*'
seed cpu_max 'cpu.max*'
seed cpu_weight 'cpu.weight*'
seed memory_stat 'memory.stat*'
seed memory_events 'memory.events*'
seed io_stat 'io.stat*'
seed io_max 'io.max*'
seed io_weight 'io.weight*'
seed io_uevent 'uevent*'
seed pids_events 'pids.events*'
seed cgroup_events 'cgroup.events*'
seed cgroup_stat 'cgroup.stat*'
seed cpuset_list 'cpuset.*s' 'cpuset.*.effective*'
seed host_stat 'stat' 'stat.*'
seed host_meminfo 'meminfo*'
for d in seeds/*; do echo "$d: $(ls "$d" | wc -l)"; done
