//! Protocol tests: round trips and hostile frames.
