//! The boundary between compiled code and Rust: value tags, the per-call context and the fixed
//! table of `extern "C"` helpers that compiled code may call.
//!
//! Every helper is a safe Rust function: its arguments are plain integers and a `&mut Ctx`, so
//! the only obligation lies with the caller (compiled code), which passes on the context pointer
//! it was itself given (see the crate documentation). Each helper runs its body under
//! [`std::panic::catch_unwind`]: a panic (from the runtime's [`Env`], say) never unwinds through
//! compiled frames; it is parked in the context and resumed once the compiled function returned.

use std::any::Any;
use std::cell::{RefCell, RefMut};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use journey_ir::eval::{equal, Env, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, ScoreId, Type};

mod helpers;

use helpers::MISSING;
pub(crate) use helpers::{Helper, HelperInfo, Ty, HELPERS};

/// The tags of values in compiled code (the `u8` half of a value; the `u64` half is its bits).
pub(crate) mod tag {
    /// A missing value; its bits are always 0.
    pub const MISSING: u8 = 0;
    /// `bool`: bits 0 or 1.
    pub const BOOL: u8 = 1;
    /// `int`: the two's complement bits.
    pub const INT: u8 = 2;
    /// `float`: the IEEE 754 bits.
    pub const FLOAT: u8 = 3;
    /// `string`: a handle (see [`super::CONST_BASE`]).
    pub const STR: u8 = 4;
    /// `duration`: seconds.
    pub const DURATION: u8 = 5;
    /// `time`: seconds since the epoch.
    pub const TIME: u8 = 6;
    /// `date`: days since 1970-01-01, sign-extended.
    pub const DATE: u8 = 7;
    /// An enum value: the variant's index, zero-extended.
    pub const ENUM: u8 = 8;
    /// `list<T>`: a handle.
    pub const LIST: u8 = 9;
}

/// The kinds of handle, in a handle's high 32 bits; the low 32 bits are an index.
/// - `0`: the per-call scratch values (strings and lists made during the call);
/// - [`CONST_BASE`]: the program's constant table;
/// - [`EVENT_BASE`]: a slot of the event record the environment gave (`Env::event_record`);
/// - [`PROFILE_BASE`]: a slot of the profile record (`Env::profile_record`);
/// - [`BINDING_BASE`]: a deferred read of a binding field (not a value in memory);
/// - [`BINDING_RECORD_BASE`] `+ (b << 32)`: a slot of the record of binding `b`
///   (`Env::binding_record`), for `b <` [`BINDING_RECORDS`].
///
/// A slot handle lets compiled code pass a string or list it read straight from a record on to
/// the helpers without cloning its `Arc`: the records are borrowed for the whole call.
pub(crate) const CONST_BASE: u64 = 1 << 32;
/// See [`CONST_BASE`].
pub(crate) const EVENT_BASE: u64 = 2 << 32;
/// See [`CONST_BASE`].
pub(crate) const PROFILE_BASE: u64 = 3 << 32;
/// A *deferred* read of a binding's field (entry `i` of the program's [`BindingRead`]s): the
/// helper that receives it reads the field from the environment itself, uses it and drops it,
/// so that the string is never kept in the scratch vector. Compiled code passes one only as an
/// operand of a helper that computes its whole answer from its operands' values (`==`, `in`,
/// `contains`, `starts_with`, `ends_with`); its tag there is the field's (string or list), and
/// the helper finds out whether the field is in fact missing.
pub(crate) const BINDING_BASE: u64 = 4 << 32;
/// The handle kind of slots of the first binding's record (see [`CONST_BASE`]): binding `b`'s
/// kind is `8 + b`.
pub(crate) const BINDING_RECORD_BASE: u64 = 8 << 32;

/// How many bindings have a record in the context: binding ids `0..BINDING_RECORDS` (a
/// journey's bindings are numbered from 0, and journeys have few). A field of a binding past
/// them is always asked of [`Env::binding_field`].
pub(crate) const BINDING_RECORDS: usize = 4;

/// The records of the bindings `0..BINDING_RECORDS`, by binding id, for one call: compiled code
/// loads `ptr[b]` and `len[b]` (through `Ctx::binding_table`), the helpers resolve handles
/// against `records`. A call whose expression reads no binding's record points its context at
/// [`BindingTable::EMPTY`], so that the common case builds nothing.
#[repr(C)]
pub(crate) struct BindingTable<'a> {
    /// `records[b].as_ptr()`.
    ptr: [*const Value; BINDING_RECORDS],
    /// `records[b].len()` (0 when the environment gave no record for binding `b`, or the
    /// expression does not read it).
    len: [u64; BINDING_RECORDS],
    /// The record of each binding the environment gave (else empty).
    records: [&'a [Value]; BINDING_RECORDS],
}

impl<'a> BindingTable<'a> {
    /// No records.
    pub const EMPTY: BindingTable<'static> = BindingTable {
        ptr: [std::ptr::null(); BINDING_RECORDS],
        len: [0; BINDING_RECORDS],
        records: [&[]; BINDING_RECORDS],
    };

    /// These records, by binding id (empty for a binding without one).
    #[inline]
    pub fn new(records: [&'a [Value]; BINDING_RECORDS]) -> BindingTable<'a> {
        BindingTable {
            ptr: records.map(<[Value]>::as_ptr),
            len: records.map(|record| record.len() as u64),
            records,
        }
    }
}

/// A binding field that compiled code reads through a deferred handle ([`BINDING_BASE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BindingRead {
    /// The binding.
    pub binding: u32,
    /// Its event.
    pub event: u32,
    /// The field's slot.
    pub slot: u32,
    /// The tags the field's type allows (a value of another kind reads as missing).
    pub expect: u32,
}

/// `Ctx::event_id` when the environment gave no event record: equal to no `u32` event id.
pub(crate) const NO_EVENT: u64 = u64::MAX;

/// The size of a [`Value`] (the stride of a record) and where its payload is; the tag is its
/// first byte. Fixed by `Value`'s `repr(C, u8)` (asserted in `journey_ir::eval`).
pub(crate) const VALUE_SIZE: i64 = journey_ir::eval::VALUE_SIZE as i64;
/// See [`VALUE_SIZE`].
pub(crate) const PAYLOAD: i32 = journey_ir::eval::VALUE_PAYLOAD_OFFSET as i32;

// A string's or a list's payload is its `Arc`, a fat pointer of two words that fills the rest of
// the value (no padding): two equal payloads are the same allocation with the same length.
const _: () = assert!(std::mem::size_of::<Arc<str>>() == 16);
const _: () = assert!(std::mem::size_of::<Arc<[Value]>>() == 16);
const _: () = assert!(journey_ir::eval::VALUE_PAYLOAD_OFFSET + 16 == journey_ir::eval::VALUE_SIZE);

/// A set of tags (bit `t` for tag `t`): the values an expression can have besides missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tags(pub u32);

impl Tags {
    /// Every tag.
    pub const ALL: Tags = Tags(0x3fe);

    /// The set with one tag.
    pub const fn one(tag: u8) -> Tags {
        Tags(1 << tag)
    }

    /// Whether the set holds this tag.
    pub fn has(self, tag: u8) -> bool {
        self.0 & (1 << tag) != 0
    }

    /// Both sets.
    pub fn union(self, other: Tags) -> Tags {
        Tags(self.0 | other.0)
    }

    /// The values an expression of this static type can have. `float` includes `int`: an `int`
    /// may be stored where a `float` is expected (a default, a `set`, `??`), and the interpreter
    /// keeps it an `int`.
    pub fn of_type(ty: &Type) -> Tags {
        match ty {
            Type::Bool => Tags::one(tag::BOOL),
            Type::Int | Type::TimeOfDay => Tags::one(tag::INT),
            Type::Float => Tags::one(tag::INT).union(Tags::one(tag::FLOAT)),
            Type::String => Tags::one(tag::STR),
            Type::Duration => Tags::one(tag::DURATION),
            Type::Time => Tags::one(tag::TIME),
            Type::Date => Tags::one(tag::DATE),
            Type::Enum(_) => Tags::one(tag::ENUM),
            Type::List(_) => Tags::one(tag::LIST),
            Type::Optional(inner) => Tags::of_type(inner),
            Type::Unknown => Tags::ALL,
        }
    }
}

/// The tag of a value.
pub(crate) fn tag_of(value: &Value) -> u8 {
    match value {
        Value::Missing => tag::MISSING,
        Value::Bool(_) => tag::BOOL,
        Value::Int(_) => tag::INT,
        Value::Float(_) => tag::FLOAT,
        Value::Str(_) => tag::STR,
        Value::Duration(_) => tag::DURATION,
        Value::Time(_) => tag::TIME,
        Value::Date(_) => tag::DATE,
        Value::Enum(_) => tag::ENUM,
        Value::List(_) => tag::LIST,
    }
}

/// What one call of compiled code works with. Compiled code receives a pointer to it as its
/// first argument and hands that pointer to the helpers; it reads and writes `ret` itself, and
/// reads (never writes) the record fields `event_id` to `binding_table` (and the
/// [`BindingTable`] that points to).
///
/// The raw pointers are copies of the slices' own pointers (`event`, `profile`, `row`, `consts`,
/// the binding table's `records`), which this context borrows for `'a`: compiled code may load
/// from `event_ptr + i * 24` (`i < event_len`), `binding_table.ptr[b] + i * 24`
/// (`i < binding_table.len[b]`), `row_ptr + o .. + w` (`o + w <= row_len`, for a width `w` of 1,
/// 4 or 8) and the like while the context lives. Rust code never dereferences them; it reads
/// the slices.
#[repr(C)]
pub(crate) struct Ctx<'a> {
    /// The bits of the value a helper (or the compiled function) returns; its tag is the
    /// return value. Kept first, at offset 0 ([`RET_OFFSET`]).
    pub ret: u64,
    /// The event of the record in `event` ([`NO_EVENT`] when there is none).
    event_id: u64,
    /// `event.as_ptr()`.
    event_ptr: *const Value,
    /// `event.len()`.
    event_len: u64,
    /// `profile.as_ptr()`.
    profile_ptr: *const Value,
    /// `profile.len()` (0 when the environment gave no profile record).
    profile_len: u64,
    /// `consts.as_ptr()`.
    consts_ptr: *const Value,
    /// `row.as_ptr()`.
    row_ptr: *const u8,
    /// `row.len()` (0 when the environment gave no row).
    row_len: u64,
    /// The records of the bindings the expression reads (a reference, hence a pointer that
    /// compiled code loads).
    binding_table: &'a BindingTable<'a>,
    /// The event record the environment gave, if any (else empty).
    event: &'a [Value],
    /// The profile record the environment gave, if any (else empty).
    profile: &'a [Value],
    /// The contact's row the environment gave, if any (else empty).
    row: &'a [u8],
    /// What the expression reads.
    env: &'a dyn Env,
    /// The program's constants (strings, constant lists).
    consts: &'a [Value],
    /// The binding fields deferred handles refer to.
    bindings: &'a [BindingRead],
    /// The program's scratch space, which a call borrows when it first makes a string or list.
    shared: &'a RefCell<Scratch>,
    /// The scratch space of this call, once it made a string or list.
    space: Option<Space<'a>>,
    /// A panic caught in a helper, resumed when the compiled function has returned.
    pub panic: Option<Box<dyn Any + Send>>,
}

/// The scratch space of one call.
enum Space<'a> {
    /// The program's.
    Shared(RefMut<'a, Scratch>),
    /// The call's own, when the program's is in use (by a call further out that made the
    /// environment evaluate another expression).
    Own(Scratch),
}

/// The values a call makes, kept between calls for their allocations.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Strings and lists made during a call; a handle below [`CONST_BASE`] indexes it.
    values: Vec<Value>,
    /// The items of list literals being built (a stack: nested literals are balanced).
    building: Vec<Value>,
}

impl Scratch {
    /// Empties it (a test of two lengths when there is nothing to drop).
    #[inline]
    pub fn clear(&mut self) {
        if !self.values.is_empty() || !self.building.is_empty() {
            self.drop_all();
        }
    }

    #[cold]
    #[inline(never)]
    fn drop_all(&mut self) {
        self.values.clear();
        self.building.clear();
    }
}

/// The offset of [`Ctx::ret`].
pub(crate) const RET_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, ret) as i32;
/// The offset of `Ctx::event_id` (a `u64`).
pub(crate) const EVENT_ID_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, event_id) as i32;
/// The offset of `Ctx::event_ptr`.
pub(crate) const EVENT_PTR_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, event_ptr) as i32;
/// The offset of `Ctx::event_len` (a `u64`).
pub(crate) const EVENT_LEN_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, event_len) as i32;
/// The offset of `Ctx::profile_ptr`.
pub(crate) const PROFILE_PTR_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, profile_ptr) as i32;
/// The offset of `Ctx::profile_len` (a `u64`).
pub(crate) const PROFILE_LEN_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, profile_len) as i32;
/// The offset of `Ctx::row_ptr`.
pub(crate) const ROW_PTR_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, row_ptr) as i32;
/// The offset of `Ctx::row_len` (a `u64`).
pub(crate) const ROW_LEN_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, row_len) as i32;
/// The offset of `Ctx::consts_ptr`.
pub(crate) const CONSTS_PTR_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, consts_ptr) as i32;
/// The offset of `Ctx::binding_table` (a pointer to a [`BindingTable`]).
pub(crate) const BINDING_TABLE_OFFSET: i32 =
    std::mem::offset_of!(Ctx<'static>, binding_table) as i32;
/// The offset of `BindingTable::ptr` (an array of pointers, by binding id).
pub(crate) const BINDING_PTR_OFFSET: i32 = std::mem::offset_of!(BindingTable<'static>, ptr) as i32;
/// The offset of `BindingTable::len` (an array of `u64`s, by binding id).
pub(crate) const BINDING_LEN_OFFSET: i32 = std::mem::offset_of!(BindingTable<'static>, len) as i32;
/// The size of a pointer in `BindingTable::ptr`.
pub(crate) const POINTER_SIZE: i32 = std::mem::size_of::<*const Value>() as i32;

// A reference to the table is a plain pointer, which compiled code loads as one.
const _: () =
    assert!(std::mem::size_of::<&BindingTable<'static>>() == std::mem::size_of::<*const Value>());

/// The value with this tag and bits if it is not a string or a list (missing for a tag that
/// does not exist, which compiled code never gives).
#[inline]
fn scalar(tag: u32, bits: u64) -> Option<Value> {
    let Ok(tag) = u8::try_from(tag) else {
        return Some(Value::Missing);
    };
    Some(match tag {
        tag::BOOL => Value::Bool(bits != 0),
        tag::INT => Value::Int(bits as i64),
        tag::FLOAT => Value::Float(f64::from_bits(bits)),
        tag::DURATION => Value::Duration(bits as i64),
        tag::TIME => Value::Time(bits as i64),
        tag::DATE => Value::Date(bits as i64 as i32),
        tag::ENUM => Value::Enum(bits as u32),
        tag::STR | tag::LIST => return None,
        _ => Value::Missing,
    })
}

/// An operand of a helper: a scalar made from its bits, or a string or list borrowed where its
/// handle points (never cloned).
pub(crate) enum Operand<'v> {
    /// A value without a handle (or missing).
    Own(Value),
    /// A string or a list.
    Ref(&'v Value),
}

impl std::ops::Deref for Operand<'_> {
    type Target = Value;

    fn deref(&self) -> &Value {
        match self {
            Operand::Own(value) => value,
            Operand::Ref(value) => value,
        }
    }
}

/// What the environment lent a call to read in place, each when it has one.
#[derive(Clone, Copy, Default)]
pub(crate) struct Records<'a> {
    /// The event being matched and its record.
    pub event: Option<(EventId, &'a [Value])>,
    /// The profile.
    pub profile: Option<&'a [Value]>,
    /// The contact's row.
    pub row: Option<&'a [u8]>,
}

impl<'a> Ctx<'a> {
    /// A context over an environment, with the program's scratch space (borrowed when first
    /// used) and the records the environment gave (see [`Env::event_record`]; `binding_table`
    /// those of the bindings).
    #[inline]
    pub fn new(
        env: &'a dyn Env,
        consts: &'a [Value],
        bindings: &'a [BindingRead],
        shared: &'a RefCell<Scratch>,
        records: Records<'a>,
        binding_table: &'a BindingTable<'a>,
    ) -> Ctx<'a> {
        let Records {
            event,
            profile,
            row,
        } = records;
        let (event_id, event) = match event {
            Some((id, record)) => (u64::from(id.0), record),
            None => (NO_EVENT, &[][..]),
        };
        let profile = profile.unwrap_or(&[]);
        let row = row.unwrap_or(&[]);
        Ctx {
            ret: 0,
            event_id,
            event_ptr: event.as_ptr(),
            event_len: event.len() as u64,
            profile_ptr: profile.as_ptr(),
            profile_len: profile.len() as u64,
            consts_ptr: consts.as_ptr(),
            row_ptr: row.as_ptr(),
            row_len: row.len() as u64,
            binding_table,
            event,
            profile,
            row,
            env,
            consts,
            bindings,
            shared,
            space: None,
            panic: None,
        }
    }

    /// Empties the scratch space, if the call used it, and gives the program's back.
    #[inline]
    pub fn finish(&mut self) {
        if self.space.is_some() {
            self.release();
        }
    }

    #[cold]
    #[inline(never)]
    fn release(&mut self) {
        if let Some(Space::Shared(mut scratch)) = self.space.take() {
            scratch.clear();
        }
    }

    /// The scratch space, borrowed (and emptied of what a call that panicked left) on first
    /// use.
    #[inline]
    fn space(&mut self) -> &mut Scratch {
        if self.space.is_none() {
            self.borrow_space();
        }
        // Always present here (the closure, never called, keeps this free of a panic).
        match self
            .space
            .get_or_insert_with(|| Space::Own(Scratch::default()))
        {
            Space::Shared(scratch) => scratch,
            Space::Own(scratch) => scratch,
        }
    }

    #[cold]
    #[inline(never)]
    fn borrow_space(&mut self) {
        self.space = Some(match self.shared.try_borrow_mut() {
            Ok(mut scratch) => {
                scratch.clear();
                Space::Shared(scratch)
            }
            Err(_) => Space::Own(Scratch::default()),
        });
    }

    /// The scratch values, if the call made any.
    fn scratch(&self) -> &[Value] {
        match &self.space {
            Some(Space::Shared(scratch)) => &scratch.values,
            Some(Space::Own(scratch)) => &scratch.values,
            None => &[],
        }
    }

    /// The value a handle refers to (`None` for a bad handle).
    #[inline]
    fn handle(&self, handle: u64) -> Option<&Value> {
        let index = usize::try_from(handle & 0xffff_ffff).ok()?;
        match handle >> 32 {
            0 => self.scratch().get(index),
            1 => self.consts.get(index),
            2 => self.event.get(index),
            3 => self.profile.get(index),
            kind => {
                let binding = usize::try_from(kind.checked_sub(BINDING_RECORD_BASE >> 32)?).ok()?;
                self.binding_table.records.get(binding)?.get(index)
            }
        }
    }

    /// The value with this tag and these bits, borrowed when it has a handle (an unknown tag or
    /// a bad handle, which compiled code never produces, reads as missing).
    #[inline]
    pub fn operand(&self, tag: u32, bits: u64) -> Operand<'_> {
        if tag != u32::from(tag::STR) && tag != u32::from(tag::LIST) {
            return Operand::Own(scalar(tag, bits).unwrap_or(Value::Missing));
        }
        if bits >> 32 == BINDING_BASE >> 32 {
            let value = self.deferred(bits);
            return Operand::Own(if u32::from(tag_of(&value)) == tag {
                value
            } else {
                Value::Missing
            });
        }
        match self.handle(bits) {
            Some(value) if u32::from(tag_of(value)) == tag => Operand::Ref(value),
            _ => Operand::Own(Value::Missing),
        }
    }

    /// The string with this tag and handle, if it is one (not for a deferred read).
    #[inline]
    fn string(&self, tag: u32, bits: u64) -> Option<&str> {
        if tag != u32::from(tag::STR) {
            return None;
        }
        match self.handle(bits) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The binding read a deferred handle names.
    #[inline]
    fn binding_read(&self, bits: u64) -> Option<&BindingRead> {
        usize::try_from(bits & 0xffff_ffff)
            .ok()
            .and_then(|i| self.bindings.get(i))
    }

    /// What the environment says of a deferred read's field, as it says it:
    /// [`Ctx::deferred_string`] and [`Ctx::deferred`] check it against the field's type (and a
    /// bad handle, which asks for binding `u32::MAX`, reads as missing there). The call is the
    /// whole expression, so that the value stays where the environment writes it (a copy of a
    /// value just written stalls on store-to-load forwarding).
    #[inline(always)]
    fn read(&self, bits: u64) -> Value {
        let read = self.binding_read(bits).copied().unwrap_or(BindingRead {
            binding: u32::MAX,
            event: u32::MAX,
            slot: u32::MAX,
            expect: 0,
        });
        self.env
            .binding_field(BindingId(read.binding), EventId(read.event), read.slot)
    }

    /// The string a deferred read gave, if it is one within the field's type.
    #[inline]
    fn deferred_string<'v>(&self, bits: u64, value: &'v Value) -> Option<&'v str> {
        let read = self.binding_read(bits)?;
        match value {
            Value::Str(s) if read.expect & (1 << tag::STR) != 0 => Some(s),
            _ => None,
        }
    }

    /// The value of a deferred binding read (missing for a bad handle, or a value outside the
    /// field's type).
    fn deferred(&self, bits: u64) -> Value {
        let value = self.read(bits);
        match self.binding_read(bits) {
            Some(read) if read.expect & (1 << tag_of(&value)) != 0 => value,
            _ => Value::Missing,
        }
    }

    /// The value with this tag and these bits, owned (a string or list is cloned).
    pub fn value(&self, tag: u32, bits: u64) -> Value {
        match self.operand(tag, bits) {
            Operand::Own(value) => value,
            Operand::Ref(value) => value.clone(),
        }
    }

    /// The value with this tag and these bits, moved out of the scratch vector if it is there
    /// (for the result of a call, which nothing reads afterwards).
    #[inline]
    pub fn take_value(&mut self, tag: u32, bits: u64) -> Value {
        if let Some(value) = scalar(tag, bits) {
            return value;
        }
        self.take_handle(tag, bits)
    }

    /// [`Ctx::take_value`] for a string or a list (or a bad tag).
    fn take_handle(&mut self, tag: u32, bits: u64) -> Value {
        if bits >> 32 == 0 && self.space.is_some() {
            if let Some(slot) = usize::try_from(bits)
                .ok()
                .and_then(|i| self.space().values.get_mut(i))
            {
                if u32::from(tag_of(slot)) == tag {
                    return std::mem::replace(slot, Value::Missing);
                }
            }
        }
        self.value(tag, bits)
    }

    /// Returns a value to compiled code: its tag, with its bits in `ret`. A value outside
    /// `expect` (the tags its static type allows) is returned as missing. A string or a list is
    /// moved into the scratch vector (its handle is the bits), or is missing when the vector is
    /// full (2^32 values, which no expression makes).
    ///
    /// The value is taken apart and a string or list put back together in the vector, rather
    /// than copied whole: a copy of a value the environment has just written stalls on
    /// store-to-load forwarding (its tag and payload were written separately).
    #[inline(always)]
    fn give(&mut self, value: Value, expect: u32) -> u32 {
        let tag = tag_of(&value);
        if tag == tag::MISSING || expect & (1 << tag) == 0 {
            self.ret = 0;
            return MISSING;
        }
        self.ret = match value {
            Value::Missing => 0,
            Value::Bool(b) => u64::from(b),
            Value::Int(v) | Value::Duration(v) | Value::Time(v) => v as u64,
            Value::Float(v) => v.to_bits(),
            Value::Date(d) => i64::from(d) as u64,
            Value::Enum(v) => u64::from(v),
            Value::Str(s) => return self.keep(Value::Str(s)),
            Value::List(items) => return self.keep(Value::List(items)),
        };
        u32::from(tag)
    }

    /// [`Ctx::give`] for a string or a list.
    #[inline(always)]
    fn keep(&mut self, value: Value) -> u32 {
        let tag = u32::from(tag_of(&value));
        let values = &mut self.space().values;
        let handle = values.len() as u64;
        if handle >= CONST_BASE {
            self.ret = 0;
            return MISSING;
        }
        values.push(value);
        self.ret = handle;
        tag
    }
}
