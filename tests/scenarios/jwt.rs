//! The scenarios of `assets/scenarios/jwt.toml` over HTTP: which forged token each verifier
//! takes (and the default refuses), and the attacker's relay those exploits send them with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestLab, client};

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// Claims for user 1 (`demo`), valid for five minutes.
fn claims(token_type: &str) -> String {
    let now = corslab::unix_now();
    json!({"token_type": token_type, "exp": now + 300, "iat": now, "jti": "forged", "user_id": 1, "username": "demo"}).to_string()
}

fn hs256(key: &[u8], message: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(key);
    jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap()
}

/// The status and the username `GET <mount>/api/protected/` answers with for `token`.
async fn protected(lab: &TestLab, mount: &str, token: &str) -> (StatusCode, Value) {
    let r = client().get(lab.url(&format!("{mount}/api/protected/"))).bearer_auth(token).send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    (status, body["user"]["username"].clone())
}

async fn tokens(lab: &TestLab, mount: &str) -> Value {
    let r = client()
        .post(lab.url(&format!("{mount}/api/token/")))
        .json(&json!({"username": "demo", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Each broken verifier takes exactly its forgery; the default takes none of them.
#[tokio::test]
async fn each_verifier_takes_its_forgery_and_the_default_none() {
    let lab = TestLab::start().await;
    let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
    let access = b64(&claims("access"));
    let alg_none = format!("{}.{access}.", b64(r#"{"alg":"none","typ":"JWT"}"#));
    let unsigned = format!("{header}.{access}.not-a-signature");
    let weak = format!("{header}.{access}.{}", hs256(b"your-256-bit-secret", &format!("{header}.{access}")));
    let refresh = tokens(&lab, "/s/jwt-refresh-as-access").await["refresh"].as_str().unwrap().to_owned();
    let cases = [
        ("jwt-alg-none", &alg_none),
        ("jwt-signature-unchecked", &unsigned),
        ("jwt-weak-secret", &weak),
        ("jwt-refresh-as-access", &refresh),
    ];
    for (id, forged) in cases {
        let (status, user) = protected(&lab, &format!("/s/{id}"), forged).await;
        assert_eq!((status, user.as_str()), (StatusCode::OK, Some("demo")), "{id} takes its forgery");
        let (status, _) = protected(&lab, "", forged).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the default refuses {id}'s forgery");
        for (other, token) in cases.iter().filter(|(other, _)| *other != id) {
            // An unchecked signature takes the others' forgeries too, but for the refresh
            // token, whose type it still checks.
            let expected = if id == "jwt-signature-unchecked" && *other != "jwt-refresh-as-access" { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
            assert_eq!(protected(&lab, &format!("/s/{id}"), token).await.0, expected, "{id} with {other}'s forgery");
        }
    }
}

#[tokio::test]
async fn the_weak_secret_mount_signs_with_the_word_and_still_checks_everything_else() {
    let lab = TestLab::start().await;
    let access = tokens(&lab, "/s/jwt-weak-secret").await["access"].as_str().unwrap().to_owned();
    let (message, signature) = access.rsplit_once('.').unwrap();
    assert_eq!(hs256(b"your-256-bit-secret", message), signature, "cracking one token means finding this word");
    let (status, _) = protected(&lab, "/s/jwt-weak-secret", &access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(protected(&lab, "", &access).await.0, StatusCode::UNAUTHORIZED, "tokens do not cross mounts");
}

#[tokio::test]
async fn the_refresh_as_access_mount_still_refuses_an_access_token_at_the_refresh_endpoint() {
    let lab = TestLab::start().await;
    let access = tokens(&lab, "/s/jwt-refresh-as-access").await["access"].as_str().unwrap().to_owned();
    let r = client().post(lab.url("/s/jwt-refresh-as-access/api/token/refresh/")).json(&json!({"refresh": access})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "only the access side is loose");
}

/// The attacker's own HTTP client: relays to the mounts its exploit attacks, with a few
/// headers, and refuses anything else with a reason.
#[tokio::test]
async fn the_relay_sends_only_to_the_attacked_mounts_and_says_what_it_refuses() {
    let lab = TestLab::start().await;
    let relay = |body: Value| client().post(format!("{}/jwt-alg-none/relay", lab.cross_site_attacker)).body(body.to_string()).send();
    let api = &lab.api_origin;
    let ok: Value = relay(json!({"method": "GET", "url": format!("{api}/s/jwt-alg-none/api/hello/")})).await.unwrap().json().await.unwrap();
    assert_eq!(ok["status"], 200);
    assert!(ok["body"].as_str().unwrap().contains("Hello"), "{ok}");
    let default: Value = relay(json!({"method": "GET", "url": format!("{api}/api/users/")})).await.unwrap().json().await.unwrap();
    assert_eq!(default["status"], 200, "the default mount is attacked too (against=default)");
    let users: Value = serde_json::from_str(default["body"].as_str().unwrap()).unwrap();
    assert!(users.as_array().unwrap().iter().any(|u| u["username"] == corslab::attacker::ACCOUNT), "the attacker has an account of its own");

    for refused in [
        json!({"method": "GET", "url": format!("{api}/s/jwt-weak-secret/api/hello/")}),
        json!({"method": "GET", "url": "http://example.com/api/hello/"}),
        json!({"method": "GET", "url": format!("{api}/s/jwt-alg-none/api/../../s/other/api/")}),
        json!({"method": "DELETE", "url": format!("{api}/api/hello/")}),
        json!({"method": "GET", "url": format!("{api}/api/hello/"), "headers": [["Origin", "http://evil.example"]]}),
        json!({"method": "GET", "url": format!("{api}/api/hello/"), "headers": [["Cookie", "a\nb"]]}),
        json!({"method": "GET", "url": format!("{api}/api/hello/"), "headers": vec![["Cookie", "a=b"]; 9]}),
        json!({"method": "GET"}),
        json!("not an object"),
    ] {
        let r = relay(refused.clone()).await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        // A path that climbs out of the mount is sent as is: the API's router does not
        // resolve `..`, so it answers 404 and reaches no other mount.
        if refused["url"].as_str().is_some_and(|u| u.contains("..")) {
            assert_eq!((status, body["status"].as_u64()), (StatusCode::OK, Some(404)), "{refused}");
            continue;
        }
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("relay_refused")), "{refused}: {body}");
    }
    let big = client().post(format!("{}/jwt-alg-none/relay", lab.cross_site_attacker)).body("x".repeat(10_000)).send().await.unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Tagged, as the exploit pages send it, and larger than the attacker's log keeps (4 KiB):
    // the relay still gets the whole request.
    let padded = json!({"method": "POST", "url": format!("{api}/s/jwt-alg-none/api/hello/"), "body": "x".repeat(6_000)});
    let tagged = client().post(format!("{}/jwt-alg-none/relay?lab=relayvisitor1", lab.cross_site_attacker)).body(padded.to_string()).send().await.unwrap();
    let answer: Value = tagged.json().await.unwrap();
    assert!(answer["status"].is_u64(), "relayed, not refused: {answer}");
    // A body that never finishes arriving is answered, not waited for.
    let addr = lab.cross_site_attacker.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    slow.write_all(format!("POST /jwt-alg-none/relay HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\n{{").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(30), slow.read_to_end(&mut answer)).await.expect("answered in time").unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&answer));
    let elsewhere = client().post(format!("{}/no-such-scenario/relay", lab.cross_site_attacker)).body("{}").send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
}
