//! Latency summaries and process CPU accounting.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Percentiles of a set of latencies, in milliseconds (nearest rank).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `p`% of the
/// values at or below it.
fn rank(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let n = sorted.len();
    let k = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[k.clamp(1, n) - 1]
}

pub fn summarize(mut v: Vec<Duration>) -> Summary {
    if v.is_empty() {
        return Summary::default();
    }
    v.sort_unstable();
    let total: Duration = v.iter().sum();
    Summary {
        count: v.len(),
        mean_ms: ms(total) / v.len() as f64,
        p50_ms: ms(rank(&v, 50.0)),
        p90_ms: ms(rank(&v, 90.0)),
        p99_ms: ms(rank(&v, 99.0)),
        max_ms: ms(v[v.len() - 1]),
    }
}

/// CPU time (user + system, seconds) used so far by the threads of process `pid` whose
/// name starts with `prefix` (all threads when `prefix` is empty). Linux only; `None`
/// elsewhere or when /proc cannot be read.
pub fn cpu_seconds(pid: u32, prefix: &str) -> Option<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
    let mut total = 0u64;
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        // "tid (comm) state ppid ..." — comm may contain spaces; it ends at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        if !comm.starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the comm: state is field 3 of the full line, so utime (14) and stime (15)
        // are at indexes 11 and 12 here.
        let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        total += utime + stime;
    }
    Some(total as f64 / ticks)
}

/// Raise the soft limit on open files to `want` (and the hard limit too when allowed, as
/// root). Returns the soft limit now in force.
pub fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    if lim.rlim_cur >= want {
        return lim.rlim_cur;
    }
    let raised = libc::rlimit {
        rlim_cur: want,
        rlim_max: lim.rlim_max.max(want),
    };
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
        return want;
    }
    let soft = libc::rlimit {
        rlim_cur: lim.rlim_max,
        rlim_max: lim.rlim_max,
    };
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &soft) } == 0 {
        return lim.rlim_max;
    }
    lim.rlim_cur
}

/// CPU time (seconds) all CPUs of the machine spent busy (not idle or waiting for I/O)
/// since boot, from /proc/stat. The difference over a run, minus our own processes', is
/// what other programs on the machine took while we measured.
pub fn system_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal guest guest_nice
    let busy = v.first()?
        + v.get(1)?
        + v.get(2)?
        + v.get(5).unwrap_or(&0)
        + v.get(6).unwrap_or(&0)
        + v.get(7).unwrap_or(&0);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some(busy as f64 / if ticks > 0 { ticks as f64 } else { 100.0 })
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
