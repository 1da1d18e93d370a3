//! The Cranelift backend: compiles the expressions of a lowered [`Program`] into native functions
//! and evaluates them through the same [`Evaluator`] interface as the reference
//! [`journey_ir::eval::Interpreter`], with which it agrees on every expression and every input
//! (`tests/differential.rs` checks it on random expressions and inputs).
//!
//! [`compile`] builds one `JITModule` per program, in which every expression of the arena has
//! native code. A *root* with operands (an expression no other one contains: a condition, a
//! score rule's filter, a payload value, ...) gets a function of its own with its whole tree
//! inlined: the engine's fast path. Every other expression (inner ones, and roots that are a
//! constant or a single read) is a member of a *group* function, which computes member `i` by a
//! switch, calling the code of its children; so any [`ExprId`] can be evaluated while the
//! generated code stays linear in the size of the program and the number of functions small. All
//! functions are declared, then defined, then finalized once. A [`JitProgram`] owns the module
//! and frees its memory when dropped. A program that cannot be compiled is a [`JitError`] naming
//! the expression (never a panic, never a silent fallback to the interpreter).
//!
//! Each value in compiled code carries a tag, and the generator knows, for every expression, the
//! set of tags it can have (from the slots' static types and the constants, through the
//! operators): an operator emits the interpreter's rule for each possible pair of operand tags
//! and selects among them, missing when none applies. A value the environment returns outside its
//! slot's static type (which a checked program and a conforming runtime never produce) is read
//! as missing. Lowering widens an `int` that is stored as a `float` (reference §8), so a `float`
//! slot holds a float in a conforming runtime; an `int` found there anyway is kept an `int`, as
//! the interpreter does.
//!
//! # The ABI
//!
//! An expression's own function is `extern "C" fn(ctx: *mut Ctx) -> u32`, a group function
//! `extern "C" fn(ctx: *mut Ctx, member: u32) -> u32`, both in the host's C calling convention.
//! `Ctx` is a `#[repr(C)]` per-call context whose first field, `ret: u64`, is at offset 0. A
//! value is a pair: a tag (`u8`: missing, bool, int, float, string, duration, time, date, enum,
//! list) and 64 bits (the integer, the IEEE bits of a float, 0/1 for a bool, days for a date, the
//! variant for an enum, 0 for missing). A function returns the tag and leaves the bits in
//! `ctx.ret`. Strings and lists are *handles*: an index into the call's scratch vector of
//! [`Value`]s, or (from `1 << 32` on) into the program's table of constants.
//!
//! Compiled code computes scalars natively (tags and missing values, saturating `int` and
//! `duration`/`time` arithmetic, `int / 0`, IEEE floats and `int` → `float` widening,
//! comparisons, `and`/`or`/`??` with branches, `is set`, `not`, `-`). It calls nothing but a fixed
//! table of `extern "C"` helpers, linked by name with `JITBuilder::symbol`: the leaf reads (event
//! field, binding field, profile, score, segment, history, now), which go to the [`Env`], and the
//! string and list operations (`==` and ordering on strings, `+` on strings, `in`, `contains`,
//! `starts_with`, `ends_with`, list literals). Every helper takes the context pointer first; the
//! context holds the `&dyn Env` (a reference stored in a field, never a transmuted fat pointer).
//!
//! # Why it is sound
//!
//! `unsafe` appears in two places, each with its argument beside it: turning a finalized
//! function's address into a (safe) function pointer, and freeing the module's memory.
//! - The address comes from `get_finalized_function` for a local function of the module whose
//!   declared signature is checked to be exactly that of the pointer type (a pointer, for a group
//!   also a `u32`, and an `i32` result, in the ISA's default call convention, which is the host's
//!   C convention).
//! - Calling it is then an ordinary call that passes a live, exclusively borrowed `Ctx`. Compiled
//!   code calls nothing but the module's own functions and the helpers; it only loads and stores
//!   `ctx.ret` and passes the pointer on to the helpers, which receive it
//!   as `&mut Ctx`; no helper runs while another holds it, and compiled code holds no Rust
//!   reference across a call. Helpers check every handle and tag they are given (a bad one reads
//!   as missing), so even a code generation bug cannot make them read out of bounds. Integer
//!   division is guarded so that it never traps. Helpers never unwind: each runs under
//!   `catch_unwind`, parks a panic in the context, and [`JitProgram`]'s `eval` resumes it once
//!   the compiled code has returned.
//! - The memory is freed in `Drop`, when no `&JitProgram` (hence no running function and no
//!   function pointer in use) can exist; the pointers never leave the `JitProgram`.

mod abi;
mod codegen;

use std::cell::RefCell;
use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use journey_ir::eval::{Env, Evaluator, Value};
use journey_ir::{ExprId, Program};

use crate::abi::{Ctx, HELPERS};
use crate::codegen::{Constants, FnGen, Place, Unit};

/// Why a program could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitError {
    /// The expression, when the problem is one expression's.
    pub expr: Option<ExprId>,
    /// What went wrong.
    pub reason: String,
}

impl JitError {
    fn program(reason: impl fmt::Display) -> JitError {
        JitError {
            expr: None,
            reason: reason.to_string(),
        }
    }

    fn expr(expr: ExprId, reason: impl fmt::Display) -> JitError {
        JitError {
            expr: Some(expr),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expr {
            Some(expr) => write!(
                f,
                "cannot compile expression {} to native code: {}",
                expr.0, self.reason
            ),
            None => write!(
                f,
                "cannot compile the program to native code: {}",
                self.reason
            ),
        }
    }
}

impl std::error::Error for JitError {}

/// The function of one expression (see the ABI in the crate documentation).
type OwnFn = for<'a, 'b> extern "C" fn(&'a mut Ctx<'b>) -> u32;

/// A group function: the same, for the member with this number.
type GroupFn = for<'a, 'b> extern "C" fn(&'a mut Ctx<'b>, u32) -> u32;

/// How to run an expression's code.
#[derive(Clone, Copy)]
enum Entry {
    /// Its own function.
    Own(OwnFn),
    /// A member of a group.
    Member(GroupFn, u32),
}

/// A program's expressions compiled to native code; evaluates them through [`Evaluator`].
pub struct JitProgram {
    /// The code of every expression of the arena, by [`ExprId`], and whether it may make
    /// strings or lists (and so wants the reusable scratch vector).
    entries: Vec<(Entry, bool)>,
    /// The constants compiled code refers to by handle.
    constants: Vec<Value>,
    /// A scratch vector kept between calls (borrowed by a call; a nested call, made from the
    /// environment while it is borrowed, uses one of its own).
    scratch: RefCell<Vec<Value>>,
    /// Owns the code (only for its `Drop`); declared last so that it is dropped last.
    _module: OwnedModule,
}

/// Compiles every expression of a program.
pub fn compile(program: &Program) -> Result<JitProgram, JitError> {
    match catch_unwind(AssertUnwindSafe(|| compile_program(program))) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(JitError::program(format!(
                "the code generator failed: {what}"
            )))
        }
    }
}

/// Expressions per group function.
const GROUP: usize = 256;

fn compile_program(program: &Program) -> Result<JitProgram, JitError> {
    let mut module = OwnedModule::new()?;
    let jit = module.get()?;

    // Declare the helpers, then every function, then define them.
    let mut helpers = Vec::with_capacity(HELPERS.len());
    for info in &HELPERS {
        let signature = codegen::helper_signature(jit, info);
        let id = jit
            .declare_function(info.name, Linkage::Import, &signature)
            .map_err(JitError::program)?;
        helpers.push(id);
    }
    // A root with operands gets a function of its own, its tree inlined; the other expressions
    // (inner ones, and roots that are a constant or a read) go into groups.
    let inside = inner_expressions(program);
    let own_signature = codegen::expr_signature(jit);
    let group_signature = codegen::group_signature(jit);
    let mut places = Vec::with_capacity(program.exprs.len());
    let mut groups: Vec<(FuncId, Vec<ExprId>)> = Vec::new();
    for (index, expr) in program.exprs.iter().enumerate() {
        let id = ExprId(index as u32);
        if !inside[index] && has_operands(&expr.kind) {
            let function = jit
                .declare_function(&format!("expr{index}"), Linkage::Local, &own_signature)
                .map_err(|e| JitError::expr(id, e))?;
            places.push(Place::Own(function));
            continue;
        }
        if groups
            .last()
            .is_none_or(|(_, members)| members.len() >= GROUP)
        {
            let name = format!("group{}", groups.len());
            let function = jit
                .declare_function(&name, Linkage::Local, &group_signature)
                .map_err(|e| JitError::expr(id, e))?;
            groups.push((function, Vec::with_capacity(GROUP)));
        }
        if let Some((function, members)) = groups.last_mut() {
            places.push(Place::Member(*function, members.len() as u32));
            members.push(id);
        }
    }

    let (tags, scratch) =
        codegen::analyse(program).map_err(|(id, reason)| JitError::expr(id, reason))?;
    let mut unit = Unit {
        program,
        module: jit,
        helpers,
        places,
        tags,
        constants: Constants::default(),
    };
    let mut context = unit.module.make_context();
    let mut builder_context = FunctionBuilderContext::new();
    for index in 0..program.exprs.len() {
        let Place::Own(function) = unit.places[index] else {
            continue;
        };
        let expr = ExprId(index as u32);
        context.func.signature = own_signature.clone();
        let builder = FunctionBuilder::new(&mut context.func, &mut builder_context);
        FnGen::generate(builder, &mut unit, expr).map_err(|reason| JitError::expr(expr, reason))?;
        unit.module
            .define_function(function, &mut context)
            .map_err(|e| JitError::expr(expr, describe(&e)))?;
        unit.module.clear_context(&mut context);
    }
    for (function, members) in &groups {
        context.func.signature = group_signature.clone();
        let builder = FunctionBuilder::new(&mut context.func, &mut builder_context);
        let first = members.first().copied().unwrap_or(ExprId(0));
        // A function that fails as a whole (verification) is reported at its first member.
        FnGen::generate_group(builder, &mut unit, members)
            .map_err(|(expr, reason)| JitError::expr(expr, reason))?;
        unit.module
            .define_function(*function, &mut context)
            .map_err(|e| JitError::expr(first, describe(&e)))?;
        unit.module.clear_context(&mut context);
    }
    let Unit {
        module: jit,
        places,
        constants,
        ..
    } = unit;
    jit.finalize_definitions().map_err(JitError::program)?;
    let entries = places
        .iter()
        .zip(scratch)
        .map(|(place, scratch)| Ok((entry(jit, *place)?, scratch)))
        .collect::<Result<Vec<_>, JitError>>()?;
    Ok(JitProgram {
        entries,
        constants: constants.values,
        scratch: RefCell::new(Vec::new()),
        _module: module,
    })
}

/// Whether an expression has operands (is not a constant or a read).
fn has_operands(kind: &journey_ir::ExprKind) -> bool {
    use journey_ir::ExprKind::*;
    !matches!(
        kind,
        Const(_)
            | EventField(..)
            | BindingField(..)
            | Profile(_)
            | Score(_)
            | Segment(_)
            | History(_)
            | Now
    )
}

/// Which expressions are inside another one (the others are roots: conditions, values, ...).
fn inner_expressions(program: &Program) -> Vec<bool> {
    use journey_ir::ExprKind::*;
    let mut inside = vec![false; program.exprs.len()];
    for expr in &program.exprs {
        let mut mark = |id: &ExprId| {
            if let Some(flag) = inside.get_mut(id.index()) {
                *flag = true;
            }
        };
        match &expr.kind {
            Not(x) | Neg(x) | IsSet(x, _) => mark(x),
            And(a, b)
            | Or(a, b)
            | Compare(_, a, b)
            | Arith(_, a, b)
            | Coalesce(a, b)
            | In(a, b)
            | Contains(a, b)
            | StartsWith(a, b)
            | EndsWith(a, b) => {
                mark(a);
                mark(b);
            }
            List(items) => items.iter().for_each(mark),
            Const(_) | EventField(..) | BindingField(..) | Profile(_) | Score(_) | Segment(_)
            | History(_) | Now => {}
        }
    }
    inside
}

/// The compiled code of an expression: a function of the module that `compile_program`
/// generated and finalized, whose signature is checked here (anything else is refused, or
/// panics in `get_finalized_function`).
#[allow(unsafe_code)]
fn entry(module: &JITModule, place: Place) -> Result<Entry, JitError> {
    let (id, expected) = match place {
        Place::Own(id) => (id, codegen::expr_signature(module)),
        Place::Member(id, _) => (id, codegen::group_signature(module)),
    };
    let declaration = module.declarations().get_function_decl(id);
    if declaration.linkage != Linkage::Local || declaration.signature != expected {
        return Err(JitError::program(format!(
            "function {} is not a compiled expression",
            id.as_u32()
        )));
    }
    let address = module.get_finalized_function(id);
    // Why the two transmutes below are sound: `address` is the entry of a function of this
    // module that `compile_program` generated (the module's only local functions) and that is
    // finalized, with the signature checked above in the ISA's default calling convention, the
    // host's C convention: a pointer parameter (and, for a group, an `i32` member number) and an
    // `i32` result, which is the ABI of `OwnFn` and `GroupFn` (a `&mut Ctx` is passed as a
    // pointer). Called with a valid exclusive `Ctx`, such a function only loads and stores
    // `ctx.ret`, calls the module's functions and passes the pointer to the helpers (see the
    // crate documentation), so it is a safe function. Its code stays mapped until `free_memory`,
    // which only `OwnedModule`'s `Drop` calls, when the `JitProgram` that holds these pointers is
    // being dropped.
    Ok(match place {
        // SAFETY: a finalized function with `expr_signature`, as argued above.
        Place::Own(_) => Entry::Own(unsafe { std::mem::transmute::<*const u8, OwnFn>(address) }),
        Place::Member(_, number) => Entry::Member(
            // SAFETY: a finalized function with `group_signature`, as argued above.
            unsafe { std::mem::transmute::<*const u8, GroupFn>(address) },
            number,
        ),
    })
}

/// A code generation error with the function's text when it failed verification.
fn describe(error: &cranelift_module::ModuleError) -> String {
    match error {
        cranelift_module::ModuleError::Compilation(e) => format!("{e:?}"),
        other => other.to_string(),
    }
}

impl JitProgram {
    /// How many expressions were compiled: every expression of the program.
    pub fn expressions(&self) -> usize {
        self.entries.len()
    }
}

impl Evaluator for JitProgram {
    fn eval(&self, expr: ExprId, env: &dyn Env) -> Value {
        let Some(&(entry, makes)) = self.entries.get(expr.index()) else {
            // As the interpreter: an expression that does not exist is missing.
            return Value::Missing;
        };
        // An empty vector costs nothing; reusing one saves an allocation when strings are made.
        let mut local = Vec::new();
        let mut reused = if makes {
            self.scratch.try_borrow_mut().ok()
        } else {
            None
        };
        let scratch = match reused.as_deref_mut() {
            Some(scratch) => scratch,
            None => &mut local,
        };
        let mut ctx = Ctx::new(env, &self.constants, scratch);
        let tag = match entry {
            Entry::Own(function) => function(&mut ctx),
            Entry::Member(function, number) => function(&mut ctx, number),
        };
        if let Some(payload) = ctx.panic.take() {
            resume_unwind(payload);
        }
        let value = ctx.take_value(tag, ctx.ret);
        if makes {
            ctx.clear();
        }
        value
    }
}

/// The `JITModule`, whose memory is freed when this is dropped.
struct OwnedModule(Option<JITModule>);

impl OwnedModule {
    /// A module for the host, with the helpers linked in.
    fn new() -> Result<OwnedModule, JitError> {
        let mut flags = settings::builder();
        // The verifier checks every generated function (a failure is a `JitError`); release
        // builds skip it for compile time, as the tests run it on everything they compile.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        for (name, value) in [
            ("opt_level", "speed"),
            ("enable_verifier", verify),
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
        ] {
            flags.set(name, value).map_err(JitError::program)?;
        }
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::program(format!("this machine is not supported: {e}")))?
            .finish(settings::Flags::new(flags))
            .map_err(JitError::program)?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        for info in &HELPERS {
            builder.symbol(info.name, (info.address)());
        }
        Ok(OwnedModule(Some(JITModule::new(builder))))
    }

    fn get(&mut self) -> Result<&mut JITModule, JitError> {
        self.0
            .as_mut()
            .ok_or_else(|| JitError::program("the module is gone"))
    }
}

impl Drop for OwnedModule {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if let Some(module) = self.0.take() {
            // SAFETY: the function pointers into this module live only in the `JitProgram` that
            // owns it (or nowhere, when compilation failed), and they are called only through
            // `&JitProgram`; while that program is being dropped no such borrow exists, so no
            // compiled function is running and none will be called again.
            unsafe { module.free_memory() };
        }
    }
}
