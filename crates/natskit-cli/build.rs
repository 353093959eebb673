//! Bundles the official NATS WebSocket client (npm's `nats.ws`, put in `web/node_modules` by
//! `make deps`) and its licence into the binary, for the LED-matrix page of
//! `natskit demo --device --web`. Without it the binary builds all the same, and `--web` says to
//! run `make deps` and build again.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(natskit_web_bundle)");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let web = manifest.join("../../web");
    let package = web.join("node_modules/nats.ws");
    let bundle = package.join("esm/nats.js");
    let licence = package.join("LICENSE");
    if bundle.is_file() && licence.is_file() {
        println!("cargo::rerun-if-changed={}", bundle.display());
        println!("cargo::rerun-if-changed={}", licence.display());
        println!("cargo::rustc-cfg=natskit_web_bundle");
        println!(
            "cargo::rustc-env=NATSKIT_NATS_WS_BUNDLE={}",
            bundle.display()
        );
        println!(
            "cargo::rustc-env=NATSKIT_NATS_WS_LICENCE={}",
            licence.display()
        );
    } else {
        // Watching the folder (not the missing files, which would rerun this on every build)
        // notices `npm ci` creating node_modules.
        println!("cargo::rerun-if-changed={}", web.display());
    }
}
