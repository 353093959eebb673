//! `natskit completions SHELL`: a script on standard output naming every command.

use crate::support::{natskit_bare, one_error_line, stdout_of};

#[test]
fn each_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = natskit_bare(&["completions", shell]).assert().success();
        let script = stdout_of(out.get_output());
        for word in [
            "pub",
            "sub",
            "req",
            "reply",
            "micro",
            "context",
            "kv",
            "completions",
            "tlsca",
        ] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
        assert!(
            out.get_output().stderr.is_empty(),
            "{shell}: nothing on stderr"
        );
    }
}

#[test]
fn the_bash_script_parses() {
    let out = natskit_bare(&["completions", "bash"]).assert().success();
    let dir = natskit_test::TempDir::new("cli-completions").expect("temp dir");
    let file = dir.path().join("natskit.bash");
    std::fs::write(&file, &out.get_output().stdout).expect("write script");
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .status()
        .expect("run bash -n");
    assert!(status.success(), "bash -n rejected the script");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = natskit_bare(&["completions", "tcsh"]).assert().code(2);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid value 'tcsh' for '<SHELL>'; possible values: bash, ")
            && line.ends_with("(see 'natskit completions --help')"),
        "{line}"
    );
    natskit_bare(&["completions"]).assert().code(2);
}
