//! Finding `nats-server`, and the error when it is missing.

use std::path::Path;

use natskit_test::{binary, Error, NatsCluster, NatsServer, INSTALL_HINT};

#[test]
fn found_on_this_machine() {
    let bin = binary::find_nats_server().unwrap();
    assert!(bin.is_file(), "{}", bin.display());
}

#[test]
fn missing_binary_names_the_install_command() {
    let missing = Path::new("/nonexistent/natskit/nats-server");
    let err = NatsServer::builder().binary(missing).start().unwrap_err();
    match &err {
        Error::BinaryNotFound { searched } => assert_eq!(searched, &[missing.to_path_buf()]),
        other => panic!("expected BinaryNotFound, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(INSTALL_HINT), "{text}");
    assert!(text.contains("apt-get install -y nats-server"), "{text}");
    assert!(text.contains("make test"), "{text}");
    assert!(text.contains("/nonexistent/natskit/nats-server"), "{text}");
}

#[test]
fn a_non_executable_file_is_not_a_binary() {
    let file = std::env::temp_dir().join(format!("natskit-not-exec-{}", std::process::id()));
    std::fs::write(&file, "not a program").unwrap();
    let err = binary::locate(Some(&file)).unwrap_err();
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(err, Error::BinaryNotFound { .. }), "{err}");
}

#[test]
fn cluster_reports_a_missing_binary_too() {
    let err = NatsCluster::builder()
        .binary("/nonexistent/nats-server")
        .start()
        .unwrap_err();
    assert!(err.to_string().contains(INSTALL_HINT), "{err}");
}
