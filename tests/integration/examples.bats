#!/usr/bin/env bats
# The curl examples of README.md and docs/api.md, extracted from the docs
# (doc_examples.py: `$ curl` lines of console blocks, the `# → STATUS` each
# one states, the response shown below it) and run in order against a real
# agent, each doc against a fresh one; the convention is in docs/api.md,
# "Examples". Also checks that the checker itself fails what it should.
# The examples assume what the VM gives: the default cgroup parent
# (cgwarden) free, port 8080 free, /dev/vda, and a cgroup apps.slice/db.service
# made here for --watch; docs/api.md's setup block writes /srv/busybox.

load helpers

EXAMPLES=$CGW_TOP/tests/integration/doc_examples.py
# Debian's python: a version manager's shim in PATH takes seconds to start in the VM.
PY=/usr/bin/python3
CG=/sys/fs/cgroup
WATCHED=apps.slice/db.service

setup() {
	# The docs show the default cgroup parent: refuse to run next to a real agent.
	if [[ -e $CG/cgwarden ]]; then
		echo "$CG/cgwarden exists: another cgwarden runs here; the examples need it free" >&2
		return 1
	fi
	echo "+cpu +memory +pids +io" >$CG/cgroup.subtree_control
	mkdir -p "$CG/$WATCHED"
	echo "+cpu +memory +pids +io" >"$CG/${WATCHED%%/*}/cgroup.subtree_control"
	unset CGW_STATE
	CGW_PARENT=cgwarden agent_start --watch "${WATCHED%%/*}"
}

teardown() {
	local n
	if [[ -n ${CGW_PID-} ]]; then
		for n in $(curl -s "http://127.0.0.1:$CGW_PORT/api/v1/workloads" | jq -r '.workloads[].name'); do
			req DELETE "/api/v1/workloads/$n?grace=0"
		done
	fi
	agent_stop
	# cgroup.kill is asynchronous: retry until the killed are gone (slow
	# under load in the emulated VM).
	for _ in $(seq 1 600); do
		cgroup_cleanup
		[[ -e $CG/cgwarden ]] || break
		sleep 0.1
	done
	rmdir "$CG/$WATCHED" "$CG/${WATCHED%%/*}" 2>/dev/null || true
	rm -rf "$CGW_STATE"
	if [[ -e $CG/cgwarden ]]; then
		echo "left behind:" >&2
		find "$CG/cgwarden" -type d >&2
		find "$CG/cgwarden" -name cgroup.procs -exec grep -H . {} + >&2
		find "$CG/cgwarden" -depth -type d -exec rmdir {} \; >&2
		return 1
	fi
}

# examples FILE MIN: runs FILE's examples against this test's agent; fails
# if one fails or FILE has fewer than MIN.
examples() {
	run env CGW="http://127.0.0.1:$CGW_PORT" TOKEN="$(token)" "$PY" "$EXAMPLES" run "$CGW_TOP/$1" --min "$2"
	echo "$output"
	grep -E '^# [^ ]+: [0-9]+ examples' <<<"$output" >&3 || true   # shown in the TAP, passing or not
	[ "$status" -eq 0 ]
	# The summary line counts what ran.
	[[ $output =~ "$(basename "$1"): "([0-9]+)" examples, "([0-9]+)" passed" ]]
	[ "${BASH_REMATCH[1]}" -ge "$2" ]
}

@test "README.md: every curl example answers as shown" {
	examples README.md 8
}

@test "docs/api.md: every curl example answers as shown" {
	# The docs' own setup (the busybox root of the launch example).
	"$PY" "$EXAMPLES" setup "$CGW_TOP/docs/api.md" >"$BATS_TEST_TMPDIR/setup.sh"
	grep -q /srv/busybox "$BATS_TEST_TMPDIR/setup.sh"
	[[ -e /srv/busybox ]] || made=1
	bash -e "$BATS_TEST_TMPDIR/setup.sh"
	examples docs/api.md 31
	[[ -z ${made-} ]] || rm -rf /srv/busybox
}

# The checker fails a doc without examples, a wrong status, a wrong shown
# field or line, a stray curl, a literal address, a missing status; skips a
# marked route only while it answers 501; and passes right examples.
@test "the examples checker fails broken docs" {
	d=$BATS_TEST_TMPDIR
	check() { env CGW="http://127.0.0.1:$CGW_PORT" TOKEN="$(token)" "$PY" "$EXAMPLES" run "$1"; }

	printf '# nothing\n\n```console\n```\n' >"$d/none.md"
	run check "$d/none.md"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"none.md: 0 examples"* ]]

	cat >"$d/good.md" <<-'EOF'
		```console
		$ curl -s $CGW/healthz   # → 200
		"ok"
		$ curl -s "$CGW/api/v1/info" \
		    -H 'Accept: application/json'   # → 200
		{"cgroup_parent":"/cgwarden","auth_reads":false,…}
		$ curl -s $CGW/metrics | grep '^cgwarden_build_info'   # → 200
		cgwarden_build_info{version="…",…} 1
		$ curl -s $CGW/api/v1/cgroups   # → 200, 501 until implemented
		{"cgroups":[…]}
		```
	EOF
	run check "$d/good.md"
	echo "$output"
	[ "$status" -eq 0 ]
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CGW_PORT/api/v1/cgroups")" = 501 ]; then
		[[ $output == *"good.md: 4 examples, 3 passed, 1 skipped (501), 0 failed"* ]]
	else
		[[ $output == *"good.md: 4 examples, 4 passed, 0 skipped (501), 0 failed"* ]]
	fi

	cat >"$d/bad.md" <<-'EOF'
		```console
		$ curl -s $CGW/healthz   # → 201
		$ curl -s $CGW/api/v1/info   # → 200
		{"cgroup_parent":"/other",…}
		$ curl -s $CGW/api/v1/info   # → 200
		{"nosuchkey":1}
		$ curl -s $CGW/metrics | grep ^cgwarden_build_info   # → 200
		cgwarden_nosuch 1
		$ curl -s -X PATCH -H "Authorization: Bearer $TOKEN" $CGW/healthz   # → 200, 501 until implemented
		$ curl -s http://127.0.0.1:9851/healthz   # → 200
		$ curl -s $CGW/healthz
		```

		```
		curl -s $CGW/healthz
		```
	EOF
	run check "$d/bad.md"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"bad.md: 6 examples, 1 passed, 0 skipped (501), 5 failed"* ]]
	[[ $output == *"status 200, the doc says 201"* ]]
	[[ $output == *'$.cgroup_parent: "/cgwarden", the doc shows "/other"'* ]]
	[[ $output == *"no key 'nosuchkey'"* ]]
	[[ $output == *"no line (after the previous one) matches 'cgwarden_nosuch 1'"* ]]
	[[ $output == *"status 405, the doc says 200"* ]]   # 405 is not 501: not skipped
	[[ $output == *'bad.md:10: name the agent as $CGW'* ]]
	[[ $output == *"bad.md:11: the example states no status"* ]]
	[[ $output == *"bad.md:15: curl outside a console example"* ]]
}
