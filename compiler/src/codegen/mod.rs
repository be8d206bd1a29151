//! Code generation: every kernel of the plan becomes one Cranelift-compiled `extern "C"`
//! function that processes a whole block (see [`phonon_runtime::engine::KernelFn`] for the
//! calling convention). One JIT module holds all kernels of a program; dropping the returned
//! [`Code`] frees it.
//!
//! Lane-mode kernels (with state) loop over frames with the four lanes in one f32x4 value,
//! state kept in registers across the loop and written back at the end. Time-mode kernels
//! (stateless) compute four frames per iteration and finish with a one-frame tail loop.

mod lanes;
pub mod voices;

use crate::dsp;
use crate::ir::NodeKind;
use crate::schedule::{Kernel, LANES, Operand};
use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Value, types};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use lanes::Lanes;
use phonon_runtime::engine::KernelFn;

/// The machine code of a program's kernels.
pub struct Code(Option<JITModule>);

// SAFETY: after finalisation the module is only kept to free its memory on drop; nothing
// reads or changes it from any thread.
unsafe impl Send for Code {}
unsafe impl Sync for Code {}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(module) = self.0.take() {
            // SAFETY: the engine drops its kernels (the only users of these functions)
            // before the code.
            unsafe { module.free_memory() };
        }
    }
}

pub struct Compiled {
    /// Each kernel's function (kernels of the same code share one).
    pub funcs: Vec<KernelFn>,
    /// Functions compiled: one per distinct code, host kernels not counted.
    pub functions: usize,
    /// Each kernel's Cranelift IR, when asked for.
    pub clif: Vec<String>,
    pub code: Code,
}

fn err(e: impl std::fmt::Display) -> String {
    format!("code generation failed: {e}")
}

/// A JIT module for the host CPU (native ISA flags: FMA, SSE4.1 rounding, AVX encodings).
fn new_module() -> Result<(JITModule, TargetFrontendConfig), String> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(err)?;
    // The IR is built by this module from a checked plan; the verifier (on by default) would
    // roughly double compile time. Tests run with it on (debug builds).
    flags
        .set(
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )
        .map_err(err)?;
    let isa = cranelift_native::builder()
        .map_err(err)?
        .finish(settings::Flags::new(flags))
        .map_err(err)?;
    let frontend = isa.frontend_config();
    let module = JITModule::new(JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ));
    Ok((module, frontend))
}

/// Machine code of one kernel, compiled on any thread, for the module to place.
struct Machine {
    bytes: Vec<u8>,
    alignment: u64,
    relocs: Vec<cranelift_module::ModuleReloc>,
    clif: String,
}

/// Which inputs every lane of `k` reads from the same buffer (loaded once in its code).
fn shared_inputs(k: &Kernel) -> Vec<bool> {
    (0..k.shape.inputs)
        .map(|i| k.lanes.iter().all(|l| l.inputs[i] == k.lanes[0].inputs[i]))
        .collect()
}

/// What a node compiles to: an output node passes its input on, whichever output it is.
fn code_name(kind: &NodeKind) -> String {
    match kind {
        NodeKind::Output { .. } => "output".to_string(),
        k => k.name(),
    }
}

/// Shapes that compile to the same code: equal but for which output an output node feeds.
fn same_shape(a: &crate::schedule::Shape, b: &crate::schedule::Shape) -> bool {
    a.inputs == b.inputs
        && a.params == b.params
        && a.exports == b.exports
        && a.ops.len() == b.ops.len()
        && a.ops.iter().zip(&b.ops).all(|(x, y)| {
            x.args == y.args
                && match (&x.kind, &y.kind) {
                    (NodeKind::Output { .. }, NodeKind::Output { .. }) => true,
                    (p, q) => p == q,
                }
        })
}

/// For each kernel, the first kernel with the same code: the same operations (constants are
/// parameters in the state block, not code), lane count and inputs shared between lanes.
/// Sixteen copies of an instrument are one function.
fn same_code(kernels: &[Kernel]) -> Vec<usize> {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut firsts: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut of = Vec::with_capacity(kernels.len());
    for (i, k) in kernels.iter().enumerate() {
        // A cheap key picks the bucket; the whole shape is compared within it.
        let shared = shared_inputs(k);
        let mut h = DefaultHasher::new();
        (
            k.shape.ops.len(),
            k.shape.inputs,
            k.shape.params,
            &k.shape.exports,
        )
            .hash(&mut h);
        (k.lanes.len(), &shared).hash(&mut h);
        for op in &k.shape.ops {
            code_name(&op.kind).hash(&mut h);
        }
        let bucket = firsts.entry(h.finish()).or_default();
        let found = bucket.iter().copied().find(|&j| {
            let o = &kernels[j];
            o.lanes.len() == k.lanes.len()
                && same_shape(&o.shape, &k.shape)
                && shared_inputs(o) == shared
        });
        of.push(found.unwrap_or_else(|| {
            bucket.push(i);
            i
        }));
    }
    of
}

/// Compiles every distinct kernel once (see [`same_code`]). Kernels are compiled to machine
/// code in parallel (Cranelift's compilation is per function and the ISA is shared
/// read-only); the module then places them one by one.
pub fn compile(kernels: &[Kernel], sample_rate: f32, keep_clif: bool) -> Result<Compiled, String> {
    use rayon::prelude::*;
    let (mut module, frontend) = new_module()?;
    let pointer = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(pointer));
    sig.params.push(AbiParam::new(pointer));
    sig.params.push(AbiParam::new(types::I64));
    let of = same_code(kernels);
    // A function for each kernel that is the first of its code; a host kernel's own function.
    let mut ids = Vec::new();
    for (i, k) in kernels.iter().enumerate() {
        ids.push(match k.shape.host_kernel() {
            Some(fx) => Err(Some(fx.kernel())),
            None if of[i] != i => Err(None),
            None => Ok(module
                .declare_function(&format!("kernel{i}"), Linkage::Local, &sig)
                .map_err(err)?),
        });
    }
    let isa = module.isa();
    let machines: Vec<Option<Machine>> = kernels
        .par_iter()
        .zip(&ids)
        .map(|(k, id)| {
            let Ok(id) = *id else { return Ok(None) };
            let mut ctx = Context::new();
            // The platform's C calling convention, as `KernelFn` is `extern "C"`.
            ctx.func.signature.call_conv = isa.default_call_conv();
            let mut fbc = FunctionBuilderContext::new();
            build(k, sample_rate, &mut ctx, &mut fbc, frontend, pointer);
            let clif = if keep_clif {
                ctx.func.display().to_string()
            } else {
                String::new()
            };
            let mut ctrl = cranelift_codegen::control::ControlPlane::default();
            let alignment = ctx
                .compile(isa, &mut ctrl)
                .map_err(|e| err(format!("{:?}", e.inner)))?
                .buffer
                .alignment as u64;
            let code = ctx.compiled_code().expect("just compiled");
            let relocs = code
                .buffer
                .relocs()
                .iter()
                .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, id))
                .collect();
            Ok(Some(Machine {
                bytes: code.code_buffer().to_vec(),
                alignment: alignment
                    .max(isa.function_alignment().minimum as u64)
                    .max(isa.symbol_alignment()),
                relocs,
                clif,
            }))
        })
        .collect::<Result<_, String>>()?;
    let mut clif = Vec::new();
    let mut functions = 0;
    for (i, ((id, machine), k)) in ids.iter().zip(machines).zip(kernels).enumerate() {
        match (id, machine) {
            (Ok(id), Some(m)) => {
                module
                    .define_function_bytes(*id, m.alignment, &m.bytes, &m.relocs)
                    .map_err(err)?;
                functions += 1;
                if keep_clif {
                    clif.push(m.clif);
                }
            }
            _ if keep_clif => clif.push(match k.shape.host_kernel() {
                Some(fx) => format!(
                    "; host kernel: phonon_runtime::effects `{}` (a delay line, written in Rust)\n",
                    fx.name()
                ),
                None => format!("; the same code as kernel {}\n", of[i]),
            }),
            _ => {}
        }
    }
    module.finalize_definitions().map_err(err)?;
    let firsts: Vec<Option<KernelFn>> = ids
        .iter()
        .map(|id| match *id {
            Ok(id) => {
                let ptr = module.get_finalized_function(id);
                // SAFETY: every kernel was built with the `KernelFn` signature.
                Some(unsafe { std::mem::transmute::<*const u8, KernelFn>(ptr) })
            }
            Err(host) => host,
        })
        .collect();
    let funcs = (0..kernels.len())
        .map(|i| {
            firsts[i]
                .or(firsts[of[i]])
                .expect("the first kernel of a code has it")
        })
        .collect();
    Ok(Compiled {
        funcs,
        functions,
        clif,
        code: Code(Some(module)),
    })
}

/// Byte offset of float `index` in the state block when stored lane-major (4 per slot).
fn slot_offset(slot: usize) -> i32 {
    (slot * LANES * 4) as i32
}

fn build(
    k: &Kernel,
    sample_rate: f32,
    ctx: &mut Context,
    fbc: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
    ptr: types::Type,
) {
    let sig = &mut ctx.func.signature;
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64));
    let mut b = FunctionBuilder::new(&mut ctx.func, fbc);
    let mem = MemFlagsData::new().with_notrap();
    let shape = &k.shape;
    let lanes = k.lanes.len();

    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (io, state, frames) = {
        let p = b.block_params(entry);
        (p[0], p[1], p[2])
    };
    // State slots become variables: in registers for the whole loop.
    let mut state_vars: Vec<Vec<Variable>> = Vec::new();
    let mut next_slot = shape.params;
    for op in &shape.ops {
        let mut vars = Vec::new();
        for _ in 0..op.kind.state_slots() {
            let var = b.declare_var(types::F32X4);
            let v = b
                .ins()
                .load(types::F32X4, mem, state, slot_offset(next_slot));
            b.def_var(var, v);
            vars.push(var);
            next_slot += 1;
        }
        state_vars.push(vars);
    }
    let pointer = |b: &mut FunctionBuilder, slot: usize, lane: usize| {
        b.ins()
            .load(ptr, mem, io, ((slot * LANES + lane) * 8) as i32)
    };
    // Input pointers, per lane; a slot every lane reads from the same buffer is loaded once.
    // Kernels that share a function agree on this (see `same_code`).
    let shared = shared_inputs(k);
    let inputs: Vec<Vec<Value>> = (0..shape.inputs)
        .map(|i| {
            let n = if shared[i] || !shape.is_lane_mode() {
                1
            } else {
                lanes
            };
            (0..n).map(|l| pointer(&mut b, i, l)).collect()
        })
        .collect();
    let outputs: Vec<Vec<Value>> = (0..shape.exports.len())
        .map(|e| {
            (0..lanes)
                .map(|l| pointer(&mut b, shape.inputs + e, l))
                .collect()
        })
        .collect();

    let counter = b.declare_var(types::I64);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(counter, zero);
    let exit = b.create_block();

    // Per-lane parameters live in the state block; load them once.
    let params: Vec<Value> = (0..shape.params)
        .map(|p| b.ins().load(types::F32X4, mem, state, slot_offset(p)))
        .collect();
    let ctx = Body {
        k,
        sample_rate,
        params: &params,
        state_vars: &state_vars,
        inputs: &inputs,
        outputs: &outputs,
        mem,
    };

    if shape.is_lane_mode() {
        // Several frames per iteration, interleaved operation by operation, put the stateless
        // chains of consecutive frames in flight together; a kernel with a feedback delay
        // cannot interleave (the delay reads what a later operation wrote). Measured on
        // synth16: about 5% faster kernels for 2 frames, for 40% more compile time.
        // A long kernel already has independent work in flight within one frame; unrolling
        // it only doubles its code and compile time (a 16-operation synth voice: 7 ms).
        let feedback = shape.ops.iter().any(|o| o.kind == NodeKind::Delay1);
        if feedback || UNROLL == 1 || shape.ops.len() > UNROLL_MAX_OPS {
            ctx.frame_loop(&mut b, counter, frames, exit, Step::Lanes(1));
        } else {
            let tail = b.create_block();
            ctx.frame_loop(&mut b, counter, frames, tail, Step::Lanes(UNROLL));
            b.switch_to_block(tail);
            ctx.frame_loop(&mut b, counter, frames, exit, Step::Lanes(1));
        }
    } else {
        let tail = b.create_block();
        ctx.frame_loop(&mut b, counter, frames, tail, Step::Vector);
        b.switch_to_block(tail);
        ctx.frame_loop(&mut b, counter, frames, exit, Step::Tail);
    }

    b.switch_to_block(exit);
    let mut slot = shape.params;
    for vars in &state_vars {
        for &var in vars {
            let v = b.use_var(var);
            b.ins().store(mem, v, state, slot_offset(slot));
            slot += 1;
        }
    }
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
}

/// Frames per iteration of a lane-mode loop.
const UNROLL: u8 = 2;

/// Lane-mode kernels longer than this run one frame per iteration.
const UNROLL_MAX_OPS: usize = 8;

#[derive(Clone, Copy, PartialEq)]
enum Step {
    /// This many frames per iteration, lanes are instances.
    Lanes(u8),
    /// Four frames per iteration of one instance.
    Vector,
    /// One frame per iteration of one instance (after the vector loop).
    Tail,
}

struct Body<'a> {
    k: &'a Kernel,
    sample_rate: f32,
    params: &'a [Value],
    state_vars: &'a [Vec<Variable>],
    inputs: &'a [Vec<Value>],
    outputs: &'a [Vec<Value>],
    mem: MemFlagsData,
}

impl Body<'_> {
    /// Emits `while counter (+ step) <= frames { body }` and continues at `after`.
    fn frame_loop(
        &self,
        b: &mut FunctionBuilder,
        counter: Variable,
        frames: Value,
        after: cranelift_codegen::ir::Block,
        step: Step,
    ) {
        let header = b.create_block();
        let body = b.create_block();
        b.ins().jump(header, &[]);
        b.switch_to_block(header);
        let i = b.use_var(counter);
        let width = match step {
            Step::Vector => 4,
            Step::Lanes(n) => n as i64,
            Step::Tail => 1,
        };
        let end = b.ins().iadd_imm_s(i, width);
        let done = b.ins().icmp(IntCC::SignedGreaterThan, end, frames);
        b.ins().brif(done, after, &[], body, &[]);
        b.switch_to_block(body);
        let offset = b.ins().ishl_imm_u(i, 2);
        self.frame(b, offset, step);
        let next = b.ins().iadd_imm_s(i, width);
        b.def_var(counter, next);
        b.ins().jump(header, &[]);
    }

    /// The operations for one iteration.
    fn frame(&self, b: &mut FunctionBuilder, offset: Value, step: Step) {
        let shape = &self.k.shape;
        let mem = self.mem;
        let count = match step {
            Step::Lanes(n) => n as usize,
            _ => 1,
        };
        let load_input = |b: &mut FunctionBuilder, slot: usize, frame: usize| -> Value {
            let ptrs = &self.inputs[slot];
            let at = |b: &mut FunctionBuilder, p: Value| b.ins().iadd(p, offset);
            let imm = (frame * 4) as i32;
            match step {
                Step::Vector => {
                    let a = at(b, ptrs[0]);
                    b.ins().load(types::F32X4, mem, a, 0)
                }
                Step::Tail => {
                    let a = at(b, ptrs[0]);
                    let x = b.ins().load(types::F32, mem, a, 0);
                    b.ins().splat(types::F32X4, x)
                }
                Step::Lanes(_) if ptrs.len() == 1 => {
                    let a = at(b, ptrs[0]);
                    let x = b.ins().load(types::F32, mem, a, imm);
                    b.ins().splat(types::F32X4, x)
                }
                Step::Lanes(_) => {
                    let a = at(b, ptrs[0]);
                    let x = b.ins().load(types::F32, mem, a, imm);
                    let mut v = b.ins().scalar_to_vector(types::F32X4, x);
                    for (l, &p) in ptrs.iter().enumerate().skip(1) {
                        let a = at(b, p);
                        let x = b.ins().load(types::F32, mem, a, imm);
                        v = b.ins().insertlane(v, x, l as u8);
                    }
                    v
                }
            }
        };
        let inputs: Vec<Vec<Value>> = (0..count)
            .map(|f| (0..shape.inputs).map(|s| load_input(b, s, f)).collect())
            .collect();
        let mut values: Vec<Vec<Value>> = vec![Vec::with_capacity(shape.ops.len()); count];
        let mut delayed = Vec::new();
        for (o, op) in shape.ops.iter().enumerate() {
            let vars = &self.state_vars[o];
            for f in 0..count {
                let mut state: Vec<Value> = vars.iter().map(|&v| b.use_var(v)).collect();
                let v = if op.kind == NodeKind::Delay1 {
                    if let Operand::Local(src) = op.args[0] {
                        delayed.push((vars[0], src));
                    }
                    state[0]
                } else {
                    let args: Vec<Value> = op
                        .args
                        .iter()
                        .map(|a| match *a {
                            Operand::Local(j) => values[f][j],
                            Operand::Input(j) => inputs[f][j],
                            Operand::Param(j) => self.params[j],
                        })
                        .collect();
                    let mut lanes = Lanes { b };
                    let v = dsp::eval(&mut lanes, &op.kind, &args, &mut state, self.sample_rate);
                    for (&var, &s) in vars.iter().zip(&state) {
                        b.def_var(var, s);
                    }
                    v
                };
                values[f].push(v);
            }
        }
        // Only one-frame iterations have delays (see `build`).
        for (var, src) in delayed {
            b.def_var(var, values[0][src]);
        }
        for (e, &op) in shape.exports.iter().enumerate() {
            for (f, frame_values) in values.iter().enumerate() {
                let v = frame_values[op];
                let imm = (f * 4) as i32;
                match step {
                    Step::Vector => {
                        let a = b.ins().iadd(self.outputs[e][0], offset);
                        b.ins().store(mem, v, a, 0);
                    }
                    Step::Tail => {
                        let x = b.ins().extractlane(v, 0);
                        let a = b.ins().iadd(self.outputs[e][0], offset);
                        b.ins().store(mem, x, a, 0);
                    }
                    Step::Lanes(_) => {
                        for (l, &p) in self.outputs[e].iter().enumerate() {
                            let x = b.ins().extractlane(v, l as u8);
                            let a = b.ins().iadd(p, offset);
                            b.ins().store(mem, x, a, imm);
                        }
                    }
                }
            }
        }
    }
}
