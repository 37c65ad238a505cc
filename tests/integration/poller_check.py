#!/usr/bin/python3
"""poller_check: compares what the agent serves (/metrics and
/api/v1/cgroups) for some cgroups with the kernel's files read directly.

  poller_check.py PORT MODE ID...

MODE "frozen": the cgroups are frozen (nothing moves), every value must be
equal. MODE "live": the kernel files are read, then after more than one poll
interval the agent is asked, then the files are read again: every counter
must lie between the two reads ("within one poll of drift"); gauges are
checked in frozen mode only. Every metric family the agent serves for these
cgroups must be one this checker knows, so a new family without a check
fails here. Prints what it compared; exits 1 on any mismatch.
"""
import json
import os
import re
import sys
import time
import urllib.request

CG = "/sys/fs/cgroup"


def read(cg, f):
    try:
        with open(os.path.join(CG, cg.lstrip("/"), f)) as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def flat(text):
    return {k: int(v) for k, v in (ln.split() for ln in text.splitlines() if ln.strip())} if text else None


def one(text):
    if text is None:
        return None
    t = text.strip()
    return None if t == "max" else int(t)


def psi(text):
    out = {}
    for ln in (text or "").splitlines():
        kind, *kv = ln.split()
        out[kind] = {k: float(v) if "." in v else int(v) for k, v in (x.split("=") for x in kv)}
    return out


def devnames():
    names = {}
    for d in os.listdir("/sys/class/block"):
        try:
            with open(f"/sys/class/block/{d}/dev") as fh:
                names[fh.read().strip()] = d
        except OSError:
            pass
    return names


def kernel(cg):
    """Every file the agent reports, parsed; None where absent."""
    k = {
        "cpu.stat": flat(read(cg, "cpu.stat")),
        "memory.stat": flat(read(cg, "memory.stat")),
        "memory.events": flat(read(cg, "memory.events")),
        "memory.current": one(read(cg, "memory.current")),
        "memory.peak": one(read(cg, "memory.peak")),
        "memory.swap.current": one(read(cg, "memory.swap.current")),
        "memory.max": read(cg, "memory.max"),
        "memory.high": read(cg, "memory.high"),
        "memory.low": one(read(cg, "memory.low")),
        "memory.min": one(read(cg, "memory.min")),
        "memory.swap.max": read(cg, "memory.swap.max"),
        "pids.current": one(read(cg, "pids.current")),
        "pids.max": read(cg, "pids.max"),
        "pids.events": flat(read(cg, "pids.events")),
        "cgroup.events": flat(read(cg, "cgroup.events")),
        "cgroup.stat": flat(read(cg, "cgroup.stat")),
        "cpu.weight": one(read(cg, "cpu.weight")),
        "cpu.max": read(cg, "cpu.max"),
    }
    io = {}
    for ln in (read(cg, "io.stat") or "").splitlines():
        dev, *kv = ln.split()
        io[dev] = {a: int(b) for a, b in (x.split("=") for x in kv)}
    k["io.stat"] = io
    for r in ("cpu", "memory", "io", "irq"):
        k[f"{r}.pressure"] = psi(read(cg, f"{r}.pressure"))
    return k


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def parse_metrics(text, ids):
    """{(name, id, frozenset(other labels)): value} for the given ids."""
    out = {}
    for ln in text.splitlines():
        if not ln or ln[0] == "#":
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$", ln)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        if labels.get("id") not in ids:
            continue
        cid = labels.pop("id")
        labels.pop("name", None)
        out[(m.group(1), cid, frozenset(labels.items()))] = float(m.group(3))
    return out


MAXED = object()


def limit(text):
    t = (text or "").strip()
    return None if text is None else (MAXED if t == "max" else int(t))


def expected_metrics(cg, k, names):
    """What each metric family should say for cg, from kernel values k:
    {(name, labels): value}, None meaning "no sample"."""
    e = {}
    cs, ms, me = k["cpu.stat"] or {}, k["memory.stat"] or {}, k["memory.events"] or {}

    def put(name, v, **labels):
        e[(name, frozenset(labels.items()))] = v

    for name, key, scale in (("container_cpu_usage_seconds_total", "usage_usec", 1e-6),
                             ("container_cpu_user_seconds_total", "user_usec", 1e-6),
                             ("container_cpu_system_seconds_total", "system_usec", 1e-6),
                             ("container_cpu_cfs_periods_total", "nr_periods", 1),
                             ("container_cpu_cfs_throttled_periods_total", "nr_throttled", 1),
                             ("container_cpu_cfs_throttled_seconds_total", "throttled_usec", 1e-6)):
        put(name, cs[key] * scale if key in cs else None)
    q = (k["cpu.max"] or "").split()
    put("container_spec_cpu_quota", None if not q or q[0] == "max" else int(q[0]))
    put("container_spec_cpu_period", int(q[1]) if q else None)
    put("cgwarden_cpu_weight", k["cpu.weight"])
    cur = k["memory.current"]
    put("container_memory_usage_bytes", cur)
    put("container_memory_working_set_bytes",
        None if cur is None else max(cur - ms.get("inactive_file", 0), 0))
    for name, key in (("container_memory_rss", "anon"), ("container_memory_cache", "file"),
                      ("container_memory_mapped_file", "file_mapped"),
                      ("container_memory_kernel_usage", "kernel")):
        put(name, ms.get(key))
    put("container_memory_swap", k["memory.swap.current"])
    put("container_memory_max_usage_bytes", k["memory.peak"])
    put("container_oom_events_total", me.get("oom_kill"))
    for name, f in (("container_spec_memory_limit_bytes", "memory.max"), ("cgwarden_memory_high_bytes", "memory.high"),
                    ("container_spec_memory_swap_limit_bytes", "memory.swap.max"), ("cgwarden_pids_limit", "pids.max")):
        v = limit(k[f])
        put(name, None if v is MAXED else v)
    put("container_spec_memory_reservation_limit_bytes", k["memory.low"])
    put("cgwarden_memory_min_bytes", k["memory.min"])
    for ev, v in me.items():
        put("cgwarden_memory_events_total", v, event=ev)
    put("cgwarden_pids_current", k["pids.current"])
    put("cgwarden_pids_max_events_total", (k["pids.events"] or {}).get("max"))
    ce, cst = k["cgroup.events"] or {}, k["cgroup.stat"] or {}
    put("cgwarden_cgroup_populated", ce.get("populated"))
    put("cgwarden_cgroup_frozen", ce.get("frozen"))
    put("cgwarden_cgroup_descendants", cst.get("nr_descendants"))
    put("cgwarden_cgroup_dying_descendants", cst.get("nr_dying_descendants"))
    for dev, c in k["io.stat"].items():
        d = names.get(dev)
        d = f"/dev/{d}" if d else dev
        for name, key in (("container_fs_reads_bytes_total", "rbytes"), ("container_fs_writes_bytes_total", "wbytes"),
                          ("container_fs_reads_total", "rios"), ("container_fs_writes_total", "wios"),
                          ("cgwarden_io_discarded_bytes_total", "dbytes")):
            if key in c:
                put(name, c[key], device=d)
    for r in ("cpu", "memory", "io", "irq"):
        p = k[f"{r}.pressure"]
        for kind, word in (("some", "waiting"), ("full", "stalled")):
            fam = f"container_pressure_{r}_{word}_seconds_total" if r != "irq" else \
                (f"cgwarden_pressure_irq_{word}_seconds_total" if kind == "full" else None)
            if fam and kind in p:
                put(fam, p[kind]["total"] * 1e-6)
            if kind in p:
                # avg10 moves every 2 s by itself: only its presence is exact
                put("cgwarden_pressure_avg10_ratio", "any", resource=r, kind=kind)
    return e


COUNTERS = re.compile(r"_total$")


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def main():
    port, mode, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
    base = f"http://127.0.0.1:{port}"
    names = devnames()
    info = json.loads(get(f"{base}/api/v1/info"))
    interval = info.get("poll_interval_ms", 1000) / 1000
    before = {cg: kernel(cg) for cg in ids}
    if mode == "live":
        time.sleep(interval * 1.5 + 0.2)
    metrics_text = get(f"{base}/metrics")
    snap = json.loads(get(f"{base}/api/v1/cgroups"))
    after = {cg: kernel(cg) for cg in ids}
    served = parse_metrics(metrics_text, set(ids))
    api = {c["id"]: c for c in snap["cgroups"]}
    bad, checked = [], 0

    def cmp(what, got, lo, hi, counter):
        nonlocal checked
        checked += 1
        if mode == "frozen" or not counter:
            if mode == "live":
                return  # gauges: frozen mode
            if lo == "any":
                ok = got is not None
            elif lo is None or got is None:
                ok = lo is None and got is None
            else:
                ok = close(got, lo)
        else:
            if lo is None or hi is None or got is None:
                ok = lo is None and got is None
            else:
                ok = min(lo, hi) - 1e-9 <= got <= max(lo, hi) + 1e-9
        if not ok:
            bad.append(f"{what}: served {got}, kernel {lo}" + ("" if mode == "frozen" else f"..{hi}"))

    known = set()
    for cg in ids:
        if cg not in api:
            bad.append(f"{cg}: not in /api/v1/cgroups")
            continue
        e1, e2 = expected_metrics(cg, before[cg], names), expected_metrics(cg, after[cg], names)
        for key in e1.keys() | e2.keys():
            name, labels = key
            known.add(name)
            got = served.get((name, cg, labels))
            cmp(f"{name}{{id={cg},{dict(labels)}}}", got, e1.get(key), e2.get(key), bool(COUNTERS.search(name)))
        # The JSON: cpu.stat, memory.stat, memory.events, pids, io, psi totals, limits.
        c = api[cg]
        for path, f1, f2, counter in (
                ("cpu", before[cg]["cpu.stat"], after[cg]["cpu.stat"], True),
                ("memory.stat", before[cg]["memory.stat"], after[cg]["memory.stat"], False),
                ("memory.events", before[cg]["memory.events"], after[cg]["memory.events"], True),
                ("pids.events", before[cg]["pids.events"], after[cg]["pids.events"], True)):
            obj = c
            for p in path.split("."):
                obj = (obj or {}).get(p)
            for key in (f1 or {}).keys() | (f2 or {}).keys():
                cmp(f"json {cg} {path}.{key}", (obj or {}).get(key), (f1 or {}).get(key), (f2 or {}).get(key), counter)
        for path, f in (("memory.current", "memory.current"), ("memory.peak", "memory.peak"),
                        ("pids.current", "pids.current")):
            a, b = before[cg][f], after[cg][f]
            obj = c
            for p in path.split("."):
                obj = (obj or {}).get(p) if isinstance(obj, dict) else None
            cmp(f"json {cg} {path}", obj, a, b, path == "memory.peak")
        devs = {f'{d["major"]}:{d["minor"]}': d for d in c.get("io", {}).get("devices", [])}
        for dev in before[cg]["io.stat"].keys() | after[cg]["io.stat"].keys():
            for key in ("rbytes", "wbytes", "rios", "wios"):
                cmp(f"json {cg} io {dev} {key}", devs.get(dev, {}).get(key),
                    before[cg]["io.stat"].get(dev, {}).get(key), after[cg]["io.stat"].get(dev, {}).get(key), True)
        for r in ("cpu", "memory", "io"):
            for kind in ("some", "full"):
                p1, p2 = before[cg][f"{r}.pressure"].get(kind), after[cg][f"{r}.pressure"].get(kind)
                got = c.get("psi", {}).get(r, {}).get(kind, {}).get("total")
                cmp(f"json {cg} psi.{r}.{kind}.total", got, p1 and p1["total"], p2 and p2["total"], True)
        lim = c.get("limits", {})
        for key, f in (("memory.max", "memory.max"), ("memory.high", "memory.high"), ("pids.max", "pids.max")):
            g, kname = key.split(".")
            v = limit(after[cg][f])
            want = "max" if v is MAXED else v
            got = lim.get(g, {}).get(kname)
            checked += 1
            if mode == "frozen" and got != want:
                bad.append(f"json {cg} limits.{key}: served {got}, kernel {want}")
    unknown = sorted({name for (name, cid, _l) in served} - known)
    if unknown:
        bad.append("families served for these cgroups that this checker does not know: " + ", ".join(unknown))
    print(f"# {mode}: {checked} values compared for {len(ids)} cgroups, {len(bad)} mismatches")
    for b in bad[:40]:
        print("#   " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
