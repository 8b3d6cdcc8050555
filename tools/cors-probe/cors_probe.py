#!/usr/bin/env python3
"""corslab verdict-engine probe: measure what real Chromium does with cross-origin fetches.

Usage:  python3 tools/cors-probe/cors_probe.py [case-id-prefix ...]

It starts
  * one tiny raw HTTP server per origin (page  http://localhost:18000,
    target http://localhost:18001, cross-site page http://127.0.0.1:18002,
    third origin http://localhost:18003).  Ports are NOT corslab's 8000-8002 so
    this never collides with the lab server under development;
  * chromedriver in its own process group, and ONE headless Chromium session.

For every case in CASES it navigates to the page origin, runs fetch() from
there with the case's init, and records
  * what JavaScript saw (status, type, visible headers, TypeError text),
  * what the servers received (methods, Access-Control-Request-Headers,
    Origin, Cookie),
  * Chromium's console text and the DevTools `Network.loadingFailed`
    corsErrorStatus {corsError, failedParameter}, cookie block reasons.

Results go to probe/results.json and a readable table probe/RESULTS.md; the Rust
unit tests in crates/verdict/src/tests/ quote the console strings recorded there.
The session is always deleted and chromedriver's process group killed.
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
A = "http://localhost:18000"      # page origin
T = "http://localhost:18001"      # API / target origin (same site as A)
X = "http://127.0.0.1:18002"      # cross-site page (other site)
R = "http://localhost:18003"      # third origin, for redirects
PORTS = {18000: "A", 18001: "T", 18002: "X", 18003: "R"}
DRIVER_PORT = 19515

# ----------------------------------------------------------------------------
# Case table.  server: {"OPTIONS": resp, "GET": resp, "*": resp, "<path-suffix>": {...}}
# resp = (status, [(name, value-bytes-or-str), ...]).  A per-path override dict
# may be keyed by the path suffix after /c/<id>/  (e.g. "2" for /c/<id>/2).
# steps: list of dicts {url, init, sleep, page, nav}
# ----------------------------------------------------------------------------

def ok_pf(*extra, origin=A, status=200):
    return (status, [("Access-Control-Allow-Origin", origin)] + list(extra))


def acao(origin=A, *extra, status=200):
    return (status, [("Access-Control-Allow-Origin", origin)] + list(extra))


SAFE_RESP = [
    ("Cache-Control", "no-store"), ("Content-Language", "ja"), ("Content-Type", "text/plain"),
    ("Expires", "0"), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"), ("Pragma", "no-cache"),
    ("X-Custom", "1"), ("X-Other", "2"), ("X-Hidden", "3"), ("Set-Cookie", "probe_sc=1; Path=/"),
    ("Access-Control-Expose-Headers_", ""),
]


def case(id, desc, steps, server, page=A):
    return {"id": id, "desc": desc, "steps": steps, "server": server, "page": page}


def step(init=None, sub="", target=T, sleep=0, page=None):
    return {"init": init or {}, "sub": sub, "target": target, "sleep": sleep, "page": page}


GET = step()
PUT = step({"method": "PUT"})
INC = {"credentials": "include"}
L129 = "a" * 129
L128 = "a" * 128

CASES = [
    # ---- actual-response CORS check (no preflight) ----
    case("s_no_acao", "GET, response without ACAO", [GET], {"*": (200, [])}),
    case("s_ok", "GET, ACAO=origin; which headers are visible", [GET],
         {"*": acao(A, *[h for h in SAFE_RESP if not h[0].endswith("_")])}),
    case("s_star", "GET, ACAO=*", [GET], {"*": acao("*")}),
    case("s_star_include", "include + ACAO=* (+ACAC true)", [step(INC)],
         {"*": acao("*", ("Access-Control-Allow-Credentials", "true"))}),
    case("s_mismatch", "ACAO other origin", [GET], {"*": acao("http://localhost:9999")}),
    case("s_dup_same", "ACAO sent twice (same value)", [GET],
         {"*": (200, [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Origin", A)])}),
    case("s_dup_star", "ACAO '*' and origin", [GET],
         {"*": (200, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Origin", A)])}),
    case("s_comma", "ACAO 'A,B'", [GET], {"*": acao(A + ",http://localhost:9999")}),
    case("s_space", "ACAO 'A B'", [GET], {"*": acao(A + " http://localhost:9999")}),
    case("s_null", "ACAO null", [GET], {"*": acao("null")}),
    case("s_invalid", "ACAO foo", [GET], {"*": acao("foo")}),
    case("s_slash", "ACAO origin + '/'", [GET], {"*": acao(A + "/")}),
    case("s_upper", "ACAO uppercase origin", [GET], {"*": acao(A.upper())}),
    case("s_nonascii", "ACAO with UTF-8 bytes", [GET], {"*": acao((A + "\u00e9").encode())}),
    case("s_empty", "ACAO empty value", [GET], {"*": acao("")}),
    case("s_include_no_acac", "include, ACAO ok, no ACAC", [step(INC)], {"*": acao(A)}),
    case("s_include_acac_True", "include, ACAC 'True'", [step(INC)],
         {"*": acao(A, ("Access-Control-Allow-Credentials", "True"))}),
    case("s_include_ok", "include, ACAO ok, ACAC true", [step(INC)],
         {"*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("s_include_order", "include, ACAO mismatch and no ACAC", [step(INC)],
         {"*": acao("http://localhost:9999")}),
    case("s_include_dup_acac", "include, ACAC sent twice", [step(INC)],
         {"*": acao(A, ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Allow-Credentials", "true"))}),
    case("s_omit_bad_acac", "omit, ACAC 'nope'", [step({"credentials": "omit"})],
         {"*": acao(A, ("Access-Control-Allow-Credentials", "nope"))}),
    case("s_404_no_acao", "404 without ACAO", [GET], {"*": (404, [])}),
    case("s_500_acao", "500 with ACAO", [GET], {"*": acao(A, status=500)}),
    case("s_expose", "ACEH 'X-Custom, x-other'", [GET],
         {"*": acao(A, *[h for h in SAFE_RESP if not h[0].endswith("_")],
                    ("Access-Control-Expose-Headers", "X-Custom, x-other"))}),
    case("s_expose_star", "ACEH * (no credentials)", [GET],
         {"*": acao(A, *[h for h in SAFE_RESP if not h[0].endswith("_")],
                    ("Access-Control-Expose-Headers", "*"))}),
    case("s_expose_star_include", "ACEH * with include", [step(INC)],
         {"*": acao(A, *[h for h in SAFE_RESP if not h[0].endswith("_")],
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Expose-Headers", "*, X-Other"))}),
    case("s_expose_setcookie", "ACEH names Set-Cookie", [GET],
         {"*": acao(A, ("Set-Cookie", "e=1"), ("X-Custom", "1"),
                    ("Access-Control-Expose-Headers", "Set-Cookie, X-Custom"))}),
    case("s_post_text", "POST text/plain", [step({"method": "POST", "body": "hi",
                                                   "headers": [["Content-Type", "text/plain"]]})],
         {"*": acao(A)}),
    case("s_head", "HEAD", [step({"method": "HEAD"})], {"*": acao(A)}),
    case("s_acao_ws", "ACAO with surrounding whitespace", [GET],
         {"*": acao("   " + A + "   ")}),

    case("s_aceh_invalid", "ACEH 'X-Custom, bad header, X-Other'", [GET],
         {"*": acao(A, ("X-Custom", "1"), ("X-Other", "2"),
                    ("Access-Control-Expose-Headers", "X-Custom, bad header, X-Other"))}),
    case("s_aceh_empty_elems", "ACEH ' ,X-Custom,, x-other , '", [GET],
         {"*": acao(A, ("X-Custom", "1"), ("X-Other", "2"),
                    ("Access-Control-Expose-Headers", " ,X-Custom,, x-other , "))}),
    case("s_aceh_two_lines", "ACEH split over two header lines", [GET],
         {"*": acao(A, ("X-Custom", "1"), ("X-Other", "2"), ("Access-Control-Expose-Headers", "X-Custom"),
                    ("Access-Control-Expose-Headers", "X-Other"))}),
    case("s_dup_resp_header", "response X-Custom twice + exposed", [GET],
         {"*": acao(A, ("X-Custom", "1"), ("X-Custom", "2"), ("Access-Control-Expose-Headers", "X-Custom"))}),
    # ---- modes ----
    case("m_nocors_get", "no-cors GET without ACAO", [step({"mode": "no-cors"})], {"*": (200, [])}),
    case("m_nocors_put", "no-cors PUT", [step({"mode": "no-cors", "method": "PUT"})], {"*": (200, [])}),
    case("m_nocors_headers", "no-cors with X-Foo + JSON content type",
         [step({"mode": "no-cors", "method": "POST", "body": "{}",
                "headers": [["X-Foo", "1"], ["Content-Type", "application/json"], ["Accept", "x/y"]]})],
         {"*": (200, [])}),
    case("m_sameorigin_cross", "mode same-origin to cross origin", [step({"mode": "same-origin"})],
         {"*": acao(A)}),
    case("m_same_origin_put", "same-origin PUT + X-Foo (no CORS)",
         [step({"method": "PUT", "headers": [["X-Foo", "1"]]}, target=A)], {"*": (200, [])}),
    case("m_nocors_include", "no-cors include, no ACAO", [step({"mode": "no-cors", "credentials": "include"})],
         {"*": (200, [])}),

    case("m_trace", "method TRACE", [step({"method": "TRACE"})], {"*": acao(A)}),
    case("m_bad_method", "method 'BAD METHOD'", [step({"method": "BAD METHOD"})], {"*": acao(A)}),
    case("m_ftp", "ftp: URL", [step(target="ftp://localhost:18001")], {"*": acao(A)}),
    case("m_nocors_patch", "no-cors patch", [step({"mode": "no-cors", "method": "patch"})], {"*": acao(A)}),
    # ---- preflight response checks ----
    case("p_no_cors_200", "PUT, preflight 200 without CORS headers", [PUT], {"OPTIONS": (200, []), "*": acao(A)}),
    case("p_404", "preflight 404 without CORS headers", [PUT], {"OPTIONS": (404, []), "*": acao(A)}),
    case("p_500", "preflight 500 without CORS headers", [PUT], {"OPTIONS": (500, []), "*": acao(A)}),
    case("p_404_acao", "preflight 404 with ACAO+ACAM", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), status=404), "*": acao(A)}),
    case("p_204_ok", "preflight 204 ok", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), status=204), "*": acao(A)}),
    case("p_299_ok", "preflight 299", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), status=299), "*": acao(A)}),
    case("p_redirect", "preflight 302", [PUT],
         {"OPTIONS": (302, [("Location", "/c/p_redirect/2")]), "*": acao(A)}),
    case("p_redirect_acao", "preflight 307 with CORS headers", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Location", "/c/p_redirect_acao/2"),
                          status=307), "*": acao(A)}),
    case("p_redirect_no_acao_404", "preflight 301 w/o CORS", [PUT],
         {"OPTIONS": (301, [("Location", "/x")]), "*": acao(A)}),
    case("p_star_include", "include, preflight ACAO *", [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao("*", ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Methods", "PUT")),
          "*": acao(A)}),
    case("p_dup", "preflight ACAO twice", [PUT],
         {"OPTIONS": (200, [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Origin", A),
                            ("Access-Control-Allow-Methods", "PUT")]), "*": acao(A)}),
    case("p_mismatch", "preflight ACAO mismatch", [PUT],
         {"OPTIONS": acao("http://localhost:9999", ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("p_invalid", "preflight ACAO foo", [PUT],
         {"OPTIONS": acao("foo", ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("p_include_no_acac", "include, preflight without ACAC",
         [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("p_404_mismatch", "preflight 404 with mismatching ACAO", [PUT],
         {"OPTIONS": acao("http://localhost:9999", status=404), "*": acao(A)}),
    case("p_no_acam", "PUT, preflight without ACAM", [PUT], {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_acam_lower_put", "PUT, ACAM 'put'", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "put")), "*": acao(A)}),
    case("p_put_lower_js", "method 'put' in JS, ACAM PUT", [step({"method": "put"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("p_patch_lower", "method 'patch', ACAM PATCH", [step({"method": "patch"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PATCH")), "*": acao(A)}),
    case("p_patch_upper_acam_lower", "method PATCH, ACAM patch", [step({"method": "PATCH"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "patch")), "*": acao(A)}),
    case("p_patch_ok", "PATCH, ACAM PATCH", [step({"method": "PATCH"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "GET, PATCH")), "*": acao(A)}),
    case("p_delete_lower", "method 'delete', ACAM DELETE", [step({"method": "delete"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "DELETE")), "*": acao(A)}),
    case("p_acam_star", "PUT, ACAM *", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "*")), "*": acao(A)}),
    case("p_acam_star_include", "include PUT, ACAM *", [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Methods", "*")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("p_acam_ws", "ACAM ' GET ,, PUT , '", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", " GET ,, PUT , ")), "*": acao(A)}),
    case("p_acam_invalid", "ACAM 'PUT;'", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "GET, PU(T")), "*": acao(A)}),
    case("p_acam_dup_headers", "ACAM split over two headers", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "GET"), ("Access-Control-Allow-Methods", "PUT")),
          "*": acao(A)}),
    case("p_custom_method", "method FOO, ACAM FOO", [step({"method": "FOO"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "FOO")), "*": acao(A)}),
    case("p_json_no_acah", "POST JSON, no ACAH",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_json_acah_case", "POST JSON, ACAH 'Content-Type'",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "Content-Type")), "*": acao(A)}),
    case("p_acah_star_auth", "Authorization + ACAH *", [step({"headers": [["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "*")), "*": acao(A)}),
    case("p_acah_star_xfoo", "X-Foo + ACAH *", [step({"headers": [["X-Foo", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "*")), "*": acao(A)}),
    case("p_acah_star_include", "include + X-Foo + ACAH *",
         [step({"headers": [["X-Foo", "1"]], "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Headers", "*")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("p_acah_auth_listed", "Authorization + ACAH authorization",
         [step({"headers": [["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "authorization")), "*": acao(A)}),
    case("p_method_then_header", "PUT + X-Foo, neither allowed",
         [step({"method": "PUT", "headers": [["X-Foo", "1"]]})], {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_acah_ws", "ACAH ' , x-foo ,, content-type ,'",
         [step({"method": "POST", "body": "{}", "headers": [["X-Foo", "1"], ["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", " , x-foo ,, content-type ,")), "*": acao(A)}),
    case("p_acah_invalid", "ACAH 'x-foo, bad header'", [step({"headers": [["X-Foo", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-foo, bad header")), "*": acao(A)}),
    case("p_acrh_sorted", "X-Zeta, X-Alpha, JSON → ACRH order",
         [step({"method": "POST", "body": "{}", "headers": [["X-Zeta", "1"], ["X-Alpha", "2"],
                                                             ["Content-Type", "application/json"],
                                                             ["Accept", "application/json"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-zeta, X-ALPHA, content-type")), "*": acao(A)}),
    case("p_two_missing", "X-Zeta, X-Alpha, none allowed (which is reported?)",
         [step({"headers": [["X-Zeta", "1"], ["X-Alpha", "2"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-other")), "*": acao(A)}),
    case("p_accept_129", "Accept value 129 bytes", [step({"headers": [["Accept", L129]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_accept_128", "Accept value 128 bytes", [step({"headers": [["Accept", L128]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_intervention", "Intervention header", [step({"headers": [["Intervention", "x"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_dpr", "DPR: 2 header", [step({"headers": [["DPR", "2"]]})], {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_sum_1025", "safelisted headers totalling > 1024 bytes",
         [step({"headers": [["Accept", L128], ["Accept-Language", L128], ["Content-Language", L128],
                            ["Content-Type", "text/plain;a=" + "b" * 115], ["Intervention", L128],
                            ["Width", "1" * 128], ["Viewport-Width", "1" * 128], ["RTT", "1" * 128],
                            ["DPR", "1" * 2]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_sum_1024", "safelisted headers totalling exactly 1024 bytes",
         [step({"headers": [["Accept", L128], ["Accept-Language", L128], ["Content-Language", L128],
                            ["Content-Type", "text/plain;a=" + "b" * 115], ["Intervention", L128],
                            ["Width", "1" * 128], ["Viewport-Width", "1" * 128], ["RTT", "1" * 128]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_range_simple", "Range bytes=0-10", [step({"headers": [["Range", "bytes=0-10"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_range_open", "Range bytes=5-", [step({"headers": [["Range", "bytes=5-"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_range_multi", "Range two ranges", [step({"headers": [["Range", "bytes=0-1,3-4"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_range_suffix", "Range bytes=-5", [step({"headers": [["Range", "bytes=-5"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_range_backwards", "Range bytes=10-5", [step({"headers": [["Range", "bytes=10-5"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_charset", "CT text/plain;charset=utf-8",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text/plain;charset=utf-8"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_quoted", 'CT text/plain;charset="utf-8"',
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", 'text/plain;charset="utf-8"']]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_upper", "CT TEXT/PLAIN",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "TEXT/PLAIN"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_comma", "CT 'text/plain, application/json'",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text/plain, application/json"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_space", "CT ' text/plain ; charset=utf-8'",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text/plain ; charset=utf-8"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_multipart", "CT multipart/form-data (no boundary)",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "multipart/form-data"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_empty", "CT ''",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", ""]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_json", "CT application/json",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_al_underscore", "Accept-Language en_US", [step({"headers": [["Accept-Language", "en_US"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_al_ok", "Accept-Language 'ja,en-US;q=0.9'", [step({"headers": [["Accept-Language", "ja,en-US;q=0.9"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_cl_ok", "Content-Language de-DE", [step({"headers": [["Content-Language", "de-DE"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_accept_quote", 'Accept text/"x"', [step({"headers": [["Accept", 'text/"x"']]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ua", "User-Agent set by script", [step({"headers": [["User-Agent", "probe"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_forbidden", "Cookie/Origin/Sec-Foo/Proxy-X/DNT set by script",
         [step({"headers": [["Cookie", "a=b"], ["Origin", "http://evil"], ["Sec-Foo", "1"], ["Proxy-X", "1"],
                            ["DNT", "1"], ["Accept-Charset", "x"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_empty_value", "X-Foo with empty value", [step({"headers": [["X-Foo", ""]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_xmo", "X-HTTP-Method-Override: TRACE", [step({"headers": [["X-HTTP-Method-Override", "TRACE"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "*")), "*": acao(A)}),
    case("p_content_type_acah_star_include", "include JSON POST, ACAH * with credentials",
         [step({"method": "POST", "body": "{}", "credentials": "include",
                "headers": [["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Headers", "*")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("p_actual_fails", "preflight ok, actual response lacks ACAO", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": (200, [])}),

    case("p_300_acao", "preflight 300 without Location, CORS ok", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), status=300), "*": acao(A)}),
    case("p_auth_star_include", "include + Authorization + ACAH *",
         [step({"headers": [["Authorization", "Bearer x"]], "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Headers", "*")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("p_acrh_dup_name", "X-Foo appended twice", [step({"headers": [["X-Foo", "1"], ["x-foo", "2"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "X-FOO")), "*": acao(A)}),
    case("p_ct_space_type", "CT 'text /plain'",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text /plain"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_ct_semicolon", "CT 'text/plain;'",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text/plain;"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("p_acah_dup_lines", "ACAH split over two header lines",
         [step({"headers": [["X-A", "1"], ["X-B", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-a"), ("Access-Control-Allow-Headers", "x-b")),
          "*": acao(A)}),
    case("p_preflight_acac_True", "include preflight ACAC True",
         [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "True"), ("Access-Control-Allow-Methods", "PUT")),
          "*": acao(A)}),
    case("p_maxage_in_fail", "preflight fails on header; is anything cached? (2nd same)",
         [step({"headers": [["X-A", "1"]]}), step({"headers": [["X-A", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Max-Age", "600")), "*": acao(A)}),
    # ---- preflight cache ----
    case("c_600", "Max-Age 600, two PUTs", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("c_neg1", "Max-Age -1", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "-1")),
          "*": acao(A)}),
    case("c_zero", "Max-Age 0", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "0")),
          "*": acao(A)}),
    case("c_absent_fast", "no Max-Age, immediate 2nd", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("c_absent_slow", "no Max-Age, 2nd after 6 s", [PUT, step({"method": "PUT"}, sleep=6)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("c_2_wait", "Max-Age 2, 2nd after 3 s", [PUT, step({"method": "PUT"}, sleep=3)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "2")),
          "*": acao(A)}),
    case("c_garbage", "Max-Age abc, immediate 2nd", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "abc")),
          "*": acao(A)}),
    case("c_huge", "Max-Age 99999999999999999999, 2nd after 6 s", [PUT, step({"method": "PUT"}, sleep=6)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"),
                          ("Access-Control-Max-Age", "99999999999999999999")), "*": acao(A)}),
    case("c_plus", "Max-Age +600, 2nd after 6 s", [PUT, step({"method": "PUT"}, sleep=6)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "+600")),
          "*": acao(A)}),
    case("c_new_header", "cached for X-A, 2nd adds X-B",
         [step({"headers": [["X-A", "1"]]}), step({"headers": [["X-A", "1"], ["X-B", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-a, x-b"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("c_cred_up", "cached with omit, 2nd include",
         [step({"method": "PUT", "credentials": "omit"}), step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Credentials", "true"),
                          ("Access-Control-Max-Age", "600")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("c_cred_down", "cached with include, 2nd omit",
         [step({"method": "PUT", "credentials": "include"}), step({"method": "PUT", "credentials": "omit"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Credentials", "true"),
                          ("Access-Control-Max-Age", "600")),
          "*": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("c_other_method", "cached for PUT, 2nd DELETE", [PUT, step({"method": "DELETE"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT, DELETE"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("c_other_url", "cached for path, 2nd with ?q", [PUT, step({"method": "PUT"}, sub="?q=1")],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("c_auth_star_cached", "Authorization via ACAH * cached?",
         [step({"headers": [["Authorization", "Bearer x"]]}), step({"headers": [["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),

    # ---- redirects of the actual request ----
    case("r_same", "GET 302 to same target origin (both ACAO)", [GET],
         {"*": (302, [("Access-Control-Allow-Origin", A), ("Location", "/c/r_same/2")]),
          "2": acao(A)}),
    case("r_no_acao", "GET 302 without ACAO", [GET],
         {"*": (302, [("Location", "/c/r_no_acao/2")]), "2": acao(A)}),
    case("r_final_no_acao", "GET 302 (ACAO) to a final response without ACAO", [GET],
         {"*": (302, [("Access-Control-Allow-Origin", A), ("Location", "/c/r_final_no_acao/2")]),
          "2": (200, [])}),
    case("r_cross", "302 T→R, R answers ACAO origin", [GET],
         {"*": (302, [("Access-Control-Allow-Origin", A), ("Location", R + "/c/r_cross/2")]),
          "2": acao(A)}),
    case("r_cross_null", "302 T→R, R answers ACAO null", [GET],
         {"*": (302, [("Access-Control-Allow-Origin", A), ("Location", R + "/c/r_cross_null/2")]),
          "2": acao("null")}),
    case("r_userinfo", "302 to URL with user:pass", [GET],
         {"*": (302, [("Access-Control-Allow-Origin", A),
                      ("Location", "http://user:pass@localhost:18001/c/r_userinfo/2")]), "2": acao(A)}),
    case("r_preflighted", "PUT, actual 307 to same origin", [PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")),
          "*": (307, [("Access-Control-Allow-Origin", A), ("Location", "/c/r_preflighted/2")]),
          "2": acao(A)}),
    case("r_nocors", "no-cors GET 302 to R", [step({"mode": "no-cors"})],
         {"*": (302, [("Location", R + "/c/r_nocors/2")]), "2": (200, [])}),

    # ---- cookies ----
    case("k_lax_include", "T sets Lax via include fetch; next include sends it?",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Set-Cookie", "k_lax=1; SameSite=Lax; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_default_creds", "same-origin credentials to cross-origin: cookie sent?",
         [step({}, sub="echo")], {"echo": acao(A)}),
    case("k_omit", "omit: cookie sent?", [step({"credentials": "omit"}, sub="echo")], {"echo": acao(A)}),
    case("k_strict", "Strict cookie, same-site cross-origin",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Access-Control-Allow-Credentials", "true"),
                      ("Set-Cookie", "k_strict=1; SameSite=Strict; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_none_insecure", "SameSite=None without Secure",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Set-Cookie", "k_nn=1; SameSite=None; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_none_secure", "SameSite=None; Secure over http://localhost",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Access-Control-Allow-Credentials", "true"),
                      ("Set-Cookie", "k_ns=1; SameSite=None; Secure; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_no_samesite", "no SameSite attribute (Lax by default)",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Set-Cookie", "k_def=1; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_set_blocked_cors", "include fetch, response without ACAO sets cookie: stored?",
         [step({"credentials": "include"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": (200, [("Set-Cookie", "k_blk=1; SameSite=Lax; Path=/")]),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_set_omit", "omit fetch sets cookie: stored?",
         [step({"credentials": "omit"}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Set-Cookie", "k_omit=1; SameSite=Lax; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_set_default", "same-origin-credentials cross-origin fetch sets cookie: stored?",
         [step({}, sub="set"), step({"credentials": "include"}, sub="echo")],
         {"set": acao(A, ("Set-Cookie", "k_so=1; SameSite=Lax; Path=/")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_preflight_cookie", "include PUT: does the preflight carry cookies?",
         [step({"credentials": "include", "method": "PUT"}, sub="echo")],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Methods", "PUT")),
          "echo": acao(A, ("Access-Control-Allow-Credentials", "true"))}),
    case("k_cross_site", "page 127.0.0.1 → localhost include: cookies sent / stored?",
         [step({"credentials": "include"}, sub="set", page=X), step({"credentials": "include"}, sub="echo", page=X)],
         {"set": acao(X, ("Access-Control-Allow-Credentials", "true"),
                      ("Set-Cookie", "k_xs_none=1; SameSite=None; Secure; Path=/"),
                      ("Set-Cookie", "k_xs_lax=1; SameSite=Lax; Path=/")),
          "echo": acao(X, ("Access-Control-Allow-Credentials", "true"))}),
    # ---- added by the verdict-engine session (prefix n_) ----
    case("n_cache_huge_fast", "Max-Age 99999999999999999999, immediate 2nd", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"),
                          ("Access-Control-Max-Age", "99999999999999999999")), "*": acao(A)}),
    case("n_cache_neg5", "Max-Age -5, immediate 2nd", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "-5")),
          "*": acao(A)}),
    case("n_cache_frac", "Max-Age 1.5, immediate 2nd", [PUT, PUT],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "1.5")),
          "*": acao(A)}),
    case("n_cache_absent_4s", "no Max-Age, 2nd after 4 s", [PUT, step({"method": "PUT"}, sleep=4)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT")), "*": acao(A)}),
    case("n_cache_dup_lines", "Max-Age 600 sent twice, 2nd after 6 s", [PUT, step({"method": "PUT"}, sleep=6)],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600"),
                          ("Access-Control-Max-Age", "600")), "*": acao(A)}),
    case("n_cache_star_then_auth", "ACAH * cached for X-Foo, 2nd sends Authorization",
         [step({"headers": [["X-Foo", "1"]]}), step({"headers": [["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("n_cache_acam_star", "ACAM * cached for PUT, 2nd DELETE", [PUT, step({"method": "DELETE"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "*"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("n_cache_new_header_unlisted", "cached for X-A (ACAH x-a), 2nd adds X-B",
         [step({"headers": [["X-A", "1"]]}), step({"headers": [["X-A", "1"], ["X-B", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-a"), ("Access-Control-Max-Age", "600")),
          "*": acao(A)}),
    case("n_pf_404_include_no_acac", "include PUT, preflight 404 with ACAO ok, no ACAC",
         [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PUT"), status=404), "*": acao(A)}),
    case("n_pf_404_star_include", "include PUT, preflight 404 with ACAO *",
         [step({"method": "PUT", "credentials": "include"})],
         {"OPTIONS": acao("*", ("Access-Control-Allow-Methods", "PUT"), status=404), "*": acao(A)}),
    case("n_pf_acam_invalid_safelisted", "POST JSON, ACAM 'PU(T' (method itself safelisted)",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "PU(T"), ("Access-Control-Allow-Headers", "content-type")),
          "*": acao(A)}),
    case("n_pf_method_and_acah_invalid", "PUT + X-Foo, ACAM GET, ACAH 'bad header'",
         [step({"method": "PUT", "headers": [["X-Foo", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Methods", "GET"), ("Access-Control-Allow-Headers", "bad header")),
          "*": acao(A)}),
    case("n_two_missing_rev", "X-Alpha, X-Zeta (reversed), none allowed",
         [step({"headers": [["X-Alpha", "2"], ["X-Zeta", "1"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "x-other")), "*": acao(A)}),
    case("n_three_missing", "X-B, X-C, X-A, none allowed",
         [step({"headers": [["X-B", "1"], ["X-C", "1"], ["X-A", "1"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_csrf_json_missing", "POST JSON + X-CSRFToken, ACAH content-type only",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"], ["X-CSRFToken", "t"]]})],
         {"OPTIONS": acao(A, ("Access-Control-Allow-Headers", "content-type")), "*": acao(A)}),
    case("n_sum_default_accept", "safelisted headers 1022 bytes, no Accept (default */* adds 3)",
         [step({"headers": [["Accept-Language", L128], ["Content-Language", L128],
                            ["Content-Type", "text/plain;a=" + "b" * 115], ["Intervention", L128],
                            ["Width", "1" * 128], ["Viewport-Width", "1" * 128], ["RTT", "1" * 128],
                            ["DPR", "1" * 126]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_ct_129", "Content-Type text/plain;a=... 129 bytes",
         [step({"method": "POST", "body": "x", "headers": [["Content-Type", "text/plain;a=" + "b" * 116]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_nocors_put_lower", "no-cors 'put'", [step({"mode": "no-cors", "method": "put"})], {"*": acao(A)}),
    case("n_trace_lower", "method 'trace'", [step({"method": "trace"})], {"*": acao(A)}),
    case("n_sameorigin_redirect", "mode same-origin, same-origin URL 302 to cross origin",
         [step({"mode": "same-origin"}, target=A)],
         {"*": (302, [("Location", T + "/c/n_sameorigin_redirect/2")]), "2": acao(A)}),
    case("n_req_setcookie", "script sets Set-Cookie request header", [step({"headers": [["Set-Cookie", "a=b"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_xmo_get", "X-HTTP-Method-Override: GET", [step({"headers": [["X-HTTP-Method-Override", "GET"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_xmo_list", "X-Method-Override: 'get, trace'", [step({"headers": [["X-Method-Override", "get, trace"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_redirect_to_userinfo_same", "same-origin page fetch 302 to T with user:pass (cors flag)",
         [GET], {"*": (302, [("Access-Control-Allow-Origin", A),
                              ("Location", "http://u:p@localhost:18001/c/n_redirect_to_userinfo_same/2")]),
                 "2": acao(A)}),
    case("n_redirect_null_then_star_include", "include: 302 T->R, R answers ACAO null + ACAC true",
         [step({"credentials": "include"})],
         {"*": (302, [("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "true"),
                      ("Location", R + "/c/n_redirect_null_then_star_include/2")]),
          "2": acao("null", ("Access-Control-Allow-Credentials", "true"))}),

    case("n_pair_auth_ct", "JSON POST + Authorization, no ACAH (which is named?)",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"], ["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_pair_ct_csrf", "JSON POST + X-CSRFToken, no ACAH (which is named?)",
         [step({"method": "POST", "body": "{}", "headers": [["Content-Type", "application/json"], ["X-CSRFToken", "t"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_pair_auth_xrw", "Authorization + X-Requested-With, no ACAH (which is named?)",
         [step({"headers": [["X-Requested-With", "XMLHttpRequest"], ["Authorization", "Bearer x"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),
    case("n_pair_foo_bar", "X-Foo + X-Bar, no ACAH (which is named?)",
         [step({"headers": [["X-Foo", "1"], ["X-Bar", "1"]]})],
         {"OPTIONS": acao(A), "*": acao(A)}),

]

# ----------------------------------------------------------------------------
# Raw HTTP servers
# ----------------------------------------------------------------------------
CASE_BY_ID = {c["id"]: c for c in CASES}
SERVER_LOG = []   # (port, method, path, headers(list of (k,v)))
LOG_LOCK = threading.Lock()
PAGE = b"<!doctype html><html><head><meta charset=utf-8><title>probe</title></head><body>probe</body></html>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _any(self):
        port = self.server.server_address[1]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with LOG_LOCK:
            SERVER_LOG.append((port, self.command, self.path, list(self.headers.items())))
        if self.path == "/" or self.path.startswith("/favicon"):
            return self._send(200 if self.path == "/" else 404, [("Content-Type", "text/html")],
                              PAGE if self.path == "/" else b"")
        parts = self.path.split("?")[0].split("/")   # ['', 'c', id, sub...]
        cfg = CASE_BY_ID.get(parts[2]) if len(parts) > 2 and parts[1] == "c" else None
        if cfg is None:
            return self._send(404, [], b"no case")
        srv = cfg["server"]
        sub = parts[3] if len(parts) > 3 else ""
        resp = None
        if self.command == "OPTIONS" and "OPTIONS" in srv:
            resp = srv["OPTIONS"]
        elif sub and sub in srv:
            resp = srv[sub]
        elif self.command in srv:
            resp = srv[self.command]
        else:
            resp = srv.get("*", (200, []))
        status, headers = resp
        body = json.dumps({"case": cfg["id"], "cookie": self.headers.get("Cookie")}).encode()
        if self.command == "HEAD" or status in (204, 304) or self.command == "OPTIONS":
            body = b""
        self._send(status, headers, body)

    def _send(self, status, headers, body):
        lines = [f"HTTP/1.1 {status} X".encode()]
        for k, v in headers:
            if k.endswith("_"):
                continue
            vb = v if isinstance(v, bytes) else v.encode("latin-1")
            lines.append(k.encode() + b": " + vb)
        lines.append(b"Content-Length: " + str(len(body)).encode())
        lines.append(b"Connection: close")
        self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_FOO = do_patch = do_put = _any
    do_delete = do_Patch = _any


def start_servers():
    servers = []
    for port in PORTS:
        host = "127.0.0.1"
        s = ThreadingHTTPServer((host, port), Handler)
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    return servers

# ----------------------------------------------------------------------------
# WebDriver over plain HTTP
# ----------------------------------------------------------------------------


def wd(method, path, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{DRIVER_PORT}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


FETCH_JS = r"""
const [url, init, done] = arguments;
fetch(url, init).then(async r => {
  const hs = []; r.headers.forEach((v, k) => hs.push([k, v]));
  let body = ''; try { body = await r.text(); } catch (e) { body = 'BODY-ERROR ' + e; }
  done({ok: true, status: r.status, type: r.type, headers: hs, body: body.slice(0, 300),
        redirected: r.redirected, url: r.url});
}).catch(e => done({ok: false, name: e.name, message: e.message}));
"""


@contextlib.contextmanager
def browser_session(binary="/usr/bin/chromium", logging=True):
    """chromedriver in its own process group and one headless Chromium session; yields the
    session id, and always ends the session and the driver (killing chromedriver alone
    would orphan Chromium)."""
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
            "goog:chromeOptions": {"binary": binary, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp}/profile"]}}}}
        if logging:
            caps["capabilities"]["alwaysMatch"]["goog:loggingPrefs"] = {"browser": "ALL", "performance": "ALL"}
        sid = wd("POST", "/session", caps)["value"]["sessionId"]
        wd("POST", f"/session/{sid}/timeouts", {"script": 30000})
        yield sid
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


def run(selected):
    results = []
    with browser_session() as sid:
        version = wd("GET", "/status")["value"].get("build", {})
        current_page = None
        for c in CASES:
            if selected and not any(c["id"].startswith(p) for p in selected):
                continue
            with LOG_LOCK:
                SERVER_LOG.clear()
            wd("POST", f"/session/{sid}/se/log", {"type": "browser"})
            wd("POST", f"/session/{sid}/se/log", {"type": "performance"})
            outcomes = []
            for st in c["steps"]:
                page = st["page"] or c["page"]
                if page != current_page:
                    wd("POST", f"/session/{sid}/url", {"url": page + "/"})
                    current_page = page
                if st["sleep"]:
                    time.sleep(st["sleep"])
                url = f"{st['target']}/c/{c['id']}/{st['sub']}"
                outcomes.append(wd("POST", f"/session/{sid}/execute/async",
                                   {"script": FETCH_JS, "args": [url, st["init"]]})["value"])
            time.sleep(0.3)
            console = [e["message"] for e in wd("POST", f"/session/{sid}/se/log", {"type": "browser"})["value"]]
            perf = wd("POST", f"/session/{sid}/se/log", {"type": "performance"})["value"]
            net = summarize_perf(perf, c["id"])
            with LOG_LOCK:
                seen = [{"port": p, "method": m, "path": path,
                         "acrh": dict((k.lower(), v) for k, v in h).get("access-control-request-headers"),
                         "acrm": dict((k.lower(), v) for k, v in h).get("access-control-request-method"),
                         "origin": dict((k.lower(), v) for k, v in h).get("origin"),
                         "cookie": dict((k.lower(), v) for k, v in h).get("cookie"),
                         "headers": h}
                        for (p, m, path, h) in SERVER_LOG if f"/c/{c['id']}/" in path]
            res = {"id": c["id"], "desc": c["desc"], "js": outcomes, "console": console,
                   "cdp": net, "server": seen}
            results.append(res)
            print(short(res), flush=True)
        return results, version


def summarize_perf(perf, cid):
    reqs, out = {}, []
    for e in perf:
        m = json.loads(e["message"])["message"]
        meth, p = m.get("method"), m.get("params", {})
        if meth == "Network.requestWillBeSent":
            reqs[p["requestId"]] = p["request"]["url"]
            if f"/c/{cid}/" in p["request"]["url"]:
                out.append({"ev": "sent", "url": p["request"]["url"], "method": p["request"]["method"],
                            "initiator": p.get("initiator", {}).get("type")})
        elif meth == "Network.loadingFailed":
            if p.get("corsErrorStatus") or f"/c/{cid}/" in reqs.get(p["requestId"], ""):
                out.append({"ev": "failed", "url": reqs.get(p["requestId"]), "error": p.get("errorText"),
                            "cors": p.get("corsErrorStatus"), "type": p.get("type")})
        elif meth == "Network.requestWillBeSentExtraInfo":
            cookies = [(x["cookie"]["name"], x.get("blockedReasons"), x.get("exemptionReason"))
                       for x in p.get("associatedCookies", [])]
            if cookies:
                out.append({"ev": "req_cookies", "url": reqs.get(p["requestId"]), "cookies": cookies})
        elif meth == "Network.responseReceivedExtraInfo":
            blocked = [(x.get("cookieLine"), x.get("blockedReasons")) for x in p.get("blockedCookies", [])]
            if blocked:
                out.append({"ev": "set_cookie_blocked", "url": reqs.get(p["requestId"]), "blocked": blocked})
        elif meth == "Network.responseReceived":
            if f"/c/{cid}/" in p["response"]["url"]:
                out.append({"ev": "resp", "url": p["response"]["url"], "status": p["response"]["status"],
                            "type": p.get("type")})
    return out


def short(res):
    js = "; ".join(
        (f"{o['status']} {o['type']}" if o.get("ok") else f"{o.get('name')}: {o.get('message')}") if o else "?"
        for o in res["js"])
    cors = [f"{n['cors']['corsError']}({n['cors'].get('failedParameter', '')})"
            for n in res["cdp"] if n["ev"] == "failed" and n.get("cors")]
    srv = [f"{s['method']}{'[' + s['acrh'] + ']' if s['acrh'] else ''}" for s in res["server"]]
    return f"{res['id']:<28} js={js} | cors={cors} | server={srv}"


def write_md(results, version):
    lines = ["# Chromium CORS probe results", "",
             f"Measured with chromedriver/Chromium build {version}, headless, fresh profile, by `probe/cors_probe.py`.",
             "Origins: page `http://localhost:18000`, target `http://localhost:18001`, "
             "cross-site page `http://127.0.0.1:18002`, third origin `http://localhost:18003`.", "",
             "| case | what | JS saw | CorsError (failedParameter) | server saw | console |",
             "|---|---|---|---|---|---|"]
    for r in results:
        js = "<br>".join(
            (f"{o['status']} {o['type']} hdrs={[h[0] for h in o['headers']]}" if o.get("ok")
             else f"{o.get('name')}: {o.get('message')}") if o else "?" for o in r["js"])
        cors = "<br>".join(f"`{n['cors']['corsError']}` ({n['cors'].get('failedParameter', '')!r})"
                           for n in r["cdp"] if n["ev"] == "failed" and n.get("cors"))
        srv = "<br>".join(f"{s['method']} {s['path']}" + (f" ACRH=`{s['acrh']}`" if s["acrh"] else "")
                          + (f" Origin=`{s['origin']}`" if s["origin"] else "")
                          + (f" Cookie=`{s['cookie']}`" if s["cookie"] else "") for s in r["server"])
        con = "<br>".join(m.replace("|", "\\|") for m in r["console"] if "CORS" in m or "Fetch API" in m
                          or "fetch" in m.lower())
        lines.append(f"| {r['id']} | {r['desc']} | {js.replace('|', '/')} | {cors} | {srv} | {con} |")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sel = sys.argv[1:]
    servers = start_servers()
    try:
        results, version = run(sel)
    finally:
        for s in servers:
            s.shutdown()
    out = os.path.join(HERE, "results.json" if not sel else os.environ.get("PROBE_OUT", "results-partial.json"))
    with open(out, "w") as f:
        json.dump({"chromium": version, "results": results}, f, indent=1, ensure_ascii=False)
    if not sel:
        write_md(results, version)
    print("wrote", out)
