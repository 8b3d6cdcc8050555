//! The crafted origins: for the page's origin, the neighbours that each broken origin check
//! lets in, so that which ones an API allows names the check it runs.
//!
//! For `https://app.example.com` they are an unrelated site, `null`, the origin with a
//! domain after it (`https://app.example.com.evil.invalid`: prefix checks, regexes without
//! `$`), a host ending in it (`https://evilapp.example.com`: suffix checks without a dot), a
//! host merely containing it (`https://evilapp.example.com.evil.invalid`: substring checks),
//! a subdomain of it (`https://evil.app.example.com`), one dot turned into a letter
//! (`https://appxexample.com`: regexes with an unescaped `.`) and, for an https origin, its
//! plain-http twin. Each trick lets in only what its check lets in, so an API that allows the
//! substring probe but not the prefix one is told apart from one that allows both. Names
//! that cannot be a host (`evil127.0.0.1`) are left out; `.invalid` never resolves.

use serde::Serialize;

use crate::origin::{Origin, Scheme};

/// The site no API should trust, and the domain the tricks append.
pub const EVIL: &str = "evil.invalid";

/// Which broken origin check a crafted origin tests for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trick {
    /// Another site altogether: allowed only by an API that allows everyone.
    Unrelated,
    Null,
    /// The page's host with a domain after it, at the page's port.
    Prefix,
    /// A host that ends with the page's host, with no dot before it.
    Suffix,
    /// A host that contains the page's host, neither at its start nor its end.
    Substring,
    /// A subdomain of the page's host.
    Subdomain,
    /// The page's host with one of its dots replaced by a letter.
    UnescapedDot,
    /// The page's https origin over plain http.
    Http,
}

/// A crafted origin and the trick it plays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Crafted {
    pub trick: Trick,
    pub origin: String,
}

/// At most this many unescaped-dot probes, one per dot from the left.
const MAX_DOTS: usize = 3;

/// The crafted origins for `page`, in the order they are reported.
pub fn crafted(page: &Origin) -> Vec<Crafted> {
    let host = page.host();
    let ip = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    let at = |scheme: Scheme, host: String, port: u16| Origin::new(scheme, &host, port).ok().map(|o| o.to_string());
    let same = |host: String| at(page.scheme(), host, page.port());
    let mut out = vec![(Trick::Unrelated, Some(format!("https://{EVIL}"))), (Trick::Null, Some("null".to_owned()))];
    out.push((Trick::Prefix, same(format!("{host}.{EVIL}"))));
    if !ip {
        out.push((Trick::Suffix, same(format!("evil{host}"))));
    }
    out.push((Trick::Substring, same(format!("evil{host}.{EVIL}"))));
    if !ip {
        out.push((Trick::Subdomain, same(format!("evil.{host}"))));
        let dots = host.match_indices('.').take(MAX_DOTS);
        out.extend(dots.map(|(i, _)| (Trick::UnescapedDot, same(format!("{}x{}", &host[..i], &host[i + 1..])))));
    }
    if page.is_https() {
        // https's default port stands for http's; another port is kept, as a twin would.
        let port = if page.port() == 443 { 80 } else { page.port() };
        out.push((Trick::Http, at(Scheme::Http, host.to_owned(), port)));
    }
    let page = page.to_string();
    out.into_iter()
        .filter_map(|(trick, origin)| Some(Crafted { trick, origin: origin? }))
        .filter(|c| c.origin != page)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(page: &str) -> Vec<(Trick, String)> {
        crafted(&page.parse().unwrap()).into_iter().map(|c| (c.trick, c.origin)).collect()
    }

    #[test]
    fn each_trick_is_derived_from_the_pages_origin() {
        use Trick::*;
        let o = |s: &str| s.to_owned();
        assert_eq!(origins("https://app.example.com"), [
            (Unrelated, o("https://evil.invalid")),
            (Null, o("null")),
            (Prefix, o("https://app.example.com.evil.invalid")),
            (Suffix, o("https://evilapp.example.com")),
            (Substring, o("https://evilapp.example.com.evil.invalid")),
            (Subdomain, o("https://evil.app.example.com")),
            (UnescapedDot, o("https://appxexample.com")),
            (UnescapedDot, o("https://app.examplexcom")),
            (Http, o("http://app.example.com")),
        ]);
        // The port stays; a default port is left out as a browser serializes it.
        assert_eq!(origins("http://localhost:8000")[2..], [
            (Prefix, o("http://localhost.evil.invalid:8000")),
            (Suffix, o("http://evillocalhost:8000")),
            (Substring, o("http://evillocalhost.evil.invalid:8000")),
            (Subdomain, o("http://evil.localhost:8000")),
        ]);
    }

    #[test]
    fn the_http_twin_keeps_an_explicit_port() {
        assert_eq!(origins("https://localhost:8443").last().unwrap(), &(Trick::Http, "http://localhost:8443".to_owned()));
    }

    #[test]
    fn no_trick_makes_a_host_a_browser_would_refuse() {
        // `evil127.0.0.1` and `127x0.0.1` end in a number: not a host name, not an address.
        let tricks: Vec<Trick> = origins("http://127.0.0.1:5173").into_iter().map(|(t, _)| t).collect();
        assert_eq!(tricks, [Trick::Unrelated, Trick::Null, Trick::Prefix, Trick::Substring]);
    }
}
