//! Named contexts: saved [`Settings`], one small JSON file each in
//! `$XDG_CONFIG_HOME/natskit/context/NAME.json` (or `~/.config/...`), and the selected one's
//! name in `context.txt` beside that folder.
//!
//! Files are written to a temporary name and renamed, so a reader never sees half a file;
//! they are private to their owner (0600, folder 0700) since they may hold passwords.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::settings::Settings;

/// Longest context name accepted.
const MAX_NAME: usize = 64;

/// What a context file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// A note for `natskit context ls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The connection settings.
    #[serde(flatten)]
    pub settings: Settings,
}

/// The folder of contexts and the selection.
#[derive(Debug, Clone)]
pub struct Store {
    /// `.../natskit`.
    dir: PathBuf,
}

impl Store {
    /// The store of this user: under `XDG_CONFIG_HOME` when set (and absolute, as the XDG
    /// spec asks), else under `$HOME/.config`.
    pub fn from_env() -> Result<Store, CliError> {
        let var = |name| std::env::var_os(name).map(PathBuf::from);
        let config = match (var("XDG_CONFIG_HOME"), var("HOME")) {
            (Some(xdg), _) if xdg.is_absolute() => xdg,
            (_, Some(home)) if home.is_absolute() => home.join(".config"),
            _ => return Err(CliError::msg(
                "cannot find the configuration folder for contexts: set XDG_CONFIG_HOME or HOME",
            )),
        };
        Ok(Store::at(config.join("natskit")))
    }

    /// A store in `dir` (which holds `context/` and `context.txt`).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The file of context `name` (which must be valid).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join("context").join(format!("{name}.json"))
    }

    /// The file naming the selected context.
    fn selection_path(&self) -> PathBuf {
        self.dir.join("context.txt")
    }

    /// Reads context `name`.
    pub fn load(&self, name: &str) -> Result<Context, CliError> {
        check_name(name)?;
        let path = self.path(name);
        let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => no_such_context(name),
            _ => CliError::msg(format!(
                "cannot read context {name:?} ({}): {e}",
                path.display()
            )),
        })?;
        parse(&text).map_err(|why| {
            CliError::msg(format!(
                "context {name:?} ({}) is not valid: {why}",
                path.display()
            ))
        })
    }

    /// Whether context `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_file()
    }

    /// Writes context `name`; returns its file.
    pub fn save(&self, name: &str, context: &Context) -> Result<PathBuf, CliError> {
        check_name(name)?;
        let mut text = serde_json::to_string_pretty(context)
            .map_err(|e| CliError::msg(format!("cannot encode context {name:?}: {e}")))?;
        text.push('\n');
        let path = self.path(name);
        write_private(&path, &text).map_err(|e| {
            CliError::msg(format!(
                "cannot save context {name:?} ({}): {e}",
                path.display()
            ))
        })?;
        Ok(path)
    }

    /// Deletes context `name`, and the selection when it named it.
    pub fn remove(&self, name: &str) -> Result<(), CliError> {
        check_name(name)?;
        let path = self.path(name);
        fs::remove_file(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => no_such_context(name),
            _ => CliError::msg(format!(
                "cannot remove context {name:?} ({}): {e}",
                path.display()
            )),
        })?;
        if self.selected()?.as_deref() == Some(name) {
            self.select(None)?;
        }
        Ok(())
    }

    /// The names of the contexts, sorted (files that are not `VALID_NAME.json` are skipped).
    pub fn names(&self) -> Result<Vec<String>, CliError> {
        let folder = self.dir.join("context");
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(CliError::msg(format!(
                    "cannot list {}: {e}",
                    folder.display()
                )))
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
            .filter(|name| check_name(name).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// The selected context's name, if one is selected.
    pub fn selected(&self) -> Result<Option<String>, CliError> {
        let path = self.selection_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_owned()).filter(|name| !name.is_empty())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::msg(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Selects context `name`, or none.
    pub fn select(&self, name: Option<&str>) -> Result<(), CliError> {
        let path = self.selection_path();
        let result = match name {
            Some(name) => {
                check_name(name)?;
                write_private(&path, &format!("{name}\n"))
            }
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        result.map_err(|e| CliError::msg(format!("cannot write {}: {e}", path.display())))
    }
}

/// The keys a context file may hold: `description` and the [`Settings`] fields.
pub const KEYS: &[&str] = &[
    "description",
    "server",
    "user",
    "password",
    "token",
    "creds",
    "nkey",
    "jwt",
    "seed",
    "tlscert",
    "tlskey",
    "tlsca",
    "tlsfirst",
    "name",
];

/// Keys of the `nats` CLI's context files that natskit's do not have: a file holding one was
/// made for (or copied from) the `nats` CLI.
const NATS_CLI_KEYS: &[&str] = &["url", "cert", "key", "ca", "user_jwt", "user_seed", "nsc"];

/// A context file's text as a [`Context`]. A key natskit does not know is an error, never
/// ignored: a file meant for another tool would otherwise connect to the default server.
fn parse(text: &str) -> Result<Context, String> {
    let document: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Some(fields) = document.as_object() else {
        return Err("it is not a JSON object".to_owned());
    };
    let unknown: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|key| !KEYS.contains(key))
        .collect();
    if !unknown.is_empty() {
        let keys: Vec<String> = unknown.iter().map(|key| format!("{key:?}")).collect();
        let what = if unknown.len() == 1 { "key" } else { "keys" };
        let hint = if unknown.iter().any(|key| NATS_CLI_KEYS.contains(key)) {
            "it looks like a `nats` CLI context, which 'natskit context import' reads".to_owned()
        } else {
            format!("the keys are {}", KEYS.join(", "))
        };
        return Err(format!("unknown {what} {}; {hint}", keys.join(", ")));
    }
    serde_json::from_value(document).map_err(|e| e.to_string())
}

/// The error for a context that does not exist, wherever it is named.
fn no_such_context(name: &str) -> CliError {
    CliError::msg(format!(
        "no context named {name:?} ('natskit context ls' lists them)"
    ))
}

/// Accepts names made of letters, digits, `.`, `_` and `-`, not starting with `.`: they are
/// file names, so no path separators, no `..`, no hidden files.
pub fn check_name(name: &str) -> Result<(), CliError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty()
        || name.len() > MAX_NAME
        || name.starts_with('.')
        || !name.chars().all(allowed)
    {
        return Err(CliError::msg(format!(
            "invalid context name {name:?}: use up to {MAX_NAME} letters, digits, '.', '_' and '-', not starting with '.'"
        )));
    }
    Ok(())
}

/// Writes `text` to `path` atomically (a temporary file in the same folder, then a rename),
/// readable by the owner only; creates the folder (0700) when missing.
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)?;
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("file");
    let temporary = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    // A leftover of a crashed run may have other permissions: only a file made here is 0600.
    let _ = fs::remove_file(&temporary);
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store in a fresh temp folder (removed with the returned guard).
    fn store() -> (Store, natskit_test::TempDir) {
        let dir = natskit_test::TempDir::new("context-store").unwrap();
        (Store::at(dir.path().join("natskit")), dir)
    }

    #[test]
    fn names_are_checked() {
        for good in ["prod", "eu-west.1", "a_b", "X"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "a b",
            "ü",
            &"n".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn save_load_list_select_remove() {
        let (store, _dir) = store();
        assert!(store.names().unwrap().is_empty());
        assert_eq!(store.selected().unwrap(), None);
        let context = Context {
            description: Some("laptop".into()),
            settings: Settings {
                server: Some("nats://127.0.0.1:4222".into()),
                ..Settings::default()
            },
        };
        store.save("b", &context).unwrap();
        store.save("a", &Context::default()).unwrap();
        assert_eq!(store.load("b").unwrap(), context);
        assert_eq!(store.names().unwrap(), ["a", "b"]);

        store.select(Some("b")).unwrap();
        assert_eq!(store.selected().unwrap().as_deref(), Some("b"));
        store.remove("b").unwrap();
        assert_eq!(
            store.selected().unwrap(),
            None,
            "removing the selected one unselects"
        );
        assert_eq!(store.names().unwrap(), ["a"]);
        let err = store.load("b").unwrap_err().to_string();
        assert!(err.starts_with("no context named \"b\""), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_no_temporary_is_left() {
        use std::os::unix::fs::PermissionsExt;
        let (store, _dir) = store();
        let path = store.save("secret", &Context::default()).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let files: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(files.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_leftover_temporary_file_does_not_lend_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let (store, _dir) = store();
        let path = store.save("secret", &Context::default()).unwrap();
        let folder = path.parent().unwrap();
        let leftover = folder.join(format!(".secret.json.{}.tmp", std::process::id()));
        fs::write(&leftover, "old").unwrap();
        fs::set_permissions(&leftover, fs::Permissions::from_mode(0o644)).unwrap();
        let path = store.save("secret", &Context::default()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!leftover.exists());
    }

    #[test]
    fn the_known_keys_are_the_fields() {
        let full = Context {
            description: Some("d".into()),
            settings: Settings {
                server: Some("s".into()),
                user: Some("u".into()),
                password: Some(String::from("p").into()),
                token: Some(String::from("t").into()),
                creds: Some("c".into()),
                nkey: Some("n".into()),
                jwt: Some("j".into()),
                seed: Some(String::from("s").into()),
                tlscert: Some("c".into()),
                tlskey: Some("k".into()),
                tlsca: Some("a".into()),
                tlsfirst: true,
                name: Some("n".into()),
            },
        };
        let json = serde_json::to_value(&full).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut known = KEYS.to_vec();
        keys.sort_unstable();
        known.sort_unstable();
        assert_eq!(keys, known);
        assert_eq!(parse(&json.to_string()).unwrap(), full);
    }

    #[test]
    fn unknown_keys_are_errors_naming_them() {
        let err = parse(r#"{"url": "nats://prod:4222", "user": "a"}"#).unwrap_err();
        assert!(
            err.starts_with("unknown key \"url\"; it looks like a `nats` CLI context"),
            "{err}"
        );
        let err = parse(r#"{"servr": "x", "colour": 1}"#).unwrap_err();
        assert!(
            err.starts_with("unknown keys \"colour\", \"servr\"; the keys are description,"),
            "{err}"
        );
        assert_eq!(parse("[]").unwrap_err(), "it is not a JSON object");
    }

    #[test]
    fn a_broken_file_is_reported_with_its_path() {
        let (store, _dir) = store();
        let path = store.save("x", &Context::default()).unwrap();
        fs::write(&path, "{not json").unwrap();
        let err = store.load("x").unwrap_err().to_string();
        assert!(
            err.contains("is not valid") && err.contains("x.json"),
            "{err}"
        );
    }
}
