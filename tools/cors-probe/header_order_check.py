#!/usr/bin/env python3
"""Check the model of Blink's request-header order against the measurements.

Chromium names the *first* refused header of a preflight in the order its network
service holds the request headers. That order is the iteration order of Blink's
HTTPHeaderMap (WTF open-addressing hash table, case-folding rapidhash, 24 bits),
filled with the author headers sorted case-insensitively (FetchHeaderList order),
then the Sec-CH-UA* client hints, then User-Agent; fetch's implicit `Accept: */*`
is appended afterwards. crates/verdict/src/header_order.rs implements the same model in Rust.

This script replays every actual request in results.json (its wire order shows
the map order) and every measured multi-header refusal, and reports mismatches.
Usage: python3 tools/cors-probe/header_order_check.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
M = (1 << 64) - 1
SEED = 0xbdd89aa982704029
S = [0x2d358dccaa6c78a5, 0x8bb84b93962eacc9, 0x4b33a62ed433d4a3]
HINTS = ["sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"]


def mix(a, b):
    p = a * b
    return (p & M) ^ (p >> 64)


def u32(d, i):
    return int.from_bytes(d[i:i + 4], "little")


def u64(d, i):
    return int.from_bytes(d[i:i + 8], "little")


def rapidhash(d):
    n = len(d)
    seed = SEED ^ mix(SEED ^ S[0], S[1]) ^ n
    if n <= 16:
        if n >= 4:
            delta = (n & 24) >> (n >> 3)
            a = (u32(d, 0) << 32) | u32(d, n - 4)
            b = (u32(d, delta) << 32) | u32(d, n - 4 - delta)
        elif n > 0:
            a, b = (d[0] << 56) | (d[n >> 1] << 32) | d[n - 1], 0
        else:
            a = b = 0
    else:
        i = n
        if i > 48:
            s1 = s2 = seed
            while i >= 48:
                p = n - i
                seed = mix(u64(d, p) ^ S[0], u64(d, p + 8) ^ seed)
                s1 = mix(u64(d, p + 16) ^ S[1], u64(d, p + 24) ^ s1)
                s2 = mix(u64(d, p + 32) ^ S[2], u64(d, p + 40) ^ s2)
                i -= 48
            seed ^= s1 ^ s2
        if i > 16:
            p = n - i
            seed = mix(u64(d, p) ^ S[2], u64(d, p + 8) ^ seed ^ S[1])
            if i > 32:
                seed = mix(u64(d, p + 16) ^ S[2], u64(d, p + 24) ^ seed)
        a, b = u64(d, n - 16), u64(d, n - 8)
    p = (a ^ S[1]) * (b ^ seed)
    return mix((p & M) ^ S[0] ^ n, (p >> 64) ^ S[1])


def case_folding_hash(name):
    data = b"".join(bytes([ord(c.lower()), 0]) for c in name)
    h = rapidhash(data) & 0xFFFFFF
    return h or 0x800000


def map_order(keys):
    table, size = [None] * 8, 0

    def put(tab, key):
        mask, idx, step = len(tab) - 1, case_folding_hash(key) & (len(tab) - 1), 0
        while tab[idx] is not None:
            step += 1
            idx = (idx + step) & mask
        tab[idx] = key

    for key in keys:
        if key in table:
            continue
        if (size + 1) * 2 >= len(table):
            bigger = [None] * (len(table) * 2)
            for k in table:
                if k is not None:
                    put(bigger, k)
            table = bigger
        put(table, key)
        size += 1
    return [k for k in table if k is not None]


def wire_group(headers):
    names = [n for n, _ in headers]
    i = 0
    while i < len(names) and names[i].lower() in ("host", "connection", "content-length"):
        i += 1
    j = i
    while j < len(names) and names[j].lower() not in ("origin", "sec-fetch-site"):
        j += 1
    return [n.lower() for n in names[i:j]]


def main():
    ok = bad = 0
    with open(os.path.join(HERE, "results.json")) as f:
        cases = json.load(f)["cases"]
    for r in cases:
        for fetch, s in ((e["fetch"], s) for e, step in zip(r["experiment"]["steps"], r["chromium"]) for s in step["received"]):
            if s["method"] == "OPTIONS":
                continue
            group = wire_group(s["headers"])
            if fetch.get("cache") in ("no-store", "reload", "no-cache"):
                # The network layer puts these first, outside Blink's header map.
                group = [n for n in group if n not in ("pragma", "cache-control")]
            default_accept = dict((k.lower(), v) for k, v in s["headers"]).get("accept") == "*/*"
            if group and group[-1] == "accept" and default_accept:
                group = group[:-1]
            author = sorted(n for n in group if n not in HINTS and n != "user-agent")
            hints = [h for h in HINTS if h in group]
            got = map_order(author + hints + ["user-agent"])
            if got == group:
                ok += 1
            else:
                bad += 1
                print("MISMATCH", r["id"], group, got)
    print(f"wire order: {ok} requests reproduced, {bad} not")
    # measured multi-header refusals: (author headers, refused header Chromium named)
    refusals = [
        (["x-zeta", "x-alpha"], "x-zeta"), (["x-alpha", "x-zeta"], "x-zeta"),
        (["x-b", "x-c", "x-a"], "x-c"), (["content-type", "authorization"], "authorization"),
        (["content-type", "x-csrftoken"], "x-csrftoken"), (["x-requested-with", "authorization"], "authorization"),
        (["x-foo", "x-bar"], "x-bar"),
        (["accept", "accept-language", "content-language", "content-type", "intervention", "width",
          "viewport-width", "rtt", "dpr"], "viewport-width"),
        (["accept-language", "content-language", "content-type", "intervention", "width", "viewport-width",
          "rtt", "dpr"], "viewport-width"),
    ]
    for author, named in refusals:
        order = [k for k in map_order(sorted(author) + HINTS + ["user-agent"]) if k in author]
        print("refusal", "OK " if order[0] == named else "BAD", author, "->", order[0], "measured", named)


if __name__ == "__main__":
    main()
