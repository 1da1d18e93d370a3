//! The operators: logic, `is set`, negation, `??`, the string and list helpers, lists, and
//! arithmetic with the interpreter's saturating and division rules.

use super::*;

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    // Each operator has a function of its own, so that the recursion through `node` keeps
    // small stack frames (deep trees are compiled recursively, also in debug builds).

    pub(super) fn not(&mut self, x: ExprId, d: usize) -> Result<Val, Refusal> {
        let v = self.child(x, d)?;
        let is_bool = self.is(v, tag::BOOL);
        let flipped = self.b.ins().bxor_imm_s(v.bits, 1);
        Ok(self.pick(&[(is_bool, tag::BOOL, flipped)], Tags::one(tag::BOOL)))
    }

    pub(super) fn is_set(&mut self, x: ExprId, negated: bool, d: usize) -> Result<Val, Refusal> {
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

    pub(super) fn compare(
        &mut self,
        op: CompareOp,
        a: ExprId,
        b: ExprId,
        d: usize,
    ) -> Result<Val, Refusal> {
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

    pub(super) fn neg(&mut self, x: ExprId, d: usize) -> Result<Val, Refusal> {
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

    pub(super) fn and_or(
        &mut self,
        a: ExprId,
        b: ExprId,
        and: bool,
        d: usize,
    ) -> Result<Val, Refusal> {
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

    pub(super) fn coalesce(&mut self, a: ExprId, b: ExprId, d: usize) -> Result<Val, Refusal> {
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
    pub(super) fn tri(
        &mut self,
        helper: Helper,
        a: ExprId,
        b: ExprId,
        d: usize,
    ) -> Result<Val, Refusal> {
        let a = self.helper_operand(a, true, d)?;
        let b = self.helper_operand(b, true, d)?;
        let args = self.operands(a, b);
        let answer = self.call1(helper, &args)?;
        let known = self.b.ins().icmp_imm_s(IntCC::NotEqual, answer, 2);
        let bits = self.b.ins().uextend(I64, answer);
        Ok(self.pick(&[(known, tag::BOOL, bits)], Tags::one(tag::BOOL)))
    }

    pub(super) fn list(&mut self, items: &[ExprId], d: usize) -> Result<Val, Refusal> {
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
}

impl<'u, 'a, 'f> FnGen<'u, 'a, 'f> {
    // ---- arithmetic -----------------------------------------------------------------------------

    pub(super) fn arith(
        &mut self,
        op: ArithOp,
        a: ExprId,
        b: ExprId,
        d: usize,
    ) -> Result<Val, Refusal> {
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
    pub(super) fn int_op(&mut self, op: ArithOp, x: ir::Value, y: ir::Value) -> ir::Value {
        match op {
            ArithOp::Add => self.sat_add(x, y),
            ArithOp::Sub => self.sat_sub(x, y),
            ArithOp::Mul => self.sat_mul(x, y),
            ArithOp::Div => self.divide(x, y),
        }
    }

    /// The limit a saturating operation stops at: `i64::MAX` for a `sign` word of 0, `i64::MIN`
    /// for -1 (all ones).
    pub(super) fn limit(&mut self, sign: ir::Value) -> ir::Value {
        self.b.ins().bxor_imm_s(sign, i64::MAX)
    }

    pub(super) fn sat_add(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
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

    pub(super) fn sat_sub(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
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

    pub(super) fn sat_mul(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
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

    pub(super) fn sat_neg(&mut self, x: ir::Value) -> ir::Value {
        let negated = self.b.ins().ineg(x);
        let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
        let max = self.i64_const(i64::MAX);
        self.b.ins().select(is_min, max, negated)
    }

    /// `x / y` truncating: 0 when `y` is 0, `i64::MAX` for `i64::MIN / -1`; never traps.
    pub(super) fn divide(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
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
