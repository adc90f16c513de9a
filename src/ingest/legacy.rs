//! Telling whether a sheet was typed in a legacy Vietnamese encoding, and converting it.
//!
//! Where the reader gives font names (the direct xlsx reader: each cell's style), a text
//! cell in a `.Vn…` or `VNI-…` font is converted by its font ([`convert_by_fonts`]).
//! Elsewhere, and for text whose font was changed after it was typed, the encoding is found by trying: each decoding is
//! applied to the sheet's candidate cells (text with characters above ASCII and none above
//! U+00FF, see [`text::legacy`]), and the one that finds what the text as stored does not
//! (the indicator table, the activity log's header) wins; where the table is found either
//! way, the one that makes more cells read as known labels and names wins. Plain Unicode
//! and English sheets have no candidate cells, or none that any decoding makes known, and
//! are never converted.

use crate::config::Config;
use crate::ingest::workbook::{Cell, Sheet};
use crate::text::{self, legacy, legacy::Legacy};

/// The encoding `sheet` is typed in, if it is a legacy one. `finds` tells whether a
/// reading of the sheet holds what is looked for in it (the table).
pub fn detect(sheet: &Sheet, config: &Config, finds: impl Fn(&Sheet) -> bool) -> Option<Legacy> {
    let candidates: Vec<&str> = sheet
        .rows
        .values()
        .flat_map(|cells| cells.iter().filter_map(|(_, c)| c.text()))
        .filter(|t| legacy::is_candidate(t))
        // A sample decides as well as the whole sheet, and bounds the cost of a long log.
        .take(200)
        .collect();
    // Unicode text with a few Latin-1 letters (`Ghi chú`) is no reason to try.
    if !candidates.iter().any(|t| legacy::has_legacy_mark(t)) {
        return None;
    }
    let known = |decoded: &str| is_known(&text::fold(decoded), config);
    let stored_known = candidates.iter().filter(|t| known(t)).count();
    let found_as_stored = finds(sheet);
    let mut best: Option<(Legacy, bool, usize)> = None;
    for encoding in Legacy::ALL {
        let known_here = candidates.iter().filter(|t| known(&legacy::decode(t, encoding))).count();
        let found = !found_as_stored && finds(&converted(sheet.clone(), encoding));
        if !found && known_here <= stored_known {
            continue;
        }
        if best.is_none_or(|(_, f, k)| (found, known_here) > (f, k)) {
            best = Some((encoding, found, known_here));
        }
    }
    best.map(|(encoding, _, _)| encoding)
}

/// Converts each text cell the reader found in a legacy font; returns the encoding of the
/// most cells converted, if any was.
pub fn convert_by_fonts(sheet: &mut Sheet) -> Option<Legacy> {
    let marked = std::mem::take(&mut sheet.legacy_cells);
    let mut counts = [0usize; 2];
    for (row, col, encoding) in marked {
        let Some(cells) = sheet.rows.get_mut(&row) else { continue };
        let Some((_, Cell::Text(t))) = cells.iter_mut().find(|(c, _)| *c == col) else { continue };
        if legacy::is_candidate(t) {
            *t = legacy::decode(t, encoding);
            counts[encoding as usize] += 1;
        }
    }
    let most = if counts[1] > counts[0] { Legacy::Vni } else { Legacy::Tcvn3 };
    (counts[0] + counts[1] > 0).then_some(most)
}

/// The sheet with each candidate text cell that carries a legacy mark converted from
/// `encoding`: a Unicode cell whose letters all happen to be Latin-1 (`Mã`, `Ba Vì`) is
/// left as typed.
pub fn converted(mut sheet: Sheet, encoding: Legacy) -> Sheet {
    for cells in sheet.rows.values_mut() {
        for (_, cell) in cells.iter_mut() {
            if let Cell::Text(t) = cell
                && legacy::is_candidate(t)
                && legacy::has_legacy_mark(t)
            {
                *t = legacy::decode(t, encoding);
            }
        }
    }
    sheet
}

/// Whether folded text is one the forms use: a label, a heading, an indicator, unit or
/// activity type name.
fn is_known(folded: &str, config: &Config) -> bool {
    let stripped = folded.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' ' | '-'));
    crate::ingest::form::is_form_word(folded)
        || config.folded_indicator_names.iter().any(|n| n == folded || n == stripped)
        || config.unit_by_name(folded).is_some()
        || config.folded_activity_type_names.iter().any(|name| name == folded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::form;

    fn sheet(texts: &[(u32, u16, &str)]) -> Sheet {
        let mut s = Sheet { name: "BaoCao".into(), ..Sheet::default() };
        for &(r, c, t) in texts {
            s.rows.entry(r).or_default().push((c, Cell::Text(t.into())));
        }
        s
    }

    fn finds(s: &Sheet) -> bool {
        form::find_table(s, &|_, cols| cols[0]).is_some()
    }

    #[test]
    fn a_sheet_typed_in_either_encoding_is_told_by_the_table_it_finds() {
        let c = Config::embedded().unwrap();
        let unicode = [(9, 0, "STT"), (9, 1, "Mã chỉ tiêu"), (9, 2, "Tên chỉ tiêu"), (9, 4, "Tổng số"), (9, 6, "Nữ")];
        for encoding in Legacy::ALL {
            let typed: Vec<(u32, u16, String)> =
                unicode.iter().map(|&(r, col, t)| (r, col, legacy::encode(t, encoding))).collect();
            let typed: Vec<(u32, u16, &str)> = typed.iter().map(|(r, col, t)| (*r, *col, t.as_str())).collect();
            let s = sheet(&typed);
            assert!(!finds(&s));
            assert_eq!(detect(&s, &c, finds), Some(encoding), "{encoding:?}");
            assert!(finds(&converted(s, encoding)));
        }
    }

    #[test]
    fn cells_in_a_legacy_font_are_converted_by_it_and_the_others_kept() {
        let mut s = sheet(&[(0, 0, "Tæng sè"), (0, 1, "Toång soá"), (0, 2, "Café"), (0, 3, "Tổng số")]);
        s.legacy_cells = vec![(0, 0, Legacy::Tcvn3), (0, 1, Legacy::Vni), (0, 3, Legacy::Tcvn3)];
        assert!(convert_by_fonts(&mut s).is_some());
        let texts: Vec<&str> = s.rows[&0].iter().filter_map(|(_, c)| c.text()).collect();
        // A Unicode cell in a legacy font (characters above U+00FF) is left as it is.
        assert_eq!(texts, ["Tổng số", "Tổng số", "Café", "Tổng số"]);
        assert!(s.legacy_cells.is_empty());
    }

    #[test]
    fn in_a_converted_sheet_unicode_words_of_latin_1_letters_stay() {
        let s = sheet(&[(0, 0, "Tæng sè"), (0, 1, "Mã"), (0, 2, "Ba Vì")]);
        let s = converted(s, Legacy::Tcvn3);
        let texts: Vec<&str> = s.rows[&0].iter().filter_map(|(_, c)| c.text()).collect();
        assert_eq!(texts, ["Tổng số", "Mã", "Ba Vì"]);
    }

    #[test]
    fn unicode_and_english_sheets_are_never_converted() {
        let c = Config::embedded().unwrap();
        let vi = sheet(&[(0, 0, "UBND QUẬN CẦU GIẤY"), (1, 0, "Tôi là"), (9, 1, "Mã chỉ tiêu"), (9, 4, "Tổng số")]);
        let en = sheet(&[(0, 0, "Café report"), (9, 1, "Mã chỉ tiêu"), (9, 4, "Tổng số"), (10, 2, "Naïve total")]);
        assert_eq!(detect(&vi, &c, finds), None);
        assert_eq!(detect(&en, &c, finds), None);
    }
}
