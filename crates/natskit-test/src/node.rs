//! Finding node and the npm packages of the workspace's `web/` directory, which `make deps`
//! (scripts/install-deps.sh) fills with `npm ci` from the committed `web/package-lock.json`.

use std::env;
use std::path::PathBuf;

use crate::binary::{is_executable, workspace_root};
use crate::error::{Error, Result};

/// Environment variable naming the node executable to use instead of the one on `PATH`.
///
/// # Example
/// ```
/// // NATSKIT_NODE=/opt/node/bin/node cargo test -p natskit-test --test it nats_js
/// assert_eq!(natskit_test::node::NODE_ENV_VAR, "NATSKIT_NODE");
/// ```
pub const NODE_ENV_VAR: &str = "NATSKIT_NODE";

/// Finds node: [`NODE_ENV_VAR`] when set (and then only it), else `node` on `PATH`, else
/// `/usr/bin/node`.
///
/// # Errors
/// [`Error::JsSetupMissing`], saying to run `make deps`, when no executable node is found.
///
/// # Example
/// ```
/// let node = natskit_test::node::find_node().unwrap();
/// assert!(node.is_file());
/// ```
pub fn find_node() -> Result<PathBuf> {
    if let Some(path) = env::var_os(NODE_ENV_VAR).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(Error::JsSetupMissing {
                what: format!("node (named by {NODE_ENV_VAR})"),
                path,
            })
        };
    }
    let path_var = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path_var)
        .map(|dir| dir.join("node"))
        .chain([PathBuf::from("/usr/bin/node")])
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| Error::JsSetupMissing {
            what: "node (Node.js 20 or newer)".into(),
            path: PathBuf::from("/usr/bin/node"),
        })
}

/// The workspace's `web/` directory, whose `node_modules` holds the pinned npm packages.
///
/// # Example
/// ```
/// assert!(natskit_test::node::web_dir().join("package-lock.json").is_file());
/// ```
pub fn web_dir() -> PathBuf {
    workspace_root().join("web")
}

/// A file of an installed npm package, `web/node_modules/<package>/<file>`, checked to exist.
///
/// # Errors
/// [`Error::JsSetupMissing`], saying to run `make deps`, when it does not.
///
/// # Example
/// ```
/// let bundle = natskit_test::node::package_file("nats.ws", "esm/nats.js").unwrap();
/// assert!(bundle.is_file());
/// assert!(natskit_test::node::package_file("no-such-package", "x.js").is_err());
/// ```
pub fn package_file(package: &str, file: &str) -> Result<PathBuf> {
    let path = web_dir().join("node_modules").join(package).join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::JsSetupMissing {
            what: format!("the npm package {package}"),
            path,
        })
    }
}

/// A script of the workspace's `scripts/foreign/`, checked to exist.
pub(crate) fn script(name: &str) -> Result<PathBuf> {
    let path = workspace_root().join("scripts/foreign").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::io(
            format!("looking for the script {}", path.display()),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ))
    }
}
