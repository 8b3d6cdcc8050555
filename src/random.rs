//! Unpredictable strings from the operating system's CSPRNG.
//!
//! Hand-written (a dozen lines) instead of pulling in `rand`: the lab needs only "N uniform
//! characters from this alphabet", like Python's `secrets.choice`, and raw bytes.

/// `N` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
pub fn chars<const N: usize>(alphabet: &[u8]) -> [u8; N] {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    // Largest multiple of the alphabet size that fits in a byte; bytes above it are redrawn.
    let limit = 256 - 256 % alphabet.len();
    let mut out = [0u8; N];
    let mut filled = 0;
    let mut pool = [0u8; 64];
    while filled < N {
        bytes_into(&mut pool);
        for &b in &pool {
            if usize::from(b) < limit && filled < N {
                out[filled] = alphabet[usize::from(b) % alphabet.len()];
                filled += 1;
            }
        }
    }
    out
}

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    bytes_into(&mut out);
    out
}

fn bytes_into(buf: &mut [u8]) {
    // The OS generator failing means the machine cannot make secrets at all; refusing to
    // continue is the only safe answer.
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

pub fn hex<const N: usize>() -> String {
    bytes::<N>().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_only_from_the_alphabet_and_covers_it() {
        let s: [u8; 4096] = chars(b"abc");
        assert!(s.iter().all(|c| b"abc".contains(c)));
        for c in b"abc" {
            assert!(s.contains(c));
        }
    }

    #[test]
    fn hex_is_lowercase_and_sized() {
        let h = hex::<16>();
        assert_eq!(h.len(), 32);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(h, hex::<16>());
    }
}
