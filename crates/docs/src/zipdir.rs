//! A minimal reader of a ZIP file's end record and central directory: entry count and names,
//! read before (and without) the `zip` crate, which would allocate for every entry first.

/// What the end-of-central-directory record (ZIP64 aware) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EndRecord {
    pub(crate) entries: u64,
    cd_offset: u64,
    cd_size: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;

/// The end record, searched from the end (it may be followed by a comment of up to 64 KiB).
pub(crate) fn end_record(b: &[u8]) -> Option<EndRecord> {
    let last = b.len().checked_sub(22)?;
    let first = last.saturating_sub(65_535);
    let at = (first..=last)
        .rev()
        .find(|&i| u32_at(b, i) == Some(EOCD_SIG))?;
    let entries = u16_at(b, at + 10)?;
    let cd_size = u32_at(b, at + 12)?;
    let cd_offset = u32_at(b, at + 16)?;
    if entries == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX {
        // ZIP64: the locator sits just before the end record.
        let loc = at.checked_sub(20)?;
        if u32_at(b, loc) == Some(ZIP64_LOCATOR_SIG) {
            let rec = usize::try_from(u64_at(b, loc + 8)?).ok()?;
            if u32_at(b, rec) == Some(ZIP64_EOCD_SIG) {
                return Some(EndRecord {
                    entries: u64_at(b, rec + 32)?,
                    cd_size: u64_at(b, rec + 40)?,
                    cd_offset: u64_at(b, rec + 48)?,
                });
            }
        }
    }
    Some(EndRecord {
        entries: u64::from(entries),
        cd_offset: u64::from(cd_offset),
        cd_size: u64::from(cd_size),
    })
}

/// The raw names of the central directory's entries, in order; stops at the first record
/// that does not parse.
pub(crate) fn names(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    let end = end_record(b);
    let mut at = end
        .and_then(|e| usize::try_from(e.cd_offset).ok())
        .unwrap_or(usize::MAX);
    let stop = end
        .and_then(|e| usize::try_from(e.cd_offset.saturating_add(e.cd_size)).ok())
        .unwrap_or(0)
        .min(b.len());
    let mut left = end.map_or(0, |e| e.entries);
    std::iter::from_fn(move || {
        if left == 0 || at >= stop || u32_at(b, at) != Some(CENTRAL_SIG) {
            return None;
        }
        let name_len = usize::from(u16_at(b, at + 28)?);
        let extra_len = usize::from(u16_at(b, at + 30)?);
        let comment_len = usize::from(u16_at(b, at + 32)?);
        let name = b.get(at + 46..at + 46 + name_len)?;
        at += 46 + name_len + extra_len + comment_len;
        left -= 1;
        Some(name)
    })
}

/// Whether the ZIP holds the two parts every Word document has.
pub(crate) fn is_docx(b: &[u8]) -> bool {
    let (mut types, mut document) = (false, false);
    for name in names(b) {
        types |= name == b"[Content_Types].xml";
        document |= name == b"word/document.xml";
        if types && document {
            return true;
        }
    }
    if end_record(b).is_some_and(|e| e.entries > 0) {
        return false;
    }
    // No readable central directory (a truncated file): look at the local headers' names.
    contains(b, b"[Content_Types].xml") && contains(b, b"word/document.xml")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
