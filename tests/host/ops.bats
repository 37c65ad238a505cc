#!/usr/bin/env bats
# Operations files: make install, the systemd unit, the man page, the
# Kubernetes manifest and scrape config, the default config.

load helpers

setup_file() {
	make -C "$CGW_TOP" -s all >/dev/null
}

@test "make install DESTDIR=... produces exactly the files docs/operations.md lists" {
	d=$(mktemp -d)
	make -C "$CGW_TOP" -s install DESTDIR="$d" >/dev/null
	want=$(sed -n '/<!-- install-files -->/,/<!-- \/install-files -->/p' "$CGW_TOP/docs/operations.md" |
		grep -o '^- `[^`]*`' | tr -d '`-' | tr -d ' ' | sort)
	got=$(cd "$d" && find . -type f | sed 's|^\.||' | sort)
	echo "want: $want"
	echo "got: $got"
	[ -n "$want" ]
	[ "$want" = "$got" ]
	[ "$(stat -c %a "$d/usr/local/sbin/cgwarden")" = 755 ]
	rm -rf "$d"
}

@test "systemd-analyze verify passes on the installed unit" {
	d=$(mktemp -d)
	make -C "$CGW_TOP" -s install PREFIX="$d/usr" SYSCONFDIR="$d/etc" >/dev/null
	run env MANPATH="$d/usr/share/man" systemd-analyze verify "$d/usr/lib/systemd/system/cgwarden.service"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'Delegate=yes' "$d/usr/lib/systemd/system/cgwarden.service"
	grep -qx 'KillMode=process' "$d/usr/lib/systemd/system/cgwarden.service"
	grep -qx "ExecStart=$d/usr/sbin/cgwarden --config $d/etc/cgwarden/cgwarden.json" "$d/usr/lib/systemd/system/cgwarden.service"
	rm -rf "$d"
}

@test "the man page documents every flag of --help" {
	flags=$("$CGW_TOP/agent/cgwarden" --help | grep -o '^  --[a-z-]*' | tr -d ' ')
	[ -n "$flags" ]
	for f in $flags; do
		esc=$(sed 's/-/\\\\-/g' <<<"$f")
		grep -q -- "$esc" "$CGW_TOP/docs/cgwarden.8" || { echo "missing in cgwarden.8: $f"; false; }
	done
}

@test "the default config passes --check-config" {
	run "$CGW_TOP/agent/cgwarden" --check-config "$CGW_TOP/docs/deploy/cgwarden.json"
	[ "$status" -eq 0 ]
}

@test "the DaemonSet manifest parses and has what a node agent needs" {
	run /usr/bin/python3 - "$CGW_TOP/docs/deploy/kubernetes/daemonset.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = [d for d in docs if d.get("kind") == "DaemonSet"]
assert len(ds) == 1, "one DaemonSet"
ds = ds[0]
assert ds["apiVersion"] == "apps/v1"
for k in ("name", "namespace"):
    assert ds["metadata"].get(k), "metadata." + k
spec = ds["spec"]
assert spec["selector"]["matchLabels"] == spec["template"]["metadata"]["labels"], "selector matches template"
pod = spec["template"]["spec"]
assert pod.get("hostPID") is True, "hostPID"
c = pod["containers"][0]
assert c.get("image"), "image"
assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], "requests"
assert c["resources"]["limits"]["memory"], "memory limit"
vols = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
assert vols[mounts["/sys/fs/cgroup"]]["hostPath"]["path"] == "/sys/fs/cgroup", "cgroup hostPath"
tok = [a for a in c["args"] if a.startswith("--token-file=")]
assert tok, "--token-file"
tokdir = tok[0].split("=", 1)[1].rsplit("/", 1)[0]
assert "secret" in vols[mounts[tokdir]], "token from a Secret"
listen = [a for a in c["args"] if a.startswith("--listen=")][0]
if not listen.split("=", 1)[1].startswith("127."):
    assert any(a.startswith("--tls-cert=") for a in c["args"]), "TLS off loopback"
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the Kubernetes scrape config parses and discovers pods" {
	run /usr/bin/python3 - "$CGW_TOP/docs/deploy/kubernetes/prometheus-scrape.yml" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
job = [j for j in cfg["scrape_configs"] if j["job_name"] == "cgwarden"][0]
assert job["kubernetes_sd_configs"][0]["role"] == "pod"
assert job["scheme"] == "https"
assert job["authorization"]["credentials_file"]
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
}
