//! What the server answered, as the engine reads it: a status and header lines in order.

use std::borrow::Cow;

use crate::headers::trim_ows;

/// A response as the server sent it: status and header lines in order
/// (duplicates matter: Chromium joins repeated lines with `", "`).
///
/// A view that borrows its lines, from pairs ([`Response::new`]) or from a recorded
/// [`Exchange`](crate::Exchange) ([`Exchange::response`](crate::Exchange::response)).
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    status: u16,
    lines: Lines<'a>,
}

impl<'a> Response<'a> {
    /// A response with this status and these header lines.
    pub fn new(status: u16, headers: &'a [(&'a str, &'a str)]) -> Self {
        Response { status, lines: Lines::Pairs(headers) }
    }

    pub(crate) fn from_lines(status: u16, lines: Lines<'a>) -> Self {
        Response { status, lines }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The header lines, in order, as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.lines.iter()
    }

    /// The `Location` value, if any (first line wins).
    pub fn location(&self) -> Option<&'a str> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case("location")).map(|(_, v)| trim_ows(v))
    }

    /// Whether the browser treats this response as a redirect: 301, 302, 303,
    /// 307 or 308 *with* a `Location` header (a 300, or a 3xx without
    /// `Location`, is an ordinary non-ok response — measured `p_300_acao`).
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.location().is_some()
    }

    /// All lines named `name` (case-insensitive), each trimmed of SP/HT as an
    /// HTTP parser does, joined with `", "` — Chromium's `GetNormalizedHeader`.
    /// Borrowed when there is exactly one line.
    pub(crate) fn combined(&self, name: &str) -> Option<Cow<'a, str>> {
        let mut out: Option<Cow<'a, str>> = None;
        for (n, v) in self.headers() {
            if !n.eq_ignore_ascii_case(name) {
                continue;
            }
            let v = trim_ows(v);
            out = Some(match out {
                None => Cow::Borrowed(v),
                Some(prev) => {
                    let mut s = prev.into_owned();
                    s.push_str(", ");
                    s.push_str(v);
                    Cow::Owned(s)
                }
            });
        }
        out
    }
}

/// Header lines, borrowed either as pairs or packed in an [`Exchange`](crate::Exchange)'s
/// one text buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lines<'a> {
    Pairs(&'a [(&'a str, &'a str)]),
    /// Line `i` is the name `text[b..ends[2i]]` and the value `text[ends[2i]..ends[2i + 1]]`,
    /// where `b` is the previous line's end, or `start` for the first line.
    Packed { text: &'a str, start: u32, ends: &'a [u32] },
}

impl<'a> Lines<'a> {
    fn len(&self) -> usize {
        match self {
            Lines::Pairs(pairs) => pairs.len(),
            Lines::Packed { ends, .. } => ends.len() / 2,
        }
    }

    fn get(&self, i: usize) -> Option<(&'a str, &'a str)> {
        match *self {
            Lines::Pairs(pairs) => pairs.get(i).copied(),
            Lines::Packed { text, start, ends } => {
                let begin = if i == 0 { start } else { *ends.get(2 * i - 1)? };
                let (name_end, end) = (*ends.get(2 * i)?, *ends.get(2 * i + 1)?);
                Some((text.get(begin as usize..name_end as usize)?, text.get(name_end as usize..end as usize)?))
            }
        }
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}
