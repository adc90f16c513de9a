//! Test helpers: a throwaway work folder, forms built in code the way a clerk might lay
//! them out, and readers for what the program wrote.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A temporary folder with `inputs/` and `outputs/`, and the binary run inside it.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir_all(dir.path().join("inputs")).unwrap();
        Workdir { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn inputs(&self) -> PathBuf {
        self.path("inputs")
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub fn add_form(&self, rel: &str, form: &Form) {
        self.write(&format!("inputs/{rel}"), &form.bytes());
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("tonghop").unwrap();
        c.current_dir(self.dir.path());
        c.env_remove("TONGHOP_LOG");
        c
    }

    /// `tonghop run --as-of 2023-12-22` with extra arguments.
    pub fn run(&self, extra: &[&str]) -> Output {
        self.cmd().args(["run", "--as-of", "2023-12-22"]).args(extra).output().unwrap()
    }

    pub fn out(&self, rel: &str) -> PathBuf {
        self.path(&format!("outputs/2023-THD/{rel}"))
    }

    pub fn read_out(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// A CSV output as header-keyed rows.
    pub fn csv(&self, name: &str) -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_path(self.out(name)).unwrap();
        let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        r.records().map(|rec| headers.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect()
    }

    pub fn run_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.read_out("run.json")).unwrap()
    }
}

/// A value cell as a clerk might fill it.
#[derive(Clone, Debug)]
pub enum V {
    Blank,
    N(f64),
    T(&'static str),
}

/// A form built in code. By default it is laid out like the template: labels in column B,
/// table header on row 10, columns A..H.
#[derive(Clone, Debug)]
pub struct Form {
    pub sheet: String,
    pub unit: Option<String>,
    pub period: Option<String>,
    pub report_date: Option<(u16, u8, u8)>,
    /// (code, name, [Tổng số, Nam, Nữ])
    pub rows: Vec<(String, String, [V; 3])>,
    pub offset: (u32, u16),
}

impl Form {
    pub fn new(unit: &str) -> Form {
        Form {
            sheet: "BaoCao".into(),
            unit: Some(unit.into()),
            period: Some("2023-THD".into()),
            report_date: Some((2023, 12, 18)),
            rows: Vec::new(),
            offset: (0, 0),
        }
    }

    /// A district-level form with its required indicators (CT01, CT03, CT05, CT06) filled.
    pub fn district(unit: &str, ct01: f64, ct05: f64, ct06: [f64; 3]) -> Form {
        Form::new(unit)
            .row("CT01", V::N(ct01))
            .row("CT03", V::N(1.0))
            .row("CT05", V::N(ct05))
            .row_sex("CT06", [V::N(ct06[0]), V::N(ct06[1]), V::N(ct06[2])])
    }

    pub fn row(mut self, code: &str, total: V) -> Form {
        self.rows.push((code.into(), String::new(), [total, V::Blank, V::Blank]));
        self
    }

    pub fn row_sex(mut self, code: &str, v: [V; 3]) -> Form {
        self.rows.push((code.into(), String::new(), v));
        self
    }

    pub fn dated(mut self, y: u16, m: u8, d: u8) -> Form {
        self.report_date = Some((y, m, d));
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(&self.sheet).unwrap();
        let (r0, c0) = self.offset;
        ws.write_string(r0, c0, "BÁO CÁO KẾT QUẢ THÁNG HÀNH ĐỘNG").unwrap();
        ws.write_string(r0 + 2, c0 + 1, "Mã đơn vị:").unwrap();
        if let Some(u) = &self.unit {
            ws.write_string(r0 + 2, c0 + 2, u).unwrap();
        }
        ws.write_string(r0 + 3, c0 + 1, "Kỳ báo cáo:").unwrap();
        if let Some(p) = &self.period {
            ws.write_string(r0 + 3, c0 + 2, p).unwrap();
        }
        ws.write_string(r0 + 4, c0 + 1, "Ngày báo cáo:").unwrap();
        if let Some((y, m, d)) = self.report_date {
            let f = Format::new().set_num_format("dd/mm/yyyy");
            ws.write_datetime_with_format(r0 + 4, c0 + 2, ExcelDateTime::from_ymd(y, m, d).unwrap(), &f).unwrap();
        }
        let header = ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tổng số", "Nam", "Nữ", "Ghi chú"];
        for (i, h) in header.iter().enumerate() {
            ws.write_string(r0 + 9, c0 + i as u16, *h).unwrap();
        }
        for (k, (code, name, vals)) in self.rows.iter().enumerate() {
            let r = r0 + 10 + k as u32;
            ws.write_number(r, c0, (k + 1) as f64).unwrap();
            ws.write_string(r, c0 + 1, code).unwrap();
            ws.write_string(r, c0 + 2, name).unwrap();
            for (j, v) in vals.iter().enumerate() {
                let c = c0 + 4 + j as u16;
                match v {
                    V::Blank => {}
                    V::N(n) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    V::T(t) => {
                        ws.write_string(r, c, *t).unwrap();
                    }
                }
            }
        }
        let footer = r0 + 12 + self.rows.len() as u32;
        ws.write_string(footer, c0 + 2, "Người lập biểu").unwrap();
        ws.write_string(footer, c0 + 5, "Thủ trưởng đơn vị").unwrap();
        wb.save_to_buffer().unwrap()
    }
}

/// A sheet of the written workbook as rows of display strings (calamine).
pub fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap_or_else(|e| panic!("no sheet {sheet}: {e}"));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

pub fn sheet_names(path: &Path) -> Vec<String> {
    use calamine::{Reader, Xlsx, open_workbook};
    let wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.sheet_names()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A workbook's bytes with one part's text passed through `edit` (re-packed, deflated).
pub fn edit_part(bytes: Vec<u8>, part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    edit_part_bytes(bytes, part, |b| edit(String::from_utf8(b).unwrap()).into_bytes())
}

/// A workbook's bytes with one part's bytes passed through `edit` (re-packed, deflated).
pub fn edit_part_bytes(bytes: Vec<u8>, part: &str, edit: impl Fn(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut found = false;
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        if name == part {
            b = edit(b);
            found = true;
        }
        out.start_file(name, opts).unwrap();
        out.write_all(&b).unwrap();
    }
    assert!(found, "no part {part}");
    out.finish().unwrap().into_inner()
}

/// One part of a workbook, as text.
pub fn part_text(bytes: &[u8], part: &str) -> String {
    use std::io::Read;
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    src.by_name(part).unwrap().read_to_string(&mut text).unwrap();
    text
}
