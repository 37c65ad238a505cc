# Shared helpers for host-side tests: they drive an agent that runs in a VM,
# reached through a forwarded port, as a user on this machine would.

CGW_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# vm_agent_start HOSTPORT [AGENT FLAG...]: boots a VM running the agent with
# its port forwarded to 127.0.0.1:HOSTPORT; waits for /healthz. The token is
# written to $VM_SHARE/token (a directory shared writable with the VM).
vm_agent_start() {
	local port=$1
	shift
	export VM_PORT=$port
	export VM_SHARE=${VM_SHARE:-$(mktemp -d "$CGW_TOP/build/vm-share.XXXXXX")}
	VM_LOG=$VM_SHARE/vm.log
	(cd "$CGW_TOP" && exec tests/vm/run -p "$port:9851" -w "$VM_SHARE" -t 1800 -- \
		sh -c 'agent/cgwarden --listen 127.0.0.1:9851 --state-dir /var/lib/cgwarden "$@" & pid=$!;
			while [ ! -s /var/lib/cgwarden/token ]; do sleep 0.2; done;
			cp /var/lib/cgwarden/token '"$VM_SHARE"'/token; wait $pid' sh "$@") >"$VM_LOG" 2>&1 3>&- &
	# Exported, and fd 3 closed: a VM started in setup_file outlives it
	# (bats waits for fd 3) and teardown_file stops it.
	export VM_PID=$!
	for _ in $(seq 1 600); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && [[ -s $VM_SHARE/token ]] && return 0
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "the VM agent did not come up; log:" >&2
	cat "$VM_LOG" >&2
	return 1
}

vm_agent_stop() {
	[[ -n ${VM_PID-} ]] || return 0
	kill "$VM_PID" 2>/dev/null || true
	wait "$VM_PID" 2>/dev/null || true
	VM_PID=
	rm -rf "$VM_SHARE"
}

vm_token() { cat "$VM_SHARE/token"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (other
# engineers' and CI's tests run on the same machine: no fixed ports).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# vm_req METHOD PATH [BODY]: an authenticated JSON request to the VM's
# agent, as curl from the host. Sets $code (HTTP status) and $body.
vm_req() {
	local method=$1 path=$2 data=${3-} out tmp
	tmp=$(mktemp)
	local args=(-sS -X "$method" -H "Authorization: Bearer $(vm_token)" -o "$tmp" -w '%{http_code}' --max-time 60)
	[[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	out=$(curl "${args[@]}" "http://127.0.0.1:$VM_PORT$path") || out=000
	code=$out
	body=$(cat "$tmp")
	rm -f "$tmp"
}

# wait_until SECONDS CMD...: runs CMD every half second until it succeeds;
# fails (showing CMD's last output) after SECONDS. The guest CPU is emulated
# and slow: poll for a condition, never sleep a fixed time.
wait_until() {
	local limit=$1 end out
	shift
	end=$((SECONDS + limit))
	while ((SECONDS < end)); do
		out=$("$@" 2>&1) && return 0
		sleep 0.5
	done
	echo "wait_until: '$*' not true after ${limit}s; last output:" >&2
	echo "$out" >&2
	return 1
}
