#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# dashboards/: the alert rules pass promtool's checks and unit tests, the
# example scrape config is valid, and the Grafana dashboard parses and
# queries only metrics that docs/metrics.md documents.

load helpers

D=$CGW_TOP/dashboards

# undocumented KIND FILE: names FILE queries that docs/metrics.md lacks.
# Prometheus's own "up" is allowed in rules (the agent-down alert).
undocumented() {
	comm -23 <("$CGW_TOP/tests/host/promql-names" "$1" "$2") \
		<({ "$CGW_TOP/tests/host/promql-names" docs "$CGW_TOP/docs/metrics.md"; [[ $1 == rules ]] && echo up; } | sort -u)
}

@test "promtool check rules and promtool test rules pass on dashboards/prometheus-rules.yml" {
	run promtool check rules "$D/prometheus-rules.yml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"SUCCESS: "*" rules found"* ]]
	run promtool test rules "$D/prometheus-rules.test.yml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *SUCCESS* ]]
	# Every alert has at least one unit test that expects it to fire.
	for a in $(grep -oP '^\s*- alert: \K\S+' "$D/prometheus-rules.yml"); do
		grep -A3 "alertname: $a\$" "$D/prometheus-rules.test.yml" | grep -q 'exp_labels' ||
			{ echo "no firing test for $a"; return 1; }
	done
}

@test "the example prometheus.yml is a valid config that loads the rules" {
	cd "$D"
	run promtool check config prometheus.yml
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1 rule files found"* ]]
}

@test "the Grafana dashboard parses, its queries are valid PromQL, and every metric it queries is in docs/metrics.md" {
	jq -e '.title and (.panels | length > 5) and .uid' "$D/grafana-cgwarden.json"
	# Every panel but rows has a query.
	[ "$(jq '[.panels[] | select(.type != "row") | select((.targets // []) | length == 0)] | length' "$D/grafana-cgwarden.json")" = 0 ]
	"$CGW_TOP/tests/host/promql-names" grafana-rules "$D/grafana-cgwarden.json" >"$BATS_TEST_TMPDIR/grafana.rules.yml"
	run promtool check rules "$BATS_TEST_TMPDIR/grafana.rules.yml"
	echo "$output"
	[ "$status" -eq 0 ]
	run undocumented grafana "$D/grafana-cgwarden.json"
	echo "undocumented: $output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# It covers what the issue asks for.
	for m in container_cpu_usage_seconds_total container_spec_cpu_quota container_cpu_cfs_throttled_periods_total \
		container_memory_working_set_bytes container_spec_memory_limit_bytes container_oom_events_total \
		container_fs_reads_bytes_total cgwarden_pids_current container_pressure_memory_stalled_seconds_total \
		cgwarden_enforcement_actions_total; do
		grep -q "$m" "$D/grafana-cgwarden.json" || { echo "no panel queries $m"; return 1; }
	done
}

@test "the alert rules query only documented metrics" {
	run undocumented rules "$D/prometheus-rules.yml"
	echo "undocumented: $output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the metric-name check finds an undocumented metric (it is not vacuous)" {
	jq '.panels += [{"type":"timeseries","title":"x","targets":[{"refId":"A","expr":"sum by (name) (rate(cgwarden_no_such_metric{name=~\"$name\"}[5m])) / on(name) container_cpu_usage_seconds_total"}]}]' \
		"$D/grafana-cgwarden.json" >"$BATS_TEST_TMPDIR/bad.json"
	run undocumented grafana "$BATS_TEST_TMPDIR/bad.json"
	[[ $output == *cgwarden_no_such_metric* ]]
	# Functions, aggregations, label names and durations are not taken for metrics.
	run "$CGW_TOP/tests/host/promql-names" grafana "$BATS_TEST_TMPDIR/bad.json"
	[[ $output == *cgwarden_no_such_metric* ]]
	! grep -qxE 'name|sum|rate|on|by|5m|instance' <<<"$output"
}
