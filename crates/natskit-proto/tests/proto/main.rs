//! Conformance tests of natskit-proto: the parser cases of the protocol checklist (section 6),
//! frames split at every byte offset, and encode/decode round trips in both directions.

mod support;

mod broker_ops;
mod client_ops;
mod headers;
mod limits;
mod nuid;
mod parser_cases;
mod roundtrip;
mod split;
mod subjects;
mod write_buffer;
