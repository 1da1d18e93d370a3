//! Expressions to Cranelift IR.
//!
//! Every expression becomes a pair of SSA values: a tag (`i8`, see [`tag`]) and 64 bits. Next to
//! them the generator keeps a [`Tags`] set, known at compile time, of the tags the value can have
//! besides missing: it comes from the static types at the leaves and from the operators above
//! them, so an operator emits code only for the operand kinds that can occur. Each operator
//! computes the interpreter's result for every possible combination of tags and picks one with
//! `select` (missing when none applies); `and`, `or` and `??` branch, as they short-circuit.
//!
//! This file holds the generator (`FnGen`: the function being built, its small pieces, and the
//! walk over expressions); `tags.rs` finds every expression's tags before any code is made;
//! `leaves.rs` and `row.rs` read slots (the event, the profile, bound records; the contact's row);
//! `ops.rs` and `compare.rs` are the operators.

use std::collections::HashMap;
use std::sync::Arc;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, I32, I64, I8};
use cranelift_codegen::ir::{self, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature};
use cranelift_frontend::{FunctionBuilder, Switch};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Module};

use journey_ir::eval::Value;
use journey_ir::layout::{
    Codec, ContactLayout, HistoryRow, ProfileValue, INSTANT_ASIDE, INSTANT_BASE,
};
use journey_ir::{ArithOp, CompareOp, Const, ExprId, ExprKind, Program, ScoreId, SegmentId, Type};

use crate::abi::{
    self, tag, BindingRead, Helper, Tags, BINDING_BASE, BINDING_LEN_OFFSET, BINDING_PTR_OFFSET,
    BINDING_RECORDS, BINDING_RECORD_BASE, BINDING_TABLE_OFFSET, CONSTS_PTR_OFFSET, CONST_BASE,
    EVENT_BASE, EVENT_ID_OFFSET, EVENT_LEN_OFFSET, EVENT_PTR_OFFSET, HELPERS, PAYLOAD,
    POINTER_SIZE, PROFILE_BASE, PROFILE_LEN_OFFSET, PROFILE_PTR_OFFSET, RET_OFFSET, ROW_LEN_OFFSET,
    ROW_PTR_OFFSET, VALUE_SIZE,
};

mod compare;
mod leaves;
mod ops;
mod row;
mod tags;

use row::{codec_tag, HistoryInRow, ProfileInRow};
pub(crate) use tags::{analyse, reads, Analysis};
use tags::{arith_table, arith_tags, may_be_mixed, neg_tags};

/// Deeper expressions are refused rather than risking the compiler's (and the evaluation's)
/// stack.
pub(crate) const MAX_DEPTH: usize = 512;

/// The most nodes a function inlines; past that, children are called (an expression that shares
/// subexpressions, which lowering never makes, could otherwise grow exponentially).
const INLINE_BUDGET: usize = 1024;

/// The largest segment or `while` condition (in nodes, see [`Analysis::sizes`]) that is
/// inlined where it is used; a larger one is called.
const INLINE_DEFINITION: u32 = 32;

/// Why an expression cannot be compiled (the caller adds which one).
pub(crate) type Refusal = String;

/// The signature of a helper.
pub(crate) fn helper_signature(module: &JITModule, info: &abi::HelperInfo) -> Signature {
    let pointer = module.target_config().pointer_type();
    let to_type = |ty: abi::Ty| match ty {
        abi::Ty::Ptr => pointer,
        abi::Ty::I32 => I32,
        abi::Ty::I64 => I64,
    };
    let mut signature = module.make_signature();
    for param in info.params {
        signature.params.push(AbiParam::new(to_type(*param)));
    }
    if let Some(result) = info.result {
        signature.returns.push(AbiParam::new(to_type(result)));
    }
    signature
}

/// The signature of a compiled expression: `(ctx) -> tag`, the bits in `ctx.ret`.
pub(crate) fn expr_signature(module: &JITModule) -> Signature {
    let mut signature = module.make_signature();
    signature
        .params
        .push(AbiParam::new(module.target_config().pointer_type()));
    signature.returns.push(AbiParam::new(I32));
    signature
}

/// The signature of a group of expressions: `(ctx, member) -> tag`, the bits in `ctx.ret`.
pub(crate) fn group_signature(module: &JITModule) -> Signature {
    let mut signature = expr_signature(module);
    signature.params.push(AbiParam::new(I32));
    signature
}

/// Where an expression's code is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Place {
    /// Its own function, the whole tree inlined ([`expr_signature`]).
    Own(FuncId),
    /// A member of a group function ([`group_signature`]), by number.
    Member(FuncId, u32),
}

/// The program's constants that compiled code refers to by handle.
#[derive(Default)]
pub(crate) struct Constants {
    /// The values; handle `CONST_BASE + i` is `values[i]`.
    pub values: Vec<Value>,
    /// Where each string constant is, to share them.
    strings: HashMap<Arc<str>, u64>,
}

impl Constants {
    /// The handle of a string literal; the constant shares the program's allocation, so that
    /// input strings the decoder interned against it compare by pointer.
    fn string(&mut self, s: &Arc<str>) -> u64 {
        if let Some(handle) = self.strings.get(s) {
            return *handle;
        }
        let handle = self.push(Value::Str(Arc::clone(s)));
        self.strings.insert(Arc::clone(s), handle);
        handle
    }

    fn push(&mut self, value: Value) -> u64 {
        self.values.push(value);
        CONST_BASE + (self.values.len() - 1) as u64
    }
}

/// A value in compiled code.
#[derive(Clone, Copy)]
struct Val {
    /// `i8` tag.
    tag: ir::Value,
    /// `i64` bits.
    bits: ir::Value,
    /// The tags it can have besides missing.
    tags: Tags,
    /// Where the [`Value`] is in memory, for a string read straight from a record and for a
    /// constant string: lets `==` compare the `Arc`s' bits before calling a helper.
    addr: Option<Addr>,
}

/// Where a record's pointer is: at this offset from this address (the context, or the binding
/// table it points to).
#[derive(Clone, Copy)]
enum Record {
    At(ir::Value, i32),
}

/// Where a string's [`Value`] is.
#[derive(Clone, Copy)]
enum Addr {
    /// At this address (a pointer-sized SSA value), or nowhere when it is 0 (the read fell back
    /// to the environment).
    Dynamic(ir::Value),
    /// Entry `i` of the constant table.
    Const(u32),
}

/// The blocks a hot path of [`FnGen::hot_or_cold`] may jump to: where the results meet, and
/// the cold block that asks the environment.
#[derive(Clone, Copy)]
struct Fork {
    merge: ir::Block,
    cold: ir::Block,
}

/// Generates the body of one function.
pub(crate) struct FnGen<'u, 'a, 'f> {
    b: FunctionBuilder<'f>,
    unit: &'u mut Unit<'a>,
    refs: [Option<FuncRef>; HELPERS.len()],
    /// The functions of other expressions this one calls.
    expr_refs: HashMap<u32, FuncRef>,
    /// Whether children are inlined (a function of its own) or called (a group's member).
    inline: bool,
    /// How many more nodes may be inlined.
    budget: usize,
    ctx: ir::Value,
}

/// What every function of a program is generated from.
pub(crate) struct Unit<'a> {
    /// The program.
    pub program: &'a Program,
    /// Where a contact's row holds each score's points, each profile field's presence and
    /// scalar value, and the history aggregates that fit it (the runtime's layout).
    pub layout: ContactLayout,
    /// The module the functions go into.
    pub module: &'a mut JITModule,
    /// The helpers, by [`Helper`].
    pub helpers: Vec<FuncId>,
    /// Where every expression's code is, by [`ExprId`].
    pub places: Vec<Place>,
    /// Every expression's tags (see [`analyse`]).
    pub tags: Vec<Tags>,
    /// Every expression's inlined size (see [`analyse`]).
    pub sizes: Vec<u32>,
    /// The constants the functions refer to.
    pub constants: Constants,
    /// The binding fields read through deferred handles.
    pub bindings: Vec<BindingRead>,
    /// Which word of a string value's payload (0 or 1) is its length, when known (see
    /// `crate::length_word`).
    pub length_word: Option<u8>,
    /// Where each of `bindings` is.
    pub binding_index: HashMap<BindingRead, u32>,
}

/// A case of an operator: when `cond` holds, the result is `(tag, bits)`.
type Case = (ir::Value, u8, ir::Value);

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    /// Generates the function of one expression into `b` (whose function has
    /// [`expr_signature`]), with the whole tree below it inlined.
    pub fn generate(
        b: FunctionBuilder<'f>,
        unit: &'u mut Unit<'a>,
        expr: ExprId,
    ) -> Result<(), Refusal> {
        let (mut g, _) = FnGen::start(b, unit, true);
        let value = g.expr(expr, 0)?;
        g.finish(value);
        let config = g.unit.module.target_config();
        g.b.finalize(config);
        Ok(())
    }

    /// Generates a group function into `b` (whose function has [`group_signature`]): member
    /// `i` computes `members[i]`, calling the functions of its children (so that the code for
    /// every expression stays linear in the size of the program); any other number is missing.
    pub fn generate_group(
        b: FunctionBuilder<'f>,
        unit: &'u mut Unit<'a>,
        members: &[ExprId],
    ) -> Result<(), (ExprId, Refusal)> {
        let (mut g, member) = FnGen::start(b, unit, false);
        let mut switch = Switch::new();
        let blocks: Vec<ir::Block> = members.iter().map(|_| g.b.create_block()).collect();
        for (number, block) in blocks.iter().enumerate() {
            switch.set_entry(number as u128, *block);
        }
        let otherwise = g.b.create_block();
        switch.emit(&mut g.b, member, otherwise);
        for (expr, block) in members.iter().zip(&blocks) {
            g.b.switch_to_block(*block);
            g.b.seal_block(*block);
            let value = g.expr(*expr, 0).map_err(|reason| (*expr, reason))?;
            g.finish(value);
        }
        g.b.switch_to_block(otherwise);
        g.b.seal_block(otherwise);
        let missing = g.scalar(tag::MISSING, 0);
        g.finish(missing);
        let config = g.unit.module.target_config();
        g.b.finalize(config);
        Ok(())
    }

    /// Generates a batch function into `b` (whose function has [`expr_signature`]): it
    /// evaluates each of `filters` (at most 64, each tree inlined) in order and returns, in
    /// `ctx.ret`, the word whose bit `i` is whether `filters[i]` holds, with the tag of a
    /// `bool` (see `journey_ir::filters`).
    pub fn generate_batch(
        b: FunctionBuilder<'f>,
        unit: &'u mut Unit<'a>,
        filters: &[ExprId],
    ) -> Result<(), (ExprId, Refusal)> {
        debug_assert!(filters.len() <= 64);
        let (mut g, _) = FnGen::start(b, unit, true);
        let mut word = g.i64_const(0);
        for (i, filter) in filters.iter().enumerate() {
            // Each filter is a tree of its own: it gets the whole inlining budget.
            g.budget = INLINE_BUDGET;
            let value = g.expr(*filter, 0).map_err(|reason| (*filter, reason))?;
            let holds = g.truthy(value);
            let bit = g.b.ins().uextend(I64, holds);
            let bit = g.b.ins().ishl_imm_u(bit, i as i64);
            word = g.b.ins().bor(word, bit);
        }
        let result = Val {
            tag: g.tag_const(tag::BOOL),
            bits: word,
            tags: Tags::one(tag::BOOL),
            addr: None,
        };
        g.finish(result);
        let config = g.unit.module.target_config();
        g.b.finalize(config);
        Ok(())
    }

    /// The entry block, and the generator; with the second parameter, if any.
    fn start(
        mut b: FunctionBuilder<'f>,
        unit: &'u mut Unit<'a>,
        inline: bool,
    ) -> (Self, ir::Value) {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry);
        let ctx = params[0];
        let second = params.get(1).copied().unwrap_or(ctx);
        let g = FnGen {
            b,
            unit,
            refs: [None; HELPERS.len()],
            expr_refs: HashMap::new(),
            inline,
            budget: INLINE_BUDGET,
            ctx,
        };
        (g, second)
    }

    /// Returns a value: its bits in `ctx.ret`, its tag as the result.
    fn finish(&mut self, value: Val) {
        self.store_ret(value.bits);
        let tag = self.b.ins().uextend(I32, value.tag);
        self.b.ins().return_(&[tag]);
    }

    // ---- small pieces ---------------------------------------------------------------------------

    fn tag_const(&mut self, tag: u8) -> ir::Value {
        self.b.ins().iconst(I8, i64::from(tag))
    }

    fn i64_const(&mut self, v: i64) -> ir::Value {
        self.b.ins().iconst(I64, v)
    }

    fn scalar(&mut self, tag: u8, bits: i64) -> Val {
        Val {
            tag: self.tag_const(tag),
            bits: self.i64_const(bits),
            tags: if tag == tag::MISSING {
                Tags(0)
            } else {
                Tags::one(tag)
            },
            addr: None,
        }
    }

    /// `tag == t`, as an `i8` 0 or 1.
    fn is(&mut self, v: Val, t: u8) -> ir::Value {
        self.b.ins().icmp_imm_s(IntCC::Equal, v.tag, i64::from(t))
    }

    /// Whether `a` has tag `ta` and `b` has tag `tb`.
    fn both(&mut self, a: Val, ta: u8, b: Val, tb: u8) -> ir::Value {
        let x = self.is(a, ta);
        let y = self.is(b, tb);
        self.b.ins().band(x, y)
    }

    /// Whether the value is `int` or `float`.
    fn is_number(&mut self, v: Val) -> ir::Value {
        let int = self.is(v, tag::INT);
        let float = self.is(v, tag::FLOAT);
        self.b.ins().bor(int, float)
    }

    /// Whether the operands are two numbers, at least one a `float`.
    fn is_mixed(&mut self, a: Val, b: Val) -> ir::Value {
        let na = self.is_number(a);
        let nb = self.is_number(b);
        let fa = self.is(a, tag::FLOAT);
        let fb = self.is(b, tag::FLOAT);
        let numbers = self.b.ins().band(na, nb);
        let float = self.b.ins().bor(fa, fb);
        self.b.ins().band(numbers, float)
    }

    /// A number as `f64` (an `int` widened).
    fn as_f64(&mut self, v: Val) -> ir::Value {
        if !v.tags.has(tag::INT) {
            return self.b.ins().bitcast(F64, MemFlagsData::new(), v.bits);
        }
        let from_int = self.b.ins().fcvt_from_sint(F64, v.bits);
        if !v.tags.has(tag::FLOAT) {
            return from_int;
        }
        let from_float = self.b.ins().bitcast(F64, MemFlagsData::new(), v.bits);
        let is_int = self.is(v, tag::INT);
        self.b.ins().select(is_int, from_int, from_float)
    }

    /// The value of the first case that holds, or missing. The cases' conditions never hold
    /// together.
    fn pick(&mut self, cases: &[Case], tags: Tags) -> Val {
        let mut tag = self.tag_const(tag::MISSING);
        let mut bits = self.i64_const(0);
        for (cond, t, value) in cases.iter().rev() {
            let t = self.tag_const(*t);
            tag = self.b.ins().select(*cond, t, tag);
            bits = self.b.ins().select(*cond, *value, bits);
        }
        Val {
            tag,
            bits,
            tags,
            addr: None,
        }
    }

    /// A boolean result (`i8` 0 or 1) as a value.
    fn boolean(&mut self, b: ir::Value) -> Val {
        Val {
            tag: self.tag_const(tag::BOOL),
            bits: self.b.ins().uextend(I64, b),
            tags: Tags::one(tag::BOOL),
            addr: None,
        }
    }

    /// Whether a value is `true` (a missing value is not).
    fn truthy(&mut self, v: Val) -> ir::Value {
        let is_bool = self.is(v, tag::BOOL);
        let set = self.b.ins().icmp_imm_s(IntCC::NotEqual, v.bits, 0);
        self.b.ins().band(is_bool, set)
    }

    fn store_ret(&mut self, bits: ir::Value) {
        self.b
            .ins()
            .store(MemFlagsData::trusted(), bits, self.ctx, RET_OFFSET);
    }

    fn load_ret(&mut self) -> ir::Value {
        self.b
            .ins()
            .load(I64, MemFlagsData::trusted(), self.ctx, RET_OFFSET)
    }

    /// Calls a helper with the context and these arguments; its result, if any.
    fn call(&mut self, helper: Helper, args: &[ir::Value]) -> Option<ir::Value> {
        let index = helper as usize;
        let func_ref = match self.refs[index] {
            Some(r) => r,
            None => {
                let r = self
                    .unit
                    .module
                    .declare_func_in_func(self.unit.helpers[index], self.b.func);
                self.refs[index] = Some(r);
                r
            }
        };
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.ctx);
        all.extend_from_slice(args);
        let call = self.b.ins().call(func_ref, &all);
        self.b.inst_results(call).first().copied()
    }

    /// Calls a helper whose result must exist.
    fn call1(&mut self, helper: Helper, args: &[ir::Value]) -> Result<ir::Value, Refusal> {
        self.call(helper, args)
            .ok_or_else(|| format!("helper `{}` returns nothing", helper.info().name))
    }

    /// Calls a helper that returns a value: its tag, with its bits in `ctx.ret`.
    fn call_value(
        &mut self,
        helper: Helper,
        args: &[ir::Value],
        tags: Tags,
    ) -> Result<Val, Refusal> {
        let tag32 = self.call1(helper, args)?;
        let tag = self.b.ins().ireduce(I8, tag32);
        let bits = self.load_ret();
        Ok(Val {
            tag,
            bits,
            tags,
            addr: None,
        })
    }

    /// The two operands as helper arguments: `(tag as u32, bits, tag as u32, bits)`.
    fn operands(&mut self, a: Val, b: Val) -> [ir::Value; 4] {
        let ta = self.b.ins().uextend(I32, a.tag);
        let tb = self.b.ins().uextend(I32, b.tag);
        [ta, a.bits, tb, b.bits]
    }

    fn u32_const(&mut self, v: u32) -> ir::Value {
        self.b.ins().iconst(I32, i64::from(v))
    }

    // ---- expressions ----------------------------------------------------------------------------

    /// A child of the expression being generated: inlined, or a call of its code.
    fn child(&mut self, id: ExprId, depth: usize) -> Result<Val, Refusal> {
        let program = self.unit.program;
        let constant = matches!(
            program.exprs.get(id.index()).map(|e| &e.kind),
            Some(ExprKind::Const(_)) | None
        );
        if (self.inline && self.budget > 0) || constant {
            self.budget = self.budget.saturating_sub(1);
            return self.expr(id, depth);
        }
        self.call_expr(id)
    }

    /// The tags [`analyse`] found for an expression (none for one that does not exist).
    fn tags_of(&self, id: ExprId) -> Tags {
        self.unit.tags.get(id.index()).copied().unwrap_or(Tags(0))
    }

    /// An operand of a helper that computes its whole answer from its operands' values (when
    /// `helper`): a binding field of strings (or of lists) becomes a deferred read, which the
    /// helper makes itself (see [`abi::BINDING_BASE`]), so that the string is not kept in the
    /// scratch vector for the call; anything else is a child as usual.
    fn helper_operand(&mut self, id: ExprId, helper: bool, d: usize) -> Result<Val, Refusal> {
        let program = self.unit.program;
        let Some(ExprKind::BindingField(binding, event, slot)) =
            program.exprs.get(id.index()).map(|e| &e.kind)
        else {
            return self.child(id, d);
        };
        let tags = self.tags_of(id);
        let kind = if tags == Tags::one(tag::STR) {
            tag::STR
        } else if tags == Tags::one(tag::LIST) {
            tag::LIST
        } else {
            return self.child(id, d);
        };
        if !helper {
            return self.child(id, d);
        }
        let read = BindingRead {
            binding: binding.0,
            event: event.0,
            slot: *slot,
            expect: tags.0,
        };
        // From the binding's record when the context holds it, in place; else deferred.
        self.binding_direct_or(binding.0, *slot, tags, |g| {
            let next = g.unit.bindings.len() as u32;
            let index = *g.unit.binding_index.entry(read).or_insert(next);
            if index == next {
                g.unit.bindings.push(read);
            }
            let mut value = g.scalar(kind, (BINDING_BASE + u64::from(index)) as i64);
            value.tags = tags;
            Ok(value)
        })
    }

    /// The condition of a segment or of a `while` rule, which compiled code evaluates in place:
    /// inlined like a child when it is small (at most [`INLINE_DEFINITION`] nodes, its own
    /// segments and scores included), else a call of its function, so that a large segment
    /// used in many places is not copied into each.
    fn definition(&mut self, id: ExprId, depth: usize) -> Result<Val, Refusal> {
        let small = self
            .unit
            .sizes
            .get(id.index())
            .is_none_or(|size| *size <= INLINE_DEFINITION);
        if small {
            self.child(id, depth)
        } else {
            self.call_expr(id)
        }
    }

    /// A call of the function that holds an expression's code (which exists).
    fn call_expr(&mut self, id: ExprId) -> Result<Val, Refusal> {
        let Some(place) = self.unit.places.get(id.index()).copied() else {
            return Ok(self.scalar(tag::MISSING, 0));
        };
        let (function, member) = match place {
            Place::Own(function) => (function, None),
            Place::Member(function, number) => (function, Some(number)),
        };
        let func_ref = match self.expr_refs.get(&function.as_u32()) {
            Some(r) => *r,
            None => {
                let r = self.unit.module.declare_func_in_func(function, self.b.func);
                self.expr_refs.insert(function.as_u32(), r);
                r
            }
        };
        let mut args = vec![self.ctx];
        if let Some(number) = member {
            args.push(self.u32_const(number));
        }
        let call = self.b.ins().call(func_ref, &args);
        let Some(tag32) = self.b.inst_results(call).first().copied() else {
            return Err("an expression's function returns nothing".to_string());
        };
        let tag = self.b.ins().ireduce(I8, tag32);
        let bits = self.load_ret();
        Ok(Val {
            tag,
            bits,
            tags: self.unit.tags[id.index()],
            addr: None,
        })
    }

    /// An expression, generated here. Its tags are those [`analyse`] found (the code never
    /// gives a value outside them: checked).
    fn expr(&mut self, id: ExprId, depth: usize) -> Result<Val, Refusal> {
        if depth > MAX_DEPTH {
            return Err(format!("expressions nested deeper than {MAX_DEPTH}"));
        }
        let program = self.unit.program;
        let Some(expr) = program.exprs.get(id.index()) else {
            // As the interpreter: an expression that does not exist is missing.
            return Ok(self.scalar(tag::MISSING, 0));
        };
        let mut value = self.node(&expr.kind, &expr.ty, depth + 1)?;
        let known = self.unit.tags[id.index()];
        if value.tags.0 & !known.0 != 0 {
            return Err(format!(
                "values of tags {:#x} where {:#x} were expected",
                value.tags.0, known.0
            ));
        }
        value.tags = known;
        Ok(value)
    }

    /// The code of one node.
    fn node(&mut self, kind: &ExprKind, ty: &Type, d: usize) -> Result<Val, Refusal> {
        match kind {
            ExprKind::Const(c) => Ok(self.constant(c)),
            ExprKind::EventField(event, slot) => {
                self.event_field(event.0, *slot, Tags::of_type(ty))
            }
            ExprKind::BindingField(binding, event, slot) => {
                self.binding_field(binding.0, event.0, *slot, Tags::of_type(ty))
            }
            ExprKind::Profile(slot) => self.profile(slot.0, Tags::of_type(ty)),
            ExprKind::Score(score) => self.score(*score, d),
            ExprKind::Segment(segment) => self.segment(*segment, d),
            ExprKind::History(history) => self.history(history.0, Tags::of_type(ty)),
            ExprKind::Now => self.now(),
            ExprKind::Not(x) => self.not(*x, d),
            ExprKind::Neg(x) => self.neg(*x, d),
            ExprKind::And(a, b) => self.and_or(*a, *b, true, d),
            ExprKind::Or(a, b) => self.and_or(*a, *b, false, d),
            ExprKind::Compare(op, a, b) => self.compare(*op, *a, *b, d),
            ExprKind::Arith(op, a, b) => self.arith(*op, *a, *b, d),
            ExprKind::Coalesce(a, b) => self.coalesce(*a, *b, d),
            ExprKind::IsSet(x, negated) => self.is_set(*x, *negated, d),
            ExprKind::In(a, b) => self.tri(Helper::In, *a, *b, d),
            ExprKind::Contains(a, b) => self.tri(Helper::Contains, *a, *b, d),
            ExprKind::StartsWith(a, b) => self.tri(Helper::StartsWith, *a, *b, d),
            ExprKind::EndsWith(a, b) => self.tri(Helper::EndsWith, *a, *b, d),
            ExprKind::List(items) => self.list(items, d),
        }
    }

    fn constant(&mut self, c: &Const) -> Val {
        match c {
            Const::Bool(b) => self.scalar(tag::BOOL, i64::from(*b)),
            Const::Int(v) => self.scalar(tag::INT, *v),
            Const::Float(v) => self.scalar(tag::FLOAT, v.to_bits() as i64),
            Const::String(s) => {
                let handle = self.unit.constants.string(s);
                let mut value = self.scalar(tag::STR, handle as i64);
                value.addr = u32::try_from(handle - CONST_BASE).ok().map(Addr::Const);
                value
            }
            Const::Duration(v) => self.scalar(tag::DURATION, *v),
            Const::Time(v) => self.scalar(tag::TIME, *v),
            Const::Date(v) => self.scalar(tag::DATE, i64::from(*v)),
            Const::Enum(v) => self.scalar(tag::ENUM, i64::from(*v)),
        }
    }

    /// The value of an expression made of constants only, if it is one (for list literals).
    fn constant_value(&self, id: ExprId, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &self.unit.program.exprs.get(id.index())?.kind {
            ExprKind::Const(c) => Some(Value::from(c)),
            ExprKind::List(items) => items
                .iter()
                .map(|i| self.constant_value(*i, depth + 1))
                .collect::<Option<Vec<Value>>>()
                .map(|items| Value::List(items.into())),
            _ => None,
        }
    }
}
