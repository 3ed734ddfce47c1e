//! The crate layering ARCHITECTURE.md states, checked on the workspace's manifests
//! (`cargo metadata --no-deps`):
//!
//! - no `services/*` crate depends on another `services/*` crate (what two stages share
//!   lives in a `shared/*` crate);
//! - no `shared/*` crate depends on a `services/*` crate (nothing runs back up);
//! - `shared/model` depends on no crate of ours.
//!
//! Every dependency kind counts (normal, build and dev), except the test-only edges listed
//! in [`ALLOWED_DEV_EDGES`], each with its reason.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Dev-dependencies between services that the rule allows: a test delivering to the real
/// counterpart is worth more than a mock of it, and nothing ships with the edge.
const ALLOWED_DEV_EDGES: &[(&str, &str, &str)] = &[(
    "services/notifier",
    "services/platform",
    "the HTTPS test delivers to the real reference handler",
)];

/// A workspace crate, named by its folder relative to the workspace root (`services/api`).
#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    kind: String,
}

/// Every dependency of one workspace crate on another, as folders relative to the root.
fn workspace_edges() -> Vec<Edge> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let root = PathBuf::from(
        metadata["workspace_root"]
            .as_str()
            .expect("metadata names the workspace root"),
    );
    let relative = |dir: &Path| -> String {
        dir.strip_prefix(&root)
            .map(|d| d.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| dir.to_string_lossy().into_owned())
    };
    let mut edges = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = Path::new(package["manifest_path"].as_str().expect("manifest_path"));
        let from = relative(manifest.parent().expect("a manifest has a folder"));
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            // Only path dependencies are ours; registry crates have no `path`.
            let Some(path) = dependency["path"].as_str() else {
                continue;
            };
            edges.push(Edge {
                from: from.clone(),
                to: relative(Path::new(path)),
                kind: dependency["kind"].as_str().unwrap_or("normal").to_owned(),
            });
        }
    }
    edges
}

fn in_layer(dir: &str, layer: &str) -> bool {
    dir.strip_prefix(layer)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

fn allowed(edge: &Edge) -> bool {
    edge.kind == "dev"
        && ALLOWED_DEV_EDGES
            .iter()
            .any(|(from, to, _)| *from == edge.from && *to == edge.to)
}

/// Every edge breaking one of the rules, as "from → to (kind): rule".
fn violations(edges: &[Edge]) -> Vec<String> {
    let mut found = Vec::new();
    for edge in edges {
        let rule = if in_layer(&edge.from, "services") && in_layer(&edge.to, "services") {
            "a service depends on another service"
        } else if in_layer(&edge.from, "shared") && in_layer(&edge.to, "services") {
            "a shared crate depends on a service"
        } else if edge.from == "shared/model" {
            "shared/model depends on a crate of ours"
        } else {
            continue;
        };
        if !allowed(edge) {
            found.push(format!(
                "{} → {} ({}): {rule}",
                edge.from, edge.to, edge.kind
            ));
        }
    }
    found
}

#[test]
fn services_depend_only_on_shared_crates_and_the_model_on_nothing_of_ours() {
    let edges = workspace_edges();
    assert!(
        edges.iter().any(|e| e.from == "services/actioner"),
        "the metadata lists the services' dependencies: {edges:?}"
    );
    let found = violations(&edges);
    assert!(
        found.is_empty(),
        "layering broken (see ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_allowed_exception_is_still_needed() {
    let edges = workspace_edges();
    for (from, to, why) in ALLOWED_DEV_EDGES {
        assert!(
            edges
                .iter()
                .any(|e| e.from == *from && e.to == *to && e.kind == "dev"),
            "{from} → {to} is allowed ({why}) but no longer exists: remove the exception"
        );
    }
}

#[test]
fn the_check_names_each_kind_of_broken_edge() {
    let edge = |from: &str, to: &str, kind: &str| Edge {
        from: from.into(),
        to: to.into(),
        kind: kind.into(),
    };
    let found = violations(&[
        edge("services/api", "services/actioner", "normal"),
        edge("shared/store", "services/matcher", "dev"),
        edge("shared/model", "shared/fsread", "normal"),
        edge("services/notifier", "services/platform", "dev"),
        edge("services/notifier", "services/platform", "normal"),
        edge("services/api", "shared/store", "normal"),
        edge("bench/pipeline", "services/platform", "normal"),
    ]);
    assert_eq!(
        found,
        [
            "services/api → services/actioner (normal): a service depends on another service",
            "shared/store → services/matcher (dev): a shared crate depends on a service",
            "shared/model → shared/fsread (normal): shared/model depends on a crate of ours",
            "services/notifier → services/platform (normal): a service depends on another service",
        ]
    );
}
