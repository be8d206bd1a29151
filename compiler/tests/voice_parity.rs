//! The JIT voice kernels against the Rust reference, on random voices: every kind (rate 1
//! or pitched, mono or stereo, with or without envelope), positions before, inside and past
//! the sample, backwards and fast rates, ranges that start and stop anywhere in a block.

use phonon_runtime::engine::voice_kernel::{VoiceKernels, VoiceKind, VoiceQuad};
use phonon_runtime::samples::Sample;
use proptest::prelude::*;

fn sample(len: usize, stereo: bool, seed: u32) -> Sample {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    let mut noise = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x as f32 / u32::MAX as f32) * 2.0 - 1.0
    };
    let channels = if stereo { 2 } else { 1 };
    Sample::new(
        (0..channels)
            .map(|_| (0..len).map(|_| noise()).collect())
            .collect(),
        "random",
    )
}

#[derive(Debug, Clone)]
struct Lane {
    len: usize,
    base: i32,
    frac: f32,
    rate: f32,
    gains: (f32, f32),
    attack: (f32, f32),
    release: (f32, f32),
}

fn lane() -> impl Strategy<Value = Lane> {
    (
        1usize..3000,
        -2000i32..5000,
        0.0f32..1.0,
        prop_oneof![Just(1.0f32), -4.0f32..4.0, 0.01f32..0.1],
        (0.0f32..1.0, 0.0f32..1.0),
        (-600.0f32..600.0, 0.0f32..0.2),
        (-100.0f32..800.0, 0.0f32..0.2),
    )
        .prop_map(|(len, base, frac, rate, gains, attack, release)| Lane {
            len,
            base,
            frac,
            rate,
            gains,
            attack,
            release,
        })
}

fn run(
    kernels: &VoiceKernels,
    kind: VoiceKind,
    samples: &[Sample],
    lanes: &[Lane],
    from: usize,
    to: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut quad = VoiceQuad {
        left: [std::ptr::null(); 4],
        right: [std::ptr::null(); 4],
        base: [0; 4],
        len: [0; 4],
        frac: [0.0; 4],
        rate: [0.0; 4],
        gain_l: [0.0; 4],
        gain_r: [0.0; 4],
        attack_from: [0.0; 4],
        attack_inv: [0.0; 4],
        release_to: [0.0; 4],
        release_inv: [0.0; 4],
    };
    for (v, (s, l)) in samples.iter().zip(lanes).enumerate() {
        quad.left[v] = s.data(0);
        quad.right[v] = s.data(1);
        quad.base[v] = l.base;
        quad.len[v] = s.len() as i32;
        quad.frac[v] = l.frac;
        quad.rate[v] = if kind.pitched { l.rate } else { 1.0 };
        quad.gain_l[v] = l.gains.0;
        quad.gain_r[v] = l.gains.1;
        quad.attack_from[v] = l.attack.0;
        quad.attack_inv[v] = l.attack.1;
        quad.release_to[v] = l.release.0;
        quad.release_inv[v] = l.release.1;
    }
    // Start from a non-zero bus: the kernels add to it.
    let mut left: Vec<f32> = (0..1028).map(|i| (i as f32 * 0.01).sin()).collect();
    let mut right: Vec<f32> = (0..1028).map(|i| (i as f32 * 0.02).cos()).collect();
    // SAFETY: the quad addresses live samples, the buses hold `to` rounded up to 4 frames.
    unsafe {
        kernels.get(kind)(
            &quad,
            from as u64,
            to as u64,
            left.as_mut_ptr(),
            right.as_mut_ptr(),
        )
    };
    (left, right)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn jit_voice_kernels_match_the_reference(
        lanes in proptest::collection::vec(lane(), 4),
        stereo_mask in 0u8..16,
        from4 in 0usize..128,
        span in 0usize..512,
    ) {
        let jit = phonon_compiler::program::jit_voice_kernels().expect("voice kernels compile");
        let reference = VoiceKernels::reference();
        // The reference compiled for this CPU (with FMA where it has it) and for any.
        let portable = VoiceKernels::portable();
        let from = from4 * 4;
        let to = (from + span).min(1024);
        for kind in VoiceKind::all() {
            let samples: Vec<Sample> = lanes
                .iter()
                .enumerate()
                .map(|(v, l)| sample(l.len, kind.stereo && stereo_mask & (1 << v) != 0, v as u32 + 7))
                .collect();
            let a = run(&jit, kind, &samples, &lanes, from, to);
            let b = run(&reference, kind, &samples, &lanes, from, to);
            let c = run(&portable, kind, &samples, &lanes, from, to);
            for (x, y) in a.0.iter().zip(&b.0).chain(a.1.iter().zip(&b.1)) {
                prop_assert!(x.to_bits() == y.to_bits(), "{kind:?}: {x} vs {y}");
            }
            for (x, y) in b.0.iter().zip(&c.0).chain(b.1.iter().zip(&c.1)) {
                prop_assert!(x.to_bits() == y.to_bits(), "{kind:?}: portable {y} vs {x}");
            }
        }
    }
}

#[test]
fn a_planted_difference_is_caught() {
    // The comparison can fail: a gain changed in one lane shows.
    let jit = phonon_compiler::program::jit_voice_kernels().unwrap();
    let kind = VoiceKind {
        pitched: false,
        stereo: false,
        env: false,
    };
    let samples: Vec<Sample> = (0..4).map(|v| sample(600, false, v)).collect();
    let mut lanes: Vec<Lane> = (0..4)
        .map(|_| Lane {
            len: 600,
            base: 0,
            frac: 0.0,
            rate: 1.0,
            gains: (0.5, 0.5),
            attack: (0.0, 0.0),
            release: (0.0, 0.0),
        })
        .collect();
    let a = run(&jit, kind, &samples, &lanes, 0, 512);
    lanes[2].gains.0 = 0.5001;
    let b = run(&jit, kind, &samples, &lanes, 0, 512);
    assert!(a.0.iter().zip(&b.0).any(|(x, y)| (x - y).abs() > 1e-6));
    assert_eq!(a.1, b.1);
}
