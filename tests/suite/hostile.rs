//! Untrusted files: each is rejected with a reason that names the problem, and the batch
//! goes on.

#![allow(clippy::unwrap_used)]

use std::io::Write;

use crate::common::{Form, Workdir, stderr};

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn issue_for(w: &Workdir, path: &str) -> (String, String) {
    let issues = w.csv("issues.csv");
    let r = issues.iter().find(|r| r["path"] == path).unwrap_or_else(|| panic!("no issue for {path}"));
    (r["code"].clone(), r["message"].clone())
}

#[test]
fn hostile_files_are_rejected_with_a_reason_and_the_batch_goes_on() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.write("inputs/rong.xlsx", b"");
    w.write(
        "inputs/ngau_nhien.xlsx",
        &(0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>(),
    );
    w.write("inputs/van_ban.xlsx", "Mã đơn vị,001\nCT01,3\n".as_bytes());
    let good = Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
    w.write("inputs/cut.xlsx", &good[..good.len() / 2]);
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend(std::iter::repeat_n(0u8, 504));
    cfb.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
    cfb.extend(std::iter::repeat_n(0u8, 1024));
    w.write("inputs/mat_khau.xlsx", &cfb);
    let zeros = vec![0u8; 150 << 20];
    w.write("inputs/bom.xlsx", &zip_with(&[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &zeros)]));
    w.write("inputs/zip_khac.xlsx", &zip_with(&[("readme.txt", b"hello")]));

    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    assert_eq!(files.len(), 8);
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("001.xlsx"), "accepted");
    for p in ["rong.xlsx", "ngau_nhien.xlsx", "van_ban.xlsx", "cut.xlsx", "mat_khau.xlsx", "bom.xlsx", "zip_khac.xlsx"]
    {
        assert_eq!(fate(p), "rejected", "{p}");
    }
    let (code, msg) = issue_for(&w, "rong.xlsx");
    assert_eq!(code, "E001");
    assert!(msg.contains("Tệp rỗng"), "{msg}");
    let (code, msg) = issue_for(&w, "van_ban.xlsx");
    assert_eq!(code, "E001");
    assert!(msg.contains("văn bản"), "{msg}");
    let (code, msg) = issue_for(&w, "mat_khau.xlsx");
    assert_eq!(code, "E002");
    assert!(msg.contains("mã hóa"), "{msg}");
    let (code, msg) = issue_for(&w, "bom.xlsx");
    assert_eq!(code, "E003");
    assert!(msg.contains("vượt giới hạn"), "{msg}");
    assert_eq!(issue_for(&w, "cut.xlsx").0, "E001");
    assert_eq!(issue_for(&w, "zip_khac.xlsx").0, "E001");
}

#[test]
fn a_sheet_over_the_cell_limit_is_rejected_and_the_limit_is_configurable() {
    let w = Workdir::new();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in 1..=300 {
        xml.push_str(&format!(r#"<row r="{r}">"#));
        for c in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
            xml.push_str(&format!(r#"<c r="{c}{r}"><v>{r}</v></c>"#));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().set_name("BaoCao").unwrap();
    let template = wb.save_to_buffer().unwrap();
    // The minimal workbook with the big sheet in place of its own.
    w.write("inputs/lon.xlsx", &crate::common::edit_part(template, "xl/worksheets/sheet1.xml", |_| xml.clone()));
    w.write("cfg/limits.toml", b"max_file_bytes = 1000000\nmax_uncompressed_bytes = 10000000\nmax_compression_ratio = 100\nmax_cells_per_sheet = 2000\n");
    let out = w.run(&["--config", "cfg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, msg) = issue_for(&w, "lon.xlsx");
    assert_eq!(code, "E003");
    assert!(msg.contains("2000"), "{msg}");
    // Under the default limit the same file is read (and rejected only for not being a form).
    let out = w.run(&[]);
    assert!(out.status.success());
    assert_eq!(issue_for(&w, "lon.xlsx").0, "E010");
}

#[test]
fn a_stray_far_cell_costs_nothing() {
    let w = Workdir::new();
    // A clean form, plus one cell at XFD1048576.
    let bytes = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
    let bytes = crate::common::edit_part(bytes, "xl/worksheets/sheet1.xml", |s| {
        s.replace(
            "</sheetData>",
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
        )
    });
    w.write("inputs/001.xlsx", &bytes);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    assert_eq!(files[0]["fate"], "accepted", "{:?}", w.csv("issues.csv"));
}

#[test]
fn inputs_are_never_modified() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.write("inputs/hong.xlsx", b"garbage");
    let before: Vec<(std::path::PathBuf, Vec<u8>)> = ["001.xlsx", "hong.xlsx"]
        .iter()
        .map(|p| (w.inputs().join(p), std::fs::read(w.inputs().join(p)).unwrap()))
        .collect();
    assert!(w.run(&[]).status.success());
    for (p, b) in before {
        assert_eq!(std::fs::read(&p).unwrap(), b, "{} changed", p.display());
    }
    let names: Vec<_> = std::fs::read_dir(w.inputs()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2);
}

#[test]
fn a_mixed_folder_runs_through_and_every_file_is_accounted_for() {
    let w = Workdir::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The demo forms, the fixtures from other programs, and the hostile kinds, side by side.
    let mut n = 0;
    for dir in ["inputs/2023-THD", "tests/fixtures"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            w.write(
                &format!("inputs/{}/{}", dir.replace('/', "_"), p.file_name().unwrap().to_string_lossy()),
                &std::fs::read(&p).unwrap(),
            );
            n += 1;
        }
    }
    w.write("inputs/x/rong.xlsx", b"");
    w.write("inputs/x/van_ban.xls", b"not a workbook");
    w.write("inputs/x/.an.xlsx", b"hidden");
    w.write("inputs/x/~$khoa.xlsx", b"lock");
    w.write("inputs/x/ghi_chu.docx", b"PK\x03\x04");
    // A unit identified by its name alone: a form with "Tên đơn vị" and no code.
    let bytes = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Tên đơn vị:").unwrap();
        ws.write_string(0, 1, "Quận Tây Hồ").unwrap();
        ws.write_string(1, 0, "Kỳ báo cáo: 2023-THD").unwrap();
        let header = ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tổng số", "Nam", "Nữ"];
        for (i, h) in header.iter().enumerate() {
            ws.write_string(3, i as u16, *h).unwrap();
        }
        for (k, (code, v)) in [("CT01", 1.0), ("CT03", 1.0), ("CT05", 2.0), ("CT06", 30.0)].iter().enumerate() {
            ws.write_string(4 + k as u32, 1, *code).unwrap();
            ws.write_number(4 + k as u32, 4, *v).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    w.write("inputs/x/bao_cao_tay_ho.xlsx", &bytes);
    n += 6;
    assert!(n >= 40, "{n}");
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    assert_eq!(files.len(), n);
    let j = w.run_json();
    let sum: u64 = j["files"]["by_fate"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(sum as usize, n);
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("x/.an.xlsx"), "ignored");
    assert_eq!(fate("x/~$khoa.xlsx"), "ignored");
    assert_eq!(fate("x/ghi_chu.docx"), "ignored");
    assert_eq!(fate("x/van_ban.xls"), "rejected");
    assert_eq!(fate("tests_fixtures/make_fixtures.py"), "ignored");
    let tay_ho = files.iter().find(|r| r["path"] == "x/bao_cao_tay_ho.xlsx").unwrap();
    assert_eq!(tay_ho["unit_code"], "003");
    assert!(w.csv("issues.csv").iter().any(|r| r["path"] == "x/bao_cao_tay_ho.xlsx" && r["code"] == "W001"));
}

#[test]
fn forged_sizes_that_would_abort_the_reader_are_refused_first() {
    use std::io::{Read, Seek, SeekFrom, Write};
    let w = Workdir::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // An .xls whose DIMENSIONS record claims a first row after its last: the reader would
    // reserve billions of cells and abort the whole process.
    let mut xls = std::fs::read(root.join("005_biff8.xls")).unwrap();
    {
        let mut cfb = cfb::CompoundFile::open(std::io::Cursor::new(&mut xls)).unwrap();
        let mut stream = cfb.open_stream("/Workbook").unwrap();
        let mut data = Vec::new();
        stream.read_to_end(&mut data).unwrap();
        let at =
            (0..data.len() - 4).find(|&i| data[i..i + 4] == [0x00, 0x02, 0x0E, 0x00]).expect("a DIMENSIONS record");
        stream.seek(SeekFrom::Start(at as u64 + 4)).unwrap();
        stream.write_all(&[9, 0, 0, 0, 3, 0, 0, 0]).unwrap();
        stream.flush().unwrap();
    }
    w.write("inputs/dims.xls", &xls);
    // An .xlsx whose shared-string table claims 10^11 entries.
    let good = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
    let forged = crate::common::edit_part(good, "xl/sharedStrings.xml", |s| {
        let at = s.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = at + s[at..].find('"').unwrap();
        format!("{}100000000000{}", &s[..at], &s[end..])
    });
    w.write("inputs/sst.xlsx", &forged);
    w.add_form("002.xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out = w.run(&[]);
    assert!(out.status.success(), "the batch must survive: {}", stderr(&out));
    assert_eq!(issue_for(&w, "dims.xls").0, "E003");
    assert_eq!(issue_for(&w, "sst.xlsx").0, "E001");
    let files = w.csv("files.csv");
    assert_eq!(files.iter().find(|r| r["path"] == "002.xlsx").unwrap()["fate"], "accepted");
}

#[test]
fn an_unreadable_file_still_belongs_to_the_unit_its_name_gives() {
    let w = Workdir::new();
    w.write("inputs/004_LongBien.xlsx", b"not a workbook at all");
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    assert!(w.run(&[]).status.success());
    let files = w.csv("files.csv");
    let f = files.iter().find(|r| r["path"] == "004_LongBien.xlsx").unwrap();
    assert_eq!((f["unit_code"].as_str(), f["fate"].as_str()), ("004", "rejected"));
    // The unit is told, and the progress sheet says it sent something that was not valid.
    assert!(w.out("phan_hoi/004.xlsx").exists());
    let rows = crate::common::sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Tiến độ nộp");
    let row = rows.iter().find(|r| r.first().is_some_and(|c| c == "004")).unwrap();
    assert!(row.iter().any(|c| c == "Chưa có báo cáo hợp lệ"), "{row:?}");
    assert!(row.iter().any(|c| c == "004_LongBien.xlsx"), "{row:?}");
}

#[test]
fn a_fifo_or_a_dangling_link_is_ignored_not_waited_on() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let fifo = w.inputs().join("002_pipe.xlsx");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink(w.inputs().join("khong_co.xlsx"), w.inputs().join("003_link.xlsx")).unwrap();
    std::os::unix::fs::symlink(w.path("outputs"), w.inputs().join("thu_muc")).unwrap();
    let out =
        w.cmd().args(["run", "--as-of", "2023-12-22"]).timeout(std::time::Duration::from_secs(60)).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    for p in ["002_pipe.xlsx", "003_link.xlsx", "thu_muc"] {
        assert_eq!(files.iter().find(|r| r["path"] == p).unwrap()["fate"], "ignored", "{p}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_hashed_whole_and_refused_with_its_size() {
    use sha2::Digest;
    let w = Workdir::new();
    let big: Vec<u8> = (0..(21u32 << 20)).map(|i| (i % 251) as u8).collect();
    w.write("inputs/005_lon.xlsx", &big);
    assert!(w.run(&[]).status.success());
    let files = w.csv("files.csv");
    let expected: String = sha2::Sha256::digest(&big).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(files[0]["sha256"], expected);
    assert_eq!(files[0]["unit_code"], "005");
    let (code, msg) = issue_for(&w, "005_lon.xlsx");
    assert_eq!(code, "E003");
    assert!(msg.contains("tệp 22.020.096 byte, lớn hơn mức 20.971.520 byte"), "{msg}");
}

#[test]
fn numbers_beyond_a_thousand_million_are_refused_not_summed() {
    let w = Workdir::new();
    for unit in ["001", "002", "003"] {
        w.add_form(
            &format!("{unit}.xlsx"),
            &Form::district(unit, 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT10", crate::common::V::N(4e12)),
        );
    }
    assert!(w.run(&[]).status.success());
    let issues = w.csv("issues.csv");
    assert_eq!(issues.iter().filter(|r| r["code"] == "E020" && r["indicator"] == "CT10").count(), 3);
    let totals = w.csv("totals.csv");
    let ct10 = totals.iter().find(|r| r["indicator"] == "CT10").unwrap();
    assert_eq!((ct10["value"].as_str(), ct10["units_reporting"].as_str()), ("", "0"));
}
