//! A small deterministic generator for generated test and bench data: the same data on every
//! run, so a failure can be reproduced.

/// A 64-bit linear congruential generator (Knuth's MMIX constants), seeded by its state.
pub struct Lcg(pub u64);

impl Lcg {
    /// A number below `n` (from the high bits, the well-mixed ones).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// One of `options`, each as likely.
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len() as u64) as usize]
    }
}
