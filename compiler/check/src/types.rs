//! The types of the language.

use std::fmt;

/// Index of an enum type in [`crate::program::Program::enums`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);

/// A type.
#[derive(Clone, Debug, PartialEq)]
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
    /// A time of day such as `09:00` (only in literals).
    TimeOfDay,
    /// `enum { ... }`
    Enum(EnumId),
    /// `list<T>`
    List(Box<Type>),
    /// `T?`
    Optional(Box<Type>),
    /// The element type of `[]`: fits any list.
    Unknown,
    /// The type of an expression that already has an error; fits anything and is never
    /// reported again.
    Error,
}

impl Type {
    /// `T?` of this type (an optional stays as it is).
    pub fn optional(self) -> Type {
        match self {
            Type::Optional(_) | Type::Error => self,
            other => Type::Optional(Box::new(other)),
        }
    }

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

    /// Whether an earlier error or an empty list makes this type fit anything.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Type::Error | Type::Unknown)
    }

    /// `int` or `float`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// Whether a value of type `from` may be stored where `self` is expected.
    pub fn accepts(&self, from: &Type) -> bool {
        match (self, from) {
            (a, b) if a.is_unknown() || b.is_unknown() => true,
            (Type::Float, Type::Int) => true,
            (Type::Optional(inner), Type::Optional(from_inner)) => inner.accepts(from_inner),
            (Type::Optional(inner), from) => inner.accepts(from),
            (Type::List(a), Type::List(b)) => a.accepts(b),
            (a, b) => a == b,
        }
    }

    /// Whether two values of these types may be compared with `==`: optionals on either side,
    /// `int` widening to `float`.
    pub fn comparable_with(&self, other: &Type) -> bool {
        let (a, b) = (self.unwrap_optional(), other.unwrap_optional());
        a.is_unknown() || b.is_unknown() || a.accepts(b) || b.accepts(a)
    }

    /// Whether `<` and friends order values of this type.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::Int
                | Type::Float
                | Type::Duration
                | Type::Time
                | Type::Date
                | Type::TimeOfDay
                | Type::String
        ) || self.is_unknown()
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
                    .get(id.0 as usize)
                    .map(|v| v.join(", "))
                    .unwrap_or_default();
                write!(f, "enum {{ {variants} }}")
            }
            Type::List(inner) => write!(f, "list<{}>", nested(inner)),
            Type::Optional(inner) => write!(f, "{}?", nested(inner)),
            Type::Unknown | Type::Error => f.write_str("_"),
        }
    }
}
