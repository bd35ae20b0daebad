//! The one error type of the crate, with stable codes.

/// Why a document could not be read, unpacked, rendered or watermarked.
///
/// [`DocError::code`] is stable (for translations, the API and tests); the `Display` text is
/// English and names the problem for logs and operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// The file has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// Not a kind this crate reads (PDF, DOCX, JPEG, PNG, TIFF, WebP, ZIP).
    #[error("the file type is not supported (PDF, DOCX, JPEG, PNG, TIFF, WebP and ZIP are)")]
    Unsupported,
    /// An old binary Office file (.doc, .xls, .ppt): it has to be saved as DOCX or PDF first.
    #[error("an old binary Office file (.doc, .xls, .ppt); save it as DOCX or PDF")]
    OldFormat,
    /// Opening the document needs a password (a PDF with a user password, an encrypted
    /// DOCX, a password-protected ZIP entry).
    #[error("the document is protected by a password")]
    Encrypted,
    /// The bytes are damaged or are not what their kind says.
    #[error("the file is damaged or not a valid document: {0}")]
    Corrupt(String),
    /// The file is larger than [`crate::Limits::max_file_bytes`].
    #[error("the file is too large: {size} bytes, at most {max} are accepted")]
    TooLarge { size: u64, max: u64 },
    /// More pages (or image frames) than [`crate::Limits::max_pages`].
    #[error("the document has too many pages: {pages}, at most {max} are accepted")]
    TooManyPages { pages: u32, max: u32 },
    /// An image larger than [`crate::Limits::max_image_pixels`].
    #[error(
        "the image is too large: {width} x {height} pixels, at most {max_pixels} pixels are accepted"
    )]
    ImageTooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// A page number outside the document.
    #[error("page {page} does not exist; the document has {pages} pages")]
    NoSuchPage { page: u32, pages: u32 },
    /// Neither a text layer nor OCR found any text (a blank or unreadable scan).
    #[error("no text was found in the document (a blank or unreadable scan?)")]
    NoText,
    /// A caller's argument is unusable (an empty watermark text, for example).
    #[error("invalid argument: {0}")]
    BadArgument(String),
    /// An external program this crate needs is not installed.
    #[error("{tool} is not installed (Debian package {package})")]
    ToolMissing {
        tool: &'static str,
        package: &'static str,
    },
    /// An external program failed; the text has its name and its trimmed error output.
    #[error("{0}")]
    Tool(String),
    /// An external program ran longer than [`crate::Limits::tool_timeout`] and was killed.
    #[error("{tool} took too long and was stopped")]
    Timeout { tool: &'static str },
    /// A temporary file could not be written or read.
    #[error("temporary file error: {0}")]
    Io(String),
    /// The ZIP archive expands to more than the limits allow, or an entry holds more than
    /// its header declares.
    #[error("the archive expands too much (zip bomb): {0}")]
    ZipBomb(String),
    /// The ZIP archive has more entries than [`crate::Limits::max_zip_entries`].
    #[error("the archive has too many entries: {entries}, at most {max} are accepted")]
    TooManyEntries { entries: u64, max: usize },
    /// A ZIP entry whose path leaves the archive (`..`) or is absolute.
    #[error("unsafe path in the archive: {0}")]
    UnsafePath(String),
    /// A ZIP entry that is a symbolic link.
    #[error("the archive entry is a symbolic link")]
    Symlink,
    /// A ZIP archive inside the ZIP archive.
    #[error("an archive inside the archive; unpack it first")]
    NestedZip,
}

impl DocError {
    /// The stable code of this error, e.g. `"DOC_ENCRYPTED"` or `"ZIP_BOMB"`.
    pub fn code(&self) -> &'static str {
        match self {
            DocError::Empty => "DOC_EMPTY",
            DocError::Unsupported => "DOC_UNSUPPORTED",
            DocError::OldFormat => "DOC_OLD_FORMAT",
            DocError::Encrypted => "DOC_ENCRYPTED",
            DocError::Corrupt(_) => "DOC_CORRUPT",
            DocError::TooLarge { .. } => "DOC_TOO_LARGE",
            DocError::TooManyPages { .. } => "DOC_TOO_MANY_PAGES",
            DocError::ImageTooLarge { .. } => "DOC_IMAGE_TOO_LARGE",
            DocError::NoSuchPage { .. } => "DOC_NO_SUCH_PAGE",
            DocError::NoText => "DOC_NO_TEXT",
            DocError::BadArgument(_) => "DOC_BAD_ARGUMENT",
            DocError::ToolMissing { .. } => "DOC_TOOL_MISSING",
            DocError::Tool(_) => "DOC_TOOL_FAILED",
            DocError::Timeout { .. } => "DOC_TIMEOUT",
            DocError::Io(_) => "DOC_IO",
            DocError::ZipBomb(_) => "ZIP_BOMB",
            DocError::TooManyEntries { .. } => "ZIP_TOO_MANY_ENTRIES",
            DocError::UnsafePath(_) => "ZIP_UNSAFE_PATH",
            DocError::Symlink => "ZIP_SYMLINK",
            DocError::NestedZip => "ZIP_NESTED",
        }
    }
}

impl From<std::io::Error> for DocError {
    fn from(e: std::io::Error) -> Self {
        DocError::Io(e.to_string())
    }
}
