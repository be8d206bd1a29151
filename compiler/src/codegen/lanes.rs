//! The Cranelift backend of the node semantics: every operation of [`Dsp`] on f32x4 values.
//! This and `codegen/mod.rs` are the only places that call Cranelift.

use crate::dsp::Dsp;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;

pub struct Lanes<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
}

/// Lane order of a vector reinterpretation: explicit, so the meaning does not depend on the
/// target.
fn lanes_le() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl Lanes<'_, '_> {
    fn int_view(&mut self, v: Value) -> Value {
        self.b.ins().bitcast(types::I32X4, lanes_le(), v)
    }
    fn float_view(&mut self, v: Value) -> Value {
        self.b.ins().bitcast(types::F32X4, lanes_le(), v)
    }
    fn int_op(
        &mut self,
        a: Value,
        b: Value,
        f: impl Fn(&mut FunctionBuilder, Value, Value) -> Value,
    ) -> Value {
        let (x, y) = (self.int_view(a), self.int_view(b));
        let r = f(self.b, x, y);
        self.float_view(r)
    }
}

impl Dsp for Lanes<'_, '_> {
    type V = Value;
    fn c(&mut self, x: f32) -> Value {
        let s = self.b.ins().f32const(x);
        self.b.ins().splat(types::F32X4, s)
    }
    fn bits(&mut self, bits: u32) -> Value {
        let s = self.b.ins().iconst(types::I32, bits as i32 as i64);
        let v = self.b.ins().splat(types::I32X4, s);
        self.float_view(v)
    }
    fn add(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fadd(a, b)
    }
    fn sub(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fsub(a, b)
    }
    fn mul(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fmul(a, b)
    }
    fn div(&mut self, a: Value, b: Value) -> Value {
        self.b.ins().fdiv(a, b)
    }
    fn fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        self.b.ins().fma(a, b, c)
    }
    fn abs(&mut self, a: Value) -> Value {
        self.b.ins().fabs(a)
    }
    fn neg(&mut self, a: Value) -> Value {
        self.b.ins().fneg(a)
    }
    fn floor(&mut self, a: Value) -> Value {
        self.b.ins().floor(a)
    }
    fn sqrt(&mut self, a: Value) -> Value {
        self.b.ins().sqrt(a)
    }
    fn lt(&mut self, a: Value, b: Value, x: Value, y: Value) -> Value {
        let mask = self.b.ins().fcmp(FloatCC::LessThan, a, b);
        let mask = self.float_view(mask);
        self.b.ins().bitselect(mask, x, y)
    }
    fn shl(&mut self, a: Value, k: u8) -> Value {
        let x = self.int_view(a);
        let r = self.b.ins().ishl_imm_u(x, k as i64);
        self.float_view(r)
    }
    fn ushr(&mut self, a: Value, k: u8) -> Value {
        let x = self.int_view(a);
        let r = self.b.ins().ushr_imm_u(x, k as i64);
        self.float_view(r)
    }
    fn xor(&mut self, a: Value, b: Value) -> Value {
        self.int_op(a, b, |f, x, y| f.ins().bxor(x, y))
    }
    fn and(&mut self, a: Value, b: Value) -> Value {
        self.int_op(a, b, |f, x, y| f.ins().band(x, y))
    }
    fn or(&mut self, a: Value, b: Value) -> Value {
        self.int_op(a, b, |f, x, y| f.ins().bor(x, y))
    }
    fn iadd(&mut self, a: Value, b: Value) -> Value {
        self.int_op(a, b, |f, x, y| f.ins().iadd(x, y))
    }
    fn int_to_float(&mut self, a: Value) -> Value {
        let x = self.int_view(a);
        self.b.ins().fcvt_from_sint(types::F32X4, x)
    }
    fn float_to_int(&mut self, a: Value) -> Value {
        let i = self.b.ins().fcvt_to_sint_sat(types::I32X4, a);
        self.float_view(i)
    }
}
