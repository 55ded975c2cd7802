//! Records a digest of the source the crate is built from (`SIMULATE_SOURCE_HASH`): a saved
//! history start is reused only by a build of the same source (src/scenario/start.rs).

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a, 64 bits, in two independent lanes (different offsets): a 128-bit fingerprint with
/// no dependency. It detects changes; it is not meant to resist a forger.
fn fnv(state: &mut [u64; 2], bytes: &[u8]) {
    for &b in bytes {
        for s in state.iter_mut() {
            *s ^= u64::from(b);
            *s = s.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let mut list = Vec::new();
    files(&root.join("src"), &mut list);
    list.push(root.join("Cargo.toml"));
    list.push(root.join("Cargo.lock"));
    list.sort();
    let mut state = [0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142];
    for path in &list {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        fnv(&mut state, rel.to_string_lossy().as_bytes());
        fnv(&mut state, &[0]);
        fnv(&mut state, &fs::read(path).unwrap_or_default());
        fnv(&mut state, &[0]);
    }
    println!(
        "cargo:rustc-env=SIMULATE_SOURCE_HASH={:016x}{:016x}",
        state[0], state[1]
    );
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}
