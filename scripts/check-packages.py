#!/usr/bin/env python3
"""Checks that the crates meant for crates.io can be published, without publishing them.

- rust-version: the workspace's is at least the highest rust-version of Cargo.lock's
  dependencies (cargo metadata), so the claimed minimum is one the locked dependencies build with.
- Each published crate has a description, licence, repository, readme, keywords and categories,
  and its package holds LICENSE and the readme.
- A published crate's dependencies are published crates; a dev-dependency on a workspace crate
  with a version must be a published one, and such versioned dependencies form no cycle (cargo
  publish drops a path-only dev-dependency, so that is how a test names an unpublished crate).
- Every include_str!/include_bytes! of a packaged source file (tests aside) names a file inside
  the package: doc tests and builds from crates.io see the package only.
- `cargo package --workspace --no-verify` packs every published crate in dependency order.

Run from anywhere in the repository: python3 scripts/check-packages.py
(`--published` only prints the names of the crates meant for crates.io, one a line.)
"""

import json
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)')


def cargo(*args):
    result = subprocess.run(["cargo", *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"cargo {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def version(text):
    """`1.88` and `1.88.0` as the same comparable triple."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def check_rust_version(metadata, members, problems):
    ours = {p["rust_version"] for p in members}
    if len(ours) != 1 or None in ours:
        problems.append(f"workspace crates should share one rust-version, found {sorted(map(str, ours))}")
        return
    claimed = ours.pop()
    deps = [p for p in metadata["packages"] if p["source"] and p.get("rust_version")]
    highest = max(version(p["rust_version"]) for p in deps)
    if version(claimed) < highest:
        needing = sorted(f"{p['name']} {p['version']} ({p['rust_version']})" for p in deps
                         if version(p["rust_version"]) > version(claimed))
        problems.append(f"rust-version {claimed} is lower than what locked dependencies need: "
                        + ", ".join(needing))
    print(f"rust-version {claimed}; highest among locked dependencies "
          f"{'.'.join(map(str, highest))}")


def check_metadata(package, files, problems):
    name = package["name"]
    for field in ("description", "license", "repository", "readme", "rust_version"):
        if not package.get(field):
            problems.append(f"{name}: no {field} in Cargo.toml")
    for field in ("keywords", "categories"):
        if not package.get(field):
            problems.append(f"{name}: no {field} in Cargo.toml")
    if len(package.get("keywords") or []) > 5:
        problems.append(f"{name}: crates.io takes at most 5 keywords")
    for wanted in ("LICENSE", package.get("readme") or "README.md"):
        if os.path.basename(wanted) not in files:
            problems.append(f"{name}: the package has no {wanted}")


def check_dependencies(package, published, members, problems):
    name = package["name"]
    edges = []
    for dep in package["dependencies"]:
        if dep["name"] not in members:
            continue
        versioned = dep["req"] != "*"
        if dep["kind"] != "dev" and dep["name"] not in published:
            problems.append(f"{name} depends on {dep['name']}, which is not published")
        elif dep["kind"] == "dev" and versioned and dep["name"] not in published:
            problems.append(f"{name}: dev-dependency {dep['name']} is not published; "
                            "give it a path and no version, so cargo publish drops it")
        if versioned:
            edges.append(dep["name"])
    return edges


def find_cycle(graph):
    def visit(node, trail):
        if node in trail:
            return trail[trail.index(node):] + [node]
        for next_node in graph.get(node, []):
            cycle = visit(next_node, trail + [node])
            if cycle:
                return cycle
        return None

    for start in graph:
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def check_includes(package, files, problems):
    root = os.path.dirname(package["manifest_path"])
    listed = set(files)
    for path in files:
        if not path.endswith(".rs") or path.startswith("tests/"):
            continue
        with open(os.path.join(root, path), encoding="utf-8") as source:
            text = source.read()
        for target in INCLUDE.findall(text):
            inside = os.path.normpath(os.path.join(os.path.dirname(path), target))
            if inside not in listed:
                problems.append(f"{package['name']}: {path} includes {target}, "
                                "which is not in the package")


def main():
    metadata = json.loads(cargo("metadata", "--format-version", "1", "--locked"))
    member_ids = set(metadata["workspace_members"])
    members = [p for p in metadata["packages"] if p["id"] in member_ids]
    names = {p["name"] for p in members}
    # `publish = false` reads as an empty list of registries.
    published = {p["name"]: p for p in members if p["publish"] != []}
    if sys.argv[1:] == ["--published"]:
        print("\n".join(sorted(published)))
        return
    problems = []

    check_rust_version(metadata, members, problems)
    graph = {}
    for name, package in sorted(published.items()):
        files = cargo("package", "-p", name, "--list", "--allow-dirty").split()
        check_metadata(package, files, problems)
        graph[name] = check_dependencies(package, published, names, problems)
        check_includes(package, files, problems)
    cycle = find_cycle(graph)
    if cycle:
        problems.append("versioned dependencies in a cycle (no publishing order): "
                        + " -> ".join(cycle))

    if problems:
        sys.exit("package check failed:\n  " + "\n  ".join(problems))
    unpublished = [arg for name in sorted(names - set(published)) for arg in ("--exclude", name)]
    cargo("package", "--workspace", *unpublished, "--no-verify", "--allow-dirty")
    print(f"packaged (cargo orders them by dependency): {', '.join(sorted(published))}")


if __name__ == "__main__":
    main()
