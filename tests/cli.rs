//! The `corslab` binary as a user starts it: a bad setting stops it with exit code 2 and a
//! message naming the setting where the user gave it (flag, environment variable, file).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_corslab");

/// Runs corslab with `args` and the environment `env` (nothing else of ours inherited) in
/// `dir`, expecting it to refuse to start.
fn refused(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = corslab(dir, args, env).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.starts_with("corslab: "), "{stderr}");
    stderr
}

fn corslab(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(["--page-port", "0", "--api-port", "0", "--cross-site-attacker-port", "0", "--same-site-attacker-port", "0"])
        .args(["--data-dir", "data"])
        .args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CORSLAB_")) {
        cmd.env_remove(k);
    }
    cmd.env("CORSLAB_JWT_SECRET", "x".repeat(32)).envs(env.iter().copied());
    cmd
}

fn text(out: &Output) -> String {
    format!("stdout: {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_short_jwt_secret_in_the_environment_is_blamed_on_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let msg = refused(dir.path(), &[], &[("CORSLAB_JWT_SECRET", "short")]);
    assert!(msg.contains("CORSLAB_JWT_SECRET (environment variable): the secret has 5 bytes"), "{msg}");
    assert!(!msg.contains("jwt-secret-file"), "{msg}");
}

#[test]
fn a_page_port_that_clashes_with_the_api_port_is_blamed_on_the_page_port() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).current_dir(dir.path()).args(["--page-port", "8001"]).env("CORSLAB_JWT_SECRET", "x".repeat(32)).output().unwrap();
    let msg = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("--page-port: 8001 is also the API port"), "{msg}");
}

#[test]
fn a_bad_value_in_an_environment_variable_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).current_dir(dir.path()).env("CORSLAB_PAGE_PORT", "abc").output().unwrap();
    let msg = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("CORSLAB_PAGE_PORT (environment variable): 'abc' is not valid"), "{msg}");
    // The same value given as a flag is clap's ordinary error about the flag.
    let out = Command::new(BIN).current_dir(dir.path()).args(["--page-port", "abc"]).output().unwrap();
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("'--page-port <PORT>'") && !msg.contains("CORSLAB_PAGE_PORT ("), "{msg}");
}

#[test]
fn a_bad_origin_in_the_config_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.toml"), "csrf_trusted_origins = [\"example.com\"]\n").unwrap();
    let msg = refused(dir.path(), &["--config", "lab.toml"], &[]);
    assert!(msg.contains("csrf_trusted_origins in lab.toml: 'example.com' must start with a scheme"), "{msg}");
}

#[test]
fn a_trailing_slash_origin_is_refused_as_django_cors_headers_does() {
    let dir = tempfile::tempdir().unwrap();
    let msg = refused(dir.path(), &["--cors-allowed-origins", "http://localhost:8000/"], &[]);
    assert!(msg.contains("--cors-allowed-origins: 'http://localhost:8000/' must be only scheme://host[:port]"), "{msg}");
    assert!(msg.contains("not even a trailing '/'"), "{msg}");
}

#[test]
fn a_log_filter_that_does_not_parse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let msg = refused(dir.path(), &["--log", "nonsense=="], &[]);
    assert!(msg.contains("--log: 'nonsense==' is not a log filter"), "{msg}");
    let msg = refused(dir.path(), &[], &[("CORSLAB_LOG", "nonsense==")]);
    assert!(msg.contains("CORSLAB_LOG (environment variable): 'nonsense=='"), "{msg}");
}

#[test]
fn a_page_dir_without_the_page_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let msg = refused(dir.path(), &["--page-dir", "/nonexistent"], &[]);
    assert!(msg.contains("--page-dir: /nonexistent holds no index.html"), "{msg}");
}

#[test]
fn an_address_this_machine_does_not_have_is_not_blamed_on_another_corslab() {
    let dir = tempfile::tempdir().unwrap();
    // TEST-NET-1 (RFC 5737): never an address of this machine.
    let out = corslab(dir.path(), &["--bind", "192.0.2.1"], &[]).output().unwrap();
    let msg = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("192.0.2.1 is not an address of this machine; try --bind 127.0.0.1"), "{msg}");
    assert!(!msg.contains("another corslab"), "{msg}");
}

#[test]
fn log_lines_written_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = corslab(dir.path(), &["--log", "info", "--demo=false"], &[])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    // The first start applies the database migration and logs it at info.
    let started = Instant::now();
    let written = loop {
        let text = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
        if text.contains("migration") || started.elapsed() > Duration::from_secs(20) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(written.contains("applied database migration"), "{written}");
    assert!(!written.contains('\u{1b}'), "escape codes in {written:?}");
}
