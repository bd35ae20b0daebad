//! Unpacking an uploaded ZIP of documents, safely.

use std::io::{Cursor, Read};

use unicode_normalization::UnicodeNormalization;

use crate::{DocError, Kind, Limits, identify, zipdir};

/// One file from a ZIP archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The folders (outermost first) and then the file name, each NFC, without control
    /// characters, trimmed; never empty, ".", ".." or containing a slash.
    pub path: Vec<String>,
    pub bytes: Vec<u8>,
}

impl ZipEntry {
    /// The file name (the last path component).
    pub fn name(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
}

/// What [`unpack_zip`] gives: the files, and the entries refused one by one with their
/// names as stored in the archive.
pub type Unpacked = (Vec<ZipEntry>, Vec<(String, DocError)>);

/// Below this expanded total the ratio limit does not apply (a small archive of sparse
/// files is no threat).
const RATIO_FLOOR: u64 = 16 * 1024 * 1024;

/// The files of a ZIP archive, in archive order, and the entries refused one by one.
///
/// Skipped silently: directories and the junk of other systems (`__MACOSX/`, `.DS_Store`,
/// `._*` AppleDouble files, `Thumbs.db`, `desktop.ini`).
///
/// Refused per entry (in the second list, with the entry's name): a path that climbs out
/// (`..`) or is absolute ([`DocError::UnsafePath`]), a symbolic link ([`DocError::Symlink`]),
/// a ZIP inside ([`DocError::NestedZip`]; a DOCX is not a ZIP here), a password-protected
/// entry ([`DocError::Encrypted`]), an entry that does not decompress
/// ([`DocError::Corrupt`]).
///
/// Refused as a whole: more entries than [`Limits::max_zip_entries`]
/// ([`DocError::TooManyEntries`]); a declared expanded size above
/// [`Limits::max_zip_total_bytes`] or, past 16 MiB, above [`Limits::max_zip_ratio`] times the
/// archive's size ([`DocError::ZipBomb`]). The same limits are enforced on the bytes actually
/// read, and an entry is never read past the size its header declares: reading stops there
/// whatever the headers say ([`DocError::ZipBomb`]).
pub fn unpack_zip(bytes: &[u8], limits: &Limits) -> Result<Unpacked, DocError> {
    limits.check_size(bytes)?;
    let zip_len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    // Count before the zip crate reads (and allocates for) every central directory record.
    if let Some(end) = zipdir::end_record(bytes)
        && end.entries > u64::try_from(limits.max_zip_entries).unwrap_or(u64::MAX)
    {
        return Err(DocError::TooManyEntries {
            entries: end.entries,
            max: limits.max_zip_entries,
        });
    }
    let corrupt = |e: zip::result::ZipError| DocError::Corrupt(format!("ZIP: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > limits.max_zip_entries {
        return Err(DocError::TooManyEntries {
            entries: u64::try_from(archive.len()).unwrap_or(u64::MAX),
            max: limits.max_zip_entries,
        });
    }
    let budget = Budget {
        total: limits.max_zip_total_bytes,
        ratio_cap: limits
            .max_zip_ratio
            .saturating_mul(zip_len)
            .max(RATIO_FLOOR),
    };

    // Declared sizes first: refuse a bomb without decompressing a byte.
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(corrupt)?;
        declared = declared.saturating_add(entry.size());
    }
    budget.check(declared, "declares")?;

    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut read_total = 0u64;
    for i in 0..archive.len() {
        let (raw_name, is_dir, is_symlink, encrypted, size) = {
            let e = archive.by_index_raw(i).map_err(corrupt)?;
            (
                entry_name(e.name_raw(), e.name()),
                e.is_dir(),
                e.is_symlink(),
                e.encrypted(),
                e.size(),
            )
        };
        let path = match sanitise(&raw_name) {
            Ok(Some(path)) => path,
            Ok(None) => continue,
            Err(e) => {
                refused.push((raw_name, e));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if is_symlink {
            refused.push((raw_name, DocError::Symlink));
            continue;
        }
        if encrypted {
            refused.push((raw_name, DocError::Encrypted));
            continue;
        }
        // No single file may be larger than an upload may be.
        if size > limits.max_file_bytes {
            refused.push((
                raw_name,
                DocError::TooLarge {
                    size,
                    max: limits.max_file_bytes,
                },
            ));
            continue;
        }
        let entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                refused.push((raw_name, corrupt(e)));
                continue;
            }
        };
        // Never past the declared size, nor past what the budget has left.
        let left = budget
            .total
            .min(budget.ratio_cap)
            .saturating_sub(read_total);
        let cap = size.min(left);
        let mut data = Vec::with_capacity(usize::try_from(cap.min(1 << 20)).unwrap_or(0));
        let read = entry.take(cap.saturating_add(1)).read_to_end(&mut data);
        let got = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if got > cap {
            return Err(DocError::ZipBomb(if got > size {
                format!("{raw_name} holds more than the {size} bytes its header declares")
            } else {
                format!("{raw_name} expands past the limit")
            }));
        }
        if let Err(e) = read {
            refused.push((raw_name, DocError::Corrupt(format!("ZIP entry: {e}"))));
            continue;
        }
        read_total += got;
        budget.check(read_total, "expands to")?;
        match identify(&data) {
            Ok(Kind::Zip) => refused.push((raw_name, DocError::NestedZip)),
            _ => files.push(ZipEntry { path, bytes: data }),
        }
    }
    Ok((files, refused))
}

struct Budget {
    total: u64,
    ratio_cap: u64,
}

impl Budget {
    fn check(&self, bytes: u64, verb: &str) -> Result<(), DocError> {
        if bytes > self.total {
            return Err(DocError::ZipBomb(format!(
                "the archive {verb} {bytes} bytes, more than the {} allowed",
                self.total
            )));
        }
        if bytes > self.ratio_cap {
            return Err(DocError::ZipBomb(format!(
                "the archive {verb} {bytes} bytes, too many for its size"
            )));
        }
        Ok(())
    }
}

/// The entry's name: its raw bytes when they are UTF-8 (many tools write UTF-8 without
/// setting the flag that says so), else what the zip crate decoded (CP437 or flagged UTF-8).
fn entry_name(raw: &[u8], decoded: &str) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => decoded.to_owned(),
    }
}

/// The safe path of an entry, `None` for junk to skip, an error for an unsafe path.
fn sanitise(name: &str) -> Result<Option<Vec<String>>, DocError> {
    let unsafe_path = || DocError::UnsafePath(name.to_owned());
    if name.starts_with('/') || name.starts_with('\\') {
        return Err(unsafe_path());
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(unsafe_path()); // C:\… or C:…
    }
    let is_dir = name.ends_with('/') || name.ends_with('\\');
    let mut path = Vec::new();
    for part in name.split(['/', '\\']) {
        let clean: String = part
            .nfc()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        // Windows drops trailing dots and spaces: "..." and ". ." name the parent there.
        let clean = clean.trim().trim_end_matches(['.', ' ']).to_owned();
        if part.trim() == ".." || (clean.is_empty() && part.trim().starts_with("..")) {
            return Err(unsafe_path());
        }
        if clean.is_empty() {
            continue; // "", "." and "a//b"
        }
        path.push(clean);
    }
    let Some(file) = path.last() else {
        return Ok(None);
    };
    if is_dir {
        return Ok(None);
    }
    let junk = path.iter().any(|p| p == "__MACOSX")
        || file == ".DS_Store"
        || file.starts_with("._")
        || file.eq_ignore_ascii_case("Thumbs.db")
        || file.eq_ignore_ascii_case("desktop.ini");
    Ok(if junk { None } else { Some(path) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str) -> Vec<String> {
        sanitise(name).unwrap().unwrap()
    }

    #[test]
    fn paths_are_cleaned_or_refused() {
        assert_eq!(ok("Tài liệu/Báo cáo.pdf"), vec!["Tài liệu", "Báo cáo.pdf"]);
        assert_eq!(ok("a\\b/./c.pdf"), vec!["a", "b", "c.pdf"]);
        assert_eq!(ok(" x /y.pdf "), vec!["x", "y.pdf"]);
        // NFD in, NFC out.
        assert_eq!(ok("Ba\u{0301}o ca\u{0301}o.pdf"), vec!["Báo cáo.pdf"]);
        for bad in [
            "../x.pdf",
            "a/../../x.pdf",
            "/etc/passwd",
            "\\x.pdf",
            "C:\\x.pdf",
            "a/.../x",
        ] {
            assert_eq!(
                sanitise(bad),
                Err(DocError::UnsafePath(bad.into())),
                "{bad}"
            );
        }
        for junk in [
            "__MACOSX/a/._b.pdf",
            "x/.DS_Store",
            "Thumbs.db",
            "dir/",
            "./",
        ] {
            assert_eq!(sanitise(junk), Ok(None), "{junk}");
        }
    }
}

#[cfg(test)]
mod file_tests {
    use std::io::{Cursor, Write};
    use std::time::Instant;

    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::testutil::{docx, para, peak_heap};

    fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default();
        for (name, bytes) in files {
            if name.ends_with('/') {
                zip.add_directory(*name, opts).unwrap();
            } else {
                zip.start_file(*name, opts).unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_good_archive_keeps_its_vietnamese_folders() {
        let report = docx(&para("Báo cáo chính trị"));
        let zip = build(&[
            ("Tài liệu Đại hội/", b""),
            ("Tài liệu Đại hội/Phiên 1/", b""),
            ("Tài liệu Đại hội/Phiên 1/Báo cáo chính trị.docx", &report),
            ("Tài liệu Đại hội/Chương trình.pdf", b"%PDF-1.7 ..."),
            ("__MACOSX/Tài liệu Đại hội/._Chương trình.pdf", b"junk"),
            ("Tài liệu Đại hội/.DS_Store", b"junk"),
        ]);
        assert_eq!(crate::identify(&zip), Ok(Kind::Zip));
        let (files, refused) = unpack_zip(&zip, &Limits::default()).unwrap();
        assert!(refused.is_empty(), "{refused:?}");
        let paths: Vec<Vec<String>> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                vec!["Tài liệu Đại hội", "Phiên 1", "Báo cáo chính trị.docx"],
                vec!["Tài liệu Đại hội", "Chương trình.pdf"],
            ]
        );
        assert_eq!(files[0].bytes, report);
        assert_eq!(files[0].name(), "Báo cáo chính trị.docx");
        assert_eq!(crate::identify(&files[0].bytes), Ok(Kind::Docx));
    }

    #[test]
    fn unsafe_entries_are_refused_one_by_one() {
        let inner = build(&[("a.txt", b"inner")]);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default();
        for (name, bytes) in [
            ("../../etc/cron.d/evil.pdf", &b"%PDF-1.7"[..]),
            ("/etc/passwd", b"root"),
            ("ok/Kết luận.pdf", b"%PDF-1.7 kept"),
            ("ok/inner.zip", &inner),
        ] {
            zip.start_file(name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.add_symlink("ok/link.pdf", "/etc/shadow", opts).unwrap();
        let zip = zip.finish().unwrap().into_inner();

        let (files, refused) = unpack_zip(&zip, &Limits::default()).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, vec!["ok", "Kết luận.pdf"]);
        let codes: Vec<(&str, &str)> = refused
            .iter()
            .map(|(n, e)| (n.as_str(), e.code()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("../../etc/cron.d/evil.pdf", "ZIP_UNSAFE_PATH"),
                ("/etc/passwd", "ZIP_UNSAFE_PATH"),
                ("ok/inner.zip", "ZIP_NESTED"),
                ("ok/link.pdf", "ZIP_SYMLINK"),
            ]
        );
    }

    #[test]
    fn too_many_entries_are_refused_before_reading() {
        let names: Vec<String> = (0..11).map(|i| format!("f{i}.pdf")).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let zip = build(&files);
        let limits = Limits {
            max_zip_entries: 10,
            ..Limits::default()
        };
        assert_eq!(
            unpack_zip(&zip, &limits),
            Err(DocError::TooManyEntries {
                entries: 11,
                max: 10
            })
        );
    }

    /// 1 GiB of zeros in one deflated entry, written as a stream (about 1 MB of archive).
    fn bomb() -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1));
        zip.start_file("zeros.pdf", opts).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..1024 {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Rewrites the uncompressed size in the local and central headers (a lying archive).
    fn declare_size(zip: &mut [u8], size: u32) {
        let find = |zip: &[u8], sig: &[u8]| zip.windows(4).position(|w| w == sig).unwrap();
        let local = find(zip, b"PK\x03\x04");
        zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
        let central = find(zip, b"PK\x01\x02");
        zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_headers_and_while_reading() {
        let started = Instant::now();
        let honest = bomb();
        let built = started.elapsed();
        // Compressed size depends on the deflate backend the workspace's features select
        // (1 GiB of zeros → 4.9 MB with one, 10.4 MB with another): what matters is a
        // ratio far beyond the limit.
        assert!(honest.len() < 32 << 20, "{} bytes", honest.len());

        // The headers say 1 GiB from 1 MB: refused without inflating anything.
        let started = Instant::now();
        // (A ratio of 50: the archive is 4.9 or 10.4 MB depending on the deflate backend.)
        let strict = Limits {
            max_zip_ratio: 50,
            ..Limits::default()
        };
        let (result, peak) = peak_heap(|| unpack_zip(&honest, &strict));
        assert_eq!(result.unwrap_err().code(), "ZIP_BOMB");
        assert!(peak < 4 << 20, "peak heap {peak} bytes");
        let refused_in = started.elapsed();

        // Headers that lie (1,000 bytes): reading stops at the declared size.
        let mut lying = honest.clone();
        declare_size(&mut lying, 1_000);
        let started = Instant::now();
        let (result, peak) = peak_heap(|| unpack_zip(&lying, &Limits::default()));
        let err = result.unwrap_err();
        assert_eq!(err.code(), "ZIP_BOMB", "{err}");
        assert!(
            err.to_string()
                .contains("more than the 1000 bytes its header declares"),
            "{err}"
        );
        assert!(peak < 4 << 20, "peak heap {peak} bytes");
        let stopped_in = started.elapsed();

        // Honest headers under a total limit that the ratio alone would not catch.
        let limits = Limits {
            max_zip_total_bytes: 64 << 20,
            max_zip_ratio: 10_000,
            ..Limits::default()
        };
        let (result, peak) = peak_heap(|| unpack_zip(&honest, &limits));
        assert_eq!(result.unwrap_err().code(), "ZIP_BOMB");
        assert!(peak < 4 << 20, "peak heap {peak} bytes");
        println!(
            "zip bomb: {} bytes built in {built:?}; refused from headers in {refused_in:?}; \
             lying headers stopped in {stopped_in:?}",
            honest.len()
        );
    }

    #[test]
    fn damaged_archives_are_corrupt() {
        let zip = build(&[("a.pdf", b"%PDF-1.7")]);
        assert_eq!(
            unpack_zip(&zip[..zip.len() / 2], &Limits::default())
                .unwrap_err()
                .code(),
            "DOC_CORRUPT"
        );
    }
}
