//! Running the external programs (poppler-utils, tesseract, qpdf): with arguments, never a
//! shell; in a private temporary directory; with a timeout after which the process is killed;
//! output to files (no pipe can fill up and stall the program).

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::DocError;

/// An external program and the Debian package that has it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tool {
    pub(crate) program: &'static str,
    pub(crate) package: &'static str,
}

pub(crate) const PDFINFO: Tool = Tool {
    program: "pdfinfo",
    package: "poppler-utils",
};
pub(crate) const PDFTOTEXT: Tool = Tool {
    program: "pdftotext",
    package: "poppler-utils",
};
pub(crate) const PDFTOPPM: Tool = Tool {
    program: "pdftoppm",
    package: "poppler-utils",
};
pub(crate) const TESSERACT: Tool = Tool {
    program: "tesseract",
    package: "tesseract-ocr",
};
pub(crate) const QPDF: Tool = Tool {
    program: "qpdf",
    package: "qpdf",
};

/// The most a tool may write to its standard output before the run counts as failed
/// (text of 5,000 dense pages is about 25 MB).
const MAX_STDOUT: u64 = 256 * 1024 * 1024;
/// How much of a tool's error output is kept for the error message.
const MAX_STDERR: usize = 600;

/// What a finished run left behind.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    /// Trimmed, at most a few hundred characters, lossy UTF-8.
    pub(crate) stderr: String,
}

impl Output {
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }

    /// A [`DocError::Tool`] naming the program, its exit status and its error output.
    pub(crate) fn failure(&self, tool: Tool) -> DocError {
        let code = self
            .status
            .code()
            .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
        if self.stderr.is_empty() {
            DocError::Tool(format!("{} failed ({code})", tool.program))
        } else {
            DocError::Tool(format!("{} failed ({code}): {}", tool.program, self.stderr))
        }
    }
}

/// Runs `tool` with `args` in `dir` (also its TMPDIR), killing it after `timeout`.
///
/// Every program runs with `LC_ALL=C` (stable messages; tesseract requires the C locale) and
/// tesseract with `OMP_THREAD_LIMIT=1` (its OpenMP threading was 2-3 times slower on the
/// project's 2-core machines; parallelism comes from OCR-ing pages side by side instead).
pub(crate) fn run<S: AsRef<OsStr>>(
    tool: Tool,
    args: &[S],
    dir: &Path,
    timeout: Duration,
) -> Result<Output, DocError> {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let out_path = dir.join(format!(".{}-{n}.out", tool.program));
    let err_path = dir.join(format!(".{}-{n}.err", tool.program));
    let stdout = File::create(&out_path)?;
    let stderr = File::create(&err_path)?;

    let mut cmd = Command::new(tool.program);
    cmd.args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TMPDIR", dir)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DocError::ToolMissing {
                tool: tool.program,
                package: tool.package,
            });
        }
        Err(e) => {
            return Err(DocError::Tool(format!(
                "{} could not start: {e}",
                tool.program
            )));
        }
    };
    let status = match child.wait_timeout(timeout)? {
        Some(status) => status,
        None => {
            // Best effort: the process may have ended between the timeout and the kill.
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&out_path);
            let _ = std::fs::remove_file(&err_path);
            return Err(DocError::Timeout { tool: tool.program });
        }
    };

    let stderr = read_stderr(&err_path);
    let out_len = std::fs::metadata(&out_path)?.len();
    if out_len > MAX_STDOUT {
        let _ = std::fs::remove_file(&out_path);
        return Err(DocError::Tool(format!(
            "{} wrote more than {MAX_STDOUT} bytes of output",
            tool.program
        )));
    }
    let stdout = std::fs::read(&out_path)?;
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

fn read_stderr(path: &Path) -> String {
    let mut buf = Vec::new();
    if let Ok(f) = File::open(path) {
        let _ = f.take(64 * 1024).read_to_end(&mut buf);
    }
    let text = String::from_utf8_lossy(&buf);
    // Keep the lines that say something; drop poppler's repeated noise.
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let joined = lines.join(" | ");
    if joined.chars().count() > MAX_STDERR {
        let cut: String = joined.chars().take(MAX_STDERR).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// A private temporary directory, removed when dropped.
pub(crate) fn workdir() -> Result<tempfile::TempDir, DocError> {
    tempfile::Builder::new()
        .prefix("daihoi-docs-")
        .tempdir()
        .map_err(|e| DocError::Io(format!("cannot create a temporary directory: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_named_with_its_package() {
        let dir = workdir().unwrap();
        let tool = Tool {
            program: "daihoi-no-such-program",
            package: "daihoi-nothing",
        };
        let err = run(tool, &["x"], dir.path(), Duration::from_secs(5)).unwrap_err();
        assert_eq!(err.code(), "DOC_TOOL_MISSING");
        assert_eq!(
            err.to_string(),
            "daihoi-no-such-program is not installed (Debian package daihoi-nothing)"
        );
    }

    #[test]
    fn a_program_that_runs_too_long_is_killed() {
        let dir = workdir().unwrap();
        let sleep = Tool {
            program: "sleep",
            package: "coreutils",
        };
        let started = std::time::Instant::now();
        let err = run(sleep, &["30"], dir.path(), Duration::from_millis(200)).unwrap_err();
        assert_eq!(err, DocError::Timeout { tool: "sleep" });
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_failure_carries_the_trimmed_error_output() {
        let dir = workdir().unwrap();
        let out = run(
            PDFINFO,
            &["no-such-file.pdf"],
            dir.path(),
            Duration::from_secs(10),
        )
        .unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh to install poppler-utils"));
        assert!(!out.success());
        let err = out.failure(PDFINFO).to_string();
        assert!(err.starts_with("pdfinfo failed (exit 1): "), "{err}");
        assert!(err.contains("no-such-file.pdf"), "{err}");
    }
}
