//! A typed connection to an agent, over any byte stream.
