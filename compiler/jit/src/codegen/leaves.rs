//! Leaf reads: fields of the event being matched, of the profile and of bound records, loaded
//! from the slices the environment lent when they hold them, else asked of the environment.

use super::*;

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    // ---- leaf reads ------------------------------------------------------------------------------

    /// A field of the event being matched: loaded from the record the environment gave when it
    /// is this event's and holds the slot, else asked of the environment.
    pub(super) fn event_field(
        &mut self,
        event: u32,
        slot: u32,
        tags: Tags,
    ) -> Result<Val, Refusal> {
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
    pub(super) fn profile(&mut self, slot: u32, tags: Tags) -> Result<Val, Refusal> {
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
    pub(super) fn hot_or_cold(
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
    pub(super) fn jump_with(&mut self, block: ir::Block, values: &[ir::Value]) {
        let args: Vec<_> = values.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(block, &args);
    }

    /// Whether the environment lent a row at least `end` bytes long, as an `i8` 0 or 1 (the
    /// length of no row is 0).
    pub(super) fn row_holds(&mut self, end: i64) -> ir::Value {
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
    pub(super) fn row_value(
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
    pub(super) fn profile_set(
        &mut self,
        slot: u32,
        present: i32,
        tags: Tags,
    ) -> Result<ir::Value, Refusal> {
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
    pub(super) fn profile_set_elsewhere(
        &mut self,
        slot: u32,
        tags: Tags,
    ) -> Result<ir::Value, Refusal> {
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
    pub(super) fn profile_record_or_call(&mut self, slot: u32, tags: Tags) -> Result<Val, Refusal> {
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
    pub(super) fn load_ctx(&mut self, ty: ir::Type, offset: i32) -> ir::Value {
        self.b
            .ins()
            .load(ty, MemFlagsData::trusted(), self.ctx, offset)
    }

    /// When `direct` holds, the value of slot `slot` of the record whose pointer is at `record`
    /// (a string or list as the handle `base + slot`); otherwise what `call` gives. `direct`
    /// must imply that the record has the slot.
    pub(super) fn direct_or_call(
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
    pub(super) fn load_value(
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
    pub(super) fn known_tag(&mut self, raw: ir::Value, tags: Tags) -> ir::Value {
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
    pub(super) fn binding_field(
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
    pub(super) fn binding_direct_or(
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
}
