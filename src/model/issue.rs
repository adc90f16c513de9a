//! The issue catalogue: every code the program itself raises, with its severity,
//! what it means, and its messages in Vietnamese and English.
//!
//! Like rustc's `E0xxx` registry, a code is declared once, here, and nowhere else: a stage
//! raises an entry with its arguments (`issue::unknown_unit(&typed)`) and says where it
//! was found (`.in_sheet(..).at(..).with_value(..)`), so a code can never be raised with
//! the wrong severity or with a message worded differently in another place. The table at
//! the top is the one the README's "Issue codes" section lists; a test keeps the two equal.
//!
//! Each Vietnamese message ends with what the unit should do (the hint); the English one
//! says what was found. The codes of rules (`E101`, `W103`, …) are not here: rules.toml
//! defines them with their messages, and [`Issue::from_rule`] raises them.

use std::fmt::Display;

use super::{CellRef, Issue, OwnKind, Severity};

/// Declares the codes: one line each, `CODE Severity "meaning"`.
macro_rules! codes {
    ($($code:ident $severity:ident $meaning:literal,)*) => {
        /// An issue code the program raises, fixed in the code (rules.toml adds its own).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $meaning] $code,)*
        }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as written in the outputs: `E020`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$code => Severity::$severity,)*
                }
            }

            /// What the code means, in a line (the README's wording).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$code => $meaning,)*
                }
            }
        }
    };
}

codes! {
    E001 Error "not a spreadsheet, empty or corrupt file",
    E002 Error "encrypted (password-protected) file",
    E003 Error "over a reading limit (file size, uncompressed size, compression ratio, cells per sheet)",
    E004 Error "the file's structure crashed the reader",
    E010 Error "no indicator table found",
    E011 Error "unit code missing and not inferable",
    E012 Error "unknown unit code",
    E013 Error "unknown period",
    E014 Error "an indicator appears twice",
    E015 Error "a row with values matches no indicator (names the closest)",
    E020 Error "a value is not a number, or beyond a thousand million",
    E021 Error "a negative value",
    E022 Error "a count that is not a whole number",
    E023 Error "an Excel error cell (`#DIV/0!`, `#REF!`)",
    E024 Error "a formula without a stored result",
    E025 Error "an ambiguous number (`12.5`, `1,234.5`)",
    E026 Error "a unit written with a value contradicts the indicator's unit (`đồng` in a `triệu đồng` cell, `%` in a count)",
    E030 Error "a required indicator left blank or deleted",
    E040 Error "activity log: unreadable date",
    E041 Error "activity log: female > participants",
    E042 Error "activity log: unknown type",
    E043 Error "activity log: negative number",
    W001 Warning "unit taken from the file name, the unit name or the title",
    W002 Warning "file name names another unit than the form",
    W003 Warning "period blank: counted for `--period`, else the period its report date falls in",
    W004 Warning "report date unreadable",
    W005 Warning "the form was read from a hidden sheet (no visible sheet holds one)",
    W006 Warning "two columns with the same heading where hidden columns cannot be told: the rightmost is read",
    W007 Warning "a unit outside its valid_from..valid_to sent a form for the period (merged away or not yet created)",
    W010 Warning "outlier: over 10 × the median of at least 5 peers",
    W011 Warning "Tổng số blank while Nam/Nữ are filled (not derived)",
    W012 Warning "Nam/Nữ on an indicator not broken down by sex (ignored)",
    W020 Warning "activity outside the period's activity window",
    W021 Warning "the activity log adds up to more than the indicator table reports (HD01 vs CT03, participants of HD02 vs CT06, costs vs CT25, …)",
    I001 Info "a value was coerced (`12 buổi`, `-`, text number, `1.234`), or rounded to six decimals (`0.1234567`)",
    I002 Info "a form of another configured period (ignored)",
    I003 Info "a folder under the inputs that cannot be listed (ignored, the rest is read)",
    I004 Info "a link to a file outside the inputs (not followed)",
    I005 Info "a report or feedback workbook this program wrote (never a submission)",
    I006 Info "a sheet that is not a grid of cells (a chart sheet) was skipped",
    I007 Info "text in a legacy Vietnamese encoding (TCVN3, VNI) was converted to Unicode",
    I008 Info "a .zip archive among the inputs (not read: unpack it)",
}

impl Code {
    /// The catalogue entry written `s`, if it is one.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// An issue of this code, not yet located. Private: messages are worded in this file.
    fn raise(self, vi: String, en: String) -> Issue {
        Issue::new(self.as_str().to_string(), self.severity(), vi, en)
    }
}

impl Issue {
    fn new(code: String, severity: Severity, message_vi: String, message_en: String) -> Issue {
        Issue {
            code,
            severity,
            sheet: String::new(),
            cell: None,
            indicator: None,
            value: String::new(),
            message_vi,
            message_en,
            _sealed: (),
        }
    }

    /// An issue of a rule from rules.toml: its code, severity (which the loader reads off
    /// the code's `E`/`W`) and messages are configuration, not catalogue entries.
    pub fn from_rule(code: &str, severity: Severity, message_vi: String, message_en: String) -> Issue {
        Issue::new(code.to_string(), severity, message_vi, message_en)
    }

    /// The sheet the issue was found on.
    pub fn in_sheet(self, sheet: impl Into<String>) -> Issue {
        Issue { sheet: sheet.into(), ..self }
    }

    /// The cell the issue was found in, when there is one.
    pub fn at(self, cell: impl Into<Option<CellRef>>) -> Issue {
        Issue { cell: cell.into(), ..self }
    }

    /// The indicator the issue is about.
    pub fn for_indicator(self, code: impl Into<String>) -> Issue {
        Issue { indicator: Some(code.into()), ..self }
    }

    /// The value as read, as text.
    pub fn with_value(self, value: impl Into<String>) -> Issue {
        Issue { value: value.into(), ..self }
    }
}

/// An indicator as messages name it: code, and name in each language.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
}

/// The Vietnamese half of a reader's `"tiếng Việt / English"` text, if it has one.
fn vi_part(why: &str) -> Option<&str> {
    why.split_once(" / ").map(|(vi, _)| vi)
}

/// The English half of a reader's `"tiếng Việt / English"` text, or all of it.
fn en_part(why: &str) -> &str {
    why.split_once(" / ").map_or(why, |(_, en)| en)
}

// E001–E004: the file as a whole.

/// E001: a file of 0 bytes.
pub fn empty_file() -> Issue {
    Code::E001.raise("Tệp rỗng (0 byte). Hãy gửi lại tệp báo cáo.".into(), "The file is empty (0 bytes).".into())
}

/// E001: a file that is something else; `why` says what, as `"tiếng Việt / English"`.
pub fn not_a_spreadsheet(why: &str) -> Issue {
    Code::E001.raise(
        format!(
            "Tệp không phải bảng tính Excel/LibreOffice ({}). Hãy lưu lại bằng Excel dưới dạng .xlsx và gửi lại.",
            vi_part(why).unwrap_or(why)
        ),
        format!("The file is not a spreadsheet ({}).", en_part(why)),
    )
}

/// E001: a spreadsheet the reader gave up on; `why` is the reader's words (English) or a
/// `"tiếng Việt / English"` text.
pub fn corrupt_file(why: &str) -> Issue {
    let vi = match vi_part(why) {
        Some(vi) => format!("Tệp bị hỏng, không đọc được ({vi}). Hãy mở lại bằng Excel, lưu và gửi lại."),
        None => "Tệp bị hỏng, không đọc được. Hãy mở lại bằng Excel, lưu và gửi lại.".into(),
    };
    Code::E001.raise(vi, format!("The file is corrupt ({}).", en_part(why)))
}

/// E001: the file system refused the file.
pub fn unreadable_file(error: impl Display) -> Issue {
    Code::E001.raise(
        "Không đọc được tệp (lỗi hệ thống tệp); hãy kiểm tra quyền đọc.".into(),
        format!("Cannot read the file: {error}."),
    )
}

/// E002.
pub fn encrypted_file() -> Issue {
    Code::E002.raise(
        "Tệp bị mã hóa (đặt mật khẩu). Hãy gỡ mật khẩu rồi gửi lại.".into(),
        "The file is encrypted (password-protected).".into(),
    )
}

/// E003: `vi` and `en` say which limit, with the figures.
pub fn over_limit(vi: &str, en: &str) -> Issue {
    Code::E003.raise(
        format!("Tệp vượt giới hạn cho phép ({vi}). Hãy chỉ gửi biểu mẫu báo cáo."),
        format!("The file exceeds a limit ({en})."),
    )
}

/// E004.
pub fn reader_crashed() -> Issue {
    Code::E004.raise(
        "Tệp có cấu trúc bất thường làm trình đọc dừng lại. Hãy mở bằng Excel, lưu lại dưới dạng .xlsx và gửi lại."
            .into(),
        "The file's structure crashed the reader; re-save it as .xlsx.".into(),
    )
}

// E010–E015: the form's structure and identity.

/// E010.
pub fn no_indicator_table() -> Issue {
    Code::E010.raise(
        "Không tìm thấy bảng chỉ tiêu (dòng tiêu đề \"Mã chỉ tiêu | Tên chỉ tiêu | Tổng số\") trong tệp. Hãy dùng đúng biểu mẫu báo cáo.".into(),
        "No indicator table (header row \"Mã chỉ tiêu | Tên chỉ tiêu | Tổng số\") was found.".into(),
    )
}

/// E011.
pub fn unit_unknowable() -> Issue {
    Code::E011.raise(
        "Biểu mẫu thiếu Mã đơn vị và không xác định được đơn vị từ tên tệp hay tên đơn vị. Hãy điền Mã đơn vị.".into(),
        "The unit code is missing and cannot be inferred from the file name or unit name.".into(),
    )
}

/// E012: `typed` is the unit code as written in the form.
pub fn unknown_unit(typed: &str) -> Issue {
    Code::E012.raise(
        format!("Mã đơn vị \"{typed}\" không có trong danh mục đơn vị. Hãy ghi đúng mã đơn vị được cấp."),
        format!("Unit code \"{typed}\" is not in the unit list."),
    )
}

/// E013: `typed` is the period as written in the form; `current` the run's period.
pub fn unknown_period(typed: &str, current: &str) -> Issue {
    Code::E013.raise(
        format!("Kỳ báo cáo \"{typed}\" không có trong danh mục. Kỳ hiện tại là {current}."),
        format!("Unknown report period \"{typed}\"; the current one is {current}."),
    )
}

/// E014: rows as numbered in the sheet (1-based).
pub fn indicator_twice(code: &str, first_row: u32, row: u32) -> Issue {
    Code::E014.raise(
        format!("Chỉ tiêu {code} xuất hiện hai lần (dòng {first_row} và dòng {row}). Hãy giữ lại một dòng."),
        format!("Indicator {code} appears twice (rows {first_row} and {row})."),
    )
}

/// E015: row `row` (1-based) reads `what`; `closest` is the nearest indicator.
pub fn unmatched_row(row: u32, what: &str, closest: Named<'_>) -> Issue {
    Code::E015.raise(
        format!(
            "Dòng {row} có số liệu nhưng không khớp chỉ tiêu nào (\"{what}\"). Chỉ tiêu gần nhất: {} \"{}\". Hãy ghi đúng mã chỉ tiêu theo biểu mẫu.",
            closest.code, closest.name
        ),
        format!("Row {row} has values but matches no indicator (\"{what}\"). Closest: {} \"{}\".", closest.code, closest.name_en),
    )
}

// E020–E025: values.

/// Why a cell's content is not a value; each reason has its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadValue {
    /// Beyond a thousand million (E020).
    TooLarge,
    /// Text that is no number (E020).
    NotANumber,
    /// TRUE/FALSE (E020).
    Boolean,
    /// A date (E020).
    Date,
    /// An Excel error such as `#DIV/0!` (E023).
    ExcelError,
    /// A formula with no stored result (E024).
    NoStoredResult,
    /// `.` and `,` that could each be the decimal point (E025).
    Ambiguous,
}

impl BadValue {
    pub fn code(self) -> Code {
        match self {
            BadValue::TooLarge | BadValue::NotANumber | BadValue::Boolean | BadValue::Date => Code::E020,
            BadValue::ExcelError => Code::E023,
            BadValue::NoStoredResult => Code::E024,
            BadValue::Ambiguous => Code::E025,
        }
    }

    /// The reason, as the end of a sentence, in each language.
    fn why(self) -> (&'static str, &'static str) {
        match self {
            BadValue::TooLarge => ("số quá lớn (quá một tỷ)", "the number is too large (over a thousand million)"),
            BadValue::NotANumber => ("không phải là số", "it is not a number"),
            BadValue::Boolean => ("là giá trị đúng/sai, không phải số", "it is a boolean, not a number"),
            BadValue::Date => ("là ngày tháng, không phải số", "it is a date, not a number"),
            BadValue::ExcelError => ("ô có lỗi công thức Excel", "the cell holds an Excel error"),
            BadValue::NoStoredResult => (
                "ô có công thức nhưng chưa có kết quả tính (hãy mở tệp bằng Excel, tính lại và lưu)",
                "the formula has no stored result (open in Excel, recalculate and save)",
            ),
            BadValue::Ambiguous => (
                "không rõ dấu chấm/phẩy là phân cách hàng nghìn hay thập phân (dấu chấm phân cách hàng nghìn, dấu phẩy là thập phân, ví dụ 1.234,5)",
                "it is unclear whether . or , is the decimal point (write 1.234,5 or enter a plain number)",
            ),
        }
    }
}

/// E020, E023–E025 in the indicator table: cell `at` of indicator `code` shows `shown`.
pub fn bad_value(why: BadValue, at: CellRef, code: &str, shown: &str) -> Issue {
    let (why_vi, why_en) = why.why();
    why.code().raise(
        format!("Ô {at} (chỉ tiêu {code}): \"{shown}\" {why_vi}. Hãy nhập một số."),
        format!("Cell {at} ({code}): \"{shown}\": {why_en}."),
    )
}

/// E020, E023–E025 in the activity log: row `row` (1-based), column `what` (vi, en).
pub fn bad_activity_number(why: BadValue, row: u32, what: (&str, &str)) -> Issue {
    let (why_vi, why_en) = why.why();
    why.code().raise(format!("Dòng {row}: {} {why_vi}.", what.0), format!("Row {row}: {}: {why_en}.", what.1))
}

/// E021.
pub fn negative_value(at: CellRef, code: &str, value: impl Display) -> Issue {
    Code::E021.raise(
        format!("Ô {at} (chỉ tiêu {code}): giá trị {value} là số âm. Số liệu không được âm."),
        format!("Cell {at} ({code}): {value} is negative."),
    )
}

/// E022: `measure_unit` is what the indicator counts.
pub fn not_whole(at: CellRef, code: &str, value: impl Display, measure_unit: &str) -> Issue {
    Code::E022.raise(
        format!(
            "Ô {at} (chỉ tiêu {code}): {value} không phải số nguyên; chỉ tiêu đếm theo \"{measure_unit}\" phải là số nguyên. Lưu ý dấu phẩy là dấu thập phân."
        ),
        format!("Cell {at} ({code}): {value} is not a whole number; this indicator counts {measure_unit}."),
    )
}

// E030: required indicators.

/// E030: `cell` is the blank Tổng số cell, `None` when the row was deleted.
pub fn required_blank(indicator: Named<'_>, cell: Option<CellRef>) -> Issue {
    let place = cell.map_or_else(|| "không có dòng này".to_string(), |c| format!("ô {c}"));
    Code::E030.raise(
        format!(
            "Chỉ tiêu bắt buộc {} \"{}\" chưa có số liệu ({place}). Nếu không có, hãy ghi 0.",
            indicator.code, indicator.name
        ),
        format!("Required indicator {} \"{}\" is not reported.", indicator.code, indicator.name_en),
    )
}

// E040–E043: the activity log; rows are 1-based.

/// E040.
pub fn activity_date_unreadable(row: u32) -> Issue {
    Code::E040.raise(
        format!("Dòng {row}: không đọc được ngày tổ chức hoạt động; hãy ghi theo dạng ngày/tháng/năm (dd/mm/yyyy)."),
        format!("Row {row}: cannot read the activity date; write it as dd/mm/yyyy."),
    )
}

/// E041.
pub fn activity_female_over(row: u32, female: impl Display, participants: impl Display) -> Issue {
    Code::E041.raise(
        format!("Dòng {row}: số nữ ({female}) lớn hơn số người tham gia ({participants})."),
        format!("Row {row}: female participants ({female}) exceed participants ({participants})."),
    )
}

/// E042: `types` is how many activity types are configured (HD01…HDnn).
pub fn activity_unknown_type(row: u32, typed: &str, types: usize) -> Issue {
    Code::E042.raise(
        format!("Dòng {row}: loại hoạt động \"{typed}\" không có trong danh mục (HD01…HD{types:02})."),
        format!("Row {row}: unknown activity type \"{typed}\"."),
    )
}

/// E043: column `what` (vi, en).
pub fn activity_negative(row: u32, what: (&str, &str)) -> Issue {
    Code::E043.raise(format!("Dòng {row}: {} là số âm.", what.0), format!("Row {row}: {} is negative.", what.1))
}

// W001–W004: identity and header.

/// W001: the unit `code` was read off the file name.
pub fn unit_from_file_name(code: &str, file_name: &str) -> Issue {
    Code::W001.raise(
        format!(
            "Biểu mẫu thiếu Mã đơn vị; đơn vị {code} được xác định theo tên tệp \"{file_name}\". Hãy điền Mã đơn vị."
        ),
        format!("The form lacks the unit code; unit {code} was taken from the file name."),
    )
}

/// W001: the unit `code` was found by the form's Tên đơn vị.
pub fn unit_from_unit_name(code: &str) -> Issue {
    Code::W001.raise(
        format!("Biểu mẫu thiếu Mã đơn vị; đơn vị {code} được xác định theo Tên đơn vị. Hãy điền Mã đơn vị."),
        format!("The form lacks the unit code; unit {code} was taken from the unit name."),
    )
}

/// W001: the unit `code` was found by the form's title (`UBND QUẬN CẦU GIẤY`).
pub fn unit_from_title(code: &str) -> Issue {
    Code::W001.raise(
        format!(
            "Biểu mẫu thiếu Mã đơn vị; đơn vị {code} được xác định theo tên cơ quan ở đầu biểu. Hãy điền Mã đơn vị."
        ),
        format!("The form lacks the unit code; unit {code} was taken from the issuing body's title."),
    )
}

/// W002: the form says `code`, the file name `other`.
pub fn file_name_other_unit(code: &str, file_name: &str, other: &str) -> Issue {
    Code::W002.raise(
        format!("Mã đơn vị trong tệp là {code} nhưng tên tệp \"{file_name}\" mang mã {other}. Số liệu được tính cho đơn vị {code}."),
        format!("The form says unit {code} but the file name \"{file_name}\" says {other}; counted for {code}."),
    )
}

/// W003: counted for the run's period `current`.
pub fn period_blank(current: &str) -> Issue {
    Code::W003.raise(
        format!("Biểu mẫu chưa ghi Kỳ báo cáo; được tính vào kỳ {current}."),
        format!("The report period is blank; counted for {current}."),
    )
}

/// W004: `shown` is the date as written.
pub fn report_date_unreadable(shown: &str) -> Issue {
    Code::W004.raise(
        format!("Không đọc được Ngày báo cáo \"{shown}\"; hãy ghi theo dạng ngày/tháng/năm (dd/mm/yyyy). Báo cáo được coi như nộp sớm nhất."),
        format!("Cannot read the report date \"{shown}\"; write it as dd/mm/yyyy. The report counts as the earliest."),
    )
}

// W010–W012: values that look wrong.

/// W010: `part` is the breakdown (vi, en); `peers` how many units the median is of.
pub fn outlier(code: &str, part: (&str, &str), value: impl Display, peers: usize, median: impl Display) -> Issue {
    Code::W010.raise(
        format!(
            "Chỉ tiêu {code} ({}): {value} lớn hơn 10 lần trung vị của {peers} đơn vị cùng loại ({median}). Hãy kiểm tra lại, có thể thừa chữ số 0.",
            part.0
        ),
        format!(
            "{code} ({}): {value} is over 10 times the median of {peers} peer units ({median}); check for an extra zero.",
            part.1
        ),
    )
}

/// W011: `at` is the blank Tổng số cell.
pub fn total_blank(at: CellRef, code: &str) -> Issue {
    Code::W011.raise(
        format!("Ô {at} (chỉ tiêu {code}): Tổng số để trống trong khi có số Nam/Nữ. Tổng số không được tự tính; hãy điền Tổng số."),
        format!("Cell {at} ({code}): the total is blank while male/female are filled; it is not derived."),
    )
}

/// W012.
pub fn not_by_sex(at: CellRef, code: &str) -> Issue {
    Code::W012.raise(
        format!("Ô {at}: chỉ tiêu {code} không chia theo giới tính; số Nam/Nữ không được tính."),
        format!("Cell {at}: {code} is not broken down by sex; male/female are ignored."),
    )
}

// W020–W021: the activity log against the period and the table.

/// W020: row `row` (1-based) is dated `date`, outside `from`–`to`.
pub fn activity_outside(row: u32, date: impl Display, from: impl Display, to: impl Display) -> Issue {
    Code::W020.raise(
        format!("Dòng {row}: hoạt động ngày {date} nằm ngoài thời gian tính ({from}–{to}); không được tính."),
        format!("Row {row}: activity on {date} is outside the window {from}–{to}; not counted."),
    )
}

/// W021: sheet `sheet` adds `what` (vi, en) up to `logged`, more than `indicator` reports
/// (`reported`, as shown).
pub fn log_exceeds_table(
    sheet: &str,
    what: (&str, &str),
    logged: impl Display,
    indicator: Named<'_>,
    reported: &str,
) -> Issue {
    Code::W021.raise(
        format!(
            "Sheet {sheet} ghi {} là {logged}, nhiều hơn chỉ tiêu {} \"{}\" ({reported}). Hãy kiểm tra lại chỉ tiêu hoặc danh sách hoạt động.",
            what.0, indicator.code, indicator.name
        ),
        format!(
            "The {sheet} sheet lists {} of {logged}, more than {} \"{}\" reports ({reported}).",
            what.1, indicator.code, indicator.name_en
        ),
    )
}

// I001–I005: for the record.

/// I001: `shown` was read as `value`.
pub fn coerced(shown: &str, value: &str) -> Issue {
    Code::I001.raise(
        format!("Giá trị \"{shown}\" được đọc là {value}."),
        format!("The value \"{shown}\" was read as {value}."),
    )
}

/// I002: a form of period `other`, while the run is for `current`.
pub fn other_period(other: &str, current: &str) -> Issue {
    Code::I002.raise(
        format!("Báo cáo thuộc kỳ {other}, không thuộc kỳ {current}; không được tính trong lần tổng hợp này."),
        format!("The report is for period {other}, not {current}; not counted in this run."),
    )
}

/// I003: `reason` is the system's.
pub fn unlistable_folder(reason: &str) -> Issue {
    Code::I003.raise(
        format!(
            "Không liệt kê được thư mục này ({reason}); các tệp trong đó chưa được đọc. Hãy kiểm tra quyền truy cập."
        ),
        format!("This folder cannot be listed ({reason}); the files in it were not read."),
    )
}

/// I004.
pub fn link_outside() -> Issue {
    Code::I004.raise(
        "Liên kết trỏ tới tệp nằm ngoài thư mục báo cáo; tệp không được đọc.".into(),
        "A link to a file outside the inputs folder; not followed.".into(),
    )
}

/// I005.
pub fn own_workbook(kind: OwnKind) -> Issue {
    let (vi, en) = match kind {
        OwnKind::Report => ("báo cáo tổng hợp", "consolidated report"),
        OwnKind::Feedback => ("phản hồi gửi đơn vị", "feedback workbook"),
    };
    Code::I005.raise(
        format!("Tệp là {vi} do chương trình tổng hợp tạo ra, không phải báo cáo của đơn vị; không được đọc."),
        format!("A {en} written by this program, not a unit's report; not read."),
    )
}

/// E026: `shown` carries the unit `written`, the indicator is counted in `expected`.
pub fn wrong_value_unit(shown: &str, written: &str, expected: &str) -> Issue {
    let (vi, en) = if written == "%" {
        ("là tỷ lệ phần trăm", "is a percentage")
    } else {
        ("ghi đơn vị", "is written in")
    };
    let written_en = if written == "%" { String::new() } else { format!(" {written}") };
    let written_vi = if written == "%" { String::new() } else { format!(" \"{written}\"") };
    Code::E026.raise(
        format!(
            "Giá trị \"{shown}\" {vi}{written_vi} nhưng chỉ tiêu tính theo đơn vị \"{expected}\"; chương trình không tự quy đổi. Hãy ghi số theo đơn vị \"{expected}\", không kèm đơn vị."
        ),
        format!("The value \"{shown}\" {en}{written_en}, but the indicator is counted in \"{expected}\"; it is not converted."),
    )
}

/// W005: the form was found only on the hidden sheet `sheet`.
pub fn form_on_hidden_sheet(sheet: &str) -> Issue {
    Code::W005.raise(
        format!("Biểu mẫu chỉ có ở trang tính ẩn \"{sheet}\"; số liệu được đọc từ trang này. Hãy kiểm tra đây là số liệu kỳ này và bỏ ẩn trang tính."),
        format!("The form is only on the hidden sheet \"{sheet}\"; it was read from there."),
    )
}

/// W007: the unit `code` does not exist during the period (`from`..`to`, dd/mm/yyyy or open).
pub fn unit_not_valid(code: &str, from: &str, to: &str) -> Issue {
    Code::W007.raise(
        format!("Đơn vị {code} chỉ tồn tại từ {from} đến {to}, không trong kỳ báo cáo này (đã sáp nhập hoặc chưa thành lập); số liệu vẫn được tính. Hãy kiểm tra để tránh tính trùng với đơn vị mới."),
        format!("Unit {code} exists only from {from} to {to}, not during this period (merged away or not yet created); its figures still count."),
    )
}

/// W006: two columns are headed `label`; the rightmost, `chosen`, was read.
pub fn same_heading_twice(label: &str, chosen: &str, other: &str) -> Issue {
    Code::W006.raise(
        format!("Hai cột cùng tiêu đề \"{label}\" (cột {other} và cột {chosen}); số liệu được đọc từ cột {chosen}. Hãy xóa cột số liệu cũ."),
        format!("Two columns are headed \"{label}\" ({other} and {chosen}); column {chosen} was read."),
    )
}

/// I006: the sheet `sheet` is not a grid (a chart sheet) and was skipped.
pub fn sheet_not_a_grid(sheet: &str) -> Issue {
    Code::I006.raise(
        format!(
            "Trang \"{sheet}\" không phải bảng tính (ví dụ trang biểu đồ); đã bỏ qua, các trang khác vẫn được đọc."
        ),
        format!("The sheet \"{sheet}\" is not a grid of cells (e.g. a chart sheet); skipped."),
    )
}

/// I007: text in `encoding` (`TCVN3`, `VNI`) was converted to Unicode.
pub fn legacy_encoding(encoding: &str) -> Issue {
    Code::I007.raise(
        format!("Văn bản gõ bằng bảng mã {encoding} đã được chuyển sang Unicode để đọc. Lần sau hãy dùng phông chữ Unicode (Times New Roman)."),
        format!("Text typed in the legacy {encoding} encoding was converted to Unicode."),
    )
}

/// I008: a .zip archive found among the inputs.
pub fn zip_archive() -> Issue {
    Code::I008.raise(
        "Tệp nén .zip không được đọc. Hãy giải nén vào thư mục báo cáo để các biểu mẫu bên trong được tổng hợp.".into(),
        "A .zip archive is not read; unpack it into the inputs folder.".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's issue-code table: (codes of the row, severity, meaning).
    fn readme_rows() -> Vec<(Vec<String>, String, String)> {
        let readme = include_str!("../../README.md");
        let section = readme.split("\n## Issue codes\n").nth(1).expect("README has a section `## Issue codes`");
        let section = section.split("\n## ").next().unwrap_or(section);
        let mut rows = Vec::new();
        for line in section.lines().filter(|l| l.starts_with('|')) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            if cells.len() < 3 || cells[0] == "code" || cells[0].starts_with("---") {
                continue;
            }
            let meaning = cells[2..].join("|");
            rows.push((expand_codes(cells[0]), cells[1].to_string(), meaning));
        }
        assert!(rows.len() > 20, "the README table was not found whole: {rows:?}");
        rows
    }

    /// `E101, E102` → both; `E040–E043` → the four codes between.
    fn expand_codes(cell: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in cell.split(',').map(str::trim) {
            match part.split_once('–') {
                Some((from, to)) => {
                    let (letter, a) = from.split_at(1);
                    let a: u32 = a.parse().expect("a code number");
                    let b: u32 = to.trim_start_matches(letter).parse().expect("a code number");
                    assert!(a < b, "range {part}");
                    out.extend((a..=b).map(|n| format!("{letter}{n:03}")));
                }
                None => out.push(part.to_string()),
            }
        }
        out
    }

    /// Codes the configuration's rules.toml defines, listed in the README beside the catalogue's.
    const RULE_DEFINED: [&str; 6] = ["E101", "E102", "W103", "W104", "W105", "W106"];

    #[test]
    fn readme_issue_codes_match_the_catalogue() {
        let rows = readme_rows();
        let mut listed = Vec::new();
        for (codes, severity, meaning) in &rows {
            for code in codes {
                listed.push(code.clone());
                if RULE_DEFINED.contains(&code.as_str()) {
                    continue;
                }
                let c =
                    Code::parse(code).unwrap_or_else(|| panic!("README lists {code}, the catalogue has no such code"));
                assert_eq!(c.severity().as_str(), severity, "severity of {code}: catalogue vs README");
                if codes.len() == 1 {
                    assert_eq!(c.meaning(), meaning, "meaning of {code}: catalogue vs README");
                }
            }
        }
        for c in Code::ALL {
            assert!(listed.iter().any(|l| l == c.as_str()), "{} is in the catalogue but not in the README", c.as_str());
        }
        assert_eq!(listed.len(), listed.iter().collect::<std::collections::BTreeSet<_>>().len(), "{listed:?}");
    }

    #[test]
    fn codes_are_written_as_their_names_with_the_severity_of_their_letter() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            let letter = match c.severity() {
                Severity::Error => 'E',
                Severity::Warning => 'W',
                Severity::Info => 'I',
            };
            assert!(c.as_str().starts_with(letter), "{c:?}");
        }
    }

    #[test]
    fn a_raised_issue_carries_its_codes_severity() {
        let i = unknown_unit("999").in_sheet("BaoCao").at(CellRef::new(3, 2)).with_value("999");
        assert_eq!((i.code.as_str(), i.severity), ("E012", Severity::Error));
        assert_eq!(i.cell_text(), "C4");
        assert_eq!(bad_value(BadValue::Ambiguous, CellRef::new(0, 0), "CT01", "1,5").code, "E025");
    }
}
