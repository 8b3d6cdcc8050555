//! `explain --json`: the input document as it was read, with each fetch's verdict added where
//! SPEC §8 puts it (`steps[i].verdict`; in a HAR, `log.entries[i]._verdict`, HAR's prefix for
//! fields of its own), the verdict's fields in SPEC's order.

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::{InputKind, Judged};
use crate::verdict::FetchVerdict;

pub(super) fn render(judged: &Judged) -> String {
    let (path, key): (&[&str], &str) = match judged.kind {
        InputKind::Experiment => (&["steps"], "verdict"),
        InputKind::Har => (&["log", "entries"], "_verdict"),
    };
    let mut verdicts: Vec<Option<&FetchVerdict>> = Vec::new();
    for fetch in &judged.fetches {
        if verdicts.len() <= fetch.index {
            verdicts.resize(fetch.index + 1, None);
        }
        verdicts[fetch.index] = Some(&fetch.verdict);
    }
    let annotated = Annotated { value: &judged.document, path, key, verdicts: &verdicts };
    let mut out = serde_json::to_string_pretty(&annotated).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// `value`, with the list at `path` (objects all the way) annotated item by item.
struct Annotated<'a> {
    value: &'a Value,
    path: &'a [&'a str],
    key: &'a str,
    verdicts: &'a [Option<&'a FetchVerdict>],
}

impl Serialize for Annotated<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.path.split_first(), self.value) {
            (Some((head, rest)), Value::Object(map)) => {
                let mut out = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    if k == head {
                        out.serialize_entry(k, &Annotated { value: v, path: rest, ..*self })?;
                    } else {
                        out.serialize_entry(k, v)?;
                    }
                }
                out.end()
            }
            (None, Value::Array(items)) => {
                let mut out = s.serialize_seq(Some(items.len()))?;
                for (i, item) in items.iter().enumerate() {
                    match (item, self.verdicts.get(i).copied().flatten()) {
                        (Value::Object(map), Some(verdict)) => out.serialize_element(&WithVerdict { map, key: self.key, verdict })?,
                        _ => out.serialize_element(item)?,
                    }
                }
                out.end()
            }
            // The input was read as this kind of document, so the path exists.
            _ => Err(S::Error::custom("the document changed shape while being annotated")),
        }
    }
}

/// A step (or entry) with its verdict in place of any earlier one.
struct WithVerdict<'a> {
    map: &'a Map<String, Value>,
    key: &'a str,
    verdict: &'a FetchVerdict,
}

impl Serialize for WithVerdict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(None)?;
        for (k, v) in self.map.iter().filter(|(k, _)| *k != self.key) {
            out.serialize_entry(k, v)?;
        }
        out.serialize_entry(self.key, self.verdict)?;
        out.end()
    }
}
