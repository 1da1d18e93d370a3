//! Expressions to Cranelift IR.
//!
//! Every expression becomes a pair of SSA values: a tag (`i8`, see [`tag`]) and 64 bits. Next to
//! them the generator keeps a [`Tags`] set, known at compile time, of the tags the value can have
//! besides missing: it comes from the static types at the leaves and from the operators above
//! them, so an operator emits code only for the operand kinds that can occur. Each operator
//! computes the interpreter's result for every possible combination of tags and picks one with
//! `select` (missing when none applies); `and`, `or` and `??` branch, as they short-circuit.

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

// ---- the tags of every expression ---------------------------------------------------------------

/// Whether values with these tags may be a pair of numbers with at least one `float`.
fn may_be_mixed(a: Tags, b: Tags) -> bool {
    let number = |t: Tags| t.has(tag::INT) || t.has(tag::FLOAT);
    number(a) && number(b) && (a.has(tag::FLOAT) || b.has(tag::FLOAT))
}

/// What arithmetic does besides numbers: `(left, right, result)` tags.
fn arith_table(op: ArithOp) -> &'static [(u8, u8, u8)] {
    use tag::{DURATION, INT, STR, TIME};
    match op {
        ArithOp::Add => &[
            (DURATION, DURATION, DURATION),
            (TIME, DURATION, TIME),
            (DURATION, TIME, TIME),
            (STR, STR, STR),
        ],
        ArithOp::Sub => &[
            (DURATION, DURATION, DURATION),
            (TIME, DURATION, TIME),
            (TIME, TIME, DURATION),
        ],
        ArithOp::Mul => &[(DURATION, INT, DURATION), (INT, DURATION, DURATION)],
        ArithOp::Div => &[(DURATION, INT, DURATION)],
    }
}

/// The tags of arithmetic on operands with these tags.
fn arith_tags(op: ArithOp, a: Tags, b: Tags) -> Tags {
    let mut tags = Tags(0);
    if a.has(tag::INT) && b.has(tag::INT) {
        tags = tags.union(Tags::one(tag::INT));
    }
    if may_be_mixed(a, b) {
        tags = tags.union(Tags::one(tag::FLOAT));
    }
    for &(x, y, result) in arith_table(op) {
        if a.has(x) && b.has(y) {
            tags = tags.union(Tags::one(result));
        }
    }
    tags
}

/// The tags of `-x`.
fn neg_tags(x: Tags) -> Tags {
    Tags(x.0 & (Tags::one(tag::INT).0 | Tags::one(tag::FLOAT).0 | Tags::one(tag::DURATION).0))
}

/// What [`analyse`] finds about every expression.
pub(crate) struct Analysis {
    /// The tags each expression's value can have besides missing.
    pub tags: Vec<Tags>,
    /// What evaluating each expression may touch ([`reads`] bits).
    pub reads: Vec<u8>,
    /// How many nodes each expression's code has when inlined whole, segments and scores'
    /// `while` rules included (saturating).
    pub sizes: Vec<u32>,
}

/// The bits of [`Analysis::reads`].
pub(crate) mod reads {
    /// It reads a field of the event being matched.
    pub const EVENT: u8 = 2;
    /// It reads the profile.
    pub const PROFILE: u8 = 4;
    /// It reads the contact's row (a score's points, a profile field's presence or value, a
    /// history aggregate the row holds).
    pub const ROW: u8 = 0x80;
    /// It reads a field of binding `b` (`b < BINDING_RECORDS`): bit `FIRST_BINDING << b`.
    pub const FIRST_BINDING: u8 = 8;
    /// Every binding bit.
    pub const BINDINGS: u8 = 0x78;

    const _: () = assert!(
        (FIRST_BINDING as u32) << (crate::abi::BINDING_RECORDS - 1) <= 0x80
            && BINDINGS as u32
                == ((FIRST_BINDING as u32) << crate::abi::BINDING_RECORDS) - FIRST_BINDING as u32
    );

    /// The bit of a binding's record (none for a binding without a record in the context).
    pub fn binding(binding: u32) -> u8 {
        match usize::try_from(binding) {
            Ok(b) if b < crate::abi::BINDING_RECORDS => FIRST_BINDING << b,
            _ => 0,
        }
    }
}

/// The tags each expression's value can have besides missing: from the static types of the
/// slots read and the constants, through the operators. Values read from the environment
/// outside their slot's tags are read as missing, so the sets hold for every input. Refuses an
/// expression that contains itself (also through segments and scores' `while` rules, which
/// compiled code evaluates in place) or is more than [`MAX_DEPTH`] deep counting those, so that
/// neither code generation nor evaluation recurses without bound.
///
/// Also says, for each expression, which records its evaluation may read (see [`reads`]), the
/// contact's row where `layout` puts what it reads there.
pub(crate) fn analyse(
    program: &Program,
    layout: &ContactLayout,
) -> Result<Analysis, (ExprId, Refusal)> {
    let mut memo = vec![Visit::New; program.exprs.len()];
    for index in 0..program.exprs.len() {
        let id = ExprId(index as u32);
        tags_of(program, layout, id, &mut memo, 0).map_err(|reason| (id, reason))?;
    }
    let mut analysis = Analysis {
        tags: Vec::with_capacity(memo.len()),
        reads: Vec::with_capacity(memo.len()),
        sizes: Vec::with_capacity(memo.len()),
    };
    for visit in memo {
        let facts = match visit {
            Visit::Done(facts) => facts,
            _ => Facts {
                tags: Tags::ALL,
                height: 0,
                reads: reads::EVENT | reads::PROFILE | reads::BINDINGS,
                size: u32::MAX,
            },
        };
        analysis.tags.push(facts.tags);
        analysis.reads.push(facts.reads);
        analysis.sizes.push(facts.size);
    }
    Ok(analysis)
}

/// What [`analyse`] knows of one expression.
#[derive(Clone, Copy)]
struct Facts {
    tags: Tags,
    /// 1 for a leaf.
    height: usize,
    reads: u8,
    size: u32,
}

/// Where [`analyse`] is with an expression.
#[derive(Clone, Copy)]
enum Visit {
    New,
    Open,
    Done(Facts),
}

fn tags_of(
    program: &Program,
    layout: &ContactLayout,
    id: ExprId,
    memo: &mut [Visit],
    depth: usize,
) -> Result<Facts, Refusal> {
    let Some(expr) = program.exprs.get(id.index()) else {
        return Ok(Facts {
            tags: Tags(0),
            height: 0,
            reads: 0,
            size: 1,
        });
    };
    match memo[id.index()] {
        Visit::Done(facts) => return Ok(facts),
        Visit::Open => return Err(format!("expression {} contains itself", id.0)),
        // Below a chain this long, the expression where it started is too deep.
        Visit::New if depth >= MAX_DEPTH => {
            return Err(format!("expressions nested deeper than {MAX_DEPTH}"))
        }
        Visit::New => memo[id.index()] = Visit::Open,
    }
    let mut height = 0;
    let mut touched = 0;
    let mut reads_row = false;
    let mut size = 1u32;
    let mut sub = |x: &ExprId| -> Result<Tags, Refusal> {
        let facts = tags_of(program, layout, *x, memo, depth + 1)?;
        height = height.max(facts.height);
        touched |= facts.reads;
        size = size.saturating_add(facts.size);
        Ok(facts.tags)
    };
    let boolean = Tags::one(tag::BOOL);
    let tags = match &expr.kind {
        ExprKind::Const(c) => Tags::one(abi::tag_of(&Value::from(c))),
        ExprKind::EventField(..) => {
            touched |= reads::EVENT;
            Tags::of_type(&expr.ty)
        }
        ExprKind::Profile(slot) => {
            touched |= reads::PROFILE;
            // A scalar the row holds is loaded from there (the record or the environment
            // answering when no row holding it was lent).
            reads_row = ProfileInRow::of(layout, slot.0).is_some_and(|p| p.value.is_some());
            Tags::of_type(&expr.ty)
        }
        ExprKind::BindingField(binding, ..) => {
            touched |= reads::binding(binding.0);
            Tags::of_type(&expr.ty)
        }
        ExprKind::History(history) => {
            // An aggregate the row holds is loaded from there (the environment answering when
            // no row holding it was lent, or the row keeps its instant aside).
            reads_row = HistoryInRow::of(layout, history.0).is_some();
            Tags::of_type(&expr.ty)
        }
        ExprKind::Score(score) => {
            reads_row = true;
            if let Some(score) = program.scores.get(score.index()) {
                for rule in &score.while_rules {
                    sub(&rule.condition)?;
                }
            }
            Tags::one(tag::INT)
        }
        ExprKind::Segment(segment) => {
            if let Some(segment) = program.segments.get(segment.index()) {
                sub(&segment.condition)?;
            }
            boolean
        }
        ExprKind::Now => Tags::one(tag::TIME),
        ExprKind::Neg(x) => neg_tags(sub(x)?),
        ExprKind::Arith(op, a, b) => {
            let a = sub(a)?;
            let b = sub(b)?;
            arith_tags(*op, a, b)
        }
        ExprKind::Coalesce(a, b) => {
            let a = sub(a)?;
            a.union(sub(b)?)
        }
        ExprKind::List(items) => {
            for item in items {
                sub(item)?;
            }
            Tags::one(tag::LIST)
        }
        ExprKind::Not(x) => {
            sub(x)?;
            boolean
        }
        ExprKind::IsSet(x, _) => {
            sub(x)?;
            // `profile.f is set` loads the field's present byte from the row.
            if let Some(ExprKind::Profile(slot)) = program.exprs.get(x.index()).map(|e| &e.kind) {
                reads_row = ProfileInRow::of(layout, slot.0).is_some();
            }
            boolean
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::In(a, b)
        | ExprKind::Contains(a, b)
        | ExprKind::StartsWith(a, b)
        | ExprKind::EndsWith(a, b) => {
            sub(a)?;
            sub(b)?;
            boolean
        }
    };
    let height = height + 1;
    if height > MAX_DEPTH {
        return Err(format!("expressions nested deeper than {MAX_DEPTH}"));
    }
    if reads_row {
        touched |= reads::ROW;
    }
    let facts = Facts {
        tags,
        height,
        reads: touched,
        size,
    };
    memo[id.index()] = Visit::Done(facts);
    Ok(facts)
}

/// Where a contact's row holds a profile field, with offsets that fit an instruction's.
#[derive(Clone, Copy)]
struct ProfileInRow {
    /// The offset of its present byte (1: it has a value, 0: it is missing).
    present: i32,
    /// The offset of its value and how it is stored, when the row holds the value (a scalar;
    /// strings and lists are kept elsewhere).
    value: Option<(i32, Codec)>,
    /// How long a row must be to hold both.
    end: i64,
}

impl ProfileInRow {
    /// Where `layout` puts profile slot `slot` (none for a slot it does not have, or offsets
    /// past `i32::MAX`).
    fn of(layout: &ContactLayout, slot: u32) -> Option<ProfileInRow> {
        let row = layout.profile.get(usize::try_from(slot).ok()?)?;
        let present = i32::try_from(row.present).ok()?;
        let value = match row.value {
            // A string's codec is a number in a table compiled code does not have.
            ProfileValue::Row { at, codec } if codec != Codec::Str => {
                i32::try_from(at).ok().map(|at| (at, codec))
            }
            _ => None,
        };
        let end = value.map_or(0, |(at, codec)| i64::from(at) + i64::from(codec.width()));
        Some(ProfileInRow {
            present,
            value,
            end: end.max(i64::from(present) + 1),
        })
    }
}

/// Where a contact's row holds a history aggregate compiled code can read, with offsets that
/// fit an instruction's.
#[derive(Clone, Copy)]
enum HistoryInRow {
    /// `count(E)`, running: an `i64` at this offset.
    Count(i32),
    /// `since(E)`: the instant of the latest matching event at this offset.
    Since(i32),
    /// `last(E).f` of a scalar other than a string: the instant of the latest event, its present
    /// byte and its value (stored as the codec says).
    Last {
        at: i32,
        present: i32,
        value: i32,
        codec: Codec,
    },
}

impl HistoryInRow {
    /// Where `layout` puts aggregate `history` (none for one it does not have, one kept in side
    /// storage, a `last` of a string, whose value is a number in a table compiled code does not
    /// have, or offsets past `i32::MAX`).
    fn of(layout: &ContactLayout, history: u32) -> Option<HistoryInRow> {
        let place = layout.histories.get(usize::try_from(history).ok()?)?;
        let offset = |at: u32| i32::try_from(at).ok();
        Some(match *place {
            HistoryRow::Count { count } => HistoryInRow::Count(offset(count)?),
            HistoryRow::Since { at } => HistoryInRow::Since(offset(at)?),
            HistoryRow::Last {
                at,
                present,
                value,
                codec,
            } if codec != Codec::Str => HistoryInRow::Last {
                at: offset(at)?,
                present: offset(present)?,
                value: offset(value)?,
                codec,
            },
            HistoryRow::Last { .. } | HistoryRow::Side { .. } => return None,
        })
    }

    /// The tag of the values it reads besides missing.
    fn tag(self) -> u8 {
        match self {
            HistoryInRow::Count(_) => tag::INT,
            HistoryInRow::Since(_) => tag::DURATION,
            HistoryInRow::Last { codec, .. } => codec_tag(codec),
        }
    }

    /// How long a row must be to hold every byte the read loads.
    fn end(self) -> i64 {
        let end = |at: i32, width: u32| i64::from(at) + i64::from(width);
        match self {
            HistoryInRow::Count(count) => end(count, 8),
            HistoryInRow::Since(at) => end(at, journey_ir::layout::INSTANT),
            HistoryInRow::Last {
                at,
                present,
                value,
                codec,
            } => end(at, journey_ir::layout::INSTANT)
                .max(end(present, 1))
                .max(end(value, codec.width())),
        }
    }
}

/// The tag of the values a codec stores (missing for a string's, which the row does not hold).
fn codec_tag(codec: Codec) -> u8 {
    match codec {
        Codec::Int => tag::INT,
        Codec::Float => tag::FLOAT,
        Codec::Duration => tag::DURATION,
        Codec::Time => tag::TIME,
        Codec::Date => tag::DATE,
        Codec::Enum => tag::ENUM,
        Codec::Bool => tag::BOOL,
        Codec::Str => tag::MISSING,
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

    // ---- leaf reads ------------------------------------------------------------------------------

    /// A field of the event being matched: loaded from the record the environment gave when it
    /// is this event's and holds the slot, else asked of the environment.
    fn event_field(&mut self, event: u32, slot: u32, tags: Tags) -> Result<Val, Refusal> {
        let id = self.load_ctx(I64, EVENT_ID_OFFSET);
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, id, i64::from(event));
        let len = self.load_ctx(I64, EVENT_LEN_OFFSET);
        let inside = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, len, i64::from(slot));
        let direct = self.b.ins().band(same, inside);
        let record = Record::At(self.ctx, EVENT_PTR_OFFSET);
        self.direct_or_call(direct, record, EVENT_BASE, slot, tags, |g| {
            let args = [g.u32_const(event), g.u32_const(slot), g.u32_const(tags.0)];
            g.call_value(Helper::EventField, &args, tags)
        })
    }

    /// A profile field: a scalar the layout keeps in the contact's row is loaded from there
    /// when the environment lent a row that holds it (its present byte and value); otherwise,
    /// and for strings and lists, [`FnGen::profile_record_or_call`].
    fn profile(&mut self, slot: u32, tags: Tags) -> Result<Val, Refusal> {
        let Some(ProfileInRow {
            present,
            value: Some((at, codec)),
            end,
        }) = ProfileInRow::of(&self.unit.layout, slot)
        else {
            return self.profile_record_or_call(slot, tags);
        };
        let pointer = self.unit.module.target_config().pointer_type();
        let strings = tags.has(tag::STR);
        let direct = self.row_holds(end);
        let mut results = vec![I8, I64];
        if strings {
            results.push(pointer);
        }
        let merged = self.hot_or_cold(
            direct,
            &results,
            |g, _| {
                let row = g.load_ctx(pointer, ROW_PTR_OFFSET);
                let (t, v) = g.row_value(row, present, at, codec, tags);
                let mut values = vec![t, v];
                if strings {
                    values.push(g.b.ins().iconst(pointer, 0));
                }
                Ok(values)
            },
            |g| {
                let value = g.profile_record_or_call(slot, tags)?;
                let mut values = vec![value.tag, value.bits];
                if strings {
                    values.push(match value.addr {
                        Some(Addr::Dynamic(at)) => at,
                        _ => g.b.ins().iconst(pointer, 0),
                    });
                }
                Ok(values)
            },
        )?;
        Ok(Val {
            tag: merged[0],
            bits: merged[1],
            tags,
            addr: merged.get(2).copied().map(Addr::Dynamic),
        })
    }

    /// `hot` when `direct` holds, else `cold` in a block marked cold (a call asking the
    /// environment); the values each gives, of the types `results`, meet in one block, whose
    /// parameters are returned. `hot` may also jump to the [`Fork`]'s blocks itself (with the
    /// results, or to the cold block without).
    fn hot_or_cold(
        &mut self,
        direct: ir::Value,
        results: &[ir::Type],
        hot: impl FnOnce(&mut Self, Fork) -> Result<Vec<ir::Value>, Refusal>,
        cold: impl FnOnce(&mut Self) -> Result<Vec<ir::Value>, Refusal>,
    ) -> Result<Vec<ir::Value>, Refusal> {
        let hot_block = self.b.create_block();
        let cold_block = self.b.create_block();
        let merge = self.b.create_block();
        let merged: Vec<ir::Value> = results
            .iter()
            .map(|&ty| self.b.append_block_param(merge, ty))
            .collect();
        self.b.ins().brif(direct, hot_block, &[], cold_block, &[]);

        self.b.switch_to_block(hot_block);
        self.b.seal_block(hot_block);
        let values = hot(
            self,
            Fork {
                merge,
                cold: cold_block,
            },
        )?;
        self.jump_with(merge, &values);

        self.b.switch_to_block(cold_block);
        self.b.seal_block(cold_block);
        self.b.set_cold_block(cold_block);
        let values = cold(self)?;
        self.jump_with(merge, &values);

        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        Ok(merged)
    }

    /// A jump to `block` with `values` as its arguments.
    fn jump_with(&mut self, block: ir::Block, values: &[ir::Value]) {
        let args: Vec<_> = values.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(block, &args);
    }

    /// Whether the environment lent a row at least `end` bytes long, as an `i8` 0 or 1 (the
    /// length of no row is 0).
    fn row_holds(&mut self, end: i64) -> ir::Value {
        let len = self.load_ctx(I64, ROW_LEN_OFFSET);
        self.b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, len, end - 1)
    }

    /// The tag and bits of a profile field (or a `last(E).f`) the row at `row` holds: missing
    /// when its present byte (at `present`) is 0, else the value stored at `at` as `codec`
    /// says, in the bits [`FnGen::load_value`] gives the same [`Value`] (a date's days
    /// sign-extended, an enum's variant zero-extended, a bool 0 or 1). A value of a tag outside
    /// `tags` reads as missing, as there. `row` must hold both (see [`ProfileInRow::end`] and
    /// [`HistoryInRow::end`]).
    fn row_value(
        &mut self,
        row: ir::Value,
        present: i32,
        at: i32,
        codec: Codec,
        tags: Tags,
    ) -> (ir::Value, ir::Value) {
        let t = codec_tag(codec);
        if t == tag::MISSING || !tags.has(t) {
            return (self.tag_const(tag::MISSING), self.i64_const(0));
        }
        let flags = MemFlagsData::trusted().with_endianness(ir::Endianness::Little);
        let byte = self.b.ins().load(I8, flags, row, present);
        let set = self.b.ins().icmp_imm_s(IntCC::NotEqual, byte, 0);
        let value = match codec {
            Codec::Date => self.b.ins().sload32(flags, row, at),
            Codec::Enum => self.b.ins().uload32(flags, row, at),
            Codec::Bool => {
                let stored = self.b.ins().load(I8, flags, row, at);
                let held = self.b.ins().icmp_imm_s(IntCC::NotEqual, stored, 0);
                self.b.ins().uextend(I64, held)
            }
            _ => self.b.ins().load(I64, flags, row, at),
        };
        let known = self.tag_const(t);
        let missing = self.tag_const(tag::MISSING);
        let zero = self.i64_const(0);
        let tag = self.b.ins().select(set, known, missing);
        let bits = self.b.ins().select(set, value, zero);
        (tag, bits)
    }

    /// Whether a profile field has a value (`is set`), as an `i8` 0 or 1: its present byte when
    /// the environment lent a row that holds it, else [`FnGen::profile_set_elsewhere`].
    fn profile_set(&mut self, slot: u32, present: i32, tags: Tags) -> Result<ir::Value, Refusal> {
        let pointer = self.unit.module.target_config().pointer_type();
        let direct = self.row_holds(i64::from(present) + 1);
        let merged = self.hot_or_cold(
            direct,
            &[I8],
            |g, _| {
                let row = g.load_ctx(pointer, ROW_PTR_OFFSET);
                let flags = MemFlagsData::trusted().with_endianness(ir::Endianness::Little);
                let byte = g.b.ins().load(I8, flags, row, present);
                Ok(vec![g.b.ins().icmp_imm_s(IntCC::NotEqual, byte, 0)])
            },
            |g| Ok(vec![g.profile_set_elsewhere(slot, tags)?]),
        )?;
        Ok(merged[0])
    }

    /// Whether a profile field has a value, without the row: from the tag of its slot in the
    /// profile record when the environment gave one that holds the slot (a tag outside `tags`
    /// is missing, as when the value is read), else [`Env::profile_is_set`] (a helper), which
    /// makes no string.
    ///
    /// [`Env::profile_is_set`]: journey_ir::eval::Env::profile_is_set
    fn profile_set_elsewhere(&mut self, slot: u32, tags: Tags) -> Result<ir::Value, Refusal> {
        let offset = i64::from(slot)
            .checked_mul(VALUE_SIZE)
            .filter(|o| o + VALUE_SIZE <= i64::from(i32::MAX))
            .and_then(|o| i32::try_from(o).ok());
        let Some(offset) = offset else {
            let id = self.u32_const(slot);
            let answer = self.call1(Helper::ProfileIsSet, &[id])?;
            return Ok(self.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 0));
        };
        let pointer = self.unit.module.target_config().pointer_type();
        let len = self.load_ctx(I64, PROFILE_LEN_OFFSET);
        let direct = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, len, i64::from(slot));
        let merged = self.hot_or_cold(
            direct,
            &[I8],
            |g, _| {
                let record = g.load_ctx(pointer, PROFILE_PTR_OFFSET);
                let raw = g.b.ins().load(I8, MemFlagsData::trusted(), record, offset);
                Ok(vec![g.known_tag(raw, tags)])
            },
            |g| {
                let id = g.u32_const(slot);
                let answer = g.call1(Helper::ProfileIsSet, &[id])?;
                Ok(vec![g.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 0)])
            },
        )?;
        Ok(merged[0])
    }

    /// A profile field from the profile record when the environment gave one that holds the
    /// slot, else asked of the environment.
    fn profile_record_or_call(&mut self, slot: u32, tags: Tags) -> Result<Val, Refusal> {
        let len = self.load_ctx(I64, PROFILE_LEN_OFFSET);
        let direct = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, len, i64::from(slot));
        let record = Record::At(self.ctx, PROFILE_PTR_OFFSET);
        self.direct_or_call(direct, record, PROFILE_BASE, slot, tags, |g| {
            let args = [g.u32_const(slot), g.u32_const(tags.0)];
            g.call_value(Helper::Profile, &args, tags)
        })
    }

    /// A load of a context field.
    fn load_ctx(&mut self, ty: ir::Type, offset: i32) -> ir::Value {
        self.b
            .ins()
            .load(ty, MemFlagsData::trusted(), self.ctx, offset)
    }

    /// When `direct` holds, the value of slot `slot` of the record whose pointer is at `record`
    /// (a string or list as the handle `base + slot`); otherwise what `call` gives. `direct`
    /// must imply that the record has the slot.
    fn direct_or_call(
        &mut self,
        direct: ir::Value,
        record: Record,
        base: u64,
        slot: u32,
        tags: Tags,
        call: impl FnOnce(&mut Self) -> Result<Val, Refusal>,
    ) -> Result<Val, Refusal> {
        let pointer = self.unit.module.target_config().pointer_type();
        // The slot's offset, when it fits an instruction's 32-bit offset (it always does for
        // records of fewer than 89 million fields).
        let offset = i64::from(slot)
            .checked_mul(VALUE_SIZE)
            .filter(|o| o + VALUE_SIZE <= i64::from(i32::MAX))
            .and_then(|o| i32::try_from(o).ok());
        let Some(offset) = offset else {
            return call(self);
        };
        let strings = tags.has(tag::STR);
        let mut results = vec![I8, I64];
        if strings {
            results.push(pointer);
        }
        let merged = self.hot_or_cold(
            direct,
            &results,
            |g, _| {
                let Record::At(holder, ptr_offset) = record;
                let record =
                    g.b.ins()
                        .load(pointer, MemFlagsData::trusted(), holder, ptr_offset);
                let (t, v) = g.load_value(record, offset, base + u64::from(slot), tags);
                let mut values = vec![t, v];
                if strings {
                    values.push(g.b.ins().iadd_imm_s(record, i64::from(offset)));
                }
                Ok(values)
            },
            |g| {
                let value = call(g)?;
                let mut values = vec![value.tag, value.bits];
                if strings {
                    values.push(g.b.ins().iconst(pointer, 0));
                }
                Ok(values)
            },
        )?;
        Ok(Val {
            tag: merged[0],
            bits: merged[1],
            tags,
            addr: merged.get(2).copied().map(Addr::Dynamic),
        })
    }

    /// The tag and bits of the [`Value`] at `record + offset`: its tag byte and payload, per the
    /// layout `journey_ir::eval::Value` fixes (a one-byte tag at offset 0 in the order of
    /// [`tag`], the payload at offset 8). A tag outside `tags` reads as missing, as a value of
    /// the wrong kind does from a helper; a string or list is the `handle`. Only the payload
    /// widths `tags` allows are loaded, all within the value's 24 bytes.
    fn load_value(
        &mut self,
        record: ir::Value,
        offset: i32,
        handle: u64,
        tags: Tags,
    ) -> (ir::Value, ir::Value) {
        let flags = MemFlagsData::trusted();
        let raw = self.b.ins().load(I8, flags, record, offset);
        let known = self.known_tag(raw, tags);
        let zero8 = self.tag_const(tag::MISSING);
        let tag = self.b.ins().select(known, raw, zero8);
        let payload = offset + PAYLOAD;
        // One load per payload width the tags allow, and the tags that use it.
        let mut widths: Vec<(ir::Value, Vec<u8>)> = Vec::new();
        let words: Vec<u8> = [tag::INT, tag::FLOAT, tag::DURATION, tag::TIME]
            .into_iter()
            .filter(|t| tags.has(*t))
            .collect();
        if !words.is_empty() {
            let word = self.b.ins().load(I64, flags, record, payload);
            widths.push((word, words));
        }
        if tags.has(tag::BOOL) {
            let byte = self.b.ins().uload8(I64, flags, record, payload);
            widths.push((byte, vec![tag::BOOL]));
        }
        if tags.has(tag::DATE) {
            let days = self.b.ins().sload32(flags, record, payload);
            widths.push((days, vec![tag::DATE]));
        }
        if tags.has(tag::ENUM) {
            let variant = self.b.ins().uload32(flags, record, payload);
            widths.push((variant, vec![tag::ENUM]));
        }
        let handles: Vec<u8> = [tag::STR, tag::LIST]
            .into_iter()
            .filter(|t| tags.has(*t))
            .collect();
        if !handles.is_empty() {
            let handle = self.i64_const(handle as i64);
            widths.push((handle, handles));
        }
        let mut bits = self.i64_const(0);
        if let [(only, _)] = widths.as_slice() {
            return (tag, self.b.ins().select(known, *only, bits));
        }
        for (value, kinds) in widths.into_iter().rev() {
            let mut cond = None;
            for t in kinds {
                let is = self.b.ins().icmp_imm_s(IntCC::Equal, tag, i64::from(t));
                cond = Some(match cond {
                    Some(c) => self.b.ins().bor(c, is),
                    None => is,
                });
            }
            if let Some(cond) = cond {
                bits = self.b.ins().select(cond, value, bits);
            }
        }
        (tag, bits)
    }

    /// Whether a [`Value`]'s tag byte is one of `tags` (a `Value`'s tag is 0 to 9; `tags` never
    /// holds missing), as an `i8` 0 or 1.
    fn known_tag(&mut self, raw: ir::Value, tags: Tags) -> ir::Value {
        if tags.0.count_ones() == 1 {
            self.b
                .ins()
                .icmp_imm_s(IntCC::Equal, raw, i64::from(tags.0.trailing_zeros()))
        } else {
            let index = self.b.ins().uextend(I32, raw);
            let set = self.b.ins().iconst(I32, i64::from(tags.0));
            let shifted = self.b.ins().ushr(set, index);
            let bit = self.b.ins().band_imm_s(shifted, 1);
            self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0)
        }
    }

    /// A field of a binding: loaded from the binding's record when the environment gave one
    /// (for the bindings `0..BINDING_RECORDS`) that holds the slot, else asked of the
    /// environment.
    fn binding_field(
        &mut self,
        binding: u32,
        event: u32,
        slot: u32,
        tags: Tags,
    ) -> Result<Val, Refusal> {
        let call = |g: &mut Self| {
            let args = [
                g.u32_const(binding),
                g.u32_const(event),
                g.u32_const(slot),
                g.u32_const(tags.0),
            ];
            g.call_value(Helper::BindingField, &args, tags)
        };
        self.binding_direct_or(binding, slot, tags, call)
    }

    /// When the context holds a record of `binding` (one of the first [`BINDING_RECORDS`]) with
    /// slot `slot`, the value there (a string or list as its in-place handle); otherwise what
    /// `otherwise` gives (also when the binding has no place in the context).
    fn binding_direct_or(
        &mut self,
        binding: u32,
        slot: u32,
        tags: Tags,
        otherwise: impl FnOnce(&mut Self) -> Result<Val, Refusal>,
    ) -> Result<Val, Refusal> {
        let Some(b) = usize::try_from(binding)
            .ok()
            .filter(|b| *b < BINDING_RECORDS)
        else {
            return otherwise(self);
        };
        // `b < BINDING_RECORDS`: these offsets are those of `len[b]` and `ptr[b]` in the table.
        let len_offset = BINDING_LEN_OFFSET + 8 * b as i32;
        let ptr_offset = BINDING_PTR_OFFSET + POINTER_SIZE * b as i32;
        let pointer = self.unit.module.target_config().pointer_type();
        let table = self.load_ctx(pointer, BINDING_TABLE_OFFSET);
        let flags = MemFlagsData::trusted();
        let len = self.b.ins().load(I64, flags, table, len_offset);
        let direct = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, len, i64::from(slot));
        let base = BINDING_RECORD_BASE + ((b as u64) << 32);
        self.direct_or_call(
            direct,
            Record::At(table, ptr_offset),
            base,
            slot,
            tags,
            otherwise,
        )
    }

    /// A history aggregate: one the layout keeps in the contact's row is loaded from there
    /// when the environment lent a row that holds it ([`FnGen::history_in_row`]); otherwise it
    /// is asked of the environment.
    fn history(&mut self, history: u32, tags: Tags) -> Result<Val, Refusal> {
        match HistoryInRow::of(&self.unit.layout, history) {
            Some(place) => self.history_in_row(history, place, tags),
            None => self.history_call(history, tags),
        }
    }

    /// A history aggregate asked of the environment ([`Env::history`], a helper).
    ///
    /// [`Env::history`]: journey_ir::eval::Env::history
    fn history_call(&mut self, history: u32, tags: Tags) -> Result<Val, Refusal> {
        let args = [self.u32_const(history), self.u32_const(tags.0)];
        self.call_value(Helper::History, &args, tags)
    }

    /// A history aggregate the row holds at `place`, with the tag and bits of the [`Value`] the
    /// runtime's `Env::history` reads from the same row (a value of a tag outside `tags` reads
    /// as missing, as from the helper):
    /// - `count(E)`: the `i64` there, an `int`;
    /// - `since(E)`: missing for no event (the instant `i32::MIN`), else the `duration`
    ///   `now - instant`, saturating, `now` asked of the environment as for `now`; an instant
    ///   kept aside (`INSTANT_ASIDE`) is not in the row: the environment answers instead;
    /// - `last(E).f`: missing for no event or an event without the field (its present byte 0),
    ///   else the value stored as the codec says, as [`FnGen::row_value`] reads a profile
    ///   field's (the event's time, kept aside or not, is not needed).
    ///
    /// When the environment lent no row, or one too short for any of these bytes, the
    /// environment answers.
    fn history_in_row(
        &mut self,
        history: u32,
        place: HistoryInRow,
        tags: Tags,
    ) -> Result<Val, Refusal> {
        let direct = self.row_holds(place.end());
        let merged = self.hot_or_cold(
            direct,
            &[I8, I64],
            |g, fork| g.history_from_row(place, tags, fork),
            |g| {
                let value = g.history_call(history, tags)?;
                Ok(vec![value.tag, value.bits])
            },
        )?;
        Ok(Val {
            tag: merged[0],
            bits: merged[1],
            tags,
            addr: None,
        })
    }

    /// The hot path of [`FnGen::history_in_row`]: the tag and bits of the aggregate read from
    /// the row (jumping to `fork.cold` for an instant kept aside, and to `fork.merge` for a
    /// `since` with no event).
    fn history_from_row(
        &mut self,
        place: HistoryInRow,
        tags: Tags,
        fork: Fork,
    ) -> Result<Vec<ir::Value>, Refusal> {
        let pointer = self.unit.module.target_config().pointer_type();
        let flags = MemFlagsData::trusted().with_endianness(ir::Endianness::Little);
        let (t, v) = match place {
            // A value of a tag the expression cannot have: missing, as from the helper.
            _ if !tags.has(place.tag()) => (self.tag_const(tag::MISSING), self.i64_const(0)),
            HistoryInRow::Count(count) => {
                let row = self.load_ctx(pointer, ROW_PTR_OFFSET);
                let value = self.b.ins().load(I64, flags, row, count);
                (self.tag_const(tag::INT), value)
            }
            HistoryInRow::Since(at) => {
                let row = self.load_ctx(pointer, ROW_PTR_OFFSET);
                let offset = self.b.ins().load(I32, flags, row, at);
                // No event: missing.
                let none = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, offset, i64::from(i32::MIN));
                let check_block = self.b.create_block();
                let since_block = self.b.create_block();
                let missing = self.tag_const(tag::MISSING);
                let zero = self.i64_const(0);
                self.b.ins().brif(
                    none,
                    fork.merge,
                    &[missing.into(), zero.into()],
                    check_block,
                    &[],
                );
                self.b.switch_to_block(check_block);
                self.b.seal_block(check_block);
                // Kept aside: the environment answers.
                let aside = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, offset, i64::from(INSTANT_ASIDE));
                self.b.ins().brif(aside, fork.cold, &[], since_block, &[]);
                self.b.switch_to_block(since_block);
                self.b.seal_block(since_block);
                let offset = self.b.ins().sextend(I64, offset);
                let instant = self.b.ins().iadd_imm_s(offset, INSTANT_BASE);
                let now = self.call1(Helper::Now, &[])?;
                let since = self.sat_sub(now, instant);
                (self.tag_const(tag::DURATION), since)
            }
            HistoryInRow::Last {
                at,
                present,
                value,
                codec,
            } => {
                let row = self.load_ctx(pointer, ROW_PTR_OFFSET);
                let (t, v) = self.row_value(row, present, value, codec, tags);
                // No event yet: missing, whatever the present byte says.
                let offset = self.b.ins().load(I32, flags, row, at);
                let none = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, offset, i64::from(i32::MIN));
                let missing = self.tag_const(tag::MISSING);
                let zero = self.i64_const(0);
                let t = self.b.ins().select(none, missing, t);
                let v = self.b.ins().select(none, zero, v);
                (t, v)
            }
        };
        Ok(vec![t, v])
    }

    /// A score: its event points from the environment, plus the points of each `while` rule
    /// whose condition holds (saturating, in order), as the interpreter adds them.
    fn score(&mut self, score: ScoreId, d: usize) -> Result<Val, Refusal> {
        let mut points = self.score_points(score)?;
        let program = self.unit.program;
        if let Some(definition) = program.scores.get(score.index()) {
            for rule in &definition.while_rules {
                let condition = self.definition(rule.condition, d)?;
                let holds = self.truthy(condition);
                let more = self.i64_const(rule.points);
                let sum = self.sat_add(points, more);
                points = self.b.ins().select(holds, sum, points);
            }
        }
        Ok(Val {
            tag: self.tag_const(tag::INT),
            bits: points,
            tags: Tags::one(tag::INT),
            addr: None,
        })
    }

    /// A score's event points: loaded from the contact's row at the layout's offset when the
    /// environment gave a row that holds it, else asked of the environment.
    fn score_points(&mut self, score: ScoreId) -> Result<ir::Value, Refusal> {
        let offset = self
            .unit
            .layout
            .scores
            .get(score.index())
            .and_then(|at| i32::try_from(at.points).ok());
        let Some(offset) = offset else {
            let id = self.u32_const(score.0);
            return self.call1(Helper::ScorePoints, &[id]);
        };
        let pointer = self.unit.module.target_config().pointer_type();
        let direct = self.row_holds(i64::from(offset) + 8);
        let merged = self.hot_or_cold(
            direct,
            &[I64],
            |g, _| {
                let row = g.load_ctx(pointer, ROW_PTR_OFFSET);
                let flags = MemFlagsData::trusted().with_endianness(ir::Endianness::Little);
                Ok(vec![g.b.ins().load(I64, flags, row, offset)])
            },
            |g| {
                let id = g.u32_const(score.0);
                Ok(vec![g.call1(Helper::ScorePoints, &[id])?])
            },
        )?;
        Ok(merged[0])
    }

    /// A segment: whether its condition holds (false for a segment that does not exist).
    fn segment(&mut self, segment: SegmentId, d: usize) -> Result<Val, Refusal> {
        let program = self.unit.program;
        let Some(definition) = program.segments.get(segment.index()) else {
            return Ok(self.scalar(tag::BOOL, 0));
        };
        let condition = self.definition(definition.condition, d)?;
        let holds = self.truthy(condition);
        Ok(self.boolean(holds))
    }

    fn now(&mut self) -> Result<Val, Refusal> {
        let bits = self.call1(Helper::Now, &[])?;
        Ok(Val {
            tag: self.tag_const(tag::TIME),
            bits,
            tags: Tags::one(tag::TIME),
            addr: None,
        })
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

    // Each operator has a function of its own, so that the recursion through `node` keeps
    // small stack frames (deep trees are compiled recursively, also in debug builds).

    fn not(&mut self, x: ExprId, d: usize) -> Result<Val, Refusal> {
        let v = self.child(x, d)?;
        let is_bool = self.is(v, tag::BOOL);
        let flipped = self.b.ins().bxor_imm_s(v.bits, 1);
        Ok(self.pick(&[(is_bool, tag::BOOL, flipped)], Tags::one(tag::BOOL)))
    }

    fn is_set(&mut self, x: ExprId, negated: bool, d: usize) -> Result<Val, Refusal> {
        // `profile.f is set` asks whether the field has a value, not what it is (as the
        // interpreter, through `Env::profile_is_set`): its present byte in the row, a string
        // never made.
        let program = self.unit.program;
        if let Some(ExprKind::Profile(slot)) = program.exprs.get(x.index()).map(|e| &e.kind) {
            if let Some(place) = ProfileInRow::of(&self.unit.layout, slot.0) {
                let tags = self.tags_of(x);
                let set = self.profile_set(slot.0, place.present, tags)?;
                let held = if negated {
                    self.b.ins().bxor_imm_s(set, 1)
                } else {
                    set
                };
                return Ok(self.boolean(held));
            }
        }
        let v = self.child(x, d)?;
        let cc = if negated {
            IntCC::Equal
        } else {
            IntCC::NotEqual
        };
        let held = self.b.ins().icmp_imm_s(cc, v.tag, i64::from(tag::MISSING));
        Ok(self.boolean(held))
    }

    fn compare(&mut self, op: CompareOp, a: ExprId, b: ExprId, d: usize) -> Result<Val, Refusal> {
        // `==` and `!=` on strings or lists are the helper's whole answer (see `equal`).
        let (ta, tb) = (self.tags_of(a), self.tags_of(b));
        let both = |t: u8| ta.has(t) && tb.has(t);
        let helper =
            matches!(op, CompareOp::Eq | CompareOp::Ne) && (both(tag::STR) || both(tag::LIST));
        let a = self.helper_operand(a, helper, d)?;
        let b = self.helper_operand(b, helper, d)?;
        let result = match op {
            CompareOp::Eq => self.equal(a, b)?,
            CompareOp::Ne => {
                let eq = self.equal(a, b)?;
                self.b.ins().bxor_imm_s(eq, 1)
            }
            _ => self.order(op, a, b)?,
        };
        Ok(self.boolean(result))
    }

    fn neg(&mut self, x: ExprId, d: usize) -> Result<Val, Refusal> {
        let v = self.child(x, d)?;
        let mut cases = Vec::new();
        if v.tags.has(tag::INT) || v.tags.has(tag::DURATION) {
            let negated = self.sat_neg(v.bits);
            for t in [tag::INT, tag::DURATION] {
                if v.tags.has(t) {
                    let cond = self.is(v, t);
                    cases.push((cond, t, negated));
                }
            }
        }
        if v.tags.has(tag::FLOAT) {
            let cond = self.is(v, tag::FLOAT);
            let flipped = self.b.ins().bxor_imm_s(v.bits, i64::MIN);
            cases.push((cond, tag::FLOAT, flipped));
        }
        Ok(self.pick(&cases, neg_tags(v.tags)))
    }

    fn and_or(&mut self, a: ExprId, b: ExprId, and: bool, d: usize) -> Result<Val, Refusal> {
        let left = self.child(a, d)?;
        let held = self.truthy(left);
        let right_block = self.b.create_block();
        let merge = self.b.create_block();
        let result = self.b.append_block_param(merge, I8);
        if and {
            let no = self.b.ins().iconst(I8, 0);
            self.b
                .ins()
                .brif(held, right_block, &[], merge, &[no.into()]);
        } else {
            let yes = self.b.ins().iconst(I8, 1);
            self.b
                .ins()
                .brif(held, merge, &[yes.into()], right_block, &[]);
        }
        self.b.switch_to_block(right_block);
        self.b.seal_block(right_block);
        let right = self.child(b, d)?;
        let held = self.truthy(right);
        self.b.ins().jump(merge, &[held.into()]);
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        Ok(self.boolean(result))
    }

    fn coalesce(&mut self, a: ExprId, b: ExprId, d: usize) -> Result<Val, Refusal> {
        let left = self.child(a, d)?;
        let missing = self.is(left, tag::MISSING);
        let right_block = self.b.create_block();
        let merge = self.b.create_block();
        let tag = self.b.append_block_param(merge, I8);
        let bits = self.b.append_block_param(merge, I64);
        self.b.ins().brif(
            missing,
            right_block,
            &[],
            merge,
            &[left.tag.into(), left.bits.into()],
        );
        self.b.switch_to_block(right_block);
        self.b.seal_block(right_block);
        let right = self.child(b, d)?;
        self.b
            .ins()
            .jump(merge, &[right.tag.into(), right.bits.into()]);
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        Ok(Val {
            tag,
            bits,
            tags: left.tags.union(right.tags),
            addr: None,
        })
    }

    /// A helper answering 0, 1 or 2 (missing).
    fn tri(&mut self, helper: Helper, a: ExprId, b: ExprId, d: usize) -> Result<Val, Refusal> {
        let a = self.helper_operand(a, true, d)?;
        let b = self.helper_operand(b, true, d)?;
        let args = self.operands(a, b);
        let answer = self.call1(helper, &args)?;
        let known = self.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 2);
        let bits = self.b.ins().uextend(I64, answer);
        Ok(self.pick(&[(known, tag::BOOL, bits)], Tags::one(tag::BOOL)))
    }

    fn list(&mut self, items: &[ExprId], d: usize) -> Result<Val, Refusal> {
        if let Some(constant) = items
            .iter()
            .map(|i| self.constant_value(*i, d))
            .collect::<Option<Vec<Value>>>()
        {
            let handle = self.unit.constants.push(Value::List(constant.into()));
            return Ok(self.scalar(tag::LIST, handle as i64));
        }
        for item in items {
            let v = self.child(*item, d)?;
            let t = self.b.ins().uextend(I32, v.tag);
            self.call(Helper::ListPush, &[t, v.bits]);
        }
        let count = self.i64_const(items.len() as i64);
        self.call_value(Helper::ListFinish, &[count], Tags::one(tag::LIST))
    }

    // ---- comparisons ----------------------------------------------------------------------------

    /// `a == b` as an `i8` 0 or 1: missing equals only missing, `int` and `float` compare as
    /// numbers, strings and lists by content (a helper).
    fn equal(&mut self, a: Val, b: Val) -> Result<ir::Value, Refusal> {
        let both = |t: u8| a.tags.has(t) && b.tags.has(t);
        if both(tag::STR) || both(tag::LIST) {
            if let (true, Some(x), Some(y)) = (both(tag::STR), a.addr, b.addr) {
                return self.string_equal(a, x, b, y);
            }
            let args = self.operands(a, b);
            let answer = self.call1(Helper::Equal, &args)?;
            return Ok(self.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 0));
        }
        // Same tag and same bits: right for every scalar but `float` (missing has bits 0).
        let same_tag = self.b.ins().icmp(IntCC::Equal, a.tag, b.tag);
        let same_bits = self.b.ins().icmp(IntCC::Equal, a.bits, b.bits);
        let same = self.b.ins().band(same_tag, same_bits);
        if !may_be_mixed(a.tags, b.tags) {
            return Ok(same);
        }
        let mixed = self.is_mixed(a, b);
        let fa = self.as_f64(a);
        let fb = self.as_f64(b);
        let numeric = self.b.ins().fcmp(FloatCC::Equal, fa, fb);
        Ok(self.b.ins().select(mixed, numeric, same))
    }

    /// `a == b` where both may be strings whose values are in memory: when both are strings
    /// and their `Arc`s (the 16 payload bytes) are bit for bit the same, they are one
    /// allocation of one length, hence equal, without a call (an input string interned
    /// against a literal is the literal's `Arc`); when the word that holds the length is known
    /// and the lengths differ, they differ, without a call either; otherwise the helper decides
    /// (it compares lengths, pointers, then bytes).
    fn string_equal(&mut self, a: Val, x: Addr, b: Val, y: Addr) -> Result<ir::Value, Refusal> {
        let mut cond = self.both(a, tag::STR, b, tag::STR);
        let mut addrs = [x, y].map(|_| self.ctx);
        for (i, at) in [x, y].into_iter().enumerate() {
            addrs[i] = match at {
                Addr::Dynamic(at) => {
                    let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, at, 0);
                    cond = self.b.ins().band(cond, present);
                    at
                }
                Addr::Const(index) => {
                    let pointer = self.unit.module.target_config().pointer_type();
                    let table = self.load_ctx(pointer, CONSTS_PTR_OFFSET);
                    let offset = i64::from(index) * VALUE_SIZE;
                    self.b.ins().iadd_imm_s(table, offset)
                }
            };
        }
        let compare_block = self.b.create_block();
        let call_block = self.b.create_block();
        let merge = self.b.create_block();
        let result = self.b.append_block_param(merge, I8);
        self.b.ins().brif(cond, compare_block, &[], call_block, &[]);

        self.b.switch_to_block(compare_block);
        self.b.seal_block(compare_block);
        let flags = MemFlagsData::trusted();
        let mut words = [PAYLOAD, PAYLOAD + 8].map(|offset| {
            let wa = self.b.ins().load(I64, flags, addrs[0], offset);
            let wb = self.b.ins().load(I64, flags, addrs[1], offset);
            self.b.ins().icmp(IntCC::Equal, wa, wb)
        });
        let yes = self.b.ins().iconst(I8, 1);
        if let Some(length) = self.unit.length_word {
            // Strings of different lengths differ: no call either.
            let other_block = self.b.create_block();
            let no = self.b.ins().iconst(I8, 0);
            let same_length = words[usize::from(length & 1)];
            words.swap(0, usize::from(length & 1));
            self.b
                .ins()
                .brif(same_length, other_block, &[], merge, &[no.into()]);
            self.b.switch_to_block(other_block);
            self.b.seal_block(other_block);
            self.b
                .ins()
                .brif(words[1], merge, &[yes.into()], call_block, &[]);
        } else {
            let same = self.b.ins().band(words[0], words[1]);
            self.b
                .ins()
                .brif(same, merge, &[yes.into()], call_block, &[]);
        }

        self.b.switch_to_block(call_block);
        self.b.seal_block(call_block);
        let args = self.operands(a, b);
        let answer = self.call1(Helper::Equal, &args)?;
        let held = self.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 0);
        self.b.ins().jump(merge, &[held.into()]);

        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        Ok(result)
    }

    /// `<`, `<=`, `>`, `>=` as an `i8` 0 or 1; false for operands without an order (NaN,
    /// missing).
    fn order(&mut self, op: CompareOp, a: Val, b: Val) -> Result<ir::Value, Refusal> {
        let (icc, fcc) = match op {
            CompareOp::Lt => (IntCC::SignedLessThan, FloatCC::LessThan),
            CompareOp::Le => (IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual),
            CompareOp::Gt => (IntCC::SignedGreaterThan, FloatCC::GreaterThan),
            _ => (IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual),
        };
        let both = |t: u8| a.tags.has(t) && b.tags.has(t);
        let mut cases: Vec<(ir::Value, ir::Value)> = Vec::new();
        let mut int_cmp = None;
        for t in [tag::INT, tag::DURATION, tag::TIME, tag::DATE] {
            if both(t) {
                let cond = self.both(a, t, b, t);
                let result = *int_cmp.get_or_insert_with(|| self.b.ins().icmp(icc, a.bits, b.bits));
                cases.push((cond, result));
            }
        }
        if may_be_mixed(a.tags, b.tags) {
            let cond = self.is_mixed(a, b);
            let fa = self.as_f64(a);
            let fb = self.as_f64(b);
            let result = self.b.ins().fcmp(fcc, fa, fb);
            cases.push((cond, result));
        }
        if both(tag::STR) {
            let args = self.operands(a, b);
            let ordering = self.call1(Helper::StrOrder, &args)?;
            // -1, 0, 1, or 2 when there is no order.
            let result = match op {
                CompareOp::Lt => self.b.ins().icmp_imm_s(IntCC::Equal, ordering, -1),
                CompareOp::Le => self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedLessThanOrEqual, ordering, 0),
                CompareOp::Gt => self.b.ins().icmp_imm_s(IntCC::Equal, ordering, 1),
                _ => self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, ordering, 1),
            };
            let cond = self.both(a, tag::STR, b, tag::STR);
            cases.push((cond, result));
        }
        let mut result = self.b.ins().iconst(I8, 0);
        for (cond, value) in cases.into_iter().rev() {
            result = self.b.ins().select(cond, value, result);
        }
        Ok(result)
    }

    // ---- arithmetic -----------------------------------------------------------------------------

    fn arith(&mut self, op: ArithOp, a: ExprId, b: ExprId, d: usize) -> Result<Val, Refusal> {
        let a = self.child(a, d)?;
        let b = self.child(b, d)?;
        let mut cases: Vec<Case> = Vec::new();
        if a.tags.has(tag::INT) && b.tags.has(tag::INT) {
            let cond = self.both(a, tag::INT, b, tag::INT);
            let value = self.int_op(op, a.bits, b.bits);
            cases.push((cond, tag::INT, value));
        }
        if may_be_mixed(a.tags, b.tags) {
            let cond = self.is_mixed(a, b);
            let fa = self.as_f64(a);
            let fb = self.as_f64(b);
            let f = match op {
                ArithOp::Add => self.b.ins().fadd(fa, fb),
                ArithOp::Sub => self.b.ins().fsub(fa, fb),
                ArithOp::Mul => self.b.ins().fmul(fa, fb),
                ArithOp::Div => self.b.ins().fdiv(fa, fb),
            };
            let value = self.b.ins().bitcast(I64, MemFlagsData::new(), f);
            cases.push((cond, tag::FLOAT, value));
        }
        for &(x, y, result) in arith_table(op) {
            if !(a.tags.has(x) && b.tags.has(y)) {
                continue;
            }
            let cond = self.both(a, x, b, y);
            let value = if result == tag::STR {
                let args = self.operands(a, b);
                self.call_value(Helper::Concat, &args, Tags::one(tag::STR))?
                    .bits
            } else {
                self.int_op(op, a.bits, b.bits)
            };
            cases.push((cond, result, value));
        }
        Ok(self.pick(&cases, arith_tags(op, a.tags, b.tags)))
    }

    /// `int` arithmetic (also on durations and times): saturating, `x / 0` is 0.
    fn int_op(&mut self, op: ArithOp, x: ir::Value, y: ir::Value) -> ir::Value {
        match op {
            ArithOp::Add => self.sat_add(x, y),
            ArithOp::Sub => self.sat_sub(x, y),
            ArithOp::Mul => self.sat_mul(x, y),
            ArithOp::Div => self.divide(x, y),
        }
    }

    /// The limit a saturating operation stops at: `i64::MAX` for a `sign` word of 0, `i64::MIN`
    /// for -1 (all ones).
    fn limit(&mut self, sign: ir::Value) -> ir::Value {
        self.b.ins().bxor_imm_s(sign, i64::MAX)
    }

    fn sat_add(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let sum = self.b.ins().iadd(x, y);
        // Overflow iff both operands' signs differ from the sum's.
        let xs = self.b.ins().bxor(x, sum);
        let ys = self.b.ins().bxor(y, sum);
        let both = self.b.ins().band(xs, ys);
        let overflow = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, both, 0);
        let sign = self.b.ins().sshr_imm_s(x, 63);
        let limit = self.limit(sign);
        self.b.ins().select(overflow, limit, sum)
    }

    fn sat_sub(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let difference = self.b.ins().isub(x, y);
        // Overflow iff the operands' signs differ and the result's sign differs from x's.
        let xy = self.b.ins().bxor(x, y);
        let xd = self.b.ins().bxor(x, difference);
        let both = self.b.ins().band(xy, xd);
        let overflow = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, both, 0);
        let sign = self.b.ins().sshr_imm_s(x, 63);
        let limit = self.limit(sign);
        self.b.ins().select(overflow, limit, difference)
    }

    fn sat_mul(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let low = self.b.ins().imul(x, y);
        let high = self.b.ins().smulhi(x, y);
        // Overflow iff the high word is not the sign extension of the low one.
        let extension = self.b.ins().sshr_imm_s(low, 63);
        let overflow = self.b.ins().icmp(IntCC::NotEqual, high, extension);
        let signs = self.b.ins().bxor(x, y);
        let sign = self.b.ins().sshr_imm_s(signs, 63);
        let limit = self.limit(sign);
        self.b.ins().select(overflow, limit, low)
    }

    fn sat_neg(&mut self, x: ir::Value) -> ir::Value {
        let negated = self.b.ins().ineg(x);
        let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
        let max = self.i64_const(i64::MAX);
        self.b.ins().select(is_min, max, negated)
    }

    /// `x / y` truncating: 0 when `y` is 0, `i64::MAX` for `i64::MIN / -1`; never traps.
    fn divide(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        let x_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
        let y_minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
        let overflow = self.b.ins().band(x_min, y_minus_one);
        let bad = self.b.ins().bor(zero, overflow);
        let one = self.i64_const(1);
        let divisor = self.b.ins().select(bad, one, y);
        let quotient = self.b.ins().sdiv(x, divisor);
        let max = self.i64_const(i64::MAX);
        let saturated = self.b.ins().select(overflow, max, quotient);
        let nothing = self.i64_const(0);
        self.b.ins().select(zero, nothing, saturated)
    }
}
