#!/usr/bin/env python3
"""Raw HTTP clients for the abuse tests: what curl will not send.

  rawhttp.py send PORT REQUEST [WAIT]
      Sends REQUEST (Python escapes: \\r \\n \\x00 ...; <NxT> is T repeated N
      times, <N#T> is N copies of T with # replaced by 1..N) on one connection and
      prints "<status of the first response> <responses> <closed|open>
      <seconds>"; closed means the server hung up within WAIT seconds.
  rawhttp.py slow PORT CLIENTS TIMEOUT [--body]
      CLIENTS connections each send one byte a second of a request that never
      ends (headers, or with --body a body); meanwhile GET /metrics on a fresh
      connection every second, timed. Prints one JSON object with what
      happened (see the keys below).
  rawhttp.py endless PORT PATH TOKEN
      POSTs a chunked JSON body that never ends, 4 KiB a chunk; prints
      "<status or 000> <bytes sent before the server hung up>".
  rawhttp.py hold PORT COUNT [--tls CAFILE] [--send REQUEST]
      Opens COUNT connections (as many as the server takes), optionally
      TLS, optionally sending REQUEST (escapes as for send) on each; prints
      "connected N" and holds them until killed.
  rawhttp.py flood PORT COUNT
      COUNT connections one after the other, each with a different hostile
      request; prints how many got an answer and how many were cut off.
"""
import codecs
import http.client
import json
import re
import socket
import sys
import time


def read_all(s, wait):
    """Reads until EOF or wait seconds without data; (bytes, closed)."""
    s.settimeout(wait)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return out, True
            out += b
    except socket.timeout:
        return out, False
    except ConnectionResetError:
        return out, True


def expand(request):
    """<NxT>: T N times; <N#T>: N copies of T, '#' numbered (big requests
    built here, not in the shell: bats traces every shell command)."""
    request = re.sub(r"<(\d+)x([^>]*)>", lambda m: m.group(2) * int(m.group(1)), request)
    request = re.sub(r"<(\d+)#([^>]*)>",
                     lambda m: "".join(m.group(2).replace("#", str(i)) for i in range(1, int(m.group(1)) + 1)),
                     request)
    return codecs.decode(request, "unicode_escape").encode("latin-1")


def send(port, request, wait):
    data = expand(request)
    t = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out, closed = read_all(s, wait)
    s.close()
    status = out.split(b" ", 2)[1].decode() if out.startswith(b"HTTP/1.1 ") else "000"
    print(status, out.count(b"HTTP/1.1 "), "closed" if closed else "open", "%.3f" % (time.monotonic() - t))


def metrics_latency(port):
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/metrics", headers={"Connection": "close"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, time.monotonic() - t
    except OSError:
        return 0, time.monotonic() - t


def slow(port, n, timeout, body):
    if body:
        # A read route, so no token is needed to get to the body.
        req = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n" + b" " * 1000
        head = req.index(b"\r\n\r\n") + 4
    else:
        req = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000 + b"\r\n\r\n"
        head = 0
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    t0 = time.monotonic()
    for s in socks:
        s.setblocking(False)
        if head:
            s.send(req[:head])  # the headers at once, then the body by the byte
    pos = head
    alive = set(range(n))
    dropped = {}
    samples = []
    max_alive_late = 0
    while alive and time.monotonic() - t0 < timeout + 8:
        tick = time.monotonic()
        for i in list(alive):
            try:
                socks[i].send(req[pos:pos + 1])
                try:
                    if socks[i].recv(4096) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    pass
            except OSError:
                alive.discard(i)
                dropped[i] = time.monotonic() - t0
        pos += 1
        if time.monotonic() - t0 < timeout - 2:
            max_alive_late = len(alive)
        samples.append(metrics_latency(port))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    samples.append(metrics_latency(port))  # after the drop
    for s in socks:
        s.close()
    lat = [l for st, l in samples if st == 200]
    print(json.dumps({
        "clients": n,
        "alive_before_timeout": max_alive_late,  # still connected at timeout - 2 s
        "dropped": len(dropped),
        "dropped_first_s": round(min(dropped.values()), 2) if dropped else None,
        "dropped_last_s": round(max(dropped.values()), 2) if dropped else None,
        "metrics_requests": len(samples),
        "metrics_ok": len(lat),
        "metrics_max_s": round(max(lat), 3) if lat else None,
        "metrics_median_s": round(sorted(lat)[len(lat) // 2], 3) if lat else None,
    }))


def endless(port, path, token):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % (path, token)).encode())
    chunk = b"1000\r\n" + b" " * 4096 + b"\r\n"
    sent = 0
    s.settimeout(10)
    try:
        while sent < 1 << 30:
            s.sendall(chunk)
            sent += 4096
    except OSError:
        pass
    out, _ = read_all(s, 2)
    status = out.split(b" ", 2)[1].decode() if out.startswith(b"HTTP/1.1 ") else "000"
    print(status, sent)


HOSTILE = [
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * 40000 + b"\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(3000)) + b"\r\n",
    b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST /api/v1/workloads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /api/v1/workloads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /api/v1/workloads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999\r\n\r\n{",
    b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    b"GET /api/v1/workloads/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"\x16\x03\x01\x00\xff garbage\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # never finished: the client hangs up
]


def flood(port, count):
    answered = cut = 0
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        try:
            s.sendall(HOSTILE[i % len(HOSTILE)])
        except OSError:
            pass
        if i % len(HOSTILE) == len(HOSTILE) - 1:
            s.close()
            cut += 1
            continue
        out, _ = read_all(s, 5)
        s.close()
        if out.startswith(b"HTTP/1.1 4"):
            answered += 1
        else:
            cut += 1
    print(answered, cut)


def hold(port, count, cafile, request):
    conns = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port))
            if cafile:
                import ssl
                s = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname="localhost")
            if request:
                s.sendall(expand(request))
            conns.append(s)
        except OSError:
            pass
    print("connected", len(conns), flush=True)
    time.sleep(600)


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "send":
        send(port, sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 3.0)
    elif cmd == "slow":
        slow(port, int(sys.argv[3]), int(sys.argv[4]), "--body" in sys.argv)
    elif cmd == "endless":
        endless(port, sys.argv[3], sys.argv[4])
    elif cmd == "hold":
        opt = sys.argv[4:]
        hold(port, int(sys.argv[3]), opt[opt.index("--tls") + 1] if "--tls" in opt else None,
             opt[opt.index("--send") + 1] if "--send" in opt else None)
    elif cmd == "flood":
        flood(port, int(sys.argv[3]))
    else:
        sys.exit("rawhttp.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
