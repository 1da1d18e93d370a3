//! The generators' random numbers: xorshift64*, seeded, so that every run makes the same program
//! and the same stream.

/// A small xorshift64* generator.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any seed: the state is never zero).
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x2545_F491_4F6C_DD1D | 1)
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` at least 1).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: no modulo bias worth the name, and no division.
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// A number in `low..high`.
    pub(crate) fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low))
    }

    /// One of `items` (not empty).
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}
