#!/usr/bin/env python3
"""doc_examples: the curl examples of a Markdown doc, extracted and run.

The convention (docs/api.md, "Examples"): an example is a command in a
```console block, on a line starting with "$ curl", continued on the next
lines while a line ends with "\\" or a quote is open. Its last line ends with
a comment stating the HTTP status it answers, "# → 200"; "# → 200, 501 until
implemented" marks a route that is not implemented yet (skipped while it
answers 501, checked in full once it does not). The lines after it, up to the
next "$ " line or the end of the block, are the response it shows. The
examples name the agent as $CGW and the token as $TOKEN, which the runner
takes from its environment. No curl may appear in a code block other than
as such an example, and no example may name the agent's address literally.

  doc_examples.py list FILE             the examples, one JSON object a line
  doc_examples.py setup FILE            the ```sh blocks that follow a line
                                        "<!-- examples: setup -->", to run first
  doc_examples.py run FILE [--min N]    runs them in order and checks each one's
                                        status and shown response; fails on any
                                        failure, or with fewer than N examples

A shown response is checked as JSON when it parses as JSON in which "…" (or
"...") may stand for a value (any value), for more members of an object (an
object always matches one with more members), or for more elements of an
array (without it an array must match element by element; with it each shown
element must match a different element, in any order); "…" inside a string
is a wildcard. Otherwise it is checked as text: each shown line, "…" a
wildcard, must match a whole line of the output, in order.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

STATUS_RE = re.compile(r"\s#\s*→\s*(\d{3})(,\s*501 until implemented)?\s*$")
LITERAL_ADDR_RE = re.compile(r"127\.0\.0\.1:9851|localhost:9851")
ELLIPSES = ("…", "...")


class DocError(Exception):
    pass


def needs_more(text):
    """True while a shell command text is unfinished: an open quote, or a
    trailing backslash outside quotes."""
    quote = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = None
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = None
        else:
            if c == "\\":
                if i + 1 >= n:
                    return True
                i += 1
            elif c in "'\"":
                quote = c
            elif c == "#" and (i == 0 or text[i - 1] in " \t\n"):
                while i < n and text[i] != "\n":
                    i += 1
                continue
        i += 1
    return quote is not None


def extract(path):
    """Returns (examples, errors, setup): examples as dicts with line, cmd,
    status, pending, shown; errors for lines breaking the convention."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    examples, errors, setup = [], [], []
    name = os.path.basename(path)
    i, n = 0, len(lines)
    setup_next = False
    while i < n:
        line = lines[i]
        m = re.match(r"^(\s*)```(\S*)", line)
        if not m:
            if line.strip() == "<!-- examples: setup -->":
                setup_next = True
            elif line.strip():
                setup_next = False
            i += 1
            continue
        lang = m.group(2)
        body_start = i + 1
        j = body_start
        while j < n and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        block = lines[body_start:j]
        if lang == "sh" and setup_next:
            setup.append("\n".join(block))
        setup_next = False
        if lang == "console":
            k = 0
            while k < len(block):
                ln = body_start + k + 1
                if not block[k].startswith("$ "):
                    if block[k].strip():
                        errors.append(f"{name}:{ln}: output before any command in a console block")
                    k += 1
                    continue
                cmd = block[k][2:]
                k += 1
                while needs_more(cmd) and k < len(block):
                    cmd += "\n" + block[k]
                    k += 1
                shown = []
                while k < len(block) and not block[k].startswith("$ "):
                    shown.append(block[k])
                    k += 1
                while shown and not shown[-1].strip():
                    shown.pop()
                if not re.match(r"curl\s", cmd):
                    errors.append(f"{name}:{ln}: a console block holds only curl examples: {cmd!r}")
                    continue
                if needs_more(cmd):
                    errors.append(f"{name}:{ln}: the command does not end (open quote or trailing \\)")
                    continue
                if LITERAL_ADDR_RE.search(cmd):
                    errors.append(f"{name}:{ln}: name the agent as $CGW, not literally: {cmd!r}")
                sm = STATUS_RE.search(cmd.split("\n")[-1])
                if not sm:
                    errors.append(f"{name}:{ln}: the example states no status (end it with '# → 200')")
                    continue
                examples.append({"file": name, "line": ln, "cmd": cmd, "status": int(sm.group(1)),
                                 "pending": bool(sm.group(2)), "shown": "\n".join(shown)})
        else:
            for k, b in enumerate(block):
                if re.search(r"(^|[\s|;&($`])curl\s", b):
                    errors.append(f"{name}:{body_start + k + 1}: curl outside a console example: {b.strip()!r}")
        i = j + 1
    return examples, errors, setup


# The shown-response pattern: JSON plus "…".
class Wild:
    pass


class Glob:
    def __init__(self, s):
        self.s = s
        parts = re.split("…|\\.\\.\\.", s)
        self.re = re.compile("".join(re.escape(p) if idx == 0 else ".*" + re.escape(p)
                                     for idx, p in enumerate(parts)), re.S)


class Obj(dict):
    pass


class Arr(list):
    open = False


class PatternParser:
    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def ellipsis(self):
        self.ws()
        for e in ELLIPSES:
            if self.s.startswith(e, self.i):
                self.i += len(e)
                return True
        return False

    def expect(self, c):
        self.ws()
        if not self.s.startswith(c, self.i):
            raise ValueError(f"expected {c!r} at {self.i}")
        self.i += len(c)

    def peek(self):
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def string(self):
        self.ws()
        dec = json.JSONDecoder()
        v, end = dec.raw_decode(self.s, self.i)
        if not isinstance(v, str):
            raise ValueError("expected a string")
        self.i = end
        return v

    def value(self):
        if self.ellipsis():
            return Wild()
        c = self.peek()
        if c == "{":
            self.i += 1
            o = Obj()
            while True:
                if self.peek() == "}":
                    self.i += 1
                    return o
                if not self.ellipsis():
                    k = self.string()
                    if k in o:
                        raise ValueError(f"key {k!r} twice")
                    self.expect(":")
                    o[k] = self.value()
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.expect("}")
                return o
        if c == "[":
            self.i += 1
            a = Arr()
            while True:
                if self.peek() == "]":
                    self.i += 1
                    return a
                if self.ellipsis():
                    a.open = True
                else:
                    a.append(self.value())
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.expect("]")
                return a
        if c == '"':
            v = self.string()
            return Glob(v) if any(e in v for e in ELLIPSES) else v
        dec = json.JSONDecoder()
        v, end = dec.raw_decode(self.s, self.i)
        self.i = end
        return v

    def parse(self):
        v = self.value()
        self.ws()
        if self.i != len(self.s):
            raise ValueError("trailing text")
        return v


def match(pat, got, where="$"):
    """None if got matches the pattern, else a sentence saying where not."""
    if isinstance(pat, Wild):
        return None
    if isinstance(pat, Glob):
        if isinstance(got, str) and pat.re.fullmatch(got):
            return None
        return f"{where}: {json.dumps(got)} does not match {json.dumps(pat.s)}"
    if isinstance(pat, dict):
        if not isinstance(got, dict):
            return f"{where}: want an object, got {json.dumps(got)[:200]}"
        for k, v in pat.items():
            if k not in got:
                return f"{where}: no key {k!r} (keys: {', '.join(got)})"
            r = match(v, got[k], f"{where}.{k}")
            if r:
                return r
        return None
    if isinstance(pat, list):
        if not isinstance(got, list):
            return f"{where}: want an array, got {json.dumps(got)[:200]}"
        if not getattr(pat, "open", False):
            if len(pat) != len(got):
                return f"{where}: {len(got)} elements, the doc shows {len(pat)}"
            for idx, (p, g) in enumerate(zip(pat, got)):
                r = match(p, g, f"{where}[{idx}]")
                if r:
                    return r
            return None
        used = set()
        for idx, p in enumerate(pat):
            for gi, g in enumerate(got):
                if gi not in used and match(p, g) is None:
                    used.add(gi)
                    break
            else:
                return f"{where}: no element matches the shown element {idx}"
        return None
    if isinstance(pat, bool) or isinstance(got, bool) or pat is None or got is None:
        if pat is got:
            return None
    elif isinstance(pat, (int, float)) and isinstance(got, (int, float)):
        if pat == got:
            return None
    elif pat == got:
        return None
    return f"{where}: {json.dumps(got)[:200]}, the doc shows {json.dumps(pat)}"


def check_shown(shown, out):
    """None if the output matches what the doc shows, else why not."""
    try:
        pat = PatternParser(shown).parse()
    except ValueError:
        pat = None
    if pat is not None:
        try:
            got = json.loads(out)
        except ValueError:
            return f"the doc shows JSON, the output is not: {out[:300]!r}"
        return match(pat, got)
    outl = out.split("\n")
    pos = 0
    for s in shown.split("\n"):
        if not s.strip():
            continue
        rx = Glob(s).re
        while pos < len(outl) and not rx.fullmatch(outl[pos]):
            pos += 1
        if pos == len(outl):
            return f"no line (after the previous one) matches {s!r}"
        pos += 1
    return None


PRELUDE = 'set -o pipefail\ncurl() { command curl -D "$CGW_EXAMPLE_HEADERS" "$@"; }\n'


def run_one(ex, hdr):
    open(hdr, "w").close()
    env = dict(os.environ, CGW_EXAMPLE_HEADERS=hdr)
    try:
        p = subprocess.run(["bash", "-c", PRELUDE + ex["cmd"] + "\n"], env=env, capture_output=True,
                           text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return None, "timed out after 180 s", ""
    with open(hdr, encoding="latin-1") as f:
        codes = [int(m.group(1)) for m in re.finditer(r"^HTTP/[\d.]+ (\d{3})", f.read(), re.M)]
    codes = [c for c in codes if c != 100]
    status = codes[-1] if codes else None
    timed = re.search(r"(^|\s)(-m|--max-time)\s", ex["cmd"]) is not None
    if p.returncode != 0 and not (timed and p.returncode == 28):
        return status, f"exited {p.returncode}: {p.stderr.strip()[:300]}", p.stdout
    return status, None, p.stdout


def cmd_run(path, minimum):
    examples, errors, _ = extract(path)
    for e in errors:
        print(f"# error: {e}")
    passed = skipped = failed = 0
    fd, hdr = tempfile.mkstemp(prefix="cgw-example-headers.")
    os.close(fd)
    for ex in examples:
        where = f"{ex['file']}:{ex['line']}"
        first = ex["cmd"].split("\n")[0]
        status, err, out = run_one(ex, hdr)
        why = None
        if ex["pending"] and status == 501:
            skipped += 1
            print(f"# skip {where}: answers 501 (marked '501 until implemented'): {first}")
            continue
        if err:
            why = err
        elif status != ex["status"]:
            why = f"status {status}, the doc says {ex['status']}; output: {out[:300]!r}"
        elif ex["shown"]:
            why = check_shown(ex["shown"], out)
        if why:
            failed += 1
            print(f"# FAIL {where}: {first}\n#   {why}")
        else:
            passed += 1
            note = " (the '501 until implemented' mark can go)" if ex["pending"] else ""
            print(f"# ok {where}: {first}{note}")
    os.unlink(hdr)
    name = os.path.basename(path)
    print(f"# {name}: {len(examples)} examples, {passed} passed, {skipped} skipped (501), {failed} failed")
    if len(examples) < minimum:
        print(f"# error: {name} has {len(examples)} examples, fewer than {minimum}")
        return 1
    return 1 if failed or errors else 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("list", "setup", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[2]
    if argv[1] == "list":
        examples, errors, _ = extract(path)
        for ex in examples:
            print(json.dumps(ex, ensure_ascii=False))
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        return 1 if errors else 0
    if argv[1] == "setup":
        print("\n".join(extract(path)[2]))
        return 0
    minimum = 1
    if len(argv) == 5 and argv[3] == "--min":
        minimum = int(argv[4])
    return cmd_run(path, minimum)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
