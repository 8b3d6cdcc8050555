//! Web origins: `scheme://host[:port]`, the unit the same-origin policy compares.
//!
//! Browsers send an origin already serialized in the `Origin` header, so the lab compares
//! those as exact strings (as django-cors-headers and Django's CSRF check do). This type is
//! for origins that come from *configuration*, where a typo must be refused with a clear
//! message instead of silently never matching.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: Scheme,
    host: String,
    port: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum OriginError {
    /// Django 4.0+ refuses `CSRF_TRUSTED_ORIGINS` entries without a scheme (check 4_0.E001).
    MissingScheme,
    UnsupportedScheme(String),
    MissingHost,
    InvalidHost,
    InvalidPort,
    /// An origin has no path, query, fragment or credentials, not even a trailing `/`
    /// (django-cors-headers' check corsheaders.E014 refuses `http://a.test/`; a browser
    /// never sends it, so it would never match).
    HasPath,
    Wildcard,
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginError::MissingScheme => f.write_str(
                "must start with a scheme (http:// or https://), as Django 4.0+ requires",
            ),
            OriginError::UnsupportedScheme(s) => {
                write!(f, "has scheme '{s}'; only http and https are supported")
            }
            OriginError::MissingHost => f.write_str("has no host"),
            OriginError::InvalidHost => f.write_str(
                "has an invalid host (letters, digits, '-', '.', or an IPv4 address in brackets-free form)",
            ),
            OriginError::InvalidPort => f.write_str("has an invalid port (1-65535)"),
            OriginError::HasPath => f.write_str(
                "must be only scheme://host[:port], without a path (not even a trailing '/'), query, fragment or user, as django-cors-headers requires",
            ),
            OriginError::Wildcard => {
                f.write_str("may not contain '*'; list each origin exactly")
            }
        }
    }
}

impl std::error::Error for OriginError {}

impl Origin {
    pub fn new(scheme: Scheme, host: &str, port: u16) -> Result<Origin, OriginError> {
        if !valid_host(host) {
            return Err(OriginError::InvalidHost);
        }
        if port == 0 {
            return Err(OriginError::InvalidPort);
        }
        Ok(Origin { scheme, host: host.to_ascii_lowercase(), port })
    }

    /// `http://localhost:<port>`: the default for the lab's own origins.
    pub fn localhost(port: u16) -> Origin {
        Origin { scheme: Scheme::Http, host: "localhost".to_owned(), port }
    }

    /// `http://127.0.0.1:<port>`: loopback again, but another site than `localhost`.
    pub fn loopback_ip(port: u16) -> Origin {
        Origin { scheme: Scheme::Http, host: "127.0.0.1".to_owned(), port }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// `host[:port]` as in a `Host` header or a URL's netloc (default port omitted).
    pub fn netloc(&self) -> String {
        if self.port == self.scheme.default_port() {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Origin {
    /// The ASCII serialization browsers put in the `Origin` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.netloc())
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(input: &str) -> Result<Origin, OriginError> {
        if input.contains('*') {
            return Err(OriginError::Wildcard);
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(OriginError::MissingScheme);
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "" => return Err(OriginError::MissingScheme),
            other => return Err(OriginError::UnsupportedScheme(other.to_owned())),
        };
        if rest.contains(['/', '?', '#', '@']) {
            return Err(OriginError::HasPath);
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                // Digits only: Rust's integer parsing would also take "+80".
                if !port.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(OriginError::InvalidPort);
                }
                let port = port.parse::<u16>().map_err(|_| OriginError::InvalidPort)?;
                (host, port)
            }
            None => (rest, scheme.default_port()),
        };
        if host.is_empty() {
            return Err(OriginError::MissingHost);
        }
        Origin::new(scheme, host, port)
    }
}

/// DNS names and IPv4 literals. IPv6 literals are left out on purpose: the lab runs on
/// loopback names, and bracketed hosts would complicate every comparison for no lesson.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_serializes_like_a_browser() {
        let o: Origin = "http://localhost:8000".parse().unwrap();
        assert_eq!(o.to_string(), "http://localhost:8000");
        let o: Origin = "HTTPS://Example.COM:443".parse().unwrap();
        assert_eq!(o.to_string(), "https://example.com");
        assert_eq!(o.netloc(), "example.com");
        let o: Origin = "http://127.0.0.1:8002".parse().unwrap();
        assert_eq!(o.netloc(), "127.0.0.1:8002");
    }

    #[test]
    fn refuses_what_django_refuses() {
        assert_eq!("example.com".parse::<Origin>(), Err(OriginError::MissingScheme));
        assert_eq!("localhost:8000".parse::<Origin>(), Err(OriginError::MissingScheme));
        assert_eq!("https://*.example.com".parse::<Origin>(), Err(OriginError::Wildcard));
        assert_eq!("http://a.test/path".parse::<Origin>(), Err(OriginError::HasPath));
        assert_eq!("http://localhost:8000/".parse::<Origin>(), Err(OriginError::HasPath), "corsheaders.E014");
        assert_eq!("http://u@a.test".parse::<Origin>(), Err(OriginError::HasPath));
        assert_eq!("http://a.test:0".parse::<Origin>(), Err(OriginError::InvalidPort));
        assert_eq!("http://a.test:99999".parse::<Origin>(), Err(OriginError::InvalidPort));
        assert_eq!("http://a.test:+80".parse::<Origin>(), Err(OriginError::InvalidPort));
        assert_eq!("http://".parse::<Origin>(), Err(OriginError::MissingHost));
        assert_eq!("http://a_b.test".parse::<Origin>(), Err(OriginError::InvalidHost));
        assert!(matches!(
            "ftp://a.test".parse::<Origin>(),
            Err(OriginError::UnsupportedScheme(s)) if s == "ftp"
        ));
    }

    #[test]
    fn error_message_names_the_django_rule() {
        assert!(OriginError::MissingScheme.to_string().contains("Django 4.0"));
    }
}
