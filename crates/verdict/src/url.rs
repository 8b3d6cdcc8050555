//! URLs and origins: just enough of the URL Standard for http(s).

use std::borrow::Cow;
use std::fmt::Write as _;

/// A parsed absolute URL. Scheme and host are lower-cased, the port is the
/// effective one (80/443 when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    pub(crate) scheme: Cow<'a, str>,
    pub(crate) has_userinfo: bool,
    pub(crate) host: Cow<'a, str>,
    pub(crate) port: u16,
    /// Path and query, without the fragment; "/" when empty.
    pub(crate) path: &'a str,
}

/// Why a URL string is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    /// No `scheme:` at all.
    NotAbsolute,
    /// A scheme other than http/https; carries nothing, the caller has the text.
    OtherScheme,
    /// http(s) with an empty host or a bad port.
    Invalid,
}

pub(crate) fn lower<'a>(s: &'a str) -> Cow<'a, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// The scheme of `s` (the URL Standard's scheme state): ALPHA *( ALPHA / DIGIT /
/// "+" / "-" / "." ) followed by ':'. Returns (scheme, rest after ':').
pub(crate) fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    if !first.is_ascii_alphabetic()
        || !bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    Some((scheme, &s[colon + 1..]))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Parses an absolute http(s) URL.
pub(crate) fn parse_url(s: &str) -> Result<Url<'_>, UrlProblem> {
    let s = s.trim_matches(|c: char| c <= ' ');
    let (scheme, rest) = split_scheme(s).ok_or(UrlProblem::NotAbsolute)?;
    let scheme = lower(scheme);
    let Some(port_default) = default_port(&scheme).filter(|_| scheme.starts_with("http")) else {
        return Err(UrlProblem::OtherScheme);
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (has_userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    let (host, port) = split_host_port(hostport).ok_or(UrlProblem::Invalid)?;
    if host.is_empty() {
        return Err(UrlProblem::Invalid);
    }
    let port = port.unwrap_or(port_default);
    let path = tail.split('#').next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    Ok(Url { scheme, has_userinfo, host: lower(host), port, path })
}

/// Splits `host[:port]` (IPv6 in brackets). `None` for a bad port.
fn split_host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let after = &hostport[close + 1..];
        match after.strip_prefix(':') {
            Some(p) => (&hostport[..=close], Some(p)),
            None if after.is_empty() => (&hostport[..=close], None),
            None => return None,
        }
    } else {
        match hostport.rfind(':') {
            Some(c) => (&hostport[..c], Some(&hostport[c + 1..])),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let v: u32 = p.bytes().try_fold(0u32, |acc, b| {
                let v = acc * 10 + u32::from(b - b'0');
                (v <= 65535).then_some(v)
            })?;
            Some(v as u16)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

impl Url<'_> {
    fn is_default_port(&self) -> bool {
        default_port(&self.scheme) == Some(self.port)
    }

    /// The origin's serialization: `scheme://host[:port]`.
    pub(crate) fn origin(&self) -> String {
        let mut s = String::with_capacity(self.scheme.len() + self.host.len() + 9);
        s.push_str(&self.scheme);
        s.push_str("://");
        s.push_str(&self.host);
        if !self.is_default_port() {
            let _ = write!(s, ":{}", self.port);
        }
        s
    }

    /// The URL as Chromium prints it in console messages.
    pub(crate) fn href(&self) -> String {
        let mut s = self.origin();
        s.push_str(self.path);
        s
    }

    pub(crate) fn same_origin(&self, other: &Url<'_>) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// Potentially trustworthy (secure context): https, or a loopback host.
    pub(crate) fn is_trustworthy(&self) -> bool {
        self.scheme == "https" || is_loopback_host(&self.host)
    }
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: Chromium treats these as
/// secure contexts even over http.
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || (host.starts_with("127.") && is_ipv4(host))
}

pub(crate) fn is_ipv4(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    parts == 4
}

/// The page's origin: a tuple origin, or the opaque origin `null`.
#[derive(Debug, Clone)]
pub(crate) enum PageOrigin<'a> {
    Tuple(Url<'a>),
    Opaque,
}

impl<'a> PageOrigin<'a> {
    pub(crate) fn parse(s: &'a str) -> Option<Self> {
        let s = s.trim();
        if s == "null" {
            return Some(PageOrigin::Opaque);
        }
        parse_url(s).ok().map(PageOrigin::Tuple)
    }

    pub(crate) fn serialize(&self) -> String {
        match self {
            PageOrigin::Tuple(u) => u.origin(),
            PageOrigin::Opaque => "null".to_string(),
        }
    }

    pub(crate) fn same_origin(&self, url: &Url<'_>) -> bool {
        matches!(self, PageOrigin::Tuple(u) if u.same_origin(url))
    }
}

/// Resolves a `Location` value against the URL of the hop that returned it.
pub(crate) fn resolve_location(base: &Url<'_>, location: &str) -> String {
    let location = location.trim();
    if split_scheme(location).is_some() {
        return location.to_string();
    }
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}://{}", base.scheme, rest);
    }
    let mut out = base.origin();
    if location.starts_with('/') {
        out.push_str(location);
    } else if location.starts_with('?') {
        out.push_str(base.path.split('?').next().unwrap_or("/"));
        out.push_str(location);
    } else if location.is_empty() || location.starts_with('#') {
        out.push_str(base.path);
    } else {
        let dir = base.path.split('?').next().unwrap_or("/");
        let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
        out.push_str(if dir.is_empty() { "/" } else { dir });
        out.push_str(location);
    }
    out
}

/// Chromium's rough "is this a URL" test for an `Access-Control-Allow-Origin`
/// value (`GURL::is_valid`): it tells `InvalidAllowOriginValue` from
/// `AllowOriginMismatch`. A scheme is required; for http(s)/ws(s)/ftp a host and
/// a numeric port in range; other schemes are accepted as GURL accepts them.
pub(crate) fn looks_like_valid_url(value: &str) -> bool {
    let Some((scheme, rest)) = split_scheme(value) else {
        return false;
    };
    let scheme = lower(scheme);
    if default_port(&scheme).is_none() {
        return true;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit('@').next().unwrap_or("");
    match split_host_port(hostport) {
        Some((host, _)) => {
            !host.is_empty()
                && !host.bytes().any(|b| {
                    b < 0x20 || matches!(b, b' ' | b'#' | b'%' | b'<' | b'>' | b'^' | b'|' | b'@')
                })
        }
        None => false,
    }
}
