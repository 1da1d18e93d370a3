//! Reads of what the contact's row holds, at the offsets the IR's `ContactLayout` gives: profile
//! fields, history aggregates, scores' points, and the segments, scores and clock the environment
//! answers.

use super::*;

/// Where a contact's row holds a profile field, with offsets that fit an instruction's.
#[derive(Clone, Copy)]
pub(super) struct ProfileInRow {
    /// The offset of its present byte (1: it has a value, 0: it is missing).
    pub(super) present: i32,
    /// The offset of its value and how it is stored, when the row holds the value (a scalar;
    /// strings and lists are kept elsewhere).
    pub(super) value: Option<(i32, Codec)>,
    /// How long a row must be to hold both.
    pub(super) end: i64,
}

impl ProfileInRow {
    /// Where `layout` puts profile slot `slot` (none for a slot it does not have, or offsets
    /// past `i32::MAX`).
    pub(super) fn of(layout: &ContactLayout, slot: u32) -> Option<ProfileInRow> {
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
pub(super) enum HistoryInRow {
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
    pub(super) fn of(layout: &ContactLayout, history: u32) -> Option<HistoryInRow> {
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
    pub(super) fn tag(self) -> u8 {
        match self {
            HistoryInRow::Count(_) => tag::INT,
            HistoryInRow::Since(_) => tag::DURATION,
            HistoryInRow::Last { codec, .. } => codec_tag(codec),
        }
    }

    /// How long a row must be to hold every byte the read loads.
    pub(super) fn end(self) -> i64 {
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
pub(super) fn codec_tag(codec: Codec) -> u8 {
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

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    /// A history aggregate: one the layout keeps in the contact's row is loaded from there
    /// when the environment lent a row that holds it ([`FnGen::history_in_row`]); otherwise it
    /// is asked of the environment.
    pub(super) fn history(&mut self, history: u32, tags: Tags) -> Result<Val, Refusal> {
        match HistoryInRow::of(&self.unit.layout, history) {
            Some(place) => self.history_in_row(history, place, tags),
            None => self.history_call(history, tags),
        }
    }

    /// A history aggregate asked of the environment ([`Env::history`], a helper).
    ///
    /// [`Env::history`]: journey_ir::eval::Env::history
    pub(super) fn history_call(&mut self, history: u32, tags: Tags) -> Result<Val, Refusal> {
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
    pub(super) fn history_in_row(
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
    pub(super) fn history_from_row(
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
    pub(super) fn score(&mut self, score: ScoreId, d: usize) -> Result<Val, Refusal> {
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
    pub(super) fn score_points(&mut self, score: ScoreId) -> Result<ir::Value, Refusal> {
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
    pub(super) fn segment(&mut self, segment: SegmentId, d: usize) -> Result<Val, Refusal> {
        let program = self.unit.program;
        let Some(definition) = program.segments.get(segment.index()) else {
            return Ok(self.scalar(tag::BOOL, 0));
        };
        let condition = self.definition(definition.condition, d)?;
        let holds = self.truthy(condition);
        Ok(self.boolean(holds))
    }

    pub(super) fn now(&mut self) -> Result<Val, Refusal> {
        let bits = self.call1(Helper::Now, &[])?;
        Ok(Val {
            tag: self.tag_const(tag::TIME),
            bits,
            tags: Tags::one(tag::TIME),
            addr: None,
        })
    }
}
