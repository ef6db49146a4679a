//! A tiny deterministic random generator for the randomized tests (no dependency).

/// xorshift64: a tiny deterministic generator for the randomized tests.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// 0 ..= `high`.
    pub(super) fn upto(&mut self, high: u64) -> u64 {
        self.next() % (high + 1)
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.upto(i as u64)).unwrap();
            items.swap(i, j);
        }
    }
}
