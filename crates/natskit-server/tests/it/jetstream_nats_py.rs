//! nats-py's JetStream, KV and object-store clients through the js_broker_* scenarios of
//! scripts/foreign/nats_py_scenarios.py, against nats-server 2.10 `-js` and the embedded broker:
//! the script's expectations are the same for both.
//!
//! Plain tests: NatsPy blocks, so the embedded broker runs on a runtime of its own (Hosted).

use std::time::Duration;

use natskit_test::NatsPy;

use crate::js_backends::{embedded_builder, nats_server, store_dir, Kind};
use crate::support::Hosted;

/// Runs `scenario` against a fresh broker of `kind`, stopped afterwards.
fn run(kind: Kind, scenario: &str) {
    let nats_py = NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
        .timeout(Duration::from_secs(30));
    match kind {
        Kind::NatsServer => {
            let mut server = nats_server();
            let result = nats_py.run(&server.url(), scenario);
            server.stop().expect("stop nats-server");
            result.unwrap_or_else(|e| panic!("{e}"));
        }
        Kind::Embedded => {
            let dir = store_dir();
            let hosted = Hosted::start(embedded_builder(&dir));
            nats_py
                .run(&hosted.url(), scenario)
                .unwrap_or_else(|e| panic!("{e}"));
            hosted.no_connections_left();
        }
    }
}

/// For each scenario, a module with a test per broker.
macro_rules! scenarios {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::{run, Kind};

                #[test]
                fn nats_server() {
                    run(Kind::NatsServer, stringify!($scenario));
                }

                #[test]
                fn embedded() {
                    run(Kind::Embedded, stringify!($scenario));
                }
            }
        )*
    };
}

scenarios!(js_broker_stream, js_broker_kv, js_broker_obj);
