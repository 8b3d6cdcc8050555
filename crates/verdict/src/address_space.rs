//! Local Network Access, as Chromium 156 enforces it on `fetch()`: a page on the public
//! internet may reach the local network or the machine itself (loopback) only from a secure
//! context, and only once the user grants the permission Chromium asks for.
//!
//! Measured (`l_*`, with `--ip-address-space-overrides` making loopback servers look public
//! or local): a public secure page is refused every request to a loopback or local server,
//! `no-cors` and preflighted ones too, before anything is sent
//! (`LocalNetworkAccessPermissionDenied`), unless `loopback-network` (for loopback) or
//! `local-network` (for local) is granted; a public page that is not a secure context is
//! refused whatever was granted (`InsecureLocalNetwork`); a local page reaches loopback
//! freely. Headless Chromium cannot ask the user, so a permission not granted is denied; a
//! person would see a prompt, and the fetch waits for their answer.

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::explain::Text;
use crate::url::{PageOrigin, is_ipv4};
use crate::verdict::{CorsError, Failure};

/// Where an address lies, from the most private to the most public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressSpace {
    /// The machine itself: `localhost`, 127.0.0.0/8, `[::1]`.
    Loopback,
    /// A private network: 10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10.
    Local,
    /// Everything else.
    Public,
}

impl AddressSpace {
    /// The name Chromium prints (`loopback`, `local`, `public`).
    pub fn name(self) -> &'static str {
        match self {
            AddressSpace::Loopback => "loopback",
            AddressSpace::Local => "local",
            AddressSpace::Public => "public",
        }
    }

    /// The address space of a URL host (lower-case, IPv6 in brackets). Chromium decides by
    /// the address it connects to; a host name other than `localhost` is taken to resolve
    /// to a public address, which is what a name on the internet does.
    pub fn of_host(host: &str) -> AddressSpace {
        if host == "localhost" || host.ends_with(".localhost") {
            return AddressSpace::Loopback;
        }
        if is_ipv4(host) {
            let octets: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
            return match octets.as_slice() {
                [127, ..] => AddressSpace::Loopback,
                [10, ..] | [192, 168, ..] | [169, 254, ..] => AddressSpace::Local,
                [172, b, ..] if (16..=31).contains(b) => AddressSpace::Local,
                _ => AddressSpace::Public,
            };
        }
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let v6 = v6.to_ascii_lowercase();
            if v6 == "::1" {
                return AddressSpace::Loopback;
            }
            let first = v6.split(':').next().and_then(|g| u16::from_str_radix(g, 16).ok()).unwrap_or(0);
            if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                return AddressSpace::Local;
            }
        }
        AddressSpace::Public
    }
}

/// The Local Network Access permissions a user can grant a page (WebDriver/Permissions API
/// names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// Requests to the local network.
    LocalNetwork,
    /// Requests to the machine itself.
    LoopbackNetwork,
}

/// What Local Network Access says about one hop from a page in `page` to a server in
/// `target`.
pub(crate) enum Access {
    Allowed,
    Refused(Failure),
    /// A combination Chromium was not measured on.
    Unmeasured(Text),
}

pub(crate) fn check(a: &Analysis<'_>, page: AddressSpace, target: AddressSpace, granted: &[Permission]) -> Access {
    if page != AddressSpace::Public || target == AddressSpace::Public {
        return Access::Allowed;
    }
    let refused = |error| Access::Refused(Failure { error, param: String::new(), address_space: Some(target) });
    let secure = matches!(&a.page, PageOrigin::Tuple(p) if p.is_trustworthy());
    if !secure {
        return refused(CorsError::InsecureLocalNetwork);
    }
    let needed = match target {
        AddressSpace::Loopback => Permission::LoopbackNetwork,
        _ => Permission::LocalNetwork,
    };
    if granted.contains(&needed) {
        return Access::Allowed;
    }
    if target == AddressSpace::Local && granted.contains(&Permission::LoopbackNetwork) {
        return Access::Unmeasured(Text::new(
            "Only 'loopback-network' is granted and the server is on the local network; whether that permission covers it was not measured.",
            "'loopback-network' だけが許可され、サーバーはローカルネットワーク上にあります。この許可で足りるかは未測定です。",
        ));
    }
    refused(CorsError::LocalNetworkAccessPermissionDenied)
}
