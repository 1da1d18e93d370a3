//! W0007 `needless-optional-check`.
//!
//! **What it does.** Flags `x ?? default` and `x is set` / `x is not set` where `x` can never be
//! missing (its type is not `T?`).
//!
//! **Why it matters.** The default is dead code and the test is constant; often the author
//! believes a field is optional when it is not, or tests the wrong field.
//!
//! **Example.**
//! ```text
//! profile { plan: string = "free" }
//! segment paid = (profile.plan ?? "free") != "free"   // warning[W0007]: `profile.plan` is never missing
//! ```
//!
//! Detected while typing expressions (`expr.rs`), where the operand's type is known.
