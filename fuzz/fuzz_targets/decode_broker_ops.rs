//! Fuzzes `BrokerOpDecoder` (whole and cut into pieces) and the round trip of what it decodes.
//! Input layout and checks: see the harness in `fuzz/src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natskit_proto_fuzz::{fuzz_decoder, Broker};

fuzz_target!(|data: &[u8]| fuzz_decoder::<Broker>(data));
