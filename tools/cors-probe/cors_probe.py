#!/usr/bin/env python3
"""corslab verdict-engine probe: measure what real Chromium does with cross-origin fetches.

Usage:  python3 tools/cors-probe/cors_probe.py [case-id-prefix ...]

It starts
  * one tiny raw HTTP server per origin of cases.py (page http://localhost:18000, target
    http://localhost:18001, cross-site page http://127.0.0.1:18002, third origin
    http://localhost:18003, and the Local Network Access pages). Ports are NOT corslab's
    8000-8003, so this never collides with a lab under development;
  * chromedriver in its own process group, and ONE headless Chromium session.

For every case in cases.CASES it clears the cookies, opens the case's page, runs its fetch()
calls one by one, and records for each call
  * what JavaScript saw (status, type, readable headers, or the TypeError),
  * every console line Chromium printed, in order,
  * DevTools' network events: the requests sent (preflights included), `corsErrorStatus`
    {corsError, failedParameter}, net errors, cookie block reasons,
  * what the servers received (method, URL, every header) and what they answered.

All of it goes to results.json, one object per case with the case as an experiment file
(SPEC §8: the page, the fetch, the server's answers), which `corslab explain` reads and the
engine's tests (crates/verdict/tests/probe_cases.rs) replay. RESULTS.md is generated from
results.json (report.py). With case prefixes given, only those run, into results-partial.json.
The session is always deleted and chromedriver's process group killed.
"""
import contextlib
import http
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cases import ADDRESS_SPACE_OVERRIDES, CASES, HOST_RULES, PORTS
import report

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER_PORT = 19515
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Only the Local Network Access cases' ports and host name are affected by these.
LNA_ARGS = [f"--ip-address-space-overrides={ADDRESS_SPACE_OVERRIDES}", f"--host-resolver-rules={HOST_RULES}"]

CASE_BY_ID = {c["id"]: c for c in CASES}
SERVER_LOG = []   # one dict per request: what the server received and answered
LOG_LOCK = threading.Lock()
PAGE = b"<!doctype html><html><head><meta charset=utf-8><title>probe</title></head><body>probe</body></html>"
REASONS = {s.value: s.phrase for s in http.HTTPStatus}


# ----------------------------------------------------------------------------
# What the probe's servers answer (one rule for the live servers and the experiment files)
# ----------------------------------------------------------------------------

def case_of(path):
    parts = path.split("?")[0].split("/")   # ['', 'c', id, sub...]
    if len(parts) > 2 and parts[1] == "c":
        return CASE_BY_ID.get(parts[2]), (parts[3] if len(parts) > 3 else "")
    return None, ""


def answer(cfg, method, sub):
    """(status, reason, [(name, value bytes)], body) the server sends for a request to a case."""
    srv = cfg["server"]
    if method == "OPTIONS" and "OPTIONS" in srv:
        resp = srv["OPTIONS"]
    elif sub and sub in srv:
        resp = srv[sub]
    else:
        resp = srv.get("*", (200, []))
    status, headers = resp[0], resp[1]
    reason = resp[2] if len(resp) > 2 else REASONS.get(status, "")
    body = json.dumps({"case": cfg["id"]}).encode()
    if method in ("HEAD", "OPTIONS") or status in (204, 304):
        body = b""
    lines = [(k, v if isinstance(v, bytes) else v.encode("latin-1")) for k, v in headers if not k.endswith("_")]
    lines += [("Content-Length", str(len(body)).encode()), ("Connection", b"close")]
    return status, reason, lines, body


def text(v):
    return v.decode("utf-8", "replace")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        cfg, sub = case_of(self.path)
        if cfg is None:
            page = self.path == "/"
            status, reason = (200, "OK") if page else (404, "Not Found")
            return self._send(status, reason, [("Content-Type", b"text/html")], PAGE if page else b"")
        status, reason, lines, body = answer(cfg, self.command, sub)
        with LOG_LOCK:
            SERVER_LOG.append({
                "url": f"http://{self.headers.get('Host')}{self.path}", "method": self.command,
                "headers": list(self.headers.items()), "status": status,
                "answer": [[k, text(v)] for k, v in lines]})
        self._send(status, reason, lines, body)

    def _send(self, status, reason, lines, body):
        if not any(k == "Content-Length" for k, _ in lines):
            lines = lines + [("Content-Length", str(len(body)).encode()), ("Connection", b"close")]
        head = [f"HTTP/1.1 {status} {reason}".encode()] + [k.encode() + b": " + v for k, v in lines]
        self.wfile.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_FOO = do_patch = do_put = _any
    do_delete = do_Patch = _any


def start_servers():
    servers = []
    for port in PORTS:
        s = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    return servers


# ----------------------------------------------------------------------------
# A case as an experiment file (SPEC §8)
# ----------------------------------------------------------------------------

def step_url(c, st):
    return f"{st['target']}/c/{c['id']}/{st['sub']}"


# Where Chromium is told each overridden server is (the experiment says it per answer).
SPACES = dict(item.split("=") for item in ADDRESS_SPACE_OVERRIDES.split(","))


def answers(c, url):
    """The server as SPEC §8 describes it: an answer (preflight or not) for every URL the fetch
    can reach from `url` by following the answers' redirects."""
    out, todo, seen = [], [url], set()
    while todo:
        u = todo.pop(0)
        parts = urllib.parse.urlsplit(u)
        if u in seen or parts.scheme not in ("http", "https") or "@" in parts.netloc:
            continue
        seen.add(u)
        _, sub = case_of(parts.path)
        for preflight in (True, False):
            status, reason, lines, _ = answer(c, "OPTIONS" if preflight else "GET", sub)
            a = {"url": u, "preflight": preflight, "status": status, "headers": [[k, text(v)] for k, v in lines]}
            if reason != REASONS.get(status, ""):
                a["status_text"] = reason
            if parts.netloc in SPACES:
                a["address_space"] = SPACES[parts.netloc]
            out.append(a)
            todo += [urllib.parse.urljoin(u, text(v)) for k, v in lines if k.lower() == "location"]
    return out


def experiment(c):
    steps, at_ms = [], 0
    for st in c["steps"]:
        at_ms += int(st["sleep"] * 1000)
        url = step_url(c, st)
        steps.append({"at_ms": at_ms, "fetch": {"url": url, **st["init"]}, "server": answers(c, url)})
    doc = {"page": c["page"], "steps": steps}
    if c["address_space"]:
        doc["page_address_space"] = c["address_space"]
    if c["granted"]:
        doc["granted_permissions"] = c["granted"]
    return doc


# ----------------------------------------------------------------------------
# WebDriver over plain HTTP
# ----------------------------------------------------------------------------

def wd(method, path, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{DRIVER_PORT}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def cdp(sid, cmd, params=None):
    return wd("POST", f"/session/{sid}/goog/cdp/execute", {"cmd": cmd, "params": params or {}})["value"]


# The page builds SPEC §8's non-string bodies itself (they cannot cross WebDriver as JSON).
FETCH_JS = r"""
const [url, init, done] = arguments;
const b = init.body;
if (b && typeof b === 'object') {
  if (b.kind === 'formdata') { const f = new FormData(); f.append('a', '1'); init.body = f; }
  else if (b.kind === 'urlsearchparams') init.body = new URLSearchParams('a=1');
  else init.body = new Blob(['x'], b.type ? {type: b.type} : {});
}
fetch(url, init).then(async r => {
  const hs = []; r.headers.forEach((v, k) => hs.push([k, v]));
  done({ok: true, status: r.status, type: r.type, headers: hs, redirected: r.redirected, url: r.url});
}).catch(e => done({ok: false, name: e.name, message: e.message}));
"""


@contextlib.contextmanager
def browser_session(binary="/usr/bin/chromium", logging=True, extra_args=()):
    """chromedriver in its own process group and one headless Chromium session; yields the
    session id and the browser version, and always ends the session and the driver (killing
    chromedriver alone would orphan Chromium)."""
    tmp = tempfile.mkdtemp(prefix="corsprobe-")
    drv = subprocess.Popen(["chromedriver", f"--port={DRIVER_PORT}"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, preexec_fn=os.setsid)
    sid = None
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", DRIVER_PORT), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": binary,
                                   "args": CHROMIUM_ARGS + list(extra_args) + [f"--user-data-dir={tmp}/profile"]}}}}
        if logging:
            caps["capabilities"]["alwaysMatch"]["goog:loggingPrefs"] = {"browser": "ALL", "performance": "ALL"}
        session = wd("POST", "/session", caps)["value"]
        sid = session["sessionId"]
        wd("POST", f"/session/{sid}/timeouts", {"script": 30000})
        yield sid, session["capabilities"].get("browserVersion")
    finally:
        if sid:
            try:
                wd("DELETE", f"/session/{sid}", timeout=20)
            except Exception as e:  # noqa
                print("session delete failed:", e)
        try:
            os.killpg(drv.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        drv.wait(timeout=10)


# ----------------------------------------------------------------------------
# Recording
# ----------------------------------------------------------------------------

CONSOLE_NETWORK = re.compile(r"^(\S+) - (.*)$", re.S)        # "<resource URL> - <text>"
CONSOLE_SCRIPT = re.compile(r"^(\S+) (\d+(?::\d+)?) (.*)$", re.S)  # "<script URL> <line[:col]> <text>"


def console_line(entry):
    """chromedriver prefixes each console message with its source; the text is what DevTools prints."""
    m = entry["message"]
    for pattern in (CONSOLE_NETWORK, CONSOLE_SCRIPT):
        found = pattern.match(m)
        if found:
            return {"level": entry["level"], "source": found.group(1), "text": found.groups()[-1]}
    return {"level": entry["level"], "source": "", "text": m}


def network(perf, cid):
    """The DevTools events of this case's requests (a request id follows its redirects)."""
    ids, out = set(), {"requests": [], "cors_errors": [], "failures": [], "cookies": [], "address_spaces": []}
    for e in perf:
        m = json.loads(e["message"])["message"]
        meth, p = m.get("method"), m.get("params", {})
        rid = p.get("requestId")
        if meth == "Network.requestWillBeSent" and (f"/c/{cid}/" in p["request"]["url"] or rid in ids):
            ids.add(rid)
            out["requests"].append({"url": p["request"]["url"], "method": p["request"]["method"],
                                    "preflight": p.get("initiator", {}).get("type") == "preflight"})
        if rid not in ids:
            continue
        if meth == "Network.loadingFailed":
            cors = p.get("corsErrorStatus")
            if cors:
                out["cors_errors"].append({"cors_error": cors["corsError"], "failed_parameter": cors.get("failedParameter", "")})
            out["failures"].append({"error_text": p.get("errorText"), "blocked_reason": p.get("blockedReason")})
        elif meth == "Network.requestWillBeSentExtraInfo":
            for x in p.get("associatedCookies", []):
                if x.get("blockedReasons"):
                    out["cookies"].append({"name": x["cookie"]["name"], "sending_blocked": x["blockedReasons"]})
            state = p.get("clientSecurityState")
            if state:
                out["address_spaces"].append(state)
        elif meth == "Network.responseReceivedExtraInfo":
            for x in p.get("blockedCookies", []):
                out["cookies"].append({"line": x.get("cookieLine"), "storing_blocked": x.get("blockedReasons")})
            if p.get("resourceIPAddressSpace"):
                out["address_spaces"].append({"resourceIPAddressSpace": p["resourceIPAddressSpace"]})
    return out


def received(cid):
    with LOG_LOCK:
        got = [r for r in SERVER_LOG if f"/c/{cid}/" in r["url"]]
        SERVER_LOG.clear()
    for r in got:
        h = {k.lower(): v for k, v in r["headers"]}
        r["preflight"] = r["method"] == "OPTIONS" and "access-control-request-method" in h
    return got


def drain(sid, kind):
    return wd("POST", f"/session/{sid}/se/log", {"type": kind})["value"]


# Local Network Access asks the user for these; headless Chromium cannot ask, so a permission
# left at "prompt" is denied.
LNA_PERMISSIONS = ("local-network", "loopback-network")


def run_case(sid, c):
    cdp(sid, "Network.clearBrowserCookies")
    wd("POST", f"/session/{sid}/url", {"url": c["page"] + "/"})
    if c["address_space"] and not c["page"].startswith("http://public.test"):  # WebDriver refuses insecure contexts
        for name in LNA_PERMISSIONS:
            state = "granted" if name in c["granted"] else "prompt"
            wd("POST", f"/session/{sid}/permissions", {"descriptor": {"name": name}, "state": state})
    time.sleep(0.1)
    drain(sid, "browser"), drain(sid, "performance"), received(c["id"])
    observed = []
    for st in c["steps"]:
        time.sleep(st["sleep"])
        js = wd("POST", f"/session/{sid}/execute/async",
                {"script": FETCH_JS, "args": [step_url(c, st), st["init"]]})["value"]
        time.sleep(0.3)
        console = [console_line(e) for e in drain(sid, "browser")]
        observed.append({"js": js, "console": [x for x in console if "favicon" not in x["source"]],
                         **network(drain(sid, "performance"), c["id"]), "received": received(c["id"])})
    return {"id": c["id"], "desc": c["desc"], "experiment": experiment(c), "chromium": observed}


def short(res):
    def js(o):
        return f"{o['status']} {o['type']}" if o.get("ok") else f"{o.get('name')}: {o.get('message')}"
    return " | ".join(
        f"{js(o['js'])} cors={[e['cors_error'] for e in o['cors_errors']]} "
        f"sent={[r['method'] + ('*' if r['preflight'] else '') for r in o['received']]}"
        for o in res["chromium"])


def run(selected):
    results = []
    with browser_session(extra_args=LNA_ARGS) as (sid, version):
        build = wd("GET", "/status")["value"].get("build", {})
        for c in CASES:
            if selected and not any(c["id"].startswith(p) for p in selected):
                continue
            res = run_case(sid, c)
            results.append(res)
            print(f"{res['id']:<32} {short(res)}", flush=True)
    meta = {"chromium": version, "chromedriver": build.get("version"), "args": CHROMIUM_ARGS + LNA_ARGS}
    return meta, results


if __name__ == "__main__":
    sel = sys.argv[1:]
    servers = start_servers()
    try:
        meta, results = run(sel)
    finally:
        for s in servers:
            s.shutdown()
    out = os.path.join(HERE, "results.json" if not sel else "results-partial.json")
    with open(out, "w") as f:
        json.dump({**meta, "cases": results}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    if not sel:
        report.write_md(out, os.path.join(HERE, "RESULTS.md"))
    print("wrote", out)
