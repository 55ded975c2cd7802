//! Bounded reading of every file the tool reads: a scenario, the files it `extends`, observed
//! data, shard partials. A file must be a regular file (not a folder, device, pipe or socket,
//! which could block or never end) and not larger than the limit of its kind. The limits are
//! stated in the README ("Reliability").

use std::io::Read;
use std::path::Path;

/// Largest scenario file (and each file it extends): 4 MiB. The shipped scenarios are a few KiB.
pub const SCENARIO_BYTES: u64 = 4 << 20;
/// Longest `extends` chain: a scenario and 15 ancestors.
pub const EXTENDS_DEPTH: usize = 16;
/// Largest observed-data CSV file: 16 MiB.
pub const DATA_BYTES: u64 = 16 << 20;
/// Largest file of a shard's results read by `merge` (`partial.bin`, `runs.csv`): 2 GiB.
pub const SHARD_BYTES: u64 = 2 << 30;
/// Largest small description file (`partial.json`, `manifest.json`): 1 MiB.
pub const META_BYTES: u64 = 1 << 20;

/// `bytes` in the largest whole unit, for messages: "4 MiB", "16 KiB", "12 bytes".
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 => {
            format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64).replace(".0 MiB", " MiB")
        }
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0).replace(".0 KiB", " KiB"),
        b => format!("{b} bytes"),
    }
}

/// Reads a regular file of at most `limit` bytes. Anything else is refused before it is
/// opened (opening a pipe blocks; a device such as `/dev/zero` never ends); a file that grows
/// past the limit while it is read is refused too.
pub fn read(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    let kind = if meta.is_file() {
        None
    } else if meta.is_dir() {
        Some("a folder")
    } else {
        Some("a device, pipe or socket")
    };
    if let Some(kind) = kind {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file"),
        ));
    }
    let too_big = |size: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is {}, above the limit of {} for this kind of file",
                size_text(size),
                size_text(limit)
            ),
        )
    };
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    // The path may have been replaced between the check and the open.
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read`] of a UTF-8 text file.
pub fn read_text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read(path, limit)?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text (stream did not contain valid UTF-8)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_big_files_are_refused() {
        if Path::new("/dev/zero").exists() {
            let e = read(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), 10).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        let f = dir.path().join("big.toml");
        std::fs::write(&f, vec![b'#'; 11]).unwrap();
        let e = read(&f, 10).unwrap_err();
        assert!(
            e.to_string()
                .contains("11 bytes, above the limit of 10 bytes"),
            "{e}"
        );
        assert_eq!(read(&f, 11).unwrap().len(), 11);
    }

    #[test]
    fn sizes_read_as_units() {
        assert_eq!(size_text(SCENARIO_BYTES), "4 MiB");
        assert_eq!(size_text(SHARD_BYTES), "2 GiB");
        assert_eq!(size_text(5 << 20 | 1 << 19), "5.5 MiB");
        assert_eq!(size_text(12), "12 bytes");
    }
}
