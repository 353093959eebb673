//! `natskit context`: saving, listing, selecting, showing and removing contexts in a temp
//! configuration folder (never the real home), and connecting through them, with the
//! precedence flag > environment > context > default.

use std::path::PathBuf;

use natskit_test::{NatsServer, TempDir};

use crate::support::{
    command, json_lines, natskit_bare, one_error_line, server, stdout_of, Running,
};

/// A configuration folder of its own, given to every run as `XDG_CONFIG_HOME`.
struct Config {
    dir: TempDir,
}

impl Config {
    fn new() -> Config {
        Config {
            dir: TempDir::new("cli-config").expect("temp dir"),
        }
    }

    /// `natskit <args>` using this folder.
    fn run(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = natskit_bare(args);
        cmd.env("XDG_CONFIG_HOME", self.dir.path());
        cmd
    }

    /// Runs `natskit <args>`, asserting success; returns standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).assert().success();
        stdout_of(out.get_output())
    }

    /// Runs `natskit <args>`, asserting status 1 and one error line; returns the line.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args).assert().code(1);
        one_error_line(out.get_output())
    }

    /// The file of context `name`.
    fn file(&self, name: &str) -> PathBuf {
        self.dir
            .path()
            .join("natskit")
            .join("context")
            .join(format!("{name}.json"))
    }
}

#[test]
fn add_ls_select_show_rm() {
    let config = Config::new();
    assert_eq!(config.ok(&["context", "ls"]), "");
    config
        .run(&[
            "context",
            "add",
            "local",
            "-s",
            "nats://127.0.0.1:4222",
            "--description",
            "my laptop",
        ])
        .assert()
        .success()
        .stderr(format!(
            "Saved context \"local\" in {}\n",
            config.file("local").display()
        ));
    config.ok(&[
        "context",
        "add",
        "prod",
        "-s",
        "tls://nats.example.com",
        "--user",
        "alice",
        "--password",
        "pw-secret",
        "--select",
    ]);
    assert_eq!(
        config.ok(&["context", "ls"]),
        "  local  nats://127.0.0.1:4222   my laptop\n* prod   tls://nats.example.com\n"
    );
    let json = config.ok(&["context", "ls", "--json"]);
    let lines = json_lines(&json);
    assert_eq!(lines.len(), 2, "{json}");
    assert_eq!(lines[1]["name"], "prod");
    assert_eq!(lines[1]["selected"], true);
    assert_eq!(lines[1]["password"], "********");

    // Shown masked, stored as given (in a file only its owner reads).
    let shown = config.ok(&["context", "show"]);
    assert!(shown.contains("user:           alice\n"), "{shown}");
    assert!(shown.contains("password:       ********\n"), "{shown}");
    assert!(!shown.contains("pw-secret") && !json.contains("pw-secret"));
    let stored = std::fs::read_to_string(config.file("prod")).expect("context file");
    assert!(stored.contains("\"password\": \"pw-secret\""), "{stored}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(config.file("prod")).expect("metadata");
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }

    config.ok(&["context", "select", "local"]);
    assert!(config.ok(&["context", "ls"]).starts_with("* local "));
    config.ok(&["context", "rm", "local"]);
    assert_eq!(
        config.ok(&["context", "ls"]),
        "  prod  tls://nats.example.com\n"
    );
    assert!(!config.file("local").exists());
    assert_eq!(
        config.fails(&["context", "show"]),
        "error: no context is selected; name one: natskit context show NAME"
    );

    assert_eq!(
        config.fails(&["context", "add", "prod"]),
        "error: context \"prod\" exists; --force replaces it"
    );
    config.ok(&[
        "context",
        "add",
        "prod",
        "--force",
        "-s",
        "nats://other:4222",
    ]);
    assert!(config
        .ok(&["context", "show", "prod"])
        .contains("server:         nats://other:4222\n"));
}

#[test]
fn credentials_in_a_saved_url_are_masked_when_shown() {
    let config = Config::new();
    config.ok(&[
        "context",
        "add",
        "inurl",
        "-s",
        "nats://alice:url-pw-1@127.0.0.1:4222,nats://url-token-2@127.0.0.2:4222",
        "--select",
    ]);
    for args in [
        &["context", "ls"][..],
        &["context", "ls", "--json"],
        &["context", "show"],
        &["context", "show", "--json"],
    ] {
        let shown = config.ok(args);
        assert!(
            shown.contains("nats://alice:***@127.0.0.1:4222,nats://***@127.0.0.2:4222"),
            "{args:?}: {shown}"
        );
        assert!(
            !shown.contains("url-pw-1") && !shown.contains("url-token-2"),
            "{args:?}: {shown}"
        );
    }
}

#[test]
fn file_paths_are_saved_absolute() {
    let config = Config::new();
    let work = TempDir::new("cli-work").expect("temp dir");
    config
        .run(&["context", "add", "files", "--creds", "keys/app.creds"])
        .current_dir(work.path())
        .assert()
        .success();
    let shown = config.ok(&["context", "show", "files"]);
    let expected = work.path().join("keys/app.creds");
    assert!(
        shown.contains(&format!("creds:          {}\n", expected.display())),
        "{shown}"
    );
}

#[test]
fn a_selected_context_connects_pub_and_sub() {
    let server = NatsServer::builder()
        .with_config("authorization { user: alice, password: s3cret }\n")
        .start()
        .expect("start nats-server");
    let config = Config::new();
    config.ok(&[
        "context",
        "add",
        "team",
        "-s",
        &server.url(),
        "--user",
        "alice",
        "--password",
        "s3cret",
        "--select",
    ]);
    let mut sub = command(&["sub", "ctx.greet", "--count", "1"]);
    sub.env("XDG_CONFIG_HOME", config.dir.path());
    let sub = Running::spawn(sub, "Subscribing on");
    config.ok(&["pub", "ctx.greet", "hello through a context"]);
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    assert!(done.stdout.contains("hello through a context"), "{done:?}");

    // A refusal names the context the credentials came from.
    config.ok(&[
        "context",
        "add",
        "stale",
        "-s",
        &server.url(),
        "--user",
        "alice",
        "--password",
        "old-pw-123",
    ]);
    let line = config.fails(&["pub", "x", "hi", "--context", "stale"]);
    assert!(
        line.contains("refused user \"alice\" from context \"stale\"")
            && !line.contains("old-pw-123"),
        "{line}"
    );
}

#[test]
fn flag_over_environment_over_context_over_default() {
    let live = server();
    let live_url = live.url();
    let dead_url = "nats://127.0.0.1:1";
    let config = Config::new();
    config.ok(&["context", "add", "dead", "-s", dead_url, "--select"]);
    config.ok(&["context", "add", "live", "-s", &live_url]);
    let unreachable = "error: could not connect to 127.0.0.1:1: ";

    // The selected context, not the default server.
    assert!(config.fails(&["pub", "x", "hi"]).starts_with(unreachable));
    // NATS_URL over the context; --server over NATS_URL, both ways.
    config
        .run(&["pub", "x", "hi"])
        .env("NATS_URL", &live_url)
        .assert()
        .success();
    config
        .run(&["pub", "x", "hi", "-s", &live_url])
        .env("NATS_URL", dead_url)
        .assert()
        .success();
    let line = one_error_line(
        config
            .run(&["pub", "x", "hi", "-s", dead_url])
            .env("NATS_URL", &live_url)
            .assert()
            .code(1)
            .get_output(),
    );
    assert!(line.starts_with(unreachable), "{line}");
    // A named context over the selected one; --context over NATS_CONTEXT.
    config.ok(&["pub", "x", "hi", "--context", "live"]);
    config
        .run(&["pub", "x", "hi"])
        .env("NATS_CONTEXT", "live")
        .assert()
        .success();
    let line = one_error_line(
        config
            .run(&["pub", "x", "hi", "--context", "dead"])
            .env("NATS_CONTEXT", "live")
            .assert()
            .code(1)
            .get_output(),
    );
    assert!(line.starts_with(unreachable), "{line}");

    // Credentials: a flag or variable over the context's.
    let guarded = NatsServer::builder()
        .with_config("authorization { token: right }\n")
        .start()
        .expect("start nats-server");
    config.ok(&[
        "context",
        "add",
        "tok",
        "-s",
        &guarded.url(),
        "--token",
        "wrong",
    ]);
    let line = config.fails(&["pub", "x", "hi", "--context", "tok"]);
    assert!(
        line.contains("refused the token from context \"tok\""),
        "{line}"
    );
    config.ok(&["pub", "x", "hi", "--context", "tok", "--token", "right"]);
    config
        .run(&["pub", "x", "hi", "--context", "tok"])
        .env("NATS_TOKEN", "right")
        .assert()
        .success();
}

#[test]
fn bad_names_and_unknown_contexts_are_one_line_errors() {
    let config = Config::new();
    for bad in ["a/b", "../up", ".hidden", "with space"] {
        let line = config.fails(&["context", "add", bad, "-s", "nats://x:4222"]);
        assert!(
            line.starts_with(&format!("error: invalid context name {bad:?}: ")),
            "{line}"
        );
    }
    // Nothing was written anywhere for them.
    assert!(!config.dir.path().join("natskit").exists());

    let unknown = "error: no context named \"nope\" ('natskit context ls' lists them)";
    assert_eq!(
        config.fails(&["pub", "x", "hi", "--context", "nope"]),
        unknown
    );
    assert_eq!(
        one_error_line(
            config
                .run(&["sub", "x"])
                .env("NATS_CONTEXT", "nope")
                .assert()
                .code(1)
                .get_output()
        ),
        unknown
    );
    assert_eq!(config.fails(&["context", "select", "nope"]), unknown);
    assert_eq!(config.fails(&["context", "show", "nope"]), unknown);
    assert_eq!(config.fails(&["context", "rm", "nope"]), unknown);

    // A selection whose context is gone stops connecting commands instead of quietly using
    // the default server.
    std::fs::create_dir_all(config.dir.path().join("natskit")).expect("mkdir");
    std::fs::write(config.dir.path().join("natskit/context.txt"), "ghost\n").expect("write");
    let line = config.fails(&["pub", "x", "hi"]);
    assert!(
        line.starts_with("error: the selected context is unusable: no context named \"ghost\""),
        "{line}"
    );
}

#[test]
fn the_demo_keeps_its_broker_unless_a_context_is_named() {
    let live = server();
    let config = Config::new();
    config.ok(&[
        "context",
        "add",
        "dead",
        "-s",
        "nats://127.0.0.1:1",
        "--select",
    ]);
    config.ok(&["context", "add", "live", "-s", &live.url()]);
    let stdout = config.ok(&["demo", "--pace", "0"]);
    assert!(stdout.contains("through the embedded broker"), "{stdout}");
    let stdout = config.ok(&["demo", "--pace", "0", "--context", "live"]);
    assert!(
        stdout.contains(&format!("through the server at {}", live.url())),
        "{stdout}"
    );
}

#[test]
fn a_context_natskit_cannot_read_is_an_error_and_no_context_skips_it() {
    let server = server();
    let config = Config::new();
    config.ok(&["context", "add", "prod", "-s", &server.url(), "--select"]);
    // A `nats` CLI context copied in: its server is under "url", which natskit's files do not
    // have; read leniently, it would connect to 127.0.0.1:4222.
    std::fs::write(
        config.file("prod"),
        format!("{{\"url\": \"{}\", \"user\": \"\"}}", server.url()),
    )
    .expect("write");
    let line = config.fails(&["pub", "x", "hi"]);
    assert!(
        line.starts_with("error: the selected context is unusable: context \"prod\" (")
            && line.contains("is not valid: unknown key \"url\"; it looks like a `nats` CLI context, which 'natskit context import' reads"),
        "{line}"
    );
    std::fs::write(config.file("prod"), "{\"server\": ").expect("write");
    let line = config.fails(&["pub", "x", "hi", "--context", "prod"]);
    assert!(line.contains("prod.json) is not valid: EOF"), "{line}");

    // --no-context reads none: not the selected one, not NATS_CONTEXT.
    config.ok(&["pub", "x", "hi", "--no-context", "-s", &server.url()]);
    config
        .run(&["pub", "x", "hi", "--no-context", "-s", &server.url()])
        .env("NATS_CONTEXT", "prod")
        .assert()
        .success();
    let out = config
        .run(&["pub", "x", "hi", "--no-context", "--context", "prod"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn import_reads_the_nats_cli_contexts_and_names_what_it_skips() {
    let server = NatsServer::builder()
        .with_config("authorization { user: alice, password: s3cret }\n")
        .start()
        .expect("start nats-server");
    let config = Config::new();
    let nats = config.dir.path().join("nats").join("context");
    std::fs::create_dir_all(&nats).expect("mkdir");
    // As the nats CLI writes one: every key, most of them empty.
    let file = serde_json::json!({
        "description": "the team's", "url": server.url(), "socks_proxy": "", "token": "",
        "user": "alice", "password": "s3cret", "creds": "", "nkey": "", "cert": "", "key": "",
        "ca": "", "nsc": "", "jetstream_domain": "hub", "jetstream_api_prefix": "",
        "jetstream_event_prefix": "", "inbox_prefix": "", "user_jwt": "", "user_seed": "",
        "color_scheme": "", "tls_first": false, "windows_cert_store": "",
        "windows_cert_match_by": "", "windows_cert_match": "", "windows_ca_certs_match": null
    });
    std::fs::write(nats.join("team.json"), file.to_string()).expect("write");
    let out = config.run(&["context", "import"]).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("Imported context \"team\" from ")
            && stderr
                .ends_with("team.json; skipped jetstream_domain (natskit has no such setting)\n"),
        "{stderr}"
    );
    config.ok(&[
        "pub",
        "x",
        "through an imported context",
        "--context",
        "team",
    ]);
    let shown = config.ok(&["context", "show", "team"]);
    assert!(
        shown.contains("user:           alice") && shown.contains("description:    the team's"),
        "{shown}"
    );

    // A name taken, a name the nats CLI does not have, a file it cannot read: errors.
    assert_eq!(
        config.fails(&["context", "import", "team"]),
        "error: context \"team\" exists; --force replaces it"
    );
    config.ok(&["context", "import", "team", "--force"]);
    let line = config.fails(&["context", "import", "ghost"]);
    assert!(
        line.starts_with("error: the nats CLI has no context named \"ghost\" (no "),
        "{line}"
    );
    std::fs::write(nats.join("broken.json"), "{\"url\": ").expect("write");
    let line = config.fails(&["context", "import", "broken"]);
    assert!(
        line.starts_with("error: the nats CLI context ")
            && line.contains("broken.json is not valid JSON"),
        "{line}"
    );
    assert!(!config.file("broken").exists());
}
