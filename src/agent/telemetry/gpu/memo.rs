//! Remembers which GPU readings fail, so a field that errors is not asked again every tick.
//!
//! A permanent error (the GPU does not support the query: a data-centre GPU has no fan) stops
//! the questions for good; any other error waits [`RETRY_AFTER_TICKS`] ticks before the next
//! try. Either way the field reads as `None` ("n/a") meanwhile. The type knows nothing of
//! NVML, so it is tested with plain errors.

use std::fmt::Display;

/// Ticks to wait before asking again after an error that may go away.
pub(crate) const RETRY_AFTER_TICKS: u64 = 30;

/// Whether an error will come back every time (so asking again is pointless).
pub(crate) trait Permanence {
    fn is_permanent(&self) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ask,
    Never,
    WaitUntil(u64),
}

/// The memo of one field of one GPU.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldMemo {
    state: State,
}

impl FieldMemo {
    /// Calls `query` unless this field failed before and should not be asked yet.
    /// `what` names the field in the log line written at the first failure.
    pub(crate) fn read<T, E: Permanence + Display>(
        &mut self,
        tick: u64,
        what: &str,
        query: impl FnOnce() -> Result<T, E>,
    ) -> Option<T> {
        match self.state {
            State::Never => return None,
            State::WaitUntil(next) if tick < next => return None,
            State::Ask | State::WaitUntil(_) => {}
        }
        match query() {
            Ok(value) => {
                self.state = State::Ask;
                Some(value)
            }
            Err(error) if error.is_permanent() => {
                tracing::debug!("gpu: {what}: {error}; not asked again");
                self.state = State::Never;
                None
            }
            Err(error) => {
                if self.state == State::Ask {
                    tracing::warn!(
                        "gpu: {what}: {error}; asking again every {RETRY_AFTER_TICKS} ticks"
                    );
                }
                self.state = State::WaitUntil(tick + RETRY_AFTER_TICKS);
                None
            }
        }
    }

    /// Whether the field has been given up for good.
    #[cfg(test)]
    pub(crate) fn is_given_up(&self) -> bool {
        self.state == State::Never
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[derive(Debug)]
    enum TestError {
        Unsupported,
        Flaky,
    }

    impl Display for TestError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl Permanence for TestError {
        fn is_permanent(&self) -> bool {
            matches!(self, TestError::Unsupported)
        }
    }

    #[test]
    fn good_values_are_read_every_tick() {
        let mut memo = FieldMemo::default();
        let calls = Cell::new(0);
        for tick in 0..5 {
            let value = memo.read(tick, "x", || {
                calls.set(calls.get() + 1);
                Ok::<_, TestError>(tick * 2)
            });
            assert_eq!(value, Some(tick * 2));
        }
        assert_eq!(calls.get(), 5);
    }

    #[test]
    fn permanent_errors_stop_the_questions() {
        let mut memo = FieldMemo::default();
        let calls = Cell::new(0);
        for tick in 0..100 {
            let value: Option<u32> = memo.read(tick, "fan", || {
                calls.set(calls.get() + 1);
                Err(TestError::Unsupported)
            });
            assert_eq!(value, None);
        }
        assert_eq!(calls.get(), 1);
        assert!(memo.is_given_up());
    }

    #[test]
    fn other_errors_back_off_then_ask_again() {
        let mut memo = FieldMemo::default();
        let calls = Cell::new(0);
        let mut failing = true;
        let mut seen = Vec::new();
        for tick in 0..=(2 * RETRY_AFTER_TICKS + 1) {
            if tick == RETRY_AFTER_TICKS + 1 {
                failing = false;
            }
            let value = memo.read(tick, "power", || {
                calls.set(calls.get() + 1);
                if failing {
                    Err(TestError::Flaky)
                } else {
                    Ok(tick)
                }
            });
            seen.push(value);
        }
        // Asked at tick 0 (fails), then not before tick 30 (fails again), then at 60 (works).
        assert_eq!(calls.get(), 4);
        assert!(
            seen[..(2 * RETRY_AFTER_TICKS) as usize]
                .iter()
                .all(Option::is_none)
        );
        assert_eq!(
            seen[(2 * RETRY_AFTER_TICKS) as usize],
            Some(2 * RETRY_AFTER_TICKS)
        );
        assert_eq!(
            seen[(2 * RETRY_AFTER_TICKS + 1) as usize],
            Some(2 * RETRY_AFTER_TICKS + 1)
        );
        assert!(!memo.is_given_up());
    }
}
