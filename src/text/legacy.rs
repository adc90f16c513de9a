//! Text typed in the legacy Vietnamese encodings, converted to Unicode.
//!
//! Before Unicode, offices typed Vietnamese with byte-mapped fonts: TCVN3 (ABC, the
//! `.VnTime` fonts) puts each accented letter on one byte; VNI-Windows (`VNI-Times`)
//! writes a base letter followed by a byte for its mark. A spreadsheet keeps those bytes as
//! the Latin-1 characters they are in Windows' code page, so `Tổng số` typed in `.VnTime`
//! is stored as `Tæng sè`, and in `VNI-Times` as `Toång soá`. Such text is only ever
//! converted when all of its characters are ≤ U+00FF: Unicode Vietnamese never is, apart
//! from a few words.
//!
//! The table below is the published one: TCVN 5712:1993 (VN3) for TCVN3, and the
//! VNI-Windows font layout. TCVN3 has capitals only for Ă Â Đ Ê Ô Ơ Ư: other capitals are
//! the `.VnTimeH` font drawing the lowercase codes, which convert to lowercase.

/// A legacy encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3 = 0,
    Vni = 1,
}

impl Legacy {
    pub const ALL: [Legacy; 2] = [Legacy::Tcvn3, Legacy::Vni];

    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI-Windows",
        }
    }
}

/// Each Vietnamese letter (lowercase, then uppercase; a, â, ă, e, ê, o, ô, ơ, u, ư, i, y
/// with no mark, sắc, huyền, hỏi, ngã, nặng; then đ), its TCVN3 byte as a Latin-1
/// character (empty where it has none or it is ASCII) and its VNI-Windows characters.
pub const TABLE: [(char, &str, &str); 146] = [
    ('a', "", "a"),
    ('á', "¸", "aù"),
    ('à', "µ", "aø"),
    ('ả', "¶", "aû"),
    ('ã', "·", "aõ"),
    ('ạ', "¹", "aï"),
    ('â', "©", "aâ"),
    ('ấ', "Ê", "aá"),
    ('ầ', "Ç", "aà"),
    ('ẩ', "È", "aå"),
    ('ẫ', "É", "aã"),
    ('ậ', "Ë", "aä"),
    ('ă', "¨", "aê"),
    ('ắ', "¾", "aé"),
    ('ằ', "»", "aè"),
    ('ẳ', "¼", "aú"),
    ('ẵ', "½", "aü"),
    ('ặ', "Æ", "aë"),
    ('e', "", "e"),
    ('é', "Ð", "eù"),
    ('è', "Ì", "eø"),
    ('ẻ', "Î", "eû"),
    ('ẽ', "Ï", "eõ"),
    ('ẹ', "Ñ", "eï"),
    ('ê', "ª", "eâ"),
    ('ế', "Õ", "eá"),
    ('ề', "Ò", "eà"),
    ('ể', "Ó", "eå"),
    ('ễ', "Ô", "eã"),
    ('ệ', "Ö", "eä"),
    ('o', "", "o"),
    ('ó', "ã", "où"),
    ('ò', "ß", "oø"),
    ('ỏ', "á", "oû"),
    ('õ', "â", "oõ"),
    ('ọ', "ä", "oï"),
    ('ô', "«", "oâ"),
    ('ố', "è", "oá"),
    ('ồ', "å", "oà"),
    ('ổ', "æ", "oå"),
    ('ỗ', "ç", "oã"),
    ('ộ', "é", "oä"),
    ('ơ', "¬", "ô"),
    ('ớ', "í", "ôù"),
    ('ờ', "ê", "ôø"),
    ('ở', "ë", "ôû"),
    ('ỡ', "ì", "ôõ"),
    ('ợ', "î", "ôï"),
    ('u', "", "u"),
    ('ú', "ó", "uù"),
    ('ù', "ï", "uø"),
    ('ủ', "ñ", "uû"),
    ('ũ', "ò", "uõ"),
    ('ụ', "ô", "uï"),
    ('ư', "\u{ad}", "ö"),
    ('ứ', "ø", "öù"),
    ('ừ', "õ", "öø"),
    ('ử', "ö", "öû"),
    ('ữ', "÷", "öõ"),
    ('ự', "ù", "öï"),
    ('i', "", "i"),
    ('í', "Ý", "í"),
    ('ì', "×", "ì"),
    ('ỉ', "Ø", "æ"),
    ('ĩ', "Ü", "ó"),
    ('ị', "Þ", "ò"),
    ('y', "", "y"),
    ('ý', "ý", "yù"),
    ('ỳ', "ú", "yø"),
    ('ỷ', "û", "yû"),
    ('ỹ', "ü", "yõ"),
    ('ỵ', "þ", "î"),
    ('đ', "®", "ñ"),
    ('A', "", "A"),
    ('Á', "", "AÙ"),
    ('À', "", "AØ"),
    ('Ả', "", "AÛ"),
    ('Ã', "", "AÕ"),
    ('Ạ', "", "AÏ"),
    ('Â', "¢", "AÂ"),
    ('Ấ', "", "AÁ"),
    ('Ầ', "", "AÀ"),
    ('Ẩ', "", "AÅ"),
    ('Ẫ', "", "AÃ"),
    ('Ậ', "", "AÄ"),
    ('Ă', "¡", "AÊ"),
    ('Ắ', "", "AÉ"),
    ('Ằ', "", "AÈ"),
    ('Ẳ', "", "AÚ"),
    ('Ẵ', "", "AÜ"),
    ('Ặ', "", "AË"),
    ('E', "", "E"),
    ('É', "", "EÙ"),
    ('È', "", "EØ"),
    ('Ẻ', "", "EÛ"),
    ('Ẽ', "", "EÕ"),
    ('Ẹ', "", "EÏ"),
    ('Ê', "£", "EÂ"),
    ('Ế', "", "EÁ"),
    ('Ề', "", "EÀ"),
    ('Ể', "", "EÅ"),
    ('Ễ', "", "EÃ"),
    ('Ệ', "", "EÄ"),
    ('O', "", "O"),
    ('Ó', "", "OÙ"),
    ('Ò', "", "OØ"),
    ('Ỏ', "", "OÛ"),
    ('Õ', "", "OÕ"),
    ('Ọ', "", "OÏ"),
    ('Ô', "¤", "OÂ"),
    ('Ố', "", "OÁ"),
    ('Ồ', "", "OÀ"),
    ('Ổ', "", "OÅ"),
    ('Ỗ', "", "OÃ"),
    ('Ộ', "", "OÄ"),
    ('Ơ', "¥", "Ô"),
    ('Ớ', "", "ÔÙ"),
    ('Ờ', "", "ÔØ"),
    ('Ở', "", "ÔÛ"),
    ('Ỡ', "", "ÔÕ"),
    ('Ợ', "", "ÔÏ"),
    ('U', "", "U"),
    ('Ú', "", "UÙ"),
    ('Ù', "", "UØ"),
    ('Ủ', "", "UÛ"),
    ('Ũ', "", "UÕ"),
    ('Ụ', "", "UÏ"),
    ('Ư', "¦", "Ö"),
    ('Ứ', "", "ÖÙ"),
    ('Ừ', "", "ÖØ"),
    ('Ử', "", "ÖÛ"),
    ('Ữ', "", "ÖÕ"),
    ('Ự', "", "ÖÏ"),
    ('I', "", "I"),
    ('Í', "", "Í"),
    ('Ì', "", "Ì"),
    ('Ỉ', "", "Æ"),
    ('Ĩ', "", "Ó"),
    ('Ị', "", "Ò"),
    ('Y', "", "Y"),
    ('Ý', "", "YÙ"),
    ('Ỳ', "", "YØ"),
    ('Ỷ', "", "YÛ"),
    ('Ỹ', "", "YÕ"),
    ('Ỵ', "", "Î"),
    ('Đ', "§", "Ñ"),
];

/// Whether `s` could be legacy text at all: some character above ASCII, none above U+00FF.
pub fn is_candidate(s: &str) -> bool {
    !s.is_ascii() && s.chars().all(|c| c <= '\u{ff}')
}

/// Whether `s` holds a character that legacy text has and Unicode Vietnamese does not: a
/// Latin-1 character other than the accented vowels Vietnamese shares with Latin-1
/// (`à á â ã è é ê ì í ò ó ô õ ù ú ý`, either case). `Tæng` has one; `Ngày báo cáo` none.
///
/// The shared capitals stand for lowercase letters in TCVN3 (`tiÕp` for `tiếp`), which
/// Unicode never writes inside a word that also has small letters: such a capital counts as
/// a mark too (`Ánh` and `THÁNG` have none).
pub fn has_legacy_mark(s: &str) -> bool {
    const SHARED: &str = "àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ";
    if s.chars().any(|c| ('\u{a0}'..='\u{ff}').contains(&c) && !SHARED.contains(c)) {
        return true;
    }
    s.split(|c: char| !c.is_alphabetic()).any(|word| {
        let lower = word.chars().any(char::is_lowercase);
        lower && word.chars().skip(1).any(|c| !c.is_ascii() && c.is_uppercase() && SHARED.contains(c))
    })
}

/// `s` converted from `encoding`; characters that are not part of it stay.
pub fn decode(s: &str, encoding: Legacy) -> String {
    let maps = maps();
    match encoding {
        Legacy::Tcvn3 => s.chars().map(|c| maps.tcvn3.get(c as usize).copied().flatten().unwrap_or(c)).collect(),
        Legacy::Vni => decode_vni(s, maps),
    }
}

/// The table turned around for decoding: TCVN3 by code point, VNI by one or two characters.
struct Maps {
    tcvn3: [Option<char>; 256],
    vni_single: std::collections::HashMap<char, char>,
    vni_pair: std::collections::HashMap<(char, char), char>,
}

fn maps() -> &'static Maps {
    static MAPS: std::sync::OnceLock<Maps> = std::sync::OnceLock::new();
    MAPS.get_or_init(|| {
        let mut m = Maps { tcvn3: [None; 256], vni_single: Default::default(), vni_pair: Default::default() };
        for (u, t, v) in TABLE {
            if let Some(c) = t.chars().next().filter(|c| !c.is_ascii()) {
                m.tcvn3[c as usize] = Some(u);
            }
            let code: Vec<char> = v.chars().collect();
            match code.as_slice() {
                [one] if !one.is_ascii() => {
                    m.vni_single.insert(*one, u);
                }
                [base, mark] => {
                    m.vni_pair.insert((*base, *mark), u);
                }
                _ => {}
            }
        }
        m
    })
}

fn decode_vni(s: &str, maps: &Maps) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // A base letter and its mark first, then a letter of one character.
        if let Some(&u) = chars.peek().and_then(|&next| maps.vni_pair.get(&(c, next))) {
            out.push(u);
            chars.next();
        } else {
            out.push(maps.vni_single.get(&c).copied().unwrap_or(c));
        }
    }
    out
}

/// Encodes Unicode text into `encoding`, for tests and for `tonghop sample`: letters with
/// no code (TCVN3 capitals other than Ă Â Đ Ê Ô Ơ Ư) are written lowercase, as `.VnTimeH`
/// users type them.
pub fn encode(s: &str, encoding: Legacy) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let row = TABLE.iter().find(|(u, _, _)| *u == c);
        match (encoding, row) {
            (_, None) => out.push(c),
            (Legacy::Vni, Some((_, _, v))) => out.push_str(v),
            (Legacy::Tcvn3, Some((u, "", _))) if u.is_ascii() => out.push(*u),
            (Legacy::Tcvn3, Some((_, t, _))) if !t.is_empty() => out.push_str(t),
            (Legacy::Tcvn3, Some((u, _, _))) => {
                let lower = u.to_lowercase().next().unwrap_or(*u);
                out.push_str(&encode(&lower.to_string(), Legacy::Tcvn3));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_letter_round_trips_through_vni() {
        for (u, _, v) in TABLE {
            assert_eq!(decode(v, Legacy::Vni), u.to_string(), "VNI {v:?}");
            assert_eq!(encode(&u.to_string(), Legacy::Vni), v, "VNI of {u}");
        }
    }

    #[test]
    fn every_letter_with_a_tcvn3_code_round_trips_and_the_others_come_back_lowercase() {
        for (u, t, _) in TABLE {
            let encoded = encode(&u.to_string(), Legacy::Tcvn3);
            let back = decode(&encoded, Legacy::Tcvn3);
            if !t.is_empty() || u.is_ascii() || u.is_lowercase() || "ĂÂĐÊÔƠƯ".contains(u) {
                assert_eq!(back, u.to_string(), "TCVN3 {u}");
            } else {
                assert_eq!(back, u.to_lowercase().to_string(), "TCVN3 {u} (.VnTimeH)");
            }
        }
        // The 67 accented lowercase letters and the seven capitals TCVN3 has.
        assert_eq!(TABLE.iter().filter(|(_, t, _)| !t.is_empty()).count(), 67 + 7);
    }

    #[test]
    fn words_of_the_form_convert() {
        assert_eq!(decode("Tæng sè", Legacy::Tcvn3), "Tổng số");
        assert_eq!(decode("M· chØ tiªu", Legacy::Tcvn3), "Mã chỉ tiêu");
        assert_eq!(decode("N÷", Legacy::Tcvn3), "Nữ");
        assert_eq!(decode("Toång soá", Legacy::Vni), "Tổng số");
        assert_eq!(decode("Nöõ", Legacy::Vni), "Nữ");
        assert_eq!(decode("Maõ chæ tieâu", Legacy::Vni), "Mã chỉ tiêu");
        assert_eq!(decode("QUAÄN CAÀU GIAÁY", Legacy::Vni), "QUẬN CẦU GIẤY");
    }

    #[test]
    fn unicode_and_english_text_are_never_candidates() {
        for s in ["Tổng số", "Mã chỉ tiêu", "Quận Cầu Giấy", "Total", "Nữ", "CT01", "12 buổi"] {
            assert!(!is_candidate(s), "{s}");
        }
        assert!(is_candidate("Tæng sè"));
        for s in ["Ngày báo cáo:", "Ghi chú", "Café", "Tôi là", "Ánh", "THÁNG", "Ý kiến"] {
            assert!(!has_legacy_mark(s), "{s}");
        }
        for s in ["Tæng sè", "M· chØ tiªu", "Toång soá", "Nöõ", "Trùc tiÕp", "MÝt tinh"] {
            assert!(has_legacy_mark(s), "{s}");
        }
    }
}
