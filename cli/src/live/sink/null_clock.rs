//! The null clock: a thread that plays the feed one block per block period, like a sound
//! card nobody hears. It is the null sink (`--sink null`: tests, CI, benchmarks), and it
//! keeps the clock and the recording going while an audio device is gone.

use super::feed::{Filled, NULL_CLOCK, Shared};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Runs until `shared.stop`, playing whenever the feed is handed to the null clock.
///
/// Its schedule begins where [`Shared::null_from`] says. As the null sink it is a sound
/// card: a block not ready when due is played short and counted as an xrun. Standing in
/// for a device that is gone, nobody hears it and only the clock and the recording matter:
/// it waits for each block rather than play silence, so the recording keeps the program
/// whole. Its schedule then begins when the device last played, in the past: the blocks
/// due since are played as fast as the render thread makes them, then it keeps pace.
pub fn run(shared: Arc<Shared>, block: usize, sample_rate: u32) {
    let period = Duration::from_secs_f64(block as f64 / sample_rate as f64);
    let width = shared.width();
    let mut out = vec![0.0f32; width * block];
    while !shared.stop.load(Ordering::Relaxed) {
        if shared.driver() != NULL_CLOCK {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        let from = shared.null_from();
        let mut k: u64 = 0;
        while shared.driver() == NULL_CLOCK && !shared.stop.load(Ordering::Relaxed) {
            let due = from + period.mul_f64(k as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            match shared.fill_as(NULL_CLOCK, &mut out, width, |x| x, shared.stands_in, None) {
                Filled::Played => {
                    k += 1;
                    if shared.stands_in {
                        shared
                            .stats
                            .null_clock_frames
                            .fetch_add(block as u64, Ordering::Relaxed);
                    }
                }
                Filled::NotReady | Filled::NotMine => {
                    std::thread::sleep(Duration::from_micros(200))
                }
            }
        }
    }
}
