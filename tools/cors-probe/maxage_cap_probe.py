#!/usr/bin/env python3
"""Measure Chromium's upper cap on Access-Control-Max-Age without waiting two hours.

Chromium is started through a wrapper that LD_PRELOADs libfaketime (Debian package
`faketime`) with a timestamp file, so the test can move Chromium's clocks (wall and
monotonic) forward while it runs. Servers, chromedriver and the harness keep real time.

Usage: [CAP_STEPS=7000,7300] python3 tools/cors-probe/maxage_cap_probe.py /path/to/chromium-wrapper /path/to/timestamp-file
Prints which requests reached the server at each simulated time.

Setup (Debian): `apt-get install -y faketime`, then a wrapper such as
    #!/bin/sh
    export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
    export FAKETIME_TIMESTAMP_FILE=/tmp/ft/rc FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_RESET=1
    exec /usr/bin/chromium "$@"
with /tmp/ft/rc holding "+0". The control case (Max-Age 600, re-preflighted after
+700 s) shows the clock shift reaches Chromium's preflight cache.
"""
import os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cors_probe as cp
from cases import A, T, acao, case

WRAPPER, RC = sys.argv[1], sys.argv[2]
cp.CASE_BY_ID["cap_ctl"] = case("cap_ctl", "Max-Age 600, then +700 s", [], {
    "OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600")),
    "*": acao(A)})
cp.CASE_BY_ID["cap_big"] = case("cap_big", "Max-Age 100000, then +7000 s, then +7300 s", [], {
    "OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "100000")),
    "*": acao(A)})


def set_offset(seconds):
    with open(RC, "w") as f:
        f.write(f"+{seconds}\n")
    time.sleep(2.5)  # libfaketime re-reads the file at most once a second


def main():
    set_offset(0)
    servers = cp.start_servers()
    try:
        with cp.browser_session(binary=WRAPPER, logging=False) as (sid, _version):
            run_steps(sid)
    finally:
        for s in servers:
            s.shutdown()
        set_offset(0)


def run_steps(sid):
    cp.wd("POST", f"/session/{sid}/url", {"url": A + "/"})

    def put(cid, label):
        cp.received(cid)
        out = cp.wd("POST", f"/session/{sid}/execute/async",
                    {"script": cp.FETCH_JS, "args": [f"{T}/c/{cid}/", {"method": "PUT"}]})["value"]
        time.sleep(0.3)
        seen = [r["method"] for r in cp.received(cid)]
        js = out.get("status") if out.get("ok") else out.get("message")
        print(f"{label:<40} js={js} server={seen}", flush=True)

    put("cap_ctl", "ctl t=0")
    put("cap_ctl", "ctl t=0 again (cached?)")
    set_offset(700)
    put("cap_ctl", "ctl t=+700 (Max-Age 600 expired?)")
    put("cap_big", "big t=+700 (first)")
    first, second = (int(x) for x in os.environ.get("CAP_STEPS", "7000,7300").split(","))
    set_offset(700 + first)
    put("cap_big", f"big t=+{first} after first")
    set_offset(700 + second)
    put("cap_big", f"big t=+{second} after first")


if __name__ == "__main__":
    main()
