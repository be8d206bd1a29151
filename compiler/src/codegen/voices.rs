//! The voice kernels: the sample player's inner loop, JIT-compiled once per process for
//! the host CPU. Each call mixes four voices into a stereo bus, four frames per iteration,
//! summing the four voices in registers before it touches the bus. The rate-1 kernels read
//! each voice with two unaligned vector loads and a lerp; the pitched kernels compute a
//! position per frame and load the frames around it one by one (there is no gather).
//!
//! The computation is the one `phonon_runtime::engine::voice_kernel` writes in Rust, operation
//! for operation (same fused multiply-adds, same clamps), so the two agree to the bit.

use super::lanes::Lanes;
use super::{Code, err, new_module};
use crate::dsp::Dsp;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{Linkage, Module};
use phonon_runtime::engine::voice_kernel::{VoiceFn, VoiceKernels, VoiceKind, offsets};
use phonon_runtime::samples::PAD;
use std::sync::OnceLock;

/// The kernels, compiled on first use and kept for the life of the process (they do not
/// depend on the program).
pub fn kernels() -> Result<VoiceKernels, String> {
    let k = KERNELS
        .get_or_init(compile_all)
        .as_ref()
        .map(|(k, _)| *k)
        .map_err(Clone::clone)?;
    let _ = READY.set(k);
    Ok(k)
}

static KERNELS: OnceLock<Result<(VoiceKernels, Code), String>> = OnceLock::new();

/// The compiled kernels, set once they are: what an engine started with the reference
/// kernels switches to.
static READY: OnceLock<VoiceKernels> = OnceLock::new();

/// The kernels a program starts with, without waiting for the JIT: the compiled ones if
/// they are ready, else the Rust reference (which computes the same, to the bit: see
/// `tests/voice_parity.rs`) and where the compiled ones will appear ([`warm_up`] compiles
/// them on a thread of their own). A failed JIT compile is an error.
pub fn ready_or_coming() -> Result<(VoiceKernels, Option<&'static OnceLock<VoiceKernels>>), String>
{
    match KERNELS.get() {
        Some(_) => Ok((kernels()?, None)),
        None => {
            warm_up();
            Ok((VoiceKernels::reference(), Some(&READY)))
        }
    }
}

/// Starts compiling the kernels on a thread of their own, if no one has yet: a program
/// that plays samples calls this as soon as it knows, so the compiling overlaps with
/// loading its samples, compiling its own kernels and its first blocks ([`kernels`] waits
/// for it; [`ready_or_coming`] does not).
pub fn warm_up() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if KERNELS.get().is_none() && !STARTED.swap(true, Ordering::AcqRel) {
        let spawned = std::thread::Builder::new()
            .name("phonon-voice-jit".into())
            .spawn(|| {
                let _ = kernels();
            });
        // Without a thread, the first `kernels()` compiles them where it is called.
        drop(spawned);
    }
}

/// The Cranelift IR of one kernel (for `phonon ir --clif` and the tests).
pub fn clif(kind: VoiceKind) -> String {
    let (module, frontend) = match new_module() {
        Ok(m) => m,
        Err(e) => return e,
    };
    let mut ctx = module.make_context();
    let mut fbc = FunctionBuilderContext::new();
    build(
        kind,
        &mut ctx.func,
        &mut fbc,
        frontend,
        module.target_config().pointer_type(),
    );
    ctx.func.display().to_string()
}

fn compile_all() -> Result<(VoiceKernels, Code), String> {
    let (mut module, frontend) = new_module()?;
    let ptr = module.target_config().pointer_type();
    let mut ctx = module.make_context();
    let mut fbc = FunctionBuilderContext::new();
    let mut ids = Vec::new();
    for kind in VoiceKind::all() {
        module.clear_context(&mut ctx);
        build(kind, &mut ctx.func, &mut fbc, frontend, ptr);
        let id = module
            .declare_function(
                &format!("voices{}", kind.index()),
                Linkage::Local,
                &ctx.func.signature,
            )
            .map_err(err)?;
        module.define_function(id, &mut ctx).map_err(err)?;
        ids.push(id);
    }
    module.finalize_definitions().map_err(err)?;
    let funcs: Vec<VoiceFn> = ids
        .iter()
        .map(|&id| {
            let p = module.get_finalized_function(id);
            // SAFETY: every function was built with the `VoiceFn` signature.
            unsafe { std::mem::transmute::<*const u8, VoiceFn>(p) }
        })
        .collect();
    let funcs: [VoiceFn; VoiceKind::COUNT] = funcs
        .try_into()
        .map_err(|_| "voice kernels: wrong count".to_string())?;
    Ok((VoiceKernels(funcs), Code(Some(module))))
}

/// One voice's fields, loaded before the loop.
struct VoiceParams {
    left: Value,
    right: Value,
    /// Scalars (i64) for the rate-1 path; vectors (i32x4) for the pitched path.
    base: Value,
    lo: Value,
    hi: Value,
    frac: Value,
    rate: Value,
    gain_l: Value,
    gain_r: Value,
    attack_from: Value,
    attack_inv: Value,
    release_to: Value,
    release_inv: Value,
}

fn build(
    kind: VoiceKind,
    func: &mut cranelift_codegen::ir::Function,
    fbc: &mut FunctionBuilderContext,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    ptr: types::Type,
) {
    let sig = &mut func.signature;
    for t in [ptr, types::I64, types::I64, ptr, ptr] {
        sig.params.push(AbiParam::new(t));
    }
    let mut b = FunctionBuilder::new(func, fbc);
    let mem = MemFlagsData::new().with_notrap();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (quad, from, to, out_l, out_r) = {
        let p = b.block_params(entry);
        (p[0], p[1], p[2], p[3], p[4])
    };

    let scalar_f32 = |b: &mut FunctionBuilder, field: i32, v: usize| {
        let x = b.ins().load(types::F32, mem, quad, field + 4 * v as i32);
        b.ins().splat(types::F32X4, x)
    };
    let voices: Vec<VoiceParams> = (0..4)
        .map(|v| {
            let left = b.ins().load(ptr, mem, quad, offsets::LEFT + 8 * v as i32);
            let right = b.ins().load(ptr, mem, quad, offsets::RIGHT + 8 * v as i32);
            let base32 = b
                .ins()
                .load(types::I32, mem, quad, offsets::BASE + 4 * v as i32);
            let len32 = b
                .ins()
                .load(types::I32, mem, quad, offsets::LEN + 4 * v as i32);
            let (base, lo, hi) = if kind.pitched {
                let base = b.ins().splat(types::I32X4, base32);
                let lo = b.ins().iconst(types::I32, -2);
                let lo = b.ins().splat(types::I32X4, lo);
                let hi = b.ins().iadd_imm_s(len32, 1);
                let hi = b.ins().splat(types::I32X4, hi);
                (base, lo, hi)
            } else {
                let base = b.ins().sextend(types::I64, base32);
                let len = b.ins().sextend(types::I64, len32);
                let lo = b.ins().iconst(types::I64, -(PAD as i64));
                let hi = b.ins().iadd_imm_s(len, PAD as i64 - 5);
                (base, lo, hi)
            };
            VoiceParams {
                left,
                right,
                base,
                lo,
                hi,
                frac: scalar_f32(&mut b, offsets::FRAC, v),
                rate: scalar_f32(&mut b, offsets::RATE, v),
                gain_l: scalar_f32(&mut b, offsets::GAIN_L, v),
                gain_r: scalar_f32(&mut b, offsets::GAIN_R, v),
                attack_from: scalar_f32(&mut b, offsets::ATTACK_FROM, v),
                attack_inv: scalar_f32(&mut b, offsets::ATTACK_INV, v),
                release_to: scalar_f32(&mut b, offsets::RELEASE_TO, v),
                release_inv: scalar_f32(&mut b, offsets::RELEASE_INV, v),
            }
        })
        .collect();
    // Lane offsets 0, 1, 2, 3 of a four-frame step.
    let iota = {
        let mut d = Lanes { b: &mut b };
        let z = d.c(0.0);
        let mut v = z;
        for lane in 1..4u8 {
            let x = d.b.ins().f32const(lane as f32);
            v = d.b.ins().insertlane(v, x, lane);
        }
        v
    };

    let head = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.append_block_param(head, types::I64);
    b.ins().jump(head, &[from.into()]);

    b.switch_to_block(head);
    let t0 = b.block_params(head)[0];
    let done = b.ins().icmp(IntCC::SignedGreaterThanOrEqual, t0, to);
    b.ins().brif(done, exit, &[], body, &[]);

    b.switch_to_block(body);
    let tf = b.ins().fcvt_from_sint(types::F32, t0);
    let tv = b.ins().splat(types::F32X4, tf);
    let tv = b.ins().fadd(tv, iota);
    let mut d = Lanes { b: &mut b };
    let mut acc_l = d.c(0.0);
    let mut acc_r = d.c(0.0);
    for v in &voices {
        let (sl, sr) = if kind.pitched {
            let q = d.fma(v.rate, tv, v.frac);
            let fl = d.floor(q);
            let w = d.sub(q, fl);
            let fi = d.b.ins().fcvt_to_sint_sat(types::I32X4, fl);
            let idx = d.b.ins().iadd(v.base, fi);
            let idx = d.b.ins().smax(idx, v.lo);
            let idx = d.b.ins().smin(idx, v.hi);
            let l = gather_lerp(&mut d, v.left, idx, w, mem);
            let r = if kind.stereo {
                gather_lerp(&mut d, v.right, idx, w, mem)
            } else {
                l
            };
            (l, r)
        } else {
            let p = d.b.ins().iadd(v.base, t0);
            let p = d.b.ins().smax(p, v.lo);
            let p = d.b.ins().smin(p, v.hi);
            let offset = d.b.ins().ishl_imm_u(p, 2);
            let l = load_lerp(&mut d, v.left, offset, v.frac, mem);
            let r = if kind.stereo {
                load_lerp(&mut d, v.right, offset, v.frac, mem)
            } else {
                l
            };
            (l, r)
        };
        let (gl, gr) = if kind.env {
            let da = d.sub(tv, v.attack_from);
            let a = d.mul(da, v.attack_inv);
            let dr = d.sub(v.release_to, tv);
            let r = d.mul(dr, v.release_inv);
            let e = d.lt(a, r, a, r);
            let one = d.c(1.0);
            let e = d.lt(e, one, e, one);
            let zero = d.c(0.0);
            let e = d.lt(zero, e, e, zero);
            (d.mul(e, v.gain_l), d.mul(e, v.gain_r))
        } else {
            (v.gain_l, v.gain_r)
        };
        acc_l = d.fma(sl, gl, acc_l);
        acc_r = d.fma(sr, gr, acc_r);
    }
    let byte = b.ins().ishl_imm_u(t0, 2);
    for (out, acc) in [(out_l, acc_l), (out_r, acc_r)] {
        let addr = b.ins().iadd(out, byte);
        let old = b.ins().load(types::F32X4, mem, addr, 0);
        let sum = b.ins().fadd(old, acc);
        b.ins().store(mem, sum, addr, 0);
    }
    let next = b.ins().iadd_imm_s(t0, 4);
    b.ins().jump(head, &[next.into()]);

    b.switch_to_block(exit);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
}

/// Four consecutive frames from `offset` bytes into `data`, interpolated `frac` of the way to
/// the next four.
fn load_lerp(d: &mut Lanes, data: Value, offset: Value, frac: Value, mem: MemFlagsData) -> Value {
    let addr = d.b.ins().iadd(data, offset);
    let a = d.b.ins().load(types::F32X4, mem, addr, 0);
    let next = d.b.ins().load(types::F32X4, mem, addr, 4);
    let diff = d.sub(next, a);
    d.fma(diff, frac, a)
}

/// The frames at four sample indices, each interpolated by its lane of `w`.
fn gather_lerp(d: &mut Lanes, data: Value, idx: Value, w: Value, mem: MemFlagsData) -> Value {
    let mut a = d.c(0.0);
    let mut next = d.c(0.0);
    for lane in 0..4u8 {
        let i = d.b.ins().extractlane(idx, lane);
        let i = d.b.ins().sextend(types::I64, i);
        let byte = d.b.ins().ishl_imm_u(i, 2);
        let addr = d.b.ins().iadd(data, byte);
        let x = d.b.ins().load(types::F32, mem, addr, 0);
        let y = d.b.ins().load(types::F32, mem, addr, 4);
        a = d.b.ins().insertlane(a, x, lane);
        next = d.b.ins().insertlane(next, y, lane);
    }
    let diff = d.sub(next, a);
    d.fma(diff, w, a)
}
