//! Mutation fuzzing of the reader: valid forms in every format, with bytes flipped, runs
//! inserted or deleted and the file cut short, must each give a submission or a rejection
//! with a reason. No panic may come from this crate's code; a panic inside a third-party
//! reader (calamine) is contained and reported as E004, and counted.
//!
//! CI runs a few hundred cases; a long run: `PROPTEST_CASES=200000 cargo test --release --test fuzz`
//! (add `FUZZ_SAVE_LAST=/tmp/last.bin` to keep the input of a crash that kills the process).

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tonghop::config::Config;
use tonghop::ingest::{self, Found, ReadContext};

/// Where the last panic happened, recorded by a hook (panics are caught by the reader).
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
static CONTAINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn record_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info.location().map(|l| l.file().to_string()).unwrap_or_default();
            *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
        }));
    });
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<Vec<u8>> =
        ["005_libreoffice.xlsx", "005_biff8.xls", "005_libreoffice.ods", "005_1904.xlsx", "005_form.xlsb"]
            .iter()
            .map(|n| std::fs::read(dir.join(n)).unwrap())
            .collect();
    v.push(crate::common::Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes());
    v
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..32)).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match m {
        Mutation::Flip(i, b) => bytes[i % len] ^= b | 1,
        Mutation::Cut(i) => bytes.truncate(i % len),
        Mutation::Delete(i, n) => {
            let s = i % len;
            bytes.drain(s..(s + n).min(len));
        }
        Mutation::Insert(i, b) => {
            let s = i % len;
            bytes.splice(s..s, b.iter().copied());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_workbooks_never_crash_the_reader(seed in 0usize..6, muts in proptest::collection::vec(mutation(), 1..6)) {
        record_panics();
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let mut bytes = seeds().swap_remove(seed);
        for m in &muts {
            apply(&mut bytes, m);
        }
        // A crash that kills the process (an allocation abort) cannot be shrunk: with
        // FUZZ_SAVE_LAST=path every input is kept there before it is read.
        if let Ok(keep) = std::env::var("FUZZ_SAVE_LAST") {
            std::fs::write(keep, &bytes).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let found = Found { rel: "f.xlsx".into(), abs: path, ignored: None };
        let sub = ingest::read(&found, &ReadContext::for_period(&config, period));
        if sub.issues.iter().any(|i| i.code == "E004") {
            let at = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
            // This crate's files are named relative to it (src/...); dependencies' absolutely.
            prop_assert!(at.starts_with('/'), "a panic in this crate's code at {} on {:?}", at, muts);
            let n = CONTAINED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                eprintln!("contained third-party panics so far: {n} (last at {at})");
            }
        }
        prop_assert_eq!(sub.sha256.len(), 64);
    }
}
