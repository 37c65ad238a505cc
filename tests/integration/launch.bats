#!/usr/bin/env bats
# Launching workloads (issue 4) on a real kernel: namespaces, limits before
# the first instruction, the child's hardening, overlay and volumes, a
# published port, the lifecycle verbs, OOM and restart policies, logs, and
# spec validation. The rootfs is busybox, built here.

load helpers
load launch_helpers

setup_file() {
	make_rootfs
	agent_start --log-max-bytes 8192
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	export CGW_STATE CGW_PARENT CGW_LOG ROOTFS
}

teardown_file() {
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	cgroup_cleanup
}

@test "pid, uts and net namespaces: \$\$ is 1, the hostname is its own, only lo" {
	create '{"name":"ns","command":["/bin/sh","-c","echo pid=$$; echo host=$(hostname); ip -o link | cut -d: -f2 | tr -d \" \"; ip -o link | grep -c UP"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	[ "$(jf .namespaces)" = "$(jq -c . <<<'["pid","mount","uts","ipc","net","cgroup"]' | jq .)" ]
	wait_for ns '.state == "exited"'
	[ "$(jf .exit_code)" = 0 ]
	[ "$(jf .exit_reason)" = exited ]
	logs ns
	echo "$body"
	[ "$(sed -n 1p <<<"$body")" = "pid=1" ]
	[ "$(sed -n 2p <<<"$body")" = "host=ns" ]
	[ "$(sed -n 3p <<<"$body")" = "lo" ]
	[ "$(sed -n 4p <<<"$body")" = "1" ]   # lo is up
	[ "$(wc -l <<<"$body")" = 4 ]         # and there is no other link
	[ "$(hostname)" != ns ]
}

@test "a user namespace: id -u is 0 inside, the host sees the mapped uid" {
	create '{"name":"userns","command":["/bin/sh","-c","id -u; id -g; exec sleep 1000"],
		"namespaces":["user","pid","mount","uts","ipc","net","cgroup"],
		"user":{"uid":0,"gid":0,"uid_map":[{"container":0,"host":100000,"size":65536}],
			"gid_map":[{"container":0,"host":100000,"size":65536}]},
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	pid=$(jf .pid)
	wait_log userns $'0\n0'
	[ "$(stat -c %u "/proc/$pid")" = 100000 ]
	[ "$(stat -c %g "/proc/$pid")" = 100000 ]
	grep -q "^Uid:[[:space:]]*100000[[:space:]]" "/proc/$pid/status"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	req DELETE "/api/v1/workloads/userns?grace=0"
	[ "$code" = 204 ]
	nothing_left userns
}

@test "limits are in place before the first instruction: the workload's first act reads them" {
	create '{"name":"limits","command":["/bin/cat","/sys/fs/cgroup/cpu.max","/sys/fs/cgroup/memory.max"],
		"rootfs":{"path":"'"$ROOTFS"'"},"limits":{"cpu":{"max":"50%"},"memory":{"max":"64M"}}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	[ "$(jf .cgroup)" = "/$CGW_PARENT/workloads/limits" ]
	wait_for limits '.state == "exited"'
	[ "$(jf .exit_code)" = 0 ]
	logs limits
	[ "$body" = $'50000 100000\n67108864' ]
	[ "$(cat "/sys/fs/cgroup/$CGW_PARENT/workloads/limits/memory.max")" = 67108864 ]
}

@test "the child: NoNewPrivs 1, CapInh and CapAmb 0, fds 0 1 2 only, no agent binary" {
	create '{"name":"hard","command":["/bin/grep","-E","^(NoNewPrivs|CapInh|CapAmb)","/proc/self/status"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for hard '.state == "exited"'
	logs hard
	echo "$body"
	grep -qx $'NoNewPrivs:\t1' <<<"$body"
	grep -qx $'CapInh:\t0000000000000000' <<<"$body"
	grep -qx $'CapAmb:\t0000000000000000' <<<"$body"
	# The main process's own descriptors, seen from inside (ls, its
	# child, lists pid 1's) and from the host.
	create '{"name":"fds","command":["/bin/sh","-c","ls /proc/1/fd; readlink /proc/1/exe; exec sleep 1000"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	pid=$(jf .pid)
	wait_log fds busybox
	logs fds
	echo "$body"
	[ "$body" = $'0\n1\n2\n/bin/busybox' ]
	[ "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')" = "0 1 2 " ]
	[ "$(readlink "/proc/$pid/fd/0")" = /dev/null ]
	[[ $(readlink "/proc/$pid/fd/1") == pipe:* ]]
	[[ $(readlink "/proc/$pid/exe") == */bin/busybox ]]
	req POST /api/v1/workloads/fds/kill
	[ "$code" = 200 ]
}

@test "the monitor is the workload's parent, outside its cgroup, in its own session" {
	create '{"name":"mon","command":["/bin/sleep","1000"],"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	pid=$(jf .pid)
	mpid=$(jf .monitor_pid)
	[ "$(awk '{print $4}' "/proc/$pid/stat")" = "$mpid" ]
	[ "$(cat "/proc/$mpid/cgroup")" = "0::/$CGW_PARENT/monitors" ]
	[ "$(cat "/proc/$pid/cgroup")" = "0::/$CGW_PARENT/workloads/mon" ]
	[ "$(awk '{print $6}' "/proc/$mpid/stat")" = "$mpid" ]   # session leader
	[ "$(tr '\0' ' ' <"/proc/$mpid/cmdline")" = "cgwarden monitor mon --log-max-bytes 8192 " ]
	# A cgroup.kill of the workload spares the monitor, which records it.
	echo 1 >"/sys/fs/cgroup/$CGW_PARENT/workloads/mon/cgroup.kill"
	wait_for mon '.state == "exited"'
	[ "$(jf .exit_signal)" = 9 ]
	[ "$(jf .exit_reason)" = signaled ]
}

@test "overlay: writes go to the workload's upper layer, the shared base stays untouched" {
	for n in ov1 ov2; do
		create '{"name":"'$n'","command":["/bin/sh","-c","ls /mine-* 2>/dev/null; echo '$n' >/mine-'$n'; cat /mine-'$n'"],
			"rootfs":{"path":"'"$ROOTFS"'","overlay":true}}'
		[ "$code" = 201 ] || { echo "$body"; false; }
		wait_for $n '.state == "exited"'
		[ "$(jf .exit_code)" = 0 ]
	done
	logs ov1
	[ "$body" = ov1 ]
	logs ov2
	[ "$body" = ov2 ] # ov1's file is not in ov2's view
	[ ! -e "$ROOTFS/mine-ov1" ]
	[ ! -e "$ROOTFS/mine-ov2" ]
	[ "$(cat "$CGW_STATE/workloads/ov1/rootfs/upper/mine-ov1")" = ov1 ]
	# The upper layer outlives a restart of the workload.
	req POST /api/v1/workloads/ov1/start
	[ "$code" = 200 ] || { echo "$body"; false; }
	wait_for ov1 '.state == "exited"'
	logs ov1
	[ "$body" = $'ov1\n/mine-ov1\nov1' ]
}

@test "volumes: a bind mount is writable, a readonly one refuses writes" {
	vol=$(mktemp -d /tmp/cgw-vol.XXXXXX)
	ro=$(mktemp -d /tmp/cgw-ro.XXXXXX)
	echo kept >"$ro/file"
	create '{"name":"vols","command":["/bin/sh","-c","echo rw >/data/new && echo wrote; cat /conf/file; echo x >/conf/file || echo refused"],
		"rootfs":{"path":"'"$ROOTFS"'"},
		"mounts":[{"source":"'"$vol"'","target":"/data"},{"source":"'"$ro"'","target":"/conf","readonly":true}]}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for vols '.state == "exited"'
	logs vols
	[ "$body" = $'wrote\nkept\nrefused' ]
	logs vols stderr
	[[ $body == *"Read-only file system"* ]]
	[ "$(cat "$vol/new")" = rw ]
	[ "$(cat "$ro/file")" = kept ]
	# The targets were made inside the workload's root, not on the host.
	[ ! -e /data ] && [ ! -e /conf ]
}

@test "a published port serves busybox httpd from the workload's net namespace" {
	create '{"name":"web","command":["/bin/httpd","-f","-p","127.0.0.1:80","-h","/www"],
		"rootfs":{"path":"'"$ROOTFS"'"},"ports":[{"host":18080,"container":80}]}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	[ "$(jf '.ports[0].address')" = 127.0.0.1 ]
	for _ in $(seq 100); do
		out=$(curl -fsS http://127.0.0.1:18080/index.html 2>/dev/null) && break
		sleep 0.2
	done
	[ "$out" = "<h1>hello from the workload</h1>" ]
	# The workload's port is in its namespace only, not the host's.
	! ss -ltn | grep -q '127.0.0.1:80 '
	# A second workload may not take the same host port.
	create '{"name":"web2","command":["/bin/true"],"rootfs":{"path":"'"$ROOTFS"'"},"ports":[{"host":18080,"container":80}]}'
	expect_error 409 'ports[0].host'
	nothing_left web2
	# After a restart of the workload (a new net namespace) it still serves.
	req POST "/api/v1/workloads/web/stop?grace=0"
	[ "$(jf .state)" = exited ]
	! curl -fsS -m 5 http://127.0.0.1:18080/index.html
	req POST /api/v1/workloads/web/start
	[ "$code" = 200 ]
	for _ in $(seq 100); do
		out=$(curl -fsS http://127.0.0.1:18080/index.html 2>/dev/null) && break
		sleep 0.2
	done
	[ "$out" = "<h1>hello from the workload</h1>" ]
	req DELETE "/api/v1/workloads/web?grace=0"
	[ "$code" = 204 ]
	! curl -fsS -m 5 http://127.0.0.1:18080/index.html
}

@test "stop: SIGTERM first; cgroup.kill once the grace is over" {
	# As pid 1 of its namespace, sh without a handler ignores SIGTERM.
	create '{"name":"stubborn","command":["/bin/sleep","1000"],"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ]
	start=$(date +%s%N)
	req POST "/api/v1/workloads/stubborn/stop?grace=2"
	end=$(date +%s%N)
	[ "$code" = 200 ] || { echo "$body"; false; }
	[ "$(jf .state)" = exited ]
	[ "$(jf .exit_signal)" = 9 ]
	[ "$(jf .exit_reason)" = stopped ]
	[ $(((end - start) / 1000000)) -ge 2000 ] # not before the grace
	# One that handles SIGTERM ends by itself, within the grace.
	create '{"name":"polite","command":["/bin/sh","-c","trap \"echo bye; exit 0\" TERM; echo ready; while :; do sleep 0.1; done"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ]
	wait_log polite ready
	req POST "/api/v1/workloads/polite/stop?grace=60"
	[ "$code" = 200 ]
	[ "$(jf .exit_code)" = 0 ]
	[ "$(jf .exit_reason)" = stopped ]
	logs polite
	[ "$body" = $'ready\nbye' ]
	# Stopping what has stopped answers its state.
	req POST /api/v1/workloads/polite/stop
	[ "$code" = 200 ]
	[ "$(jf .state)" = exited ]
	req POST /api/v1/workloads/polite/kill
	expect_error 409 name
	req POST "/api/v1/workloads/polite/stop?grace=301"
	expect_error 400 grace
}

@test "freeze and thaw show in cgroup.events" {
	create '{"name":"ice","command":["/bin/sh","-c","while :; do echo tick; sleep 0.2; done"],"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ]
	ev=/sys/fs/cgroup/$CGW_PARENT/workloads/ice/cgroup.events
	req POST /api/v1/workloads/ice/freeze
	[ "$code" = 200 ]
	[ "$(jf .state)" = frozen ]
	grep -qx 'frozen 1' "$ev"
	logs ice
	n1=$(grep -c tick <<<"$body")
	sleep 1
	logs ice
	[ "$(grep -c tick <<<"$body")" = "$n1" ] # nothing runs while frozen
	req POST /api/v1/workloads/ice/thaw
	[ "$code" = 200 ]
	[ "$(jf .state)" = running ]
	grep -qx 'frozen 0' "$ev"
	for _ in $(seq 100); do
		logs ice
		[ "$(grep -c tick <<<"$body")" -gt "$n1" ] && break
		sleep 0.1
	done
	[ "$(grep -c tick <<<"$body")" -gt "$n1" ]
	# A frozen workload still stops (the monitor thaws it for SIGTERM).
	req POST /api/v1/workloads/ice/freeze
	req POST "/api/v1/workloads/ice/stop?grace=1"
	[ "$code" = 200 ]
	[ "$(jf .state)" = exited ]
	req POST /api/v1/workloads/ice/freeze
	expect_error 409 name
}

@test "a memory hog under memory.max ends oom-killed" {
	create '{"name":"hog","command":["/bin/dd","if=/dev/zero","of=/dev/null","bs=256M","count=1"],
		"rootfs":{"path":"'"$ROOTFS"'"},"limits":{"memory":{"max":"32M","swap_max":"0"}}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for hog '.state == "exited"'
	[ "$(jf .exit_signal)" = 9 ]
	[ "$(jf .exit_reason)" = oom-killed ]
	grep -q '^oom_kill [1-9]' "/sys/fs/cgroup/$CGW_PARENT/workloads/hog/memory.events"
}

@test "restart=on-failure restarts with a growing backoff, never after success" {
	create '{"name":"flaky","command":["/bin/sh","-c","echo run; exit 3"],"rootfs":{"path":"'"$ROOTFS"'"},
		"restart":{"policy":"on-failure","backoff_ms":200,"backoff_max_ms":800}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for flaky '.restarts >= 4'
	[ "$(jf .exit_code)" = 3 ] || [ "$(jf .state)" = running ]
	grep -o 'monitor flaky: pid [0-9]* ended (code 3, exited), restarting in [0-9]* ms' "$CGW_LOG" |
		awk '{print $(NF-1)}' | head -5 >"$BATS_TEST_TMPDIR/backoff"
	cat "$BATS_TEST_TMPDIR/backoff"
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/backoff")" = "200 400 800 800 800 " ]
	logs flaky
	[ "$(grep -c run <<<"$body")" -ge 5 ]
	# The operator's stop ends it for good.
	req POST "/api/v1/workloads/flaky/stop?grace=0"
	[ "$code" = 200 ]
	n=$(jf .restarts)
	sleep 2
	get flaky
	[ "$(jf .state)" = exited ]
	[ "$(jf .restarts)" = "$n" ]

	create '{"name":"fine","command":["/bin/sh","-c","echo ok"],"rootfs":{"path":"'"$ROOTFS"'"},
		"restart":{"policy":"on-failure","backoff_ms":100}}'
	[ "$code" = 201 ]
	wait_for fine '.state == "exited" and .monitor_pid == null'
	sleep 1
	get fine
	[ "$(jf .restarts)" = 0 ]
	[ "$(jf .exit_code)" = 0 ]
	[ "$(jf .restart_at)" = null ]

	create '{"name":"again","command":["/bin/sh","-c","echo ok"],"rootfs":{"path":"'"$ROOTFS"'"},
		"restart":{"policy":"always","backoff_ms":100}}'
	[ "$code" = 201 ]
	wait_for again '.restarts >= 2'
	req POST /api/v1/workloads/again/kill
	[ "$code" = 200 ]
	[ "$(jf .state)" = exited ]
}

@test "logs: per stream, tail=N, rotated at --log-max-bytes" {
	create '{"name":"chatty","command":["/bin/sh","-c","i=0; while [ $i -lt 1000 ]; do echo line $i; i=$((i+1)); done; echo oops >&2"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ]
	wait_for chatty '.state == "exited"'
	dir=$CGW_STATE/workloads/chatty
	[ -e "$dir/stdout.log.1" ]
	[ "$(stat -c %s "$dir/stdout.log")" -le 8192 ]
	[ "$(stat -c %s "$dir/stdout.log.1")" -le 8192 ]
	logs chatty stdout 3
	[ "$body" = $'line 997\nline 998\nline 999' ]
	logs chatty stderr
	[ "$body" = oops ]
	logs chatty
	[ "$(tail -n1 <<<"$body")" = "line 999" ]
	req GET "/api/v1/workloads/chatty/logs?stream=both"
	expect_error 400 stream
	req GET "/api/v1/workloads/chatty/logs?tail=x"
	expect_error 400 tail
	req GET /api/v1/workloads/nope/logs
	expect_error 404 name
}

@test "list, get, delete with keep-logs" {
	req GET /api/v1/workloads
	[ "$code" = 200 ]
	jq -e '.workloads | map(.name) | index("chatty")' <<<"$body"
	req DELETE "/api/v1/workloads/chatty?keep-logs"
	[ "$code" = 204 ]
	nothing_left chatty
	ls "$CGW_STATE"/logs/chatty-*/stdout.log
	get chatty
	expect_error 404 name
	req GET /api/v1/workloads/..
	[ "$code" = 400 ] || [ "$code" = 404 ]
}

@test "invalid specs: 400 naming the field, nothing left behind" {
	before=$(workload_cgroups)
	before_state=$(ls "$CGW_STATE/workloads")
	check() { # SPEC FIELD
		create "$1"
		expect_error 400 "$2"
		[ "$(workload_cgroups)" = "$before" ]
		[ "$(ls "$CGW_STATE/workloads")" = "$before_state" ]
	}
	check '{"name":"../x","command":["/bin/true"]}' name
	check '{"name":"Bad","command":["/bin/true"]}' name
	check '{"name":"memory.max","command":["/bin/true"]}' name
	check '{"command":["/bin/true"]}' name
	check '{"name":"rel","command":["sh","-c","true"]}' 'command[0]'
	check '{"name":"empty","command":[]}' command
	check '{"name":"ns","command":["/bin/true"],"namespaces":["pid","mount","bogus"]}' 'namespaces[2]'
	check '{"name":"ns2","command":["/bin/true"],"namespaces":["pid","pid"]}' 'namespaces[1]'
	check '{"name":"nofs","command":["/bin/true"],"rootfs":{"path":"/nonexistent/rootfs"}}' rootfs.path
	check '{"name":"relfs","command":["/bin/true"],"rootfs":{"path":"rootfs"}}' rootfs.path
	check '{"name":"fsnomnt","command":["/bin/true"],"namespaces":["pid"],"rootfs":{"path":"/tmp"}}' rootfs
	check '{"name":"lim","command":["/bin/true"],"limits":{"memory":{"max":"lots"}}}' limits.memory.max
	check '{"name":"lim2","command":["/bin/true"],"limits":[]}' limits
	check '{"name":"key","command":["/bin/true"],"colour":"blue"}' colour
	check '{"name":"mnt","command":["/bin/true"],"mounts":[{"source":"/nonexistent","target":"/x"}]}' 'mounts[0].source'
	check '{"name":"mnt2","command":["/bin/true"],"mounts":[{"source":"/tmp","target":"/../etc"}]}' 'mounts[0].target'
	check '{"name":"port","command":["/bin/true"],"ports":[{"host":0,"container":80}]}' 'ports[0].host'
	check '{"name":"port2","command":["/bin/true"],"namespaces":["pid"],"ports":[{"host":8080,"container":80}]}' ports
	check '{"name":"usr","command":["/bin/true"],"namespaces":["user"],"user":{"uid":0}}' user.uid_map
	check '{"name":"rst","command":["/bin/true"],"restart":"sometimes"}' restart
	check '{"name":"env","command":["/bin/true"],"env":{"A=B":"c"}}' 'env.A=B'
	# Found only at launch: still a 400, still nothing left.
	check '{"name":"noexec","command":["/nope"],"rootfs":{"path":"'"$ROOTFS"'"}}' 'command[0]'
	check '{"name":"nocwd","command":["/bin/true"],"cwd":"/nonexistent","rootfs":{"path":"'"$ROOTFS"'"}}' cwd
	req POST /api/v1/workloads '[1,2]'
	expect_error 400 body
}

@test "a name exists once: 409 for a second create" {
	create '{"name":"twice","command":["/bin/sleep","1000"],"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ]
	pid=$(jf .pid)
	create '{"name":"twice","command":["/bin/true"]}'
	expect_error 409 name
	get twice
	[ "$(jf .pid)" = "$pid" ]
	req POST /api/v1/workloads/twice/start
	expect_error 409 name
}

@test "without a rootfs the workload sees the host's files, with its own /proc" {
	create '{"name":"hostfs","command":["/bin/sh","-c","cat /etc/debian_version >/dev/null && echo host-files; echo $$; ls /proc | grep -c \"^[0-9]\""]}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for hostfs '.state == "exited"'
	logs hostfs
	echo "$body"
	[ "$(sed -n 1p <<<"$body")" = host-files ]
	[ "$(sed -n 2p <<<"$body")" = 1 ]
	[ "$(sed -n 3p <<<"$body")" -le 3 ] # its own pid namespace only
}

@test "time and no namespaces at all" {
	create '{"name":"timens","command":["/bin/sh","-c","readlink /proc/self/ns/time"],"namespaces":["time","mount","pid"],
		"rootfs":{"path":"'"$ROOTFS"'"}}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for timens '.state == "exited"'
	logs timens
	[ "$body" != "$(readlink /proc/self/ns/time)" ]
	create '{"name":"bare","command":["/bin/sh","-c","readlink /proc/self/ns/net"],"namespaces":[]}'
	[ "$code" = 201 ] || { echo "$body"; false; }
	wait_for bare '.state == "exited"'
	logs bare
	[ "$body" = "$(readlink /proc/self/ns/net)" ]
}
