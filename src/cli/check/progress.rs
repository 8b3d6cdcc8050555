//! Progress on standard error for a run over several URLs: on a terminal a bar redrawn in
//! place, elsewhere (CI logs) a plain line at every tenth of the way.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

const WIDTH: usize = 30;

pub struct Progress {
    total: usize,
    done: AtomicUsize,
    terminal: bool,
}

impl Progress {
    pub fn new(total: usize, terminal: bool) -> Progress {
        Progress { total, done: AtomicUsize::new(0), terminal }
    }

    /// One more URL checked.
    pub fn advance(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.total < 2 {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let filled = WIDTH * done / self.total;
            let _ = write!(err, "\r[{}{}] {done}/{} URLs", "#".repeat(filled), " ".repeat(WIDTH - filled), self.total);
            let _ = err.flush();
        } else if done * 10 / self.total > (done - 1) * 10 / self.total {
            let _ = writeln!(err, "corslab check: {done}/{} URLs checked", self.total);
        }
    }

    /// Clears the bar, so the report that follows starts on a clean line.
    pub fn finish(&self) {
        if self.terminal && self.total >= 2 {
            let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(WIDTH + 40));
        }
    }
}
