//! The tags every expression can have, found before any code is generated (see the parent
//! module): from the static types at the leaves and the operators above them, with what each
//! expression reads and how large it is.

use super::*;

// ---- the tags of every expression ---------------------------------------------------------------

/// Whether values with these tags may be a pair of numbers with at least one `float`.
pub(super) fn may_be_mixed(a: Tags, b: Tags) -> bool {
    let number = |t: Tags| t.has(tag::INT) || t.has(tag::FLOAT);
    number(a) && number(b) && (a.has(tag::FLOAT) || b.has(tag::FLOAT))
}

/// What arithmetic does besides numbers: `(left, right, result)` tags.
pub(super) fn arith_table(op: ArithOp) -> &'static [(u8, u8, u8)] {
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
pub(super) fn arith_tags(op: ArithOp, a: Tags, b: Tags) -> Tags {
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
pub(super) fn neg_tags(x: Tags) -> Tags {
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
pub(super) struct Facts {
    pub(super) tags: Tags,
    /// 1 for a leaf.
    pub(super) height: usize,
    pub(super) reads: u8,
    pub(super) size: u32,
}

/// Where [`analyse`] is with an expression.
#[derive(Clone, Copy)]
pub(super) enum Visit {
    New,
    Open,
    Done(Facts),
}

pub(super) fn tags_of(
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
