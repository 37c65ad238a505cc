#!/usr/bin/env bats
# The poller on the real kernel: what /metrics and /api/v1/cgroups serve
# for cgroups under load equals the kernel's files (tests/integration/
# poller_check.py compares every family), a 1-core busy loop reads as 1.0
# core, promtool accepts the output at 100 cgroups, and watched cgroups come
# and go within two intervals with no 5xx meanwhile (also when one is removed
# and made again under the same path).

load helpers

CG=/sys/fs/cgroup
W=cgw-poll

setup_file() {
	echo "+cpu +memory +pids +io" >$CG/cgroup.subtree_control
	mkdir -p $CG/$W
	echo "+cpu +memory +pids +io" >$CG/$W/cgroup.subtree_control
	export CGW_PORT=9871
	agent_start --watch $W --poll-interval 1s
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	export CGW_STATE CGW_PARENT CGW_LOG
}

teardown_file() {
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	cgroup_cleanup
	[[ -e $CG/$W/cgroup.kill ]] && echo 1 >$CG/$W/cgroup.kill
	sleep 0.3
	umount "$BATS_FILE_TMPDIR/disk" 2>/dev/null || true
	find $CG/$W -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

# in_cgroup ID CMD...: runs CMD in the background inside cgroup ID.
in_cgroup() {
	local id=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$id" "$@" >/dev/null 2>&1 &
}

# sleep_until T0_NS SECONDS: sleeps until SECONDS after T0_NS (date +%s%N),
# not at all if that has passed.
sleep_until() {
	local left
	left=$(echo "$2 - ($(date +%s%N) - $1) / 1000000000" | bc -l)
	if (($(echo "$left > 0" | bc -l))); then sleep "$left"; fi
}

# metric NAME ID: the value /metrics serves for the family and cgroup id.
metric() {
	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" | awk -v n="$1" -v id="$2" \
		'$1 ~ "^" n "\\{" && index($1, "id=\"" id "\"") { print $2; exit }'
}

@test "stress-ng cpu, vm, hdd and fork: /metrics and /api/v1/cgroups equal the kernel's files, live and frozen" {
	command -v stress-ng >/dev/null || skip "stress-ng missing"
	mkfs.ext4 -q -F /dev/vda
	mkdir -p "$BATS_FILE_TMPDIR/disk"
	mount /dev/vda "$BATS_FILE_TMPDIR/disk"
	for g in cpu vm hdd fork; do mkdir -p $CG/$W/$g; done
	in_cgroup $W/cpu stress-ng --cpu 1 --timeout 120
	in_cgroup $W/vm stress-ng --vm 1 --vm-bytes 48M --timeout 120
	in_cgroup $W/hdd stress-ng --hdd 1 --hdd-bytes 8M --temp-path "$BATS_FILE_TMPDIR/disk" --timeout 120
	in_cgroup $W/fork stress-ng --fork 1 --timeout 120
	sleep 4
	ids=(/$W/cpu /$W/vm /$W/hdd /$W/fork /$W)
	run /usr/bin/python3 tests/integration/poller_check.py "$CGW_PORT" live "${ids[@]}"
	echo "$output"
	echo "$output" | grep '^# live' >&3
	[ "$status" -eq 0 ]
	# The hdd group wrote to /dev/vda, by name.
	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" | grep -E "^container_fs_writes_bytes_total\{id=\"/$W/hdd\",name=\"hdd\",device=\"/dev/vda\"\} [1-9]"
	for g in cpu vm hdd fork; do echo 1 >$CG/$W/$g/cgroup.freeze; done
	for g in cpu vm hdd fork; do
		for _ in $(seq 1 100); do grep -q '^frozen 1' $CG/$W/$g/cgroup.events && break; sleep 0.1; done
		grep -q '^frozen 1' $CG/$W/$g/cgroup.events
	done
	sleep 2.5
	run /usr/bin/python3 tests/integration/poller_check.py "$CGW_PORT" frozen "${ids[@]}"
	echo "$output"
	echo "$output" | grep '^# frozen' >&3
	[ "$status" -eq 0 ]
	for g in cpu vm hdd fork; do echo 1 >$CG/$W/$g/cgroup.kill; done
}

# usage ID: "<snapshot time in ms> <usage_usec>" of cgroup ID from the API.
usage() {
	curl -fsS "http://127.0.0.1:$CGW_PORT/api/v1/cgroups" |
		jq -r --arg id "$1" '"\(.time_ms) \(.cgroups[] | select(.id == $id) | .cpu.usage_usec)"'
}

@test "a 1-core busy loop reads 1.0 +- 0.1 cores from the served cpu usage" {
	mkdir -p $CG/$W/spin
	in_cgroup $W/spin sh -c 'while :; do :; done'
	sleep 2
	read -r t0 a < <(usage /$W/spin)
	sleep 10
	read -r t1 b < <(usage /$W/spin)
	m=$(metric container_cpu_usage_seconds_total /$W/spin)
	echo 1 >$CG/$W/spin/cgroup.kill
	# Over the snapshots' own times, as Prometheus' rate() does with scrape times.
	rate=$(echo "($b - $a) / 1000 / ($t1 - $t0)" | bc -l)
	printf '# busy loop: %.3f cores over %d ms of snapshots\n' "$rate" $((t1 - t0)) >&3
	(($(echo "$rate >= 0.9 && $rate <= 1.1" | bc -l)))
	# /metrics serves the same counter in seconds.
	(($(echo "$m >= $b / 1000000" | bc -l)))
}

@test "promtool check metrics accepts the output with 100 cgroups" {
	mkdir -p $CG/$W/many
	echo "+cpu +memory +pids +io" >$CG/$W/many/cgroup.subtree_control
	for i in $(seq 1 100); do mkdir $CG/$W/many/c$i; done
	sleep 2.5
	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" >"$BATS_TEST_TMPDIR/m"
	n=$(grep -c '^container_memory_usage_bytes{id="/'$W'/many/c' "$BATS_TEST_TMPDIR/m")
	echo "# 100 cgroups: $n served, $(wc -c <"$BATS_TEST_TMPDIR/m") bytes of /metrics" >&3
	[ "$n" -eq 100 ]
	promtool check metrics <"$BATS_TEST_TMPDIR/m"
	[ "$(grep '^cgwarden_scrape_cgroups ' "$BATS_TEST_TMPDIR/m" | awk '{print $2}')" -ge 101 ]
	grep -q '^cgwarden_poll_duration_seconds_count [1-9]' "$BATS_TEST_TMPDIR/m"
	sleep 2
	curl -fsS "http://127.0.0.1:$CGW_PORT/api/v1/cgroups" | jq -r '"# a poll of \(.cgroups | length) cgroups took \(.duration_us) us"' >&3
	for i in $(seq 1 100); do rmdir $CG/$W/many/c$i; done
}

@test "a low open files limit: samplers kept open within the budget, the rest read each round, the API answers" {
	mkdir -p $CG/$W/lowfd
	echo "+memory" >$CG/$W/lowfd/cgroup.subtree_control
	mkdir $(seq -f "$CG/$W/lowfd/c%.0f" 1 100)
	for i in $(seq 1 100); do echo $((i * 1048576)) >$CG/$W/lowfd/c$i/memory.max; done
	st=$(mktemp -d /tmp/cgw-lowfd.XXXXXX)
	# 1500 descriptors, less room for 64 HTTP connections, 2 x 256 proxied
	# ones, 4 for each of 10 workloads and 256 more: 628, 29 a cgroup (28
	# files and the directory): 21 cgroups kept open of the 101.
	prlimit --nofile=1500:1500 "$CGW" --listen 127.0.0.1:9873 --state-dir "$st" --cgroup-parent cgw-test/lowfd \
		--watch $W/lowfd --max-connections 64 --max-workloads 10 --poll-interval 500ms >"$st/log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:9873/healthz 2>/dev/null && break; sleep 0.1; done
	echo 4242 >$CG/$W/lowfd/c99/memory.max # c99 sorts last: not kept
	sleep 2
	curl -fsS http://127.0.0.1:9873/metrics >"$BATS_TEST_TMPDIR/m"
	unkept=$(awk '$1 == "cgwarden_poll_cgroups_unkept" { print $2 }' "$BATS_TEST_TMPDIR/m")
	fds=$(ls /proc/$pid/fd | wc -l)
	echo "# 101 cgroups under 1500 open files: $unkept opened each round, the agent holds $fds descriptors" >&3
	[ "$unkept" = 80 ]
	[ "$fds" -lt $((1500 - 64 - 512 - 40)) ]
	[ "$(grep -c 'poller: 80 cgroups past the 21 kept open' "$st/log")" = 1 ]
	# Every cgroup served with its own value, kept open or not.
	curl -fsS http://127.0.0.1:9873/api/v1/cgroups |
		jq -r '.cgroups[] | select(.id | startswith("/'$W'/lowfd/c")) | "\(.id) \(.limits.memory.max)"' |
		sort >"$BATS_TEST_TMPDIR/got"
	for i in $(seq 1 100); do
		v=$((i * 1048576))
		[ $i = 99 ] && v=4096 # 4242, in whole pages
		echo "/$W/lowfd/c$i $v"
	done | sort >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# 40 scrapers at once all answered: the poller left them descriptors.
	seq 1 40 | xargs -P 40 -I{} curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9873/metrics >"$BATS_TEST_TMPDIR/codes"
	[ "$(grep -c '^200$' "$BATS_TEST_TMPDIR/codes")" = 40 ]
	kill -TERM $pid
	wait $pid || true
	sanitizer_clean "$st/log"
	rmdir $CG/$W/lowfd/c* $CG/$W/lowfd $CG/cgw-test/lowfd/workloads $CG/cgw-test/lowfd 2>/dev/null || true
}

# after_deadline WHAT OP CODE: runs OP (mkdir or rmdir) on $W/comes; 2.1 s
# later GET of its id must answer CODE, and /metrics have it (200) or not.
after_deadline() {
	local t0 code late
	t0=$(date +%s%N)
	"$2" $CG/$W/comes
	sleep_until "$t0" 2.1
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$W/comes")
	late=$((($(date +%s%N) - t0) / 1000000))
	echo "# $1: $code when asked $late ms after the $2" >&3
	[ "$code" = "$3" ]
	if [ "$3" = 200 ]; then
		curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" | grep "id=\"/$W/comes\"" >/dev/null
	else
		! curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" | grep "id=\"/$W/comes\"" >/dev/null
	fi
}

@test "a cgroup created under a watch root appears within 2 intervals; removed, it goes; never a 5xx" {
	: >"$BATS_TEST_TMPDIR/codes"
	# A steady load of readers (niced, so the poller is not starved of the
	# emulated CPUs: what is measured is discovery, not the guest's scheduler).
	(
		end=$((SECONDS + 30))
		while ((SECONDS < end)) && [[ ! -e $BATS_TEST_TMPDIR/stop ]]; do
			for p in /metrics /api/v1/cgroups /api/v1/cgroups/$W/comes; do
				nice -n 10 curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$CGW_PORT$p" >>"$BATS_TEST_TMPDIR/codes"
			done
			sleep 0.05
		done
	) &
	load_pid=$!
	# Deadlines, not stopwatches: 2.1 s (2 intervals and a margin) after the
	# mkdir the cgroup must be served, 2.1 s after the rmdir it must be gone.
	# A slow observer (this guest's curl) can only make either easier, never
	# harder, so the check says what the agent does.
	for round in 1 2 3; do
		after_deadline "round $round" mkdir 200
		after_deadline "round $round" rmdir 404
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$load_pid"
	codes=$(sort "$BATS_TEST_TMPDIR/codes" | uniq -c | tr '\n' ' ')
	echo "# answers meanwhile: $codes" >&3
	! grep -q '^5' "$BATS_TEST_TMPDIR/codes"
	! grep -q '^000' "$BATS_TEST_TMPDIR/codes"
	[ -n "$(grep -c '^200' "$BATS_TEST_TMPDIR/codes")" ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$W/comes")" = 404 ]
}

@test "a cgroup removed and made again under the same path is read afresh, not lost" {
	mkdir $CG/$W/again
	echo 11111111 >$CG/$W/again/memory.max
	# seen with its first limit: the poller has its files open
	for _ in $(seq 50); do
		req GET /api/v1/cgroups/$W/again
		[[ $code == 200 && $(jq -r .limits.memory.max <<<"$body") == 11108352 ]] && break
		sleep 0.2
	done
	[ "$(jq -r .limits.memory.max <<<"$body")" = 11108352 ]
	# Gone and back within one interval: the walk sees the same path, but
	# the files held open are the dead cgroup's.
	rmdir $CG/$W/again
	mkdir $CG/$W/again
	echo 22222222 >$CG/$W/again/memory.max
	sleep 3.1
	req GET /api/v1/cgroups/$W/again
	echo "# 3.1 s later: $code $(jq -c .limits.memory <<<"$body")" >&3
	[ "$code" = 200 ]
	[ "$(jq -r .limits.memory.max <<<"$body")" = 22220800 ]
	rmdir $CG/$W/again
}

# seen_within SECONDS ID: ID is served within SECONDS; prints how long it took.
seen_within() {
	local t0=$SECONDS
	while ((SECONDS - t0 <= $1)); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$2")" = 200 ] &&
			{ echo "# $2 served after <= $((SECONDS - t0 + 1)) s" >&3; return 0; }
		sleep 0.2
	done
	return 1
}

@test "the walk skips unchanged subtrees, yet finds one removed and another made in one interval; no bind mount" {
	mkdir -p $CG/$W/ren/a $CG/$W/ren/keep
	seen_within 3 $W/ren/a
	# Same count of descendants as before: the removed one's failed read
	# is what sends the walk down again.
	rmdir $CG/$W/ren/a
	mkdir $CG/$W/ren/b
	seen_within 4 $W/ren/b
	# cgroup v2 refuses renames, so a count and a failed read see every
	# change (the full walk every 10 rounds is a net behind them).
	! mv $CG/$W/ren/b $CG/$W/ren/c 2>/dev/null
	# A group bound in from outside the watch root is not below it.
	mkdir -p $CG/cgw-poll-outside $CG/$W/ren/bound
	mount --bind $CG/cgw-poll-outside $CG/$W/ren/bound
	# Gone by the next full walk at the latest (the directory under the
	# mount may have been seen before it).
	for _ in $(seq 1 65); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$W/ren/bound")" = 404 ] && break
		sleep 0.2
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$W/ren/bound")" = 404 ]
	sleep 2.5
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups/$W/ren/bound")" = 404 ]
	umount $CG/$W/ren/bound # not busy: the poller holds nothing in it
	seen_within 3 $W/ren/bound
	rmdir $CG/$W/ren/bound $CG/$W/ren/b $CG/$W/ren/keep $CG/$W/ren $CG/cgw-poll-outside
}

@test "GET /api/v1/cgroups: a workload is managed and named; ?id= and bad ids answer clear errors" {
	req POST /api/v1/workloads '{"name":"polled","command":["/bin/sleep","1000"],"namespaces":[]}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	sleep 2.5
	req GET /api/v1/cgroups
	[ "$code" = 200 ]
	id=$(jq -r '.cgroups[] | select(.workload == "polled" and .managed) | .id' <<<"$body")
	[ "$id" = "/$CGW_PARENT/workloads/polled" ]
	[ "$(jq -r '.cgroups[] | select(.managed and .workload == "polled") | .name' <<<"$body")" = polled ]
	[ "$(jq -r '.host.cpus' <<<"$body")" -ge 1 ]
	req GET "/api/v1/cgroups?id=$id"
	[ "$code" = 200 ]
	[ "$(jq -r .pids.current <<<"$body")" = "$(cat $CG$id/pids.current)" ]
	req GET "/api/v1/cgroups$id"
	[ "$code" = 200 ]
	[ "$(jq -r .name <<<"$body")" = polled ]
	curl -fsS "http://127.0.0.1:$CGW_PORT/metrics" | grep -q "^cgwarden_pids_current{id=\"$id\",name=\"polled\"} 1$"
	req GET /api/v1/cgroups/no/such/group
	expect_error 404 id
	req GET '/api/v1/cgroups?id='
	expect_error 400 id
	req GET '/api/v1/cgroups?id=%zz'
	expect_error 400 id
	req POST /api/v1/workloads/polled/kill
	req DELETE /api/v1/workloads/polled
}

@test "SIGHUP: new watch roots and poll interval from the config file apply without a restart" {
	mkdir -p $CG/$W/hup-a $CG/$W/hup-b
	st=$(mktemp -d /tmp/cgw-hup.XXXXXX)
	echo '{"watch":["'$W'/hup-a"],"poll_interval":"1s"}' >"$st/cfg.json"
	"$CGW" --config "$st/cfg.json" --listen 127.0.0.1:9872 --state-dir "$st" --cgroup-parent cgw-test/hup \
		>"$st/log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do curl -fsS -o /dev/null http://127.0.0.1:9872/healthz 2>/dev/null && break; sleep 0.1; done
	ids() { curl -fsS http://127.0.0.1:9872/api/v1/cgroups | jq -c '[.cgroups[].id | select(startswith("/'$W'/"))]'; }
	[ "$(ids)" = '["/'$W'/hup-a"]' ]
	echo '{"watch":["'$W'/hup-b"],"poll_interval":"500ms"}' >"$st/cfg.json"
	kill -HUP $pid
	for _ in $(seq 1 50); do [ "$(ids)" = '["/'$W'/hup-b"]' ] && break; sleep 0.1; done
	[ "$(ids)" = '["/'$W'/hup-b"]' ]
	[ "$(curl -fsS http://127.0.0.1:9872/api/v1/cgroups | jq .interval_ms)" = 500 ]
	# The limits routes follow the new roots too.
	[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9872/api/v1/cgroups/$W/hup-a/limits)" = 403 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9872/api/v1/cgroups/$W/hup-b/limits)" = 200 ]
	kill -TERM $pid
	wait $pid || true
	sanitizer_clean "$st/log"
	rmdir $CG/cgw-test/hup/workloads $CG/cgw-test/hup 2>/dev/null || true
}
