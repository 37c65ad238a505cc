#!/usr/bin/env python3
"""The soak load (run inside the VM by tests/soak/inner): scrapes /metrics
at a fixed rate, churns the API and the watched cgroup tree, samples the
agent's RSS and descriptors, and prints one JSON object at the end.

  load.py PORT PID SECONDS SCRAPES_PER_S WATCH_DIR TOKEN
"""
import collections
import http.client
import json
import os
import random
import sys
import threading
import time

PORT, PID, SECONDS, RATE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
WATCH, TOKEN = sys.argv[5], sys.argv[6]
stop = threading.Event()
lock = threading.Lock()
statuses = collections.Counter()  # (kind, status) -> count
errors = collections.Counter()
scrape_lat = []
samples = []  # (t, rss_kib, fds, threads)
not_built = []  # churn routes left out: 501 in this build


def count(kind, status):
    with lock:
        statuses[(kind, status)] += 1


def request(conn, method, path, body=None, auth=True):
    headers = {"Host": "127.0.0.1"}
    if auth:
        headers["Authorization"] = "Bearer " + TOKEN
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def scraper():
    """RATE scrapes a second on one keep-alive connection (as Prometheus)."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    period = 1.0 / RATE
    nxt = time.monotonic()
    while not stop.is_set():
        t = time.monotonic()
        try:
            st, data = request(conn, "GET", "/metrics", auth=False)
            count("scrape", st)
            with lock:
                scrape_lat.append(time.monotonic() - t)
        except (OSError, http.client.HTTPException) as e:
            with lock:
                errors["scrape " + type(e).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


def available(conn, method, path, body):
    """False for routes whose handler is not in this build (501)."""
    try:
        st, _ = request(conn, method, path, body)
        return st != 501
    except (OSError, http.client.HTTPException):
        return False


def churner():
    """API churn: reads of every kind, refused requests, limit changes on
    watched cgroups, workloads created and removed where the launcher is
    built in, and cgroups appearing and vanishing under the watch root."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    cg_ids = sorted(d for d in os.listdir(WATCH) if d.startswith("cg-"))
    rel = WATCH.split("/sys/fs/cgroup/", 1)[1]
    have_limits = available(conn, "GET", "/api/v1/cgroups/%s/%s/limits" % (rel, cg_ids[0]), None)
    have_workloads = available(conn, "GET", "/api/v1/workloads", None)
    if not have_limits:
        not_built.append("PATCH/GET /api/v1/cgroups/{id}/limits")
    if not have_workloads:
        not_built.append("POST/DELETE /api/v1/workloads")
    ops = [
        ("GET", "/api/v1/info", None, True),
        ("GET", "/api/v1/cgroups", None, True),
        ("GET", "/api/v1/events", None, True),
        ("GET", "/healthz", None, False),
        ("GET", "/nope", None, True),                     # 404
        ("POST", "/api/v1/workloads", "{}", False),       # 401
        ("GET", "/api/v1/workloads/%2e%2e", None, True),  # 400
    ]
    # Routes whose handler is not in this build (501) are left out, and named.
    for m, p, b, auth in list(ops):
        if not available(conn, m, p, b):
            ops.remove((m, p, b, auth))
            with lock:
                not_built.append(m + " " + p)
    i = 0
    while not stop.is_set():
        i += 1
        try:
            for m, p, b, auth in ops:
                st, _ = request(conn, m, p, b, auth)
                count("api " + m, st)
            cg = random.choice(cg_ids)
            if have_limits:
                body = json.dumps({"pids": {"max": random.randint(100, 1000)}})
                st, _ = request(conn, "PATCH", "/api/v1/cgroups/%s/%s/limits" % (rel, cg), body)
                count("api PATCH limits", st)
                st, _ = request(conn, "GET", "/api/v1/cgroups/%s/%s/limits" % (rel, cg))
                count("api GET limits", st)
            if have_workloads:
                name = "soak-%d" % (i % 20)
                spec = json.dumps({"name": name, "command": ["/bin/sleep", "3600"]})
                st, _ = request(conn, "POST", "/api/v1/workloads", spec)
                count("api POST workload", st)
                st, _ = request(conn, "DELETE", "/api/v1/workloads/%s?grace=0" % name)
                count("api DELETE workload", st)
            # A cgroup appears and one vanishes under the watch root.
            tmp = os.path.join(WATCH, "churn-%d" % (i % 50))
            if os.path.isdir(tmp):
                os.rmdir(tmp)
            else:
                os.mkdir(tmp)
        except (OSError, http.client.HTTPException) as e:
            with lock:
                errors["api " + type(e).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        time.sleep(0.05)


def proc_sample():
    with open("/proc/%d/status" % PID) as f:
        st = dict(l.split(":", 1) for l in f if ":" in l)
    return int(st["VmRSS"].split()[0]), len(os.listdir("/proc/%d/fd" % PID)), int(st["Threads"])


def sampler(t0):
    while not stop.is_set():
        rss, fds, thr = proc_sample()
        with lock:
            samples.append((round(time.monotonic() - t0), rss, fds, thr))
        stop.wait(10)


def quiet_fds():
    """The agent's descriptors with the watched tree at rest: its poller
    holds each polled cgroup's files open, so the count follows the churned
    cgroups; three poll rounds let it catch up."""
    time.sleep(3.5)
    return proc_sample()[1]


def main():
    t0 = time.monotonic()
    threads = [threading.Thread(target=scraper, daemon=True),
               threading.Thread(target=sampler, args=(t0,), daemon=True)]
    for t in threads:
        t.start()
    # Scrapes alone for ten seconds, then the count at rest before any churn.
    stop.wait(10)
    fds_base = quiet_fds()
    threads.append(threading.Thread(target=churner, daemon=True))
    threads[-1].start()
    stop.wait(SECONDS - 10)
    stop.set()
    for t in threads:
        t.join(15)
    # The tree back as it was (the churned cgroups gone), then at rest again.
    for d in os.listdir(WATCH):
        if d.startswith("churn-"):
            os.rmdir(os.path.join(WATCH, d))
    fds_rest = quiet_fds()
    rss, fds, thr = proc_sample()
    samples.append((round(time.monotonic() - t0), rss, fds, thr))
    # Baselines after a minute of warm-up (first-use allocations, caches).
    warm = [s for s in samples if s[0] >= 60] or samples
    # RSS follows the churned cgroups (each in two snapshots and in the
    # cached /metrics text), so one sample against another says little:
    # growth is the peak of the last two minutes against the peak of the two
    # after the warm-up, the same swing of the churn in both.
    early = [s[1] for s in samples if 60 <= s[0] < 180] or [warm[0][1]]
    late = [s[1] for s in samples if s[0] >= SECONDS - 120] or [rss]
    lat = sorted(scrape_lat)
    scrapes = sum(v for (k, s), v in statuses.items() if k == "scrape")
    print(json.dumps({
        "seconds": SECONDS,
        "scrapes": scrapes,
        "scrapes_per_s": round(scrapes / SECONDS, 2),
        "scrape_p50_s": round(lat[len(lat) // 2], 4) if lat else None,
        "scrape_p99_s": round(lat[int(len(lat) * 0.99)], 4) if lat else None,
        "scrape_max_s": round(lat[-1], 4) if lat else None,
        "statuses": {"%s %d" % k: v for k, v in sorted(statuses.items())},
        "status_5xx": sum(v for (k, s), v in statuses.items() if s >= 500),
        "client_errors": dict(errors),
        "not_built": not_built,
        "rss_kib_warm": warm[0][1],
        "rss_kib_end": rss,
        "rss_sample_growth_pct": round(100.0 * (rss - warm[0][1]) / warm[0][1], 2),
        "rss_kib_early_peak": max(early),
        "rss_kib_late_peak": max(late),
        "rss_growth_pct": round(100.0 * (max(late) - max(early)) / max(early), 2),
        "rss_kib_max": max(s[1] for s in samples),
        "fds_base": fds_base,
        "fds_rest": fds_rest,
        "fds_warm": warm[0][2],
        "fds_end": fds,
        "fds_min": min(s[2] for s in warm),
        "fds_max": max(s[2] for s in warm),
        "threads_end": thr,
        "samples": samples,
    }))


main()
