//! The workbooks open in LibreOffice without error: converted headless to PDF.
//!
//! Needs `soffice` (Debian: libreoffice-calc-nogui). Without it the test says so and passes,
//! unless TONGHOP_REQUIRE_LIBREOFFICE=1 (set by .ci/run, which installs LibreOffice).

#![allow(clippy::unwrap_used)]

use crate::common::{Form, V, Workdir, stderr};

fn soffice() -> Option<&'static str> {
    let found = std::process::Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found && std::env::var("TONGHOP_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
        panic!("soffice is required (TONGHOP_REQUIRE_LIBREOFFICE=1) but not installed");
    }
    found.then_some("soffice")
}

#[test]
fn the_workbook_and_a_feedback_file_convert_to_pdf() {
    let Some(soffice) = soffice() else {
        eprintln!("soffice not installed: LibreOffice check skipped");
        return;
    };
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT25", V::N(12.5)));
    let mut bad = Form::district("002", 1.0, 5.0, [10.0, 5.0, 5.0]);
    bad.rows[2].2[0] = V::T("=1+1");
    w.add_form("002.xlsx", &bad);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["TongHop_2023-THD.xlsx", "phan_hoi/002.xlsx"] {
        let pdf_dir = w.path("pdf");
        let profile = format!("-env:UserInstallation=file://{}", w.path("lo-profile").display());
        let out = std::process::Command::new(soffice)
            .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .arg(w.out(file))
            .output()
            .unwrap();
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let stem = std::path::Path::new(file).file_stem().unwrap().to_string_lossy().into_owned();
        let pdf = std::fs::read(pdf_dir.join(format!("{stem}.pdf"))).unwrap_or_else(|e| panic!("{file}: no PDF: {e}"));
        assert!(pdf.starts_with(b"%PDF") && pdf.len() > 2000, "{file}: PDF of {} bytes", pdf.len());
    }
}
