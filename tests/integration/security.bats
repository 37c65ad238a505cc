#!/usr/bin/env bats
# Security of the control API (issue 7): the defaults, the token, Host and
# Origin checks, TLS, and what hostile requests get: each case answers a
# clear 4xx before any handler acts, and changes nothing on disk.
# Routes are read from agent/api.c's table, so new routes are covered.

load helpers
load http_helpers

setup_file() {
	export CGW_PORT=9861
	# A cgroup the agent watches, a real target for .../cgroups/{id}/limits.
	export CGW_WATCHED=cgw-test/security-watched ROUTE_ID=cgw-test/security-watched
	mkdir -p "/sys/fs/cgroup/$CGW_WATCHED"
	agent_start --watch "$CGW_WATCHED"
	echo "$CGW_PID" >"$BATS_FILE_TMPDIR/pid"
	export CGW_STATE CGW_PARENT CGW_LOG
	# A workload, so routes below /workloads/{name} reach their body parsing.
	if handler_ready POST /api/v1/workloads; then
		req POST /api/v1/workloads '{"name":"sec-probe","command":["/bin/sleep","100000"]}'
		[[ $code == 201 ]] || { echo "cannot create sec-probe: $code $body" >&2; return 1; }
	fi
	self_signed "$BATS_FILE_TMPDIR"
}

teardown_file() {
	CGW_PID=$(cat "$BATS_FILE_TMPDIR/pid")
	agent_stop
	cgroup_cleanup
	rmdir "/sys/fs/cgroup/$CGW_WATCHED" 2>/dev/null || true
}

teardown() {
	unhold
	extra_stop "${EXTRA_NAME:-x}"
}

BASE() { echo "http://127.0.0.1:$CGW_PORT"; }

# ---- defaults -----------------------------------------------------------

@test "defaults: without --listen the agent serves on 127.0.0.1:9851 only" {
	EXTRA_NAME=default
	extra_start default http://127.0.0.1:9851 --
	run ss -Hltnp
	echo "$output"
	mine=$(grep "pid=$EXTRA_PID," <<<"$output")
	[ "$(wc -l <<<"$mine")" -eq 1 ]
	[[ $(awk '{print $4}' <<<"$mine") == 127.0.0.1:9851 ]]
	# Not reachable on the VM's other addresses.
	for ip in $(ip -4 -o addr show scope global | awk '{sub("/.*", "", $4); print $4}'); do
		run curl -sS -m 2 "http://$ip:9851/healthz"
		[ "$status" -ne 0 ]
	done
}

@test "defaults: the token file is created 0600 with 32 random bytes, and kept" {
	tok=$CGW_STATE/token
	[ "$(stat -c %a "$tok")" = 600 ]
	[ "$(stat -c %u "$tok")" = "$(id -u)" ]
	grep -Eqx '[0-9a-f]{64}' "$tok"
	[ "$(stat -c %s "$tok")" -eq 65 ]
	# Another state dir gets another token; a restart keeps its own.
	EXTRA_NAME=tok
	extra_start tok http://127.0.0.1:9862 -- --listen 127.0.0.1:9862
	first=$(cat "$EXTRA_STATE/token")
	[ "$first" != "$(cat "$tok")" ]
	state=$EXTRA_STATE
	extra_stop tok
	EXTRA_STATE=$state
	"$CGW" --state-dir "$state" --listen 127.0.0.1:9862 --cgroup-parent "$CGW_PARENT-tok" >>"$state/agent.log" 2>&1 &
	EXTRA_PID=$! EXTRA_LOG=$state/agent.log
	for _ in $(seq 50); do curl -fsS -o /dev/null http://127.0.0.1:9862/healthz 2>/dev/null && break; sleep 0.1; done
	[ "$(cat "$state/token")" = "$first" ]
}

@test "defaults: a token file others may read, owned by another user, short or unpresentable is refused at start" {
	d=$BATS_TEST_TMPDIR
	printf '%064d\n' 0 >"$d/t-mode" && chmod 644 "$d/t-mode"
	printf '%064d\n' 0 >"$d/t-owner" && chmod 600 "$d/t-owner" && chown 65534 "$d/t-owner"
	printf 'short\n' >"$d/t-short" && chmod 600 "$d/t-short"
	printf '%032d %032d\n' 0 0 >"$d/t-blank" && chmod 600 "$d/t-blank"
	for t in mode owner short blank; do
		run "$CGW" --listen 127.0.0.1:9863 --state-dir "$d/s-$t" --cgroup-parent "$CGW_PARENT-t" \
			--token-file "$d/t-$t"
		echo "$t: $status $output"
		[ "$status" -ne 0 ]
		[[ $output == *token_file* ]]
	done
	rmdir "/sys/fs/cgroup/$CGW_PARENT-t/workloads" "/sys/fs/cgroup/$CGW_PARENT-t" 2>/dev/null || true
}

# ---- the token -----------------------------------------------------------

@test "auth: the token rotates on SIGHUP; a bad token file keeps the old one; a deleted one is made anew" {
	EXTRA_NAME=rot
	extra_start rot http://127.0.0.1:9869 -- --listen 127.0.0.1:9869
	old=$(cat "$EXTRA_STATE/token")
	post() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' -d '{}' http://127.0.0.1:9869/api/v1/workloads; }
	[ "$(post "$old")" != 401 ]
	new=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s\n' "$new" >"$EXTRA_STATE/token.new" && chmod 600 "$EXTRA_STATE/token.new"
	mv "$EXTRA_STATE/token.new" "$EXTRA_STATE/token"
	kill -HUP "$EXTRA_PID"
	for _ in $(seq 50); do [ "$(post "$new")" != 401 ] && break; sleep 0.1; done
	[ "$(post "$new")" != 401 ]
	[ "$(post "$old")" = 401 ]
	# Readable by others: refused, the running token stays.
	chmod 644 "$EXTRA_STATE/token"
	kill -HUP "$EXTRA_PID"
	sleep 1
	grep -q "reload failed" "$EXTRA_LOG"
	[ "$(post "$new")" != 401 ]
	# Deleted: a fresh one is created and used.
	rm "$EXTRA_STATE/token"
	kill -HUP "$EXTRA_PID"
	for _ in $(seq 50); do [ -s "$EXTRA_STATE/token" ] && break; sleep 0.1; done
	sleep 0.5
	fresh=$(cat "$EXTRA_STATE/token")
	[ "$fresh" != "$new" ]
	[ "$(post "$fresh")" != 401 ]
	[ "$(post "$new")" = 401 ]
}

@test "auth: every state-changing route without a token is 401, and nothing changes" {
	before=$(disk_snapshot)
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* ]] || continue
		queue "$method" "$(BASE)$(route_path "$pattern")" -H 'Content-Type: application/json' --data-binary '{}'
	done < <(routes)
	run_queue
	expect_all 401 Authorization
	for r in "${results[@]}"; do [[ $r == "401 "*" Bearer realm="* ]]; done
	note "${#labels[@]} state-changing routes, all 401 with WWW-Authenticate: Bearer"
	[ "${#labels[@]}" -ge 10 ]
	[ "$(disk_snapshot)" = "$before" ]
}

@test "auth: every state-changing route with a wrong token is 401" {
	good=$(token)
	wrong=(
		"Bearer ${good//?/0}"           # same length
		"Bearer ${good:0:63}"           # a prefix
		"Bearer ${good}x"               # longer
		"Bearer ${good^^}"              # case changed
		"Basic $good"                   # another scheme
		"$good"                         # no scheme
		"Bearer"                        # nothing
		"Bearer  $good"                 # two blanks
	)
	before=$(disk_snapshot)
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* ]] || continue
		for w in "${wrong[@]}"; do
			queue "$method" "$(BASE)$(route_path "$pattern")" -H "Authorization: $w" \
				-H 'Content-Type: application/json' --data-binary '{}'
		done
	done < <(routes)
	run_queue
	expect_all 401 Authorization
	note "${#labels[@]} wrong-token requests, all 401"
	[ "$(disk_snapshot)" = "$before" ]
}

@test "auth: reads are open on loopback by default" {
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* || $flags == *S* ]] && continue
		queue "$method" "$(BASE)$(route_path "$pattern")"
	done < <(routes)
	run_queue
	for i in "${!labels[@]}"; do
		echo "${labels[$i]}: ${results[$i]}"
		[[ ${results[$i]%% *} != 401 && ${results[$i]%% *} != 403 ]]
	done
}

@test "auth: --auth-reads puts every read route but /healthz behind the token" {
	EXTRA_NAME=reads
	extra_start reads http://127.0.0.1:9864 -- --listen 127.0.0.1:9864 --auth-reads
	tok=$(cat "$EXTRA_STATE/token")
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* || $pattern == /healthz ]] && continue
		# -m: a stream answers with headers, then stays open.
		queue "$method" "http://127.0.0.1:9864$(route_path "$pattern")" -m 5
		queue "$method" "http://127.0.0.1:9864$(route_path "$pattern")" -m 5 -H "Authorization: Bearer ${tok//?/1}"
	done < <(routes)
	run_queue
	expect_all 401 Authorization
	n=${#labels[@]}
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* || $pattern == /healthz ]] && continue
		queue "$method" "http://127.0.0.1:9864$(route_path "$pattern")" -m 2 -H "Authorization: Bearer $tok"
	done < <(routes)
	run_queue
	for i in "${!labels[@]}"; do
		echo "${labels[$i]}: ${results[$i]}"
		[[ ${results[$i]%% *} != 401 ]]
	done
	note "$((n / 2)) read routes behind the token"
	http GET http://127.0.0.1:9864/healthz
	[ "$code" = 200 ]
	[ "$(curl -sS http://127.0.0.1:9864/api/v1/info -H "Authorization: Bearer $tok" | jq .auth_reads)" = true ]
}

# ---- Host and Origin -------------------------------------------------------

@test "DNS rebinding: a foreign Host is refused on every route, even with the token" {
	before=$(disk_snapshot)
	tok=$(token)
	clear_queue
	while read -r method pattern flags; do
		for host in "Host: evil.example" "Host: evil.example:$CGW_PORT" "Host: 127.0.0.1.evil.example" \
			"Host: 127.0.0.1:1@evil.example" "Host: localhost.evil.example" "Host;"; do
			queue "$method" "$(BASE)$(route_path "$pattern")" -m 5 -H "$host" -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' --data-binary '{}'
		done
	done < <(routes)
	run_queue
	expect_all 403 Host
	note "${#labels[@]} requests with foreign Host headers, all 403"
	[ "$(disk_snapshot)" = "$before" ]
	# Allowed names still work.
	for host in 127.0.0.1:$CGW_PORT localhost:$CGW_PORT "[::1]:$CGW_PORT"; do
		http GET "$(BASE)/healthz" -H "Host: $host"
		[ "$code" = 200 ]
	done
}

@test "DNS rebinding: two Host headers, or a header name with a blank, are 400" {
	run $RAWHTTP send "$CGW_PORT" 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n'
	echo "$output"
	[[ $output == "400 1 closed "* ]]
	# libmicrohttpd 0.9.75 would keep "Host " as a separate header name.
	run $RAWHTTP send "$CGW_PORT" 'GET /healthz HTTP/1.1\r\nHost : evil.example\r\nHost: 127.0.0.1\r\n\r\n'
	echo "$output"
	[[ $output == "400 1 closed "* ]]
}

@test "CSRF: a cross-origin state-changing request is refused on every route, even with the token" {
	before=$(disk_snapshot)
	tok=$(token)
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* ]] || continue
		for origin in http://evil.example null "http://127.0.0.1:1" "https://localhost:$CGW_PORT" file://; do
			queue "$method" "$(BASE)$(route_path "$pattern")" -H "Origin: $origin" -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' --data-binary '{}'
		done
	done < <(routes)
	run_queue
	expect_all 403 Origin
	note "${#labels[@]} cross-origin requests, all 403"
	# Same origin passes the check (whatever the handler says next).
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *M* ]] || continue
		queue "$method" "$(BASE)$(route_path "$pattern" sec-absent)" -H "Origin: http://127.0.0.1:$CGW_PORT" \
			-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary '{}'
	done < <(routes)
	run_queue
	for i in "${!labels[@]}"; do
		# (a handler may still say 403 for its own reasons, not Origin)
		[[ $(<"$BATS_TEST_TMPDIR/q.$i") != *'"field":"Origin"'* ]] || { echo "${labels[$i]}: ${results[$i]}"; false; }
	done
	[ "$(disk_snapshot)" = "$before" ]
}

# ---- bodies and framing ------------------------------------------------------

@test "JSON routes take only application/json: anything else is 415" {
	tok=$(token)
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *B* ]] || continue
		for ct in text/plain application/x-www-form-urlencoded multipart/form-data application/jsonx \
			text/json ""; do
			queue "$method" "$(BASE)$(route_path "$pattern")" -H "Authorization: Bearer $tok" \
				-H "Content-Type: $ct" --data-binary '{}'
		done
	done < <(routes)
	run_queue
	expect_all 415 Content-Type
	note "${#labels[@]} requests with other content types, all 415"
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *B* ]] || continue
		queue "$method" "$(BASE)$(route_path "$pattern" sec-absent)" -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json; charset=utf-8' --data-binary '{}'
	done < <(routes)
	run_queue
	for r in "${results[@]}"; do [[ ${r%% *} != 415 ]]; done
}

@test "bodies over 64 KiB: 413 on every JSON route by Content-Length and chunked; an endless body is cut off" {
	head -c 70000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
	before=$(disk_snapshot)
	tok=$(token)
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *B* ]] || continue
		for te in "X-Plain: 1" "Transfer-Encoding: chunked"; do
			queue "$method" "$(BASE)$(route_path "$pattern")" -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' -H "$te" --data-binary @"$BATS_TEST_TMPDIR/big"
		done
	done < <(routes)
	run_queue
	expect_all 413 body
	note "${#labels[@]} oversize bodies (Content-Length and chunked), all 413"
	# 1 GiB offered: the agent hangs up after 16 x 64 KiB of discarded body.
	run $RAWHTTP endless "$CGW_PORT" /api/v1/workloads "$tok"
	note "endless chunked body: cut off after $(awk '{print $2}' <<<"$output") bytes"
	[ "$(awk '{print $2}' <<<"$output")" -lt $((16 * 1024 * 1024)) ] # of 1 GiB offered; the rest is socket buffers
	[ "$(disk_snapshot)" = "$before" ]
	curl -fsS -o /dev/null "$(BASE)/healthz"
}

@test "framing: duplicate Content-Length, Content-Length with Transfer-Encoding, other codings are 400; nothing is smuggled" {
	auth="Authorization: Bearer $(token)\\r\\nContent-Type: application/json"
	smuggled='GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
	for framing in 'Content-Length: 2\r\nContent-Length: 2' 'Content-Length: 2\r\nContent-Length: 40' \
		'Content-Length: 40\r\nTransfer-Encoding: chunked' 'Transfer-Encoding: chunked\r\nContent-Length: 40' \
		'Transfer-Encoding: gzip' 'Transfer-Encoding: gzip, chunked' \
		'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked'; do
		run $RAWHTTP send "$CGW_PORT" "POST /api/v1/workloads HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n$auth\\r\\n$framing\\r\\n\\r\\n0\\r\\n\\r\\n$smuggled" 5
		echo "$framing: $output"
		# One answer, 400, and the connection closed: the pipelined GET
		# inside the "body" is never read as a request.
		[[ $output == "400 1 closed "* ]]
	done
	# Malformed Content-Length values are refused by libmicrohttpd itself.
	for cl in +2 '2, 2' -1 0x2 99999999999999999999999; do
		run $RAWHTTP send "$CGW_PORT" "POST /api/v1/workloads HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n$auth\\r\\nContent-Length: $cl\\r\\n\\r\\n{}"
		echo "Content-Length $cl: $output"
		[[ $output =~ ^4(00|13)\ [12]\ closed ]] # 0.9.75 may send its headers twice here
	done
}

@test "oversize headers: 40 KiB of header is 431, 3000 headers 431, a 40 KiB URL 414; the connection is closed" {
	run $RAWHTTP send "$CGW_PORT" 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: <40000xa>\r\n\r\n'
	echo "$output"
	[[ $output == "431 1 closed "* ]]
	run $RAWHTTP send "$CGW_PORT" 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n<3000#X-#: y\r\n>\r\n'
	echo "$output"
	[[ $output == "431 1 closed "* ]]
	run $RAWHTTP send "$CGW_PORT" 'GET /<40000xa> HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
	echo "$output"
	[[ $output == "414 1 closed "* ]]
	# Just under the limit (the 32 KiB connection memory) is served.
	run $RAWHTTP send "$CGW_PORT" 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: <16000xa>\r\n\r\n'
	echo "$output"
	[[ $output == "200 1 closed "* ]]
}

# ---- hostile JSON ------------------------------------------------------------

# hostile_bodies DIR: writes the cases into DIR.
hostile_bodies() {
	python3 - "$1" <<'PY'
import sys
d = sys.argv[1]
open(d + "/deep", "w").write("[" * 10000 + "]" * 10000)
open(d + "/deepobj", "w").write('{"a":' * 10000 + "1" + "}" * 10000)
open(d + "/dup", "w").write('{"name":"a","name":"b"}')
open(d + "/dupdeep", "w").write('{"x":{"y":[{"k":1,"k":2}]}}')
open(d + "/utf8", "wb").write(b'{"name":"\xc3\x28"}')
open(d + "/overlong", "wb").write(b'{"name":"\xc0\xaf"}')
open(d + "/surrogate", "wb").write(b'{"name":"\xed\xa0\x80"}')
open(d + "/nul", "wb").write(b'{"name":"a\x00b"}')
open(d + "/trailing", "w").write('{} {}')
open(d + "/bigstr", "w").write('{"name":"' + "a" * (1 << 20) + '"}')
PY
}

@test "hostile JSON on every JSON route: 10k-deep nesting, duplicate keys, invalid UTF-8 are 400, a 1 MB string 413" {
	d=$BATS_TEST_TMPDIR
	hostile_bodies "$d"
	before=$(disk_snapshot)
	tok=$(token)
	skipped=()
	clear_queue
	while read -r method pattern flags; do
		[[ $flags == *B* ]] || continue
		path=$(route_path "$pattern")
		if ! handler_ready "$method" "$path"; then
			skipped+=("$method $pattern")
			continue
		fi
		for b in bigstr deep deepobj dup dupdeep utf8 overlong surrogate nul trailing; do
			queue "$method" "$(BASE)$path" -m 10 -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' --data-binary @"$d/$b"
		done
	done < <(routes)
	((${#skipped[@]} == 0)) || note "not yet implemented here (501), body not parsed: ${skipped[*]}"
	((${#labels[@]})) || skip "no JSON route has its handler on this branch yet"
	run_queue
	max=0
	for i in "${!labels[@]}"; do
		read -r st secs _ <<<"${results[$i]}"
		b=$(<"$BATS_TEST_TMPDIR/q.$i")
		echo "${labels[$i]##*@}: $st in $secs s: ${b:0:200}"
		if [[ ${labels[$i]} == *bigstr* ]]; then
			[ "$st" = 413 ]
		else
			[ "$st" = 400 ]
			[[ $b == *'"message":"'?* ]]
		fi
		max=$(awk -v a="$max" -v b="$secs" 'BEGIN { print (b > a ? b : a) }')
	done
	note "${#labels[@]} hostile bodies on $((${#labels[@]} / 10)) JSON routes: 413 for 1 MB, 400 for the rest; slowest answer $max s"
	[ "$(disk_snapshot)" = "$before" ]
}

@test "hostile JSON in the config file: 10k-deep nesting, duplicate keys, invalid UTF-8 name the problem" {
	d=$BATS_TEST_TMPDIR
	hostile_bodies "$d"
	for b in deep deepobj dup utf8 overlong surrogate nul trailing; do
		run "$CGW" --check-config "$d/$b"
		echo "$b: $status $output"
		[ "$status" -eq 2 ]
		[[ $output == *cgwarden:* ]]
	done
	run "$CGW" --check-config "$d/dup"
	[[ $output == *'"name" appears twice'* ]]
	run "$CGW" --check-config "$d/deep"
	[[ $output == *"nested deeper than 32"* ]]
	run "$CGW" --check-config "$d/utf8"
	[[ $output == *"not valid UTF-8"* ]]
}

# ---- names and paths ---------------------------------------------------------

# The cases of issue 7, as path segments: raw ones go into the URL as they
# are (curl --path-as-is), "enc" ones percent-encoded. Then the status for
# /api/v1/workloads/<seg> and for /api/v1/cgroups/<watched root>/<seg>/limits.
# Workloads: 404 where the text fits no route ({name} is one non-empty
# segment, so "", "../x" and "/abs" name no parameter), else 400. Cgroups:
# {id*} takes every segment between "cgroups/" and "/limits", empty ones too,
# so each case reaches the handler: 400 for a malformed id (empty segments
# included), 404 for a well-formed one that names no cgroup.
NAME_CASES=(
	"empty||404|400"
	"dot|.|400|400"
	"dotdot|..|400|400"
	"dotdot-x|../x|404|400"
	"a-dotdot-b|a/../b|404|400"
	"abs|/abs|404|400"
	"enc-dotdot|%2e%2e|400|400"
	"enc-dotdot-x|..%2fx|400|400"
	"enc-abs|%2fabs|400|400"
	"enc-a-dotdot-b|a%2f..%2fb|400|400"
	"nul|%00|400|400"
	"nul-tail|a%00b|400|400"
	"long|<300 a>|400|404"
	"procs|cgroup.procs|400|400"
	"memory-max|memory.max|400|404"
	"upper|ABC|400|404"
)

# name_seg SEG: SEG with "<300 a>" expanded.
name_seg() {
	local s=$1
	[[ $s == "<300 a>" ]] && s=$(printf '%0300d' 0 | tr 0 a)
	echo "$s"
}

@test "names and paths: GET and DELETE /api/v1/workloads/{name} refuse the bad names, nothing changes" {
	handler_ready GET /api/v1/workloads/sec-probe || skip "the workloads handlers are not on this branch yet (501)"
	# Siblings that a traversal would reach.
	mkdir -p "/sys/fs/cgroup/$CGW_PARENT/workloads/b" "/sys/fs/cgroup/$CGW_PARENT/x"
	before=$(disk_snapshot)
	tok=$(token)
	clear_queue
	want=()
	for c in "${NAME_CASES[@]}"; do
		IFS='|' read -r label seg code _ <<<"$c"
		for method in GET DELETE; do
			queue "$method" "$(BASE)/api/v1/workloads/$(name_seg "$seg")" -H "Authorization: Bearer $tok"
			want+=("$code")
		done
	done
	# The control: a valid name that names nothing.
	queue GET "$(BASE)/api/v1/workloads/sec-absent" -H "Authorization: Bearer $tok"
	want+=(404)
	run_queue
	for i in "${!labels[@]}"; do
		b=$(<"$BATS_TEST_TMPDIR/q.$i")
		echo "${labels[$i]}: ${results[$i]} $b"
		[ "${results[$i]%% *}" = "${want[$i]}" ]
		[[ $b == *'"field":"'?* ]]
	done
	note "${#labels[@]} requests with bad workload names: all refused as expected"
	[ "$(disk_snapshot)" = "$before" ]
	rmdir "/sys/fs/cgroup/$CGW_PARENT/workloads/b" "/sys/fs/cgroup/$CGW_PARENT/x"
}

@test "names and paths: GET and PATCH /api/v1/cgroups/{id}/limits refuse paths out of the tree, nothing changes" {
	handler_ready GET "/api/v1/cgroups/$CGW_WATCHED/limits" || skip "the limits handlers are not on this branch yet (501)"
	before=$(disk_snapshot)
	tok=$(token)
	clear_queue
	want=()
	cases=()
	for c in "${NAME_CASES[@]}"; do
		IFS='|' read -r label seg _ code <<<"$c"
		cases+=("$label|$CGW_WATCHED/$(name_seg "$seg")|$code")
	done
	# Outside every watch root: the empty id (malformed: 400), the root, the
	# parent of a watched group (valid shape: 403), escapes from the top.
	cases+=("bare-empty||400" "root-rel|..%2f..%2f..|400" "dotdot-top|..|400" "parent|cgw-test|403"
		"watched-parent|$CGW_WATCHED/..|400")
	for c in "${cases[@]}"; do
		IFS='|' read -r label seg code <<<"$c"
		for method in GET PATCH; do
			# A valid body: only the path may stop the write.
			queue "$method" "$(BASE)/api/v1/cgroups/$seg/limits" -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' --data-binary '{"pids": {"max": 7}}'
			want+=("$code")
		done
	done
	run_queue
	for i in "${!labels[@]}"; do
		echo "${labels[$i]}: ${results[$i]} $(<"$BATS_TEST_TMPDIR/q.$i")"
		[ "${results[$i]%% *}" = "${want[$i]}" ]
	done
	note "${#labels[@]} requests with bad cgroup ids: all refused as expected"
	[ "$(disk_snapshot)" = "$before" ]
	# The control: the watched group itself takes the same PATCH.
	http PATCH "$(BASE)/api/v1/cgroups/$CGW_WATCHED/limits" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary '{"pids": {"max": 7}}'
	[ "$code" = 200 ]
	[ "$(cat "/sys/fs/cgroup/$CGW_WATCHED/pids.max")" = 7 ]
}

# ---- TLS ------------------------------------------------------------------

@test "TLS: --tls-cert/--tls-key serve HTTPS that curl --cacert verifies, over TLS 1.2 and 1.3" {
	EXTRA_NAME=tls
	extra_start tls https://127.0.0.1:9865 --cacert "$BATS_FILE_TMPDIR/cert.pem" -- \
		--listen 127.0.0.1:9865 --tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_FILE_TMPDIR/key.pem"
	tok=$(cat "$EXTRA_STATE/token")
	run curl -sS --cacert "$BATS_FILE_TMPDIR/cert.pem" https://localhost:9865/healthz
	[ "$output" = '"ok"' ]
	for v in 1.2 1.3; do
		run curl -sS -w '\n%{http_code}' --cacert "$BATS_FILE_TMPDIR/cert.pem" --tlsv$v --tls-max $v \
			-H "Authorization: Bearer $tok" https://127.0.0.1:9865/api/v1/info
		echo "TLS $v: $output"
		[ "${lines[-1]}" = 200 ]
	done
	run openssl s_client -connect 127.0.0.1:9865 -tls1_3 -CAfile "$BATS_FILE_TMPDIR/cert.pem" </dev/null
	[[ $output == *"Verify return code: 0 (ok)"* ]]
	# Mutations need the token over TLS as well.
	run curl -sS -o /dev/null -w '%{http_code}' --cacert "$BATS_FILE_TMPDIR/cert.pem" -X POST \
		-H 'Content-Type: application/json' -d '{}' https://127.0.0.1:9865/api/v1/workloads
	[ "$output" = 401 ]
	# Plain HTTP on the TLS port gets no answer.
	run curl -sS -m 5 http://127.0.0.1:9865/healthz
	[ "$status" -ne 0 ]
}

@test "TLS: 1.1 and 1.0 are refused, though the same client gets TLS 1.1 from a server that allows it" {
	EXTRA_NAME=tls
	extra_start tls https://127.0.0.1:9865 --cacert "$BATS_FILE_TMPDIR/cert.pem" -- \
		--listen 127.0.0.1:9865 --tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_FILE_TMPDIR/key.pem"
	export OPENSSL_CONF=/dev/null # Debian's default MinProtocol would stop the client itself
	weak=(-cipher 'ALL:@SECLEVEL=0')
	# The control: openssl s_server allowing 1.1, the same client command.
	(sleep 5 | openssl s_server -accept 9866 -cert "$BATS_FILE_TMPDIR/cert.pem" -key "$BATS_FILE_TMPDIR/key.pem" \
		-tls1_1 "${weak[@]}" -naccept 1 >/dev/null 2>&1) &
	spid=$!
	sleep 1
	run openssl s_client -connect 127.0.0.1:9866 -tls1_1 "${weak[@]}" </dev/null
	[[ $output == *"Protocol  : TLSv1.1"* && $output == *"Cipher is ECDHE"* ]]
	wait "$spid" || true
	for v in tls1_1 tls1; do
		run openssl s_client -connect 127.0.0.1:9865 -$v "${weak[@]}" -msg </dev/null
		echo "$v: $output" | head -20
		[[ $output == *"ClientHello"* ]]     # offered
		[[ $output != *"ServerHello"* ]]     # not accepted
		[[ $output == *"Cipher is (NONE)"* ]]
	done
	run curl -sS --cacert "$BATS_FILE_TMPDIR/cert.pem" --tls-max 1.1 --ciphers 'ALL:@SECLEVEL=0' https://127.0.0.1:9865/healthz
	[ "$status" -ne 0 ]
}

@test "TLS: a certificate and key that do not match are refused at start, naming the files" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=x \
		-keyout "$BATS_TEST_TMPDIR/other.pem" -out /dev/null 2>/dev/null
	run "$CGW" --listen 127.0.0.1:9867 --state-dir "$BATS_TEST_TMPDIR/s" --cgroup-parent "$CGW_PARENT-badtls" \
		--tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_TEST_TMPDIR/other.pem"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *tls_cert*"$BATS_TEST_TMPDIR/other.pem"* ]]
	run "$CGW" --listen 127.0.0.1:9867 --state-dir "$BATS_TEST_TMPDIR/s" --cgroup-parent "$CGW_PARENT-badtls" \
		--tls-cert "$BATS_FILE_TMPDIR/cert.pem"
	[ "$status" -ne 0 ]
	[[ $output == *"go together"* ]]
	rmdir "/sys/fs/cgroup/$CGW_PARENT-badtls/workloads" "/sys/fs/cgroup/$CGW_PARENT-badtls" 2>/dev/null || true
}

@test "off loopback: refused without TLS; with TLS every route but /healthz needs the token, per-IP limit holds" {
	run "$CGW" --listen 0.0.0.0:9868 --state-dir "$BATS_TEST_TMPDIR/s" --cgroup-parent "$CGW_PARENT-net"
	[ "$status" -ne 0 ]
	[[ $output == *"without TLS"* ]]
	EXTRA_NAME=net
	ca=(--cacert "$BATS_FILE_TMPDIR/cert.pem")
	extra_start net https://127.0.0.1:9868 "${ca[@]}" -- --listen 0.0.0.0:9868 \
		--tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_FILE_TMPDIR/key.pem" --max-connections-per-ip 4
	tok=$(cat "$EXTRA_STATE/token")
	http GET https://127.0.0.1:9868/metrics "${ca[@]}"
	[ "$code" = 401 ]
	http GET https://127.0.0.1:9868/metrics "${ca[@]}" -H "Authorization: Bearer $tok"
	[ "$code" = 200 ]
	http GET https://127.0.0.1:9868/healthz "${ca[@]}"
	[ "$code" = 200 ]
	[ "$(curl -sS "${ca[@]}" -H "Authorization: Bearer $tok" https://127.0.0.1:9868/api/v1/info | jq .auth_reads)" = true ]
	# 12 connections from one address: at most 4 are kept.
	base=$(sockets "$EXTRA_PID")
	hold 9868 12
	sleep 1
	held=$(($(sockets "$EXTRA_PID") - base))
	unhold
	note "per-IP limit 4: the agent holds $held of 12 connections from one address"
	[ "$held" -le 4 ]
	[ "$held" -ge 1 ]
}
