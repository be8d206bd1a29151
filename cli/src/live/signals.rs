//! The signals that stop `phonon live`: SIGINT (Ctrl-C), SIGTERM, and SIGHUP (the terminal
//! closed). Handled by phonon itself, whatever the process inherited: a shell script that
//! starts phonon in the background leaves SIGINT ignored, and `kill -INT` must still stop it.
//! The first signal asks for a graceful stop (fade out, finalise the recording, exit 0); the
//! second skips the fade; a third, if stopping hangs (a device that no longer answers),
//! exits at once: the recording is then valid up to its last sync, a second before.

use signal_hook::SigId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The exit status after a third signal (128 + SIGINT, as a shell reports an interrupt).
const FORCED_EXIT: i32 = 130;

pub struct Signals {
    count: Arc<AtomicUsize>,
    ids: Vec<SigId>,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        let count = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        #[cfg(unix)]
        let kinds = [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ];
        #[cfg(not(unix))]
        let kinds = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
        for sig in kinds {
            let count = count.clone();
            // SAFETY: the action only increments an atomic and may call `_exit`, both
            // async-signal-safe.
            let id = unsafe {
                signal_hook::low_level::register(sig, move || {
                    if count.fetch_add(1, Ordering::SeqCst) + 1 >= 3 {
                        signal_hook::low_level::exit(FORCED_EXIT);
                    }
                })
            }?;
            ids.push(id);
        }
        Ok(Signals { count, ids })
    }

    /// How many stop signals have arrived.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
