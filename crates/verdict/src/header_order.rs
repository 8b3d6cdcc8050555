//! Which refused header Chromium names: Blink's header-map order.
//!
//! When several headers are refused, Chromium names the first one in the order
//! its network service holds the request headers. That order is the iteration
//! order of Blink's `HTTPHeaderMap`, a WTF open-addressing hash table keyed
//! case-insensitively (rapidhash of the case-folded UTF-16 name, 24 bits),
//! filled with the author headers in `FetchHeaderList` order (sorted
//! case-insensitively), then the `Sec-CH-UA*` client hints (secure-context
//! targets only), then `User-Agent`; fetch's implicit `Accept: */*` is appended
//! after the map. This model reproduces the wire order of all 158 measured
//! requests and the named header of all 9 measured multi-header failures
//! (`tools/cors-probe/header_order_check.py`). It depends on Blink internals
//! and may change with the Chromium version. rapidhash is written out here
//! because the order depends on Blink's exact variant and seed.

use crate::headers::SentHeader;

const RAPIDHASH_SEED: u64 = 0xbdd8_9aa9_8270_4029;
const RAPIDHASH_SECRET: [u64; 3] = [0x2d35_8dcc_aa6c_78a5, 0x8bb8_4b93_962e_acc9, 0x4b33_a62e_d433_d4a3];

fn mum(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    (r as u64, (r >> 64) as u64)
}

fn mix(a: u64, b: u64) -> u64 {
    let (lo, hi) = mum(a, b);
    lo ^ hi
}

fn read32(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&d[i..i + 4]);
    u64::from(u32::from_le_bytes(b))
}

fn read64(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[i..i + 8]);
    u64::from_le_bytes(b)
}

/// rapidhash (the variant WTF's `StringHasher` uses).
fn rapidhash(d: &[u8]) -> u64 {
    let [s0, s1, s2] = RAPIDHASH_SECRET;
    let len = d.len();
    let n = len as u64;
    let mut seed = RAPIDHASH_SEED ^ mix(RAPIDHASH_SEED ^ s0, s1) ^ n;
    let (a, b);
    if len <= 16 {
        if len >= 4 {
            let delta = (len & 24) >> (len >> 3);
            a = (read32(d, 0) << 32) | read32(d, len - 4);
            b = (read32(d, delta) << 32) | read32(d, len - 4 - delta);
        } else if len > 0 {
            a = (u64::from(d[0]) << 56) | (u64::from(d[len >> 1]) << 32) | u64::from(d[len - 1]);
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
    } else {
        let mut i = len;
        if i > 48 {
            let (mut see1, mut see2) = (seed, seed);
            while i >= 48 {
                let p = len - i;
                seed = mix(read64(d, p) ^ s0, read64(d, p + 8) ^ seed);
                see1 = mix(read64(d, p + 16) ^ s1, read64(d, p + 24) ^ see1);
                see2 = mix(read64(d, p + 32) ^ s2, read64(d, p + 40) ^ see2);
                i -= 48;
            }
            seed ^= see1 ^ see2;
        }
        if i > 16 {
            let p = len - i;
            seed = mix(read64(d, p) ^ s2, read64(d, p + 8) ^ seed ^ s1);
            if i > 32 {
                seed = mix(read64(d, p + 16) ^ s2, read64(d, p + 24) ^ seed);
            }
        }
        a = read64(d, len - 16);
        b = read64(d, len - 8);
    }
    let (lo, hi) = mum(a ^ s1, b ^ seed);
    mix(lo ^ s0 ^ n, hi ^ s1)
}

/// WTF `CaseFoldingHash` of a header name: Latin-1 case folding, UTF-16LE
/// bytes, rapidhash, top 8 bits masked (0 becomes 0x800000).
pub(crate) fn case_folding_hash(name: &str) -> u32 {
    let mut buf = Vec::with_capacity(name.len() * 2);
    for c in name.chars() {
        let folded = match c as u32 {
            0x41..=0x5a => c as u32 + 0x20,
            cp @ 0xc0..=0xde if cp != 0xd7 => cp + 0x20,
            cp => cp,
        };
        let mut units = [0u16; 2];
        let s = char::from_u32(folded).unwrap_or(c).encode_utf16(&mut units);
        for u in s.iter() {
            buf.extend_from_slice(&u.to_le_bytes());
        }
    }
    let h = (rapidhash(&buf) & 0x00ff_ffff) as u32;
    if h == 0 { 0x0080_0000 } else { h }
}

/// Iteration order of a WTF `HashMap` filled with `keys` (distinct — the caller
/// merges duplicates —, lower-case)
/// in this order: table of 8 slots doubling when `(size + 1) * 2 >= capacity`,
/// quadratic (triangular) probing, iteration in slot order.
pub(crate) fn wtf_hash_map_order<'k>(keys: &[&'k str]) -> Vec<&'k str> {
    pub(crate) fn insert<'k>(table: &mut [Option<(&'k str, u32)>], key: &'k str, hash: u32) {
        let mask = table.len() - 1;
        let mut idx = hash as usize & mask;
        let mut step = 0;
        while table[idx].is_some() {
            step += 1;
            if step >= table.len() {
                return; // unreachable: triangular probing visits every slot of a table under 50 % load
            }
            idx = (idx + step) & mask;
        }
        table[idx] = Some((key, hash));
    }
    let mut table: Vec<Option<(&'k str, u32)>> = vec![None; 8];
    for (size, key) in keys.iter().enumerate() {
        if (size + 1) * 2 >= table.len() {
            let mut bigger = vec![None; table.len() * 2];
            for (k, h) in table.iter().flatten() {
                insert(&mut bigger, k, *h);
            }
            table = bigger;
        }
        insert(&mut table, key, case_folding_hash(key));
    }
    table.into_iter().flatten().map(|(k, _)| k).collect()
}

/// The names of `sent` in the order Chromium's network service holds them.
pub(crate) fn chromium_header_order<'s>(sent: &'s [SentHeader<'_>], target_trustworthy: bool) -> Vec<&'s str> {
    let mut keys: Vec<&str> = sent.iter().filter(|h| !h.implicit).map(|h| h.name.as_ref()).collect();
    keys.sort_unstable();
    if target_trustworthy {
        keys.extend(["sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"]);
    }
    keys.push("user-agent");
    let mut order: Vec<&str> = wtf_hash_map_order(&keys)
        .into_iter()
        .filter(|k| !matches!(*k, "sec-ch-ua" | "sec-ch-ua-mobile" | "sec-ch-ua-platform" | "user-agent"))
        .collect();
    order.extend(sent.iter().filter(|h| h.implicit).map(|h| h.name.as_ref()));
    order
}
