//! A HAR 1.2 document built from Chromium's own network events, as DevTools' "Export HAR"
//! writes it: one entry per request and per redirect hop, preflights as their own entries
//! (`_resourceType: "preflight"`), the headers as they went on the wire
//! (`requestWillBeSentExtraInfo` / `responseReceivedExtraInfo`), status 0 and `_error` for a
//! request that got no response.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::browser::Network;

#[derive(Default)]
struct Hop {
    started_ms: f64,
    method: String,
    url: String,
    resource_type: String,
    request_headers: Vec<Value>,
    status: i64,
    status_text: String,
    response_headers: Vec<Value>,
    error: Option<String>,
}

/// CDP's `Headers` object (repeated lines joined by "\n") as HAR's `[{name, value}]`.
fn header_list(headers: &Value) -> Vec<Value> {
    let Some(map) = headers.as_object() else { return Vec::new() };
    map.iter()
        .flat_map(|(name, value)| value.as_str().unwrap_or_default().split('\n').map(move |v| json!({"name": name, "value": v})))
        .collect()
}

/// Milliseconds since the epoch as ISO 8601 (`startedDateTime`).
fn iso(ms: f64) -> String {
    let ms = ms as i64;
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// The HAR of everything in `network`, recorded on `page_url`.
pub fn har(network: &Network, page_url: &str) -> Value {
    // A request id stays the same across redirects: its hops, in order, and its ExtraInfo
    // events, which may arrive before or after the event they complete.
    let mut hops: HashMap<String, Vec<Hop>> = HashMap::new();
    let mut order: Vec<(String, usize)> = Vec::new();
    let mut request_extra: HashMap<String, Vec<Vec<Value>>> = HashMap::new();
    let mut response_extra: HashMap<String, Vec<(i64, Vec<Value>)>> = HashMap::new();
    for event in &network.events {
        let p = &event["params"];
        let id = p["requestId"].as_str().unwrap_or_default().to_string();
        match event["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                let list = hops.entry(id.clone()).or_default();
                if let (Some(last), false) = (list.last_mut(), p["redirectResponse"].is_null()) {
                    let r = &p["redirectResponse"];
                    last.status = r["status"].as_i64().unwrap_or(0);
                    last.status_text = r["statusText"].as_str().unwrap_or_default().into();
                    last.response_headers = header_list(&r["headers"]);
                }
                let request = &p["request"];
                // DevTools files a preflight under its own resource type.
                let preflight = p["initiator"]["type"] == "preflight";
                list.push(Hop {
                    started_ms: p["wallTime"].as_f64().unwrap_or(0.0) * 1000.0,
                    method: request["method"].as_str().unwrap_or_default().into(),
                    url: request["url"].as_str().unwrap_or_default().into(),
                    resource_type: if preflight { "preflight".into() } else { p["type"].as_str().unwrap_or("Other").to_ascii_lowercase() },
                    request_headers: header_list(&request["headers"]),
                    ..Hop::default()
                });
                order.push((id, list.len() - 1));
            }
            "Network.requestWillBeSentExtraInfo" => request_extra.entry(id).or_default().push(header_list(&p["headers"])),
            "Network.responseReceivedExtraInfo" => {
                response_extra.entry(id).or_default().push((p["statusCode"].as_i64().unwrap_or(0), header_list(&p["headers"])));
            }
            "Network.responseReceived" => {
                if let Some(last) = hops.get_mut(&id).and_then(|l| l.last_mut()) {
                    let r = &p["response"];
                    last.status = r["status"].as_i64().unwrap_or(0);
                    last.status_text = r["statusText"].as_str().unwrap_or_default().into();
                    last.response_headers = header_list(&r["headers"]);
                }
            }
            "Network.loadingFailed" => {
                if let Some(last) = hops.get_mut(&id).and_then(|l| l.last_mut()) {
                    last.error = p["errorText"].as_str().map(str::to_string);
                }
            }
            _ => {}
        }
    }
    // The wire headers replace what the renderer knew (as DevTools shows them), hop by hop; a
    // response CORS withheld is known only from its ExtraInfo.
    for (id, list) in &mut hops {
        for (hop, headers) in list.iter_mut().zip(request_extra.remove(id).unwrap_or_default()) {
            hop.request_headers = headers;
        }
        for (hop, (status, headers)) in list.iter_mut().zip(response_extra.remove(id).unwrap_or_default()) {
            if hop.status == 0 {
                hop.status = status;
            }
            hop.response_headers = headers;
        }
    }
    let entries: Vec<Value> = order
        .iter()
        .filter_map(|(id, i)| hops.get(id)?.get(*i))
        .map(|hop| {
            json!({
                "pageref": "page_1",
                "startedDateTime": iso(hop.started_ms),
                "_resourceType": hop.resource_type,
                "request": {"method": hop.method, "url": hop.url, "httpVersion": "HTTP/1.1", "headers": hop.request_headers,
                            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": hop.status, "statusText": hop.status_text, "httpVersion": "HTTP/1.1",
                             "headers": hop.response_headers, "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1, "_error": hop.error},
                "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}, "time": 0
            })
        })
        .collect();
    json!({"log": {"version": "1.2", "creator": {"name": "corslab tests", "version": "1"},
                   "pages": [{"id": "page_1", "title": page_url, "startedDateTime": iso(0.0), "pageTimings": {}}],
                   "entries": entries}})
}
