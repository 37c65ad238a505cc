# Helpers of the workload tests (launch*.bats), on top of helpers.bash.

# A busybox rootfs, built by the tests themselves (once per VM boot).
ROOTFS=/tmp/cgw-busybox-rootfs

make_rootfs() {
	[[ -x $ROOTFS/bin/sh ]] && return 0
	mkdir -p "$ROOTFS"/{bin,dev,proc,sys,tmp,etc,www,vol,root}
	cp /bin/busybox "$ROOTFS/bin/busybox"
	# chroot, so the links point at /bin/busybox inside the rootfs.
	chroot "$ROOTFS" /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
	echo 'root:x:0:' >"$ROOTFS/etc/group"
	echo '<h1>hello from the workload</h1>' >"$ROOTFS/www/index.html"
	chmod 1777 "$ROOTFS/tmp"
}

# create JSON: POST /api/v1/workloads.
create() { req POST /api/v1/workloads "$1"; }

# get NAME: GET the workload into $body.
get() { req GET "/api/v1/workloads/$1"; }

# jf FILTER: a field of the last $body.
jf() { jq -r "$1" <<<"$body"; }

# wait_for NAME JQ [SECONDS]: polls the workload until the jq expression is
# true (the VM is slow: generous bounds, never a speed assertion).
wait_for() {
	local name=$1 expr=$2 limit=${3:-60} i
	for ((i = 0; i < limit * 10; i++)); do
		get "$name"
		[[ $code == 200 && $(jq -r "$expr" <<<"$body") == true ]] && return 0
		sleep 0.1
	done
	echo "wait_for $name '$expr' timed out: $code $body" >&2
	return 1
}

# logs NAME [stdout|stderr] [TAIL]: the workload's log into $body.
logs() {
	local q="stream=${2:-stdout}"
	[[ -n ${3-} ]] && q+="&tail=$3"
	req GET "/api/v1/workloads/$1/logs?$q"
}

# wait_log NAME TEXT [SECONDS]: until stdout holds TEXT.
wait_log() {
	local i
	for ((i = 0; i < ${3:-60} * 10; i++)); do
		logs "$1"
		[[ $body == *"$2"* ]] && return 0
		sleep 0.1
	done
	echo "wait_log $1 '$2' timed out: $body" >&2
	return 1
}

# nothing_left NAME: no cgroup and no state directory of NAME.
nothing_left() {
	[[ ! -e /sys/fs/cgroup/$CGW_PARENT/workloads/$1 ]] || { echo "cgroup of $1 left behind" >&2; return 1; }
	[[ ! -e $CGW_STATE/workloads/$1 ]] || { echo "state of $1 left behind" >&2; return 1; }
}

# workload_cgroups: the names of the cgroups below <parent>/workloads.
workload_cgroups() {
	find "/sys/fs/cgroup/$CGW_PARENT/workloads" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort
}

# restart_agent [FLAG...]: kill -9 the agent and start it again on the same
# state directory and cgroup parent.
kill_agent() {
	kill -9 "$CGW_PID"
	wait "$CGW_PID" 2>/dev/null || true
	CGW_PID=
}

# batch METHOD PATH [BODY-FILE]...: many requests through one curl (one
# connection; the VM is slow at exec): each argument is "METHOD PATH" or
# "METHOD PATH @FILE". The status codes, one per line, go to $BATS_TEST_TMPDIR/codes.
batch() {
	local cfg=$BATS_TEST_TMPDIR/batch.cfg m p f tok
	tok=$(token)
	: >"$cfg"
	for a in "$@"; do
		read -r m p f <<<"$a"
		[[ -s $cfg ]] && echo next >>"$cfg"
		{
			echo "request = \"$m\""
			echo "url = \"http://127.0.0.1:$CGW_PORT$p\""
			echo "header = \"Authorization: Bearer $tok\""
			echo "output = \"/dev/null\""
			echo "write-out = \"%{http_code}\\n\""
			[[ -n $f ]] && echo "header = \"Content-Type: application/json\"" && echo "data-binary = \"$f\""
		} >>"$cfg"
	done
	curl -sS -K "$cfg" >"$BATS_TEST_TMPDIR/codes"
}
