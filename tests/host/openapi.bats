#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# docs/openapi.yaml: a valid OpenAPI document (swagger-parser), whose routes
# are agent/api.c's api_routes[] exactly (flags included), and whose schemas
# the real answers of an agent fit: an agent in a VM (with --watch batch, a
# watched cgroup batch/job and a workload "ow" whose policies never act,
# so its limits stay what the test sets) is driven with curl over
# every route, and each answer (status, Content-Type, JSON body) is checked
# against the document by tests/host/openapi-check (python3-jsonschema).

load helpers

DOC=$CGW_TOP/docs/openapi.yaml
CHECK=$CGW_TOP/tests/host/openapi-check
W=ow
WATCHED=batch/job

setup_file() {
	export VM_SHARE
	VM_SHARE=$(mktemp -d "$CGW_TOP/build/vm-share.XXXXXX")
	vm_agent_start "$(free_port)" --watch "${WATCHED%%/*}"
	vm_req POST /api/v1/workloads "$(jq -nc --arg n "$W" '{name: $n,
		command: ["/bin/sh", "-c", "echo started; echo to-stderr >&2; exec sleep 100000"],
		limits: {cpu: {max: "50%"}, memory: {max: "64M"}, pids: {max: 50}},
		policies: [{kind: "pressure-kill", threshold_pct: 100, duration: "60m"}]}')"
	[[ $code == 201 ]] || { echo "launch: $code $body" >&2; return 1; }
	# The watched cgroup, made by a helper without namespaces (it sees the
	# VM's /sys/fs/cgroup); then the helper is removed.
	vm_req POST /api/v1/workloads "$(jq -nc --arg w "$WATCHED" '{name: "mkcg", namespaces: [],
		command: ["/bin/sh", "-c", "cd /sys/fs/cgroup && mkdir -p \"$1\" &&
			echo \"+cpu +memory +pids\" >\"${1%/*}/cgroup.subtree_control\"", "sh", $w]}')"
	[[ $code == 201 ]] || { echo "launch mkcg: $code $body" >&2; return 1; }
	wait_until 120 exited mkcg
	vm_req GET /api/v1/workloads/mkcg
	[[ $(jq -r .exit_code <<<"$body") == 0 ]] || { echo "mkcg: $body" >&2; return 1; }
	vm_req DELETE /api/v1/workloads/mkcg
	[[ $code == 204 ]] || { echo "delete mkcg: $code $body" >&2; return 1; }
}

teardown_file() {
	vm_agent_stop
}

exited() {
	vm_req GET "/api/v1/workloads/$1"
	[[ $(jq -r .state <<<"$body") == exited ]]
}

# polled ID: the cgroup is in the poller's snapshot.
polled() {
	vm_req GET "/api/v1/cgroups?id=$1"
	[[ $code == 200 ]]
}

# api WANT METHOD PATH [BODY] [CURL ARG...]: one request to the VM's agent
# (with the token, or $API_TOKEN if set, and a JSON body if BODY is not
# empty); fails unless the
# status is WANT and the answer fits the document's operation for that
# path, status and content type. Sets $code, $body, $ctype, $headers.
api() {
	local want=$1 method=$2 path=$3 data=${4-} out
	shift 3
	(($#)) && shift
	local f=$BATS_TEST_TMPDIR/answer
	local token=${API_TOKEN-$(vm_token)}
	local args=(-sS -X "$method" -D "$f.h" -o "$f.b" -w '%{http_code} %{content_type}' --max-time 60)
	[[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
	[[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	out=$(curl "${args[@]}" "$@" "http://127.0.0.1:$VM_PORT$path") || out="000 -"
	code=${out%% *}
	ctype=${out#* }
	body=$(cat "$f.b")
	headers=$(cat "$f.h")
	echo "$method $path -> $code $ctype: ${body:0:600}"
	[[ $code == "$want" ]] || { echo "wanted $want" >&2; return 1; }
	"$CHECK" response "$DOC" "$method" "$path" "$code" "$ctype" "$f.b" || return 1
	echo "$method $path $code" >>"$BATS_FILE_TMPDIR/validated"
}

@test "docs/openapi.yaml is a valid OpenAPI 3.1 document (swagger-parser) with valid JSON Schemas; a broken copy is refused" {
	run node -e '
		const P = require(process.argv[1] + "/web/node_modules/@apidevtools/swagger-parser");
		P.validate(process.argv[2]).then((a) => console.log("valid OpenAPI", a.openapi, Object.keys(a.paths).length, "paths"))
			.catch((e) => { console.error(e.message); process.exit(1); });' "$CGW_TOP" "$DOC"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "valid OpenAPI 3.1."* ]]
	run "$CHECK" schemas "$DOC"
	echo "$output"
	[ "$status" -eq 0 ]
	# The validator is real: a response without its required description,
	# or a $ref to nothing, is refused. (Path parameters against templates
	# are openapi-check routes' business.)
	/usr/bin/python3 - "$DOC" "$BATS_TEST_TMPDIR" <<-'EOF'
		import sys, yaml, json
		doc = yaml.safe_load(open(sys.argv[1]))
		a = json.loads(json.dumps(doc))
		del a["paths"]["/api/v1/workloads/{name}"]["get"]["responses"]["200"]["description"]
		json.dump(a, open(sys.argv[2] + "/no-description.json", "w"))
		b = json.loads(json.dumps(doc))
		b["paths"]["/api/v1/info"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nothing"}
		json.dump(b, open(sys.argv[2] + "/bad-ref.json", "w"))
	EOF
	for broken in no-description bad-ref; do
		run node -e '
			const P = require(process.argv[1] + "/web/node_modules/@apidevtools/swagger-parser");
			P.validate(process.argv[2]).then(() => process.exit(0)).catch((e) => { console.error(e.message); process.exit(1); });' \
			"$CGW_TOP" "$BATS_TEST_TMPDIR/$broken.json"
		echo "$broken: $output"
		[ "$status" -eq 1 ]
	done
}

@test "the document's (method, path) set is api_routes[] of agent/api.c exactly; security, bodies, streams and error codes follow the code" {
	run "$CHECK" routes "$DOC" "$CGW_TOP/agent/api.c" "$CGW_TOP/agent/err.c"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"routes of api_routes[] ="* ]]
	# A route added to the table without an entry in the document fails.
	sed 's|{"GET", "/healthz", 0, api_healthz},|&\n\t{"GET", "/api/v1/new", 0, api_healthz},|' \
		"$CGW_TOP/agent/api.c" >"$BATS_TEST_TMPDIR/api.c"
	grep -q '"/api/v1/new"' "$BATS_TEST_TMPDIR/api.c"
	run "$CHECK" routes "$DOC" "$BATS_TEST_TMPDIR/api.c" "$CGW_TOP/agent/err.c"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"GET /api/v1/new (api_healthz) is not in the OpenAPI document"* ]]
	# A route that starts to mutate without the document saying so fails.
	sed 's|{"GET", "/api/v1/events", 0,|{"GET", "/api/v1/events", M,|' \
		"$CGW_TOP/agent/api.c" >"$BATS_TEST_TMPDIR/api.c"
	run "$CHECK" routes "$DOC" "$BATS_TEST_TMPDIR/api.c" "$CGW_TOP/agent/err.c"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"GET /api/v1/events: security is"* ]]
}

@test "answers fit the document: healthz, info, metrics, the page, the event stream" {
	api 200 GET /healthz
	api 200 GET /api/v1/info
	jq -e '.cgroup_parent == "/cgwarden"' <<<"$body"
	api 200 GET /metrics
	[[ $ctype == text/plain* ]]
	grep -q '^cgwarden_' <<<"$body"
	api 200 GET /
	[[ $ctype == text/html* ]]
	api 200 GET /static/app.js
	# The stream: its head, then the events since 0 (curl stops it).
	local f=$BATS_TEST_TMPDIR/sse
	run --separate-stderr curl -sS -N --max-time 5 -D "$f.h" -o "$f.b" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:$VM_PORT/api/v1/events/stream?since=0"
	echo "$output"
	[ "$status" -eq 28 ] # the timeout: a stream does not end
	[[ $output == "200 text/event-stream"* ]]
	"$CHECK" response "$DOC" GET /api/v1/events/stream 200 "${output#* }" "$f.b"
	echo "GET /api/v1/events/stream 200" >>"$BATS_FILE_TMPDIR/validated"
	# Each data: line is an Event of the document.
	run "$CHECK" sse "$DOC" "$f.b"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" events fit Event"* ]]
}

@test "answers fit the document: workloads create, list, get, logs" {
	api 201 POST /api/v1/workloads "$(jq -nc '{name: "ow2",
		command: ["/bin/sh", "-c", "echo hello; exec sleep 100000"],
		env: {"A": "b"}, namespaces: ["pid", "mount", "ipc", "uts"], hostname: "box",
		limits: {memory: {max: 67108864}}, restart: {policy: "on-failure", backoff_ms: 500}}')"
	grep -qi '^Location: /api/v1/workloads/ow2' <<<"$headers"
	jq -e '.state == "running" and (.pid | type) == "number" and .hostname == "box"' <<<"$body"
	api 200 GET /api/v1/workloads
	jq -e '[.workloads[].name] | index("ow2") and index("ow")' <<<"$body"
	api 200 GET /api/v1/workloads/ow2
	api 200 GET "/api/v1/workloads/$W"
	jq -e '.spec_limits.cpu.max == "50%" and .limits.cpu.max == 0.5' <<<"$body"
	wait_until 30 bash -c "curl -fsS 'http://127.0.0.1:$VM_PORT/api/v1/workloads/$W/logs' | grep -q started"
	api 200 GET "/api/v1/workloads/$W/logs?stream=stderr&tail=5"
	[[ $body == *to-stderr* ]]
}

@test "answers fit the document: a workload's limits GET and PATCH, policies GET and PUT" {
	api 200 GET "/api/v1/workloads/$W/limits"
	jq -e '.cpu.max == 0.5 and .memory.max == 67108864 and .pids.max == 50' <<<"$body"
	api 200 PATCH "/api/v1/workloads/$W/limits" \
		'{"cpu":{"max":"25%","weight":200},"memory":{"high":"48M","swap_max":"max"},"pids":{"max":"max"}}'
	jq -e '.cpu.max == 0.25 and .cpu.weight == 200 and .memory.high == 50331648 and .pids.max == "max"' <<<"$body"
	api 200 GET "/api/v1/workloads/$W/policies"
	jq -e '.policies[0].kind == "pressure-kill" and .policies[0].duration == "3600s"' <<<"$body"
	api 200 PUT "/api/v1/workloads/$W/policies" \
		'[{"kind":"memory-autosize","max":"64M"},{"kind":"pressure-kill","threshold_pct":90,"duration":"1m"},{"kind":"cpu-guard","threshold_pct":100,"cap":"90%"}]'
	jq -e '.policies | length == 3' <<<"$body"
	api 200 PUT "/api/v1/workloads/$W/policies" '{"policies":[{"kind":"cpu-budget","budget":"60m","window":"120m"}]}'
	api 200 GET "/api/v1/workloads/$W/policies"
	jq -e '.policies[0].kind == "cpu-budget" and .policies[0].state.frozen == false' <<<"$body"
	api 200 PUT "/api/v1/workloads/$W/policies" '[]'
	jq -e '.policies == []' <<<"$body"
}

@test "answers fit the document: cgroups list, one by {id*} and ?id=, a watched cgroup's limits GET and PATCH" {
	wait_until 60 polled "/cgwarden/workloads/$W"
	wait_until 60 polled "$WATCHED"
	api 200 GET /api/v1/cgroups
	jq -e --arg id "/cgwarden/workloads/$W" '[.cgroups[].id] | index($id)' <<<"$body"
	# {id*} spans segments: cgwarden/workloads/ow is one id.
	api 200 GET "/api/v1/cgroups/cgwarden/workloads/$W"
	jq -e --arg w "$W" '.managed and .workload == $w and .limits.cpu.max > 0' <<<"$body"
	api 200 GET "/api/v1/cgroups?id=/cgwarden/workloads/$W"
	api 200 GET "/api/v1/cgroups/$WATCHED"
	api 200 GET "/api/v1/cgroups/$WATCHED/limits"
	api 200 PATCH "/api/v1/cgroups/$WATCHED/limits" '{"cpu":{"max":0.2,"period_us":50000},"memory":{"max":"32M"},"pids":{"max":64}}'
	jq -e '.cpu.max == 0.2 and .cpu.period_us == 50000 and .memory.max == 33554432 and .pids.max == 64' <<<"$body"
}

@test "answers fit the document: the event log, paged" {
	api 200 GET /api/v1/events
	jq -e '[.events[].action] | index("limits") and index("policies") and index("start")' <<<"$body"
	api 200 GET '/api/v1/events?since=1&limit=2'
	jq -e '(.events | length) == 2 and .events[0].id == 2 and .more == true and .next_since == 3' <<<"$body"
}

@test "answers fit the document: lifecycle freeze, thaw, stop, start, kill, delete" {
	api 200 POST /api/v1/workloads/ow2/freeze
	jq -e '.state == "frozen"' <<<"$body"
	api 200 POST /api/v1/workloads/ow2/thaw
	jq -e '.state == "running"' <<<"$body"
	api 200 POST '/api/v1/workloads/ow2/stop?grace=500ms'
	jq -e '.state == "exited" and .exit_reason == "stopped"' <<<"$body"
	api 409 POST /api/v1/workloads/ow2/kill
	jq -e '.error.code == "not_running" and .error.field == "name"' <<<"$body"
	api 200 POST /api/v1/workloads/ow2/start
	jq -e '.state == "running"' <<<"$body"
	api 409 POST /api/v1/workloads/ow2/start
	api 200 POST /api/v1/workloads/ow2/kill
	jq -e '.state == "exited"' <<<"$body"
	api 204 DELETE '/api/v1/workloads/ow2?grace=1&keep-logs'
	api 404 GET /api/v1/workloads/ow2
}

@test "errors fit the document: 400, 401, 403, 404, 409, 415, each naming its field" {
	api 404 GET /api/v1/workloads/nope
	jq -e '.error.code == "not_found" and .error.field == "name"' <<<"$body"
	api 400 GET /api/v1/workloads/NOPE
	jq -e '.error.field == "name"' <<<"$body"
	api 400 GET '/api/v1/events?limit=0'
	jq -e '.error.code == "out_of_range" or .error.code == "invalid"' <<<"$body"
	jq -e '.error.field == "limit"' <<<"$body"
	api 400 POST /api/v1/workloads '{"name":"x","command":["/bin/true"],"nope":1}'
	jq -e '.error.field == "nope"' <<<"$body"
	api 400 PATCH "/api/v1/workloads/$W/limits" '{"cpu":{"max":"lots"}}'
	jq -e '.error.field == "cpu.max"' <<<"$body"
	api 400 PUT "/api/v1/workloads/$W/policies" '[{"kind":"cpu-guard"},{"kind":"cpu-guard"}]'
	jq -e '.error.field | startswith("policies[1]")' <<<"$body"
	api 400 POST "/api/v1/workloads/$W/stop?grace=1h"
	jq -e '.error.field == "grace"' <<<"$body"
	API_TOKEN=wrong api 401 POST /api/v1/workloads '{}'
	jq -e '.error.code == "unauthorized" and .error.field == "Authorization"' <<<"$body"
	api 403 GET /api/v1/cgroups/cgwarden/limits
	jq -e '.error.code == "forbidden" and .error.field == "id"' <<<"$body"
	api 404 GET /api/v1/cgroups/no/such
	jq -e '.error.field == "id"' <<<"$body"
	api 409 POST /api/v1/workloads "$(jq -nc --arg n "$W" '{name: $n, command: ["/bin/true"]}')"
	jq -e '.error.code == "exists"' <<<"$body"
	api 415 PATCH "/api/v1/workloads/$W/limits" '' --data-binary '{"pids":{"max":10}}' -H 'Content-Type: text/plain'
	jq -e '.error.code == "unsupported_media_type"' <<<"$body"
}

@test "every route of api_routes[] had an answer validated" {
	local n
	n=$(sort -u "$BATS_FILE_TMPDIR/validated" | wc -l)
	echo "$n distinct (method, path, status) answers validated"
	# (method, template) pairs exercised, against the route table.
	run "$CHECK" covered "$DOC" "$CGW_TOP/agent/api.c" "$BATS_FILE_TMPDIR/validated"
	echo "$output"
	[ "$status" -eq 0 ]
	# The tally, in the TAP stream.
	echo "# $n answers validated; ${lines[-1]}" >&3
}
