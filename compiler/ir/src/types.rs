//! The types a lowered program holds: the checker's types, less what only checking needs.
//!
//! Lowering converts every type it copies into the IR (fields, profile fields, expressions), so
//! the runtime and the backends read these and never the checker's.

use std::fmt;

/// Index of an enum type in [`crate::Program::enums`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);

impl EnumId {
    /// The index into [`crate::Program::enums`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The type of a field, a profile field or an expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `int`, 64-bit.
    Int,
    /// `float`, 64-bit.
    Float,
    /// `string`
    String,
    /// `duration`
    Duration,
    /// `time`: an instant, UTC.
    Time,
    /// `date`
    Date,
    /// A time-of-day literal such as `09:00`, held as an `int` of minutes since midnight.
    TimeOfDay,
    /// `enum { ... }`
    Enum(EnumId),
    /// `list<T>`
    List(Box<Type>),
    /// `T?`
    Optional(Box<Type>),
    /// A type the checker left open (the element type of `[]`): any value may have it.
    Unknown,
}

impl Type {
    /// The type without its `?`.
    pub fn unwrap_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    /// Whether this is `T?`.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }

    /// Displays this type as the user writes it, enums with their variants from `enums`.
    pub fn display<'a>(&'a self, enums: &'a [Vec<String>]) -> TypeDisplay<'a> {
        TypeDisplay { ty: self, enums }
    }
}

/// Displays a type as the user writes it; enums print their variants.
pub struct TypeDisplay<'a> {
    /// The type.
    pub ty: &'a Type,
    /// Variant names of every enum.
    pub enums: &'a [Vec<String>],
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enums = self.enums;
        let nested = |ty| TypeDisplay { ty, enums };
        match self.ty {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::String => f.write_str("string"),
            Type::Duration => f.write_str("duration"),
            Type::Time => f.write_str("time"),
            Type::Date => f.write_str("date"),
            Type::TimeOfDay => f.write_str("time of day"),
            Type::Enum(id) => {
                let variants = self
                    .enums
                    .get(id.index())
                    .map(|v| v.join(", "))
                    .unwrap_or_default();
                write!(f, "enum {{ {variants} }}")
            }
            Type::List(inner) => write!(f, "list<{}>", nested(inner)),
            Type::Optional(inner) => write!(f, "{}?", nested(inner)),
            Type::Unknown => f.write_str("_"),
        }
    }
}
