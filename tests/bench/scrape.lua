-- scrape.lua: wrk's report of a /metrics load as one JSON line on stdout
-- (after wrk's own text): requests, requests/s, bytes, non-2xx answers,
-- socket errors and the latency percentiles in milliseconds.
function done(summary, latency, requests)
	local secs = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
		'{"requests":%d,"seconds":%.3f,"rps":%.2f,"bytes":%d,"non2xx":%d,' ..
		'"errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
		summary.requests, secs, summary.requests / secs, summary.bytes, e.status,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
		latency.max / 1e3, latency.mean / 1e3))
end
