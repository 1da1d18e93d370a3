//! Comparisons: equality (strings by pointer first, then content; lists by a helper) and order.

use super::*;

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    // ---- comparisons ----------------------------------------------------------------------------

    /// `a == b` as an `i8` 0 or 1: missing equals only missing, `int` and `float` compare as
    /// numbers, strings and lists by content (a helper).
    pub(super) fn equal(&mut self, a: Val, b: Val) -> Result<ir::Value, Refusal> {
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
    pub(super) fn string_equal(
        &mut self,
        a: Val,
        x: Addr,
        b: Val,
        y: Addr,
    ) -> Result<ir::Value, Refusal> {
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
    pub(super) fn order(&mut self, op: CompareOp, a: Val, b: Val) -> Result<ir::Value, Refusal> {
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
}
