//! Streams: their configuration (`config`), what the server reports of them (`info`), the
//! calls that manage them (`manage`), and reading and deleting their messages (`message`,
//! `direct`).

pub(crate) mod config;
pub(crate) mod direct;
pub(crate) mod info;
pub(crate) mod manage;
pub(crate) mod message;
