//! Chromium with its clock moved forward, to see in seconds what it does hours (or minutes)
//! later: the preflight cache's cap, the Lax+POST window.

/// Debian's `faketime` (its library is preloaded into Chromium to move Chromium's clock).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// Chromium, started through a wrapper that moves its clocks (wall and monotonic) by the
/// offset written in a file, which libfaketime rereads every second; the lab, chromedriver
/// and this test keep real time.
pub struct ShiftedChromium {
    dir: tempfile::TempDir,
}

impl ShiftedChromium {
    pub fn new() -> ShiftedChromium {
        use std::os::unix::fs::PermissionsExt;
        assert!(std::path::Path::new(LIBFAKETIME).exists(), "{LIBFAKETIME} is missing: run scripts/test, which installs Debian's faketime");
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("chromium");
        let offset = dir.path().join("offset");
        std::fs::write(&offset, "+0\n").unwrap();
        let script = format!(
            "#!/bin/sh\nexport LD_PRELOAD={LIBFAKETIME} FAKETIME_TIMESTAMP_FILE={} FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_RESET=1\nexec /usr/bin/chromium \"$@\"\n",
            offset.display()
        );
        std::fs::write(&wrapper, script).unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        ShiftedChromium { dir }
    }

    pub fn binary(&self) -> String {
        self.dir.path().join("chromium").display().to_string()
    }

    /// Moves Chromium's clock to `seconds` after the start, and waits until it has read it.
    pub async fn shift(&self, seconds: u64) {
        std::fs::write(self.dir.path().join("offset"), format!("+{seconds}\n")).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    }
}

