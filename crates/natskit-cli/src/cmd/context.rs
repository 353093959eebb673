//! `natskit context add|ls|select|show|import|rm`: connection settings saved under a name, so
//! URLs and credentials are typed once. The files are the `context` module's; this is the command.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::context::{Context, Store};
use crate::error::CliError;
use crate::nats_context;
use crate::output::print;
use crate::secret::{redact_urls, MASK};
use crate::settings::Settings;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit context add local --description 'my laptop' --select
  natskit context add prod -s tls://nats.example.com:4222 --creds ~/.nats/prod.creds
  natskit context ls
  natskit context select prod
  natskit pub orders.new '{}'                 # connects as the selected context says
  natskit sub 'orders.>' --context local      # another context, this once
  natskit context show prod                   # passwords and tokens masked
  natskit context rm local
  natskit context import                      # every context of the `nats` CLI

Each setting comes from its flag, else its environment variable (NATS_URL, NATS_USER, ...),
else the context (--context, NATS_CONTEXT, or the selected one), else the default.
Contexts are files in $XDG_CONFIG_HOME/natskit/context/ (or ~/.config/natskit/context/),
readable by their owner only.";

/// Arguments of `natskit context`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ContextArgs {
    /// What to do with the contexts.
    #[command(subcommand)]
    action: Action,
}

/// What `natskit context` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Save connection settings under a name (only what is given here on the command line;
    /// relative file paths are saved as absolute ones).
    Add(Box<AddArgs>),
    /// List the contexts; `*` marks the selected one.
    Ls {
        /// One JSON document a line (passwords and tokens masked) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Use this context whenever no --context is given.
    Select {
        /// The context's name.
        #[arg(required_unless_present = "none")]
        name: Option<String>,
        /// Select no context.
        #[arg(long, conflicts_with = "name")]
        none: bool,
    },
    /// Print a context's settings (the selected one by default), passwords and tokens masked.
    Show {
        /// The context's name.
        name: Option<String>,
        /// One JSON document instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Copy the `nats` CLI's contexts (~/.config/nats/context/NAME.json), all of them unless
    /// named; the keys natskit has no setting for are named, not copied.
    Import {
        /// The contexts to copy (all by default).
        names: Vec<String>,
        /// Replace natskit contexts of the same names.
        #[arg(long)]
        force: bool,
    },
    /// Delete a context (and unselect it).
    Rm {
        /// The context's name.
        name: String,
    },
}

/// Arguments of `natskit context add`.
#[derive(Debug, Args)]
struct AddArgs {
    /// The context's name: letters, digits, `.`, `_` and `-`.
    name: String,

    /// What to save.
    #[command(flatten)]
    settings: Settings,

    /// A note shown by `natskit context ls`.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// Also select it.
    #[arg(long)]
    select: bool,

    /// Replace a context of the same name.
    #[arg(long)]
    force: bool,
}

/// Runs the context action.
pub async fn run(args: ContextArgs) -> Result<(), CliError> {
    let store = Store::from_env()?;
    match args.action {
        Action::Add(add) => run_add(&store, *add),
        Action::Ls { json } => list(&store, json),
        Action::Select { name, .. } => {
            match &name {
                Some(name) => {
                    store.load(name)?;
                    note!("Selected context {name:?}");
                }
                None => note!("No context selected"),
            }
            store.select(name.as_deref())
        }
        Action::Show { name, json } => {
            let name = match name {
                Some(name) => name,
                None => store.selected()?.ok_or_else(|| {
                    CliError::msg("no context is selected; name one: natskit context show NAME")
                })?,
            };
            let context = store.load(&name)?;
            let selected = store.selected()?.as_deref() == Some(name.as_str());
            let text = if json {
                format!("{}\n", masked(&name, &context, selected))
            } else {
                describe(&name, &context, &store.path(&name))
            };
            print(text.as_bytes())
        }
        Action::Import { names, force } => import(&store, names, force),
        Action::Rm { name } => {
            store.remove(&name)?;
            note!("Removed context {name:?}");
            Ok(())
        }
    }
}

/// `natskit context add`: checks the settings, saves them, selects them if asked.
fn run_add(store: &Store, add: AddArgs) -> Result<(), CliError> {
    crate::context::check_name(&add.name)?;
    add.settings.check_pairs()?;
    if store.exists(&add.name) && !add.force {
        return Err(CliError::msg(format!(
            "context {:?} exists; --force replaces it",
            add.name
        )));
    }
    let mut settings = add.settings;
    // Saved contexts are used from any folder.
    for path in [
        &mut settings.creds,
        &mut settings.nkey,
        &mut settings.tlscert,
        &mut settings.tlskey,
        &mut settings.tlsca,
    ]
    .into_iter()
    .flatten()
    {
        *path = absolute(path)?;
    }
    let context = Context {
        description: add.description,
        settings,
    };
    let file = store.save(&add.name, &context)?;
    if add.select {
        store.select(Some(&add.name))?;
    }
    note!(
        "Saved context {:?} in {}{}",
        add.name,
        file.display(),
        if add.select { "; selected" } else { "" }
    );
    Ok(())
}

/// `natskit context import`: reads every file first, so a bad one or a name taken stops the
/// import before anything is written; then saves each and says what was left out.
fn import(store: &Store, names: Vec<String>, force: bool) -> Result<(), CliError> {
    let folder = nats_context::folder()?;
    let names = if names.is_empty() {
        nats_context::names(&folder)?
    } else {
        names
    };
    if names.is_empty() {
        note!("The nats CLI has no contexts in {}", folder.display());
        return Ok(());
    }
    let mut read = Vec::with_capacity(names.len());
    for name in names {
        crate::context::check_name(&name)?;
        let file = folder.join(format!("{name}.json"));
        if !file.is_file() {
            return Err(CliError::msg(format!(
                "the nats CLI has no context named {name:?} (no {})",
                file.display()
            )));
        }
        let imported = nats_context::read(&file)?;
        imported
            .context
            .settings
            .check_pairs()
            .map_err(|e| CliError::msg(format!("cannot import {}: {e}", file.display())))?;
        if store.exists(&name) && !force {
            return Err(CliError::msg(format!(
                "context {name:?} exists; --force replaces it"
            )));
        }
        read.push((name, file, imported));
    }
    for (name, file, imported) in read {
        store.save(&name, &imported.context)?;
        let mut line = format!("Imported context {name:?} from {}", file.display());
        if !imported.skipped.is_empty() {
            line.push_str(&format!("; skipped {}", imported.skipped.join(", ")));
        }
        note!("{line}");
    }
    Ok(())
}

/// `path` made absolute against the current folder.
fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path)
        .map_err(|e| CliError::msg(format!("cannot make {} absolute: {e}", path.display())))
}

/// `natskit context ls`: a table (`*` marks the selected), or JSON lines.
fn list(store: &Store, json: bool) -> Result<(), CliError> {
    let names = store.names()?;
    if names.is_empty() {
        note!("No contexts yet; 'natskit context add NAME --server URL' saves one");
        return Ok(());
    }
    let selected = store.selected()?;
    let mut rows = Vec::new();
    for name in &names {
        let context = store.load(name)?;
        rows.push((name, selected.as_deref() == Some(name.as_str()), context));
    }
    let mut text = String::new();
    if json {
        for (name, selected, context) in &rows {
            text.push_str(&format!("{}\n", masked(name, context, *selected)));
        }
        return print(text.as_bytes());
    }
    let server = |context: &Context| {
        context.settings.server.as_deref().map_or_else(
            || format!("{} (default)", natskit::DEFAULT_URL),
            redact_urls,
        )
    };
    let name_width = names.iter().map(String::len).max().unwrap_or(0);
    let server_width = rows
        .iter()
        .map(|row| server(&row.2).len())
        .max()
        .unwrap_or(0);
    for (name, selected, context) in &rows {
        let line = format!(
            "{} {name:name_width$}  {:server_width$}  {}",
            if *selected { '*' } else { ' ' },
            server(context),
            context.description.as_deref().unwrap_or("")
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    print(text.as_bytes())
}

/// The context as JSON, with its name and whether it is selected; secrets masked, in URLs too.
fn masked(name: &str, context: &Context, selected: bool) -> Value {
    let mut document = json!({ "name": name, "selected": selected });
    if let (Some(fields), Ok(Value::Object(saved))) =
        (document.as_object_mut(), serde_json::to_value(context))
    {
        for (key, value) in saved {
            let value = match (key.as_str(), &value) {
                ("password" | "token" | "jwt" | "seed", _) => Value::from(MASK),
                ("server", Value::String(urls)) => Value::from(redact_urls(urls)),
                _ => value,
            };
            fields.insert(key, value);
        }
    }
    document
}

/// `natskit context show`: one `key: value` line per setting given, secrets masked (in URLs
/// too).
fn describe(name: &str, context: &Context, file: &Path) -> String {
    let settings = &context.settings;
    let path = |path: &Option<PathBuf>| path.as_ref().map(|p| p.display().to_string());
    let mask = |given: bool| given.then(|| MASK.to_owned());
    let lines = [
        ("name", Some(name.to_owned())),
        ("description", context.description.clone()),
        ("server", settings.server.as_deref().map(redact_urls)),
        ("user", settings.user.clone()),
        ("password", mask(settings.password.is_some())),
        ("token", mask(settings.token.is_some())),
        ("creds", path(&settings.creds)),
        ("nkey", path(&settings.nkey)),
        ("jwt", mask(settings.jwt.is_some())),
        ("seed", mask(settings.seed.is_some())),
        ("tlscert", path(&settings.tlscert)),
        ("tlskey", path(&settings.tlskey)),
        ("tlsca", path(&settings.tlsca)),
        ("tlsfirst", settings.tlsfirst.then(|| "yes".to_owned())),
        ("connection name", settings.name.clone()),
        ("file", Some(file.display().to_string())),
    ];
    lines
        .into_iter()
        .filter_map(|(key, value)| Some(format!("{:16}{}\n", format!("{key}:"), value?)))
        .collect()
}
