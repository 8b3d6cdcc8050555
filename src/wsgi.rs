//! Request headers as Django reads them behind a WSGI server: every header is one `META`
//! string, so a header sent twice arrives as its values joined with `,`.
//!
//! The lab reads the headers its rules depend on (`Origin`, `Referer`, `X-CSRFToken`) the
//! same way. That matters for a forged request with two `Origin` lines, a trusted one and
//! `https://evil.example`: taking the first would let it through; Django sees
//! `http://trusted,https://evil.example`, which matches no allowed or trusted origin, so it
//! sends no CORS headers and refuses the POST.

use std::borrow::Cow;

use axum::http::HeaderMap;
use axum::http::header::AsHeaderName;

/// The header's value as Django sees it: repeated lines joined with `,`; `None` if absent.
pub fn header<K: AsHeaderName>(headers: &HeaderMap, name: K) -> Option<Cow<'_, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let Some(second) = values.next() else { return Some(Cow::Borrowed(first.as_bytes())) };
    let mut joined = first.as_bytes().to_vec();
    for v in std::iter::once(second).chain(values) {
        joined.push(b',');
        joined.extend_from_slice(v.as_bytes());
    }
    Some(Cow::Owned(joined))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn repeated_headers_are_joined_with_a_comma() {
        let mut h = HeaderMap::new();
        assert_eq!(header(&h, "x-csrftoken"), None);
        h.append("x-csrftoken", HeaderValue::from_static("a"));
        assert_eq!(header(&h, "x-csrftoken").as_deref(), Some(&b"a"[..]));
        h.append("x-csrftoken", HeaderValue::from_static("b"));
        h.append("x-csrftoken", HeaderValue::from_static("c"));
        assert_eq!(header(&h, "x-csrftoken").as_deref(), Some(&b"a,b,c"[..]));
    }
}
