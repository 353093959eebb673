//! Which module of a crate imports which, read off its `crate::` paths, and the loops among
//! them: a module that imports one that imports it back is a layout to untangle.
//!
//! ```
//! use natskit_test::imports;
//!
//! let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
//! assert_eq!(imports::import_loops(&src).unwrap(), Vec::<String>::new());
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name (`machine`, `client::io`) to the modules its code names with `crate::`.
pub type ImportGraph = BTreeMap<String, BTreeSet<String>>;

/// The import graph of the crate whose sources are under `src`. Comments, `#[cfg(test)]`
/// modules at the end of a file, files under a `tests` folder and `lib.rs` (whose re-exports
/// name everything) are left out. A path names the longest module it starts with.
pub fn import_graph(src: &Path) -> std::io::Result<ImportGraph> {
    let mut files = Vec::new();
    collect(src, src, &mut files)?;
    let modules: BTreeSet<String> = files.iter().map(|(name, _)| name.clone()).collect();
    let mut graph = ImportGraph::new();
    for (module, text) in &files {
        let imports = graph.entry(module.clone()).or_default();
        for path in crate_paths(text) {
            let named = longest_module(&path, &modules);
            if let Some(named) = named.filter(|n| n != module) {
                imports.insert(named);
            }
        }
    }
    Ok(graph)
}

/// Every loop of the graph of `src`, each as `a -> b -> a`; empty when there is none.
pub fn import_loops(src: &Path) -> std::io::Result<Vec<String>> {
    let graph = import_graph(src)?;
    let mut loops = Vec::new();
    for start in graph.keys() {
        let mut trail = vec![start.clone()];
        find_loops(&graph, start, &mut trail, &mut loops);
    }
    Ok(loops)
}

fn find_loops(graph: &ImportGraph, start: &str, trail: &mut Vec<String>, loops: &mut Vec<String>) {
    let Some(last) = trail.last().cloned() else {
        return;
    };
    for next in graph.get(&last).into_iter().flatten() {
        if next == start {
            // Reported once, from its smallest module.
            if trail.iter().all(|m| m.as_str() >= start) {
                loops.push(format!("{} -> {start}", trail.join(" -> ")));
            }
        } else if !trail.contains(next) && next.as_str() > start {
            trail.push(next.clone());
            find_loops(graph, start, trail, loops);
            trail.pop();
        }
    }
}

/// `(module name, code)` for every `.rs` file under `dir`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                collect(root, &path, out)?;
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let mut parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        out.push((parts.join("::"), code_of(&std::fs::read_to_string(&path)?)));
    }
    Ok(())
}

/// The file without comment lines and without a trailing `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|l| l.trim_start().starts_with("mod "))
        {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// Every `crate::a::b::C` path in `code`, as its segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `natskit_proto::...` or another crate's name ending in "crate"
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let segments = rest[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        paths.push(segments);
    }
    paths
}

fn longest_module(path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No crate of the workspace has a module that imports one that imports it back.
    #[test]
    fn no_crate_of_the_workspace_has_an_import_loop() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut checked = 0;
        for entry in std::fs::read_dir(&crates).expect("the crates folder") {
            let src = entry.expect("an entry").path().join("src");
            if !src.is_dir() {
                continue;
            }
            let loops = import_loops(&src).expect("readable sources");
            assert!(
                loops.is_empty(),
                "{}: import loops {loops:?}",
                src.display()
            );
            checked += 1;
        }
        assert!(checked >= 8, "every crate checked, found {checked}");
    }

    #[test]
    fn a_loop_is_found_and_named() {
        let dir = crate::TempDir::new("imports").expect("a temp dir");
        let src = dir.path();
        std::fs::write(
            src.join("a.rs"),
            "use crate::b::B;\n// crate::c in a comment\n",
        )
        .expect("written");
        std::fs::write(
            src.join("b.rs"),
            "pub struct B;\nfn f() { crate::a::g(); }\n",
        )
        .expect("written");
        std::fs::write(src.join("c.rs"), "use crate::a;\n").expect("written");
        assert_eq!(import_loops(src).expect("read"), ["a -> b -> a"]);
        let graph = import_graph(src).expect("written");
        assert!(graph["a"].contains("b") && !graph["a"].contains("c"));
    }
}
