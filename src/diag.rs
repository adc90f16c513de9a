//! What a run says about itself in its log.

/// `", peak memory 123 MiB"` on Linux (the process's resident-set high-water mark so far),
/// empty elsewhere: for the phase timings of `tonghop run -v`.
pub fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().to_string())))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map(|kib| format!(", peak memory {} MiB", kib / 1024))
        .unwrap_or_default()
}
