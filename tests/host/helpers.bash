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
			cp /var/lib/cgwarden/token '"$VM_SHARE"'/token; wait $pid' sh "$@") >"$VM_LOG" 2>&1 &
	VM_PID=$!
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
