//! Fuzzes `ServerOpDecoder` (whole and cut into pieces) and the round trip through
//! `WriteBuffer::put_server_op`. Input layout and checks: see the harness in `fuzz/src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natskit_proto_fuzz::{fuzz_decoder, Server};

fuzz_target!(|data: &[u8]| fuzz_decoder::<Server>(data));
