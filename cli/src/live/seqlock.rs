//! A sequence lock over a few 64-bit words: one writer that never waits (an audio callback,
//! a reader thread), readers that retry while a write overlaps. For small values read on
//! the audio or render thread, where a lock could block and a ring would be too much.

use std::sync::atomic::{AtomicU64, Ordering, fence};

pub struct SeqLock<const N: usize> {
    sequence: AtomicU64,
    words: [AtomicU64; N],
}

impl<const N: usize> SeqLock<N> {
    pub fn new() -> SeqLock<N> {
        SeqLock {
            sequence: AtomicU64::new(0),
            words: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Stores `words`. One writer at a time.
    pub fn write(&self, words: [u64; N]) {
        self.sequence.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::Release);
        for (w, v) in self.words.iter().zip(words) {
            w.store(v, Ordering::Relaxed);
        }
        self.sequence.fetch_add(1, Ordering::Release);
    }

    /// The words last written, unless nothing was or writes kept overlapping the read.
    pub fn read(&self) -> Option<[u64; N]> {
        for _ in 0..16 {
            let before = self.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let words = std::array::from_fn(|i| self.words[i].load(Ordering::Relaxed));
            fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before && before > 0 {
                return Some(words);
            }
        }
        None
    }
}

impl<const N: usize> Default for SeqLock<N> {
    fn default() -> Self {
        SeqLock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_written_whole() {
        let lock = std::sync::Arc::new(SeqLock::<2>::new());
        assert_eq!(lock.read(), None);
        let writer = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for i in 1..100_000u64 {
                    lock.write([i, 2 * i]);
                }
            })
        };
        for _ in 0..100_000 {
            if let Some([a, b]) = lock.read() {
                assert_eq!(b, 2 * a);
            }
        }
        writer.join().unwrap();
        assert_eq!(lock.read(), Some([99_999, 199_998]));
    }
}
