//! Tidy checks over the whole workspace's sources (issue 10 §6): every Rust
//! file of every workspace member opens with a `//!` header saying what it
//! is for. Files are found by walking the members named in the root
//! `Cargo.toml`, so a new file or a new member is checked without a list to
//! keep up to date.

use std::path::{Path, PathBuf};

/// The workspace root (this crate's parent directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cloudarq-model lives inside the workspace")
        .to_path_buf()
}

/// The `members` of the root manifest's `[workspace]` table.
fn members(manifest: &str) -> Vec<String> {
    let start = manifest
        .find("members = [")
        .expect("the root Cargo.toml lists its members");
    let list = &manifest[start + "members = [".len()..];
    let end = list.find(']').expect("the members list is closed");
    list[..end]
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Every `.rs` file under `dir`, skipping build output and hidden folders.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Whether `text` opens with a module header: `//!` on its first line.
fn has_header(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("//!")
}

#[test]
fn the_header_check_refuses_files_without_one() {
    assert!(has_header("//! What this is.\n\nfn f() {}\n"));
    for text in [
        "",
        "fn f() {}\n",
        "// A plain comment.\n",
        "/// An item doc.\nfn f() {}\n",
        "\n//! Not on the first line.\n",
        "#![allow(dead_code, reason = \"x\")]\n//! After an attribute.\n",
    ] {
        assert!(!has_header(text), "{text:?}");
    }
    assert_eq!(
        members("[workspace]\nmembers = [\n    \"a\",\n    \"b/c\",\n]\n"),
        ["a", "b/c"]
    );
}

#[test]
fn every_rust_file_of_every_member_starts_with_a_module_header() {
    let root = root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("root Cargo.toml");
    let members = members(&manifest);
    assert!(members.iter().any(|m| m == "cloudarq-model"), "{members:?}");
    let mut missing = Vec::new();
    for member in &members {
        let mut files = Vec::new();
        rust_files(&root.join(member), &mut files);
        assert!(!files.is_empty(), "member {member} has no Rust file");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            if !has_header(&text) {
                missing.push(
                    file.strip_prefix(&root)
                        .unwrap_or(&file)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` header saying what they are for: {missing:#?}"
    );
}
