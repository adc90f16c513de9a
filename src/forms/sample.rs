//! A synthetic, seeded corpus of filled forms (SPEC §7, `tonghop sample`), for demos, tests
//! and benchmarks, with optional injected faults.
//!
//! Everything is drawn from a splitmix64 stream derived from the seed (each unit its own
//! stream), so the same seed and options give byte-identical files. Clean forms pass every
//! check; each fault is put on its own unit so that it produces exactly the intended issue.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Days, NaiveDate};
use rayon::prelude::*;

use super::layout::{file_name, safe_component};
use super::template::{ActivityFill, CellFill, FormFill, RealStyle, form_bytes};
use crate::config::{Config, Period, Unit, UnitType, ValueType};
use crate::model::{Channel, UnitCode};
use crate::text::legacy::Legacy;

/// What `tonghop sample` should write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of units; beyond the configured ones, synthetic units are made.
    pub units: usize,
    pub seed: u64,
    /// Activity rows per form.
    pub activities: usize,
    /// Units left without a form.
    pub missing: usize,
    /// Units whose form has an error (E101 or E020, alternately).
    pub rejected: usize,
    /// Units that send an older and a newer form (`_lan1`, `_lan2`).
    pub resubmitted: usize,
    /// Units that report 2–5 days after the deadline.
    pub late: usize,
    /// Units whose form has a warning (W103 or an outlier W010, alternately).
    pub warned: usize,
    /// Mix in the conventions of forms as offices make them (numbering rows, the date in
    /// the signature line, the unit only in the title, legacy fonts, chart sheets), seeded.
    pub real_styles: bool,
    /// The figures as a percentage of the usual (`0` means 100): 85 makes a quieter year.
    pub magnitude: u32,
}

impl SampleOptions {
    /// Whether the options make a sample: each fault needs a unit of its own.
    pub fn check(&self) -> Result<()> {
        let (n, total) = (self.units, self.missing + self.rejected + self.resubmitted + self.late + self.warned);
        if total > n {
            bail!("{total} faults need {total} distinct units, but the sample has only {n} units");
        }
        Ok(())
    }
}

/// What `tonghop sample` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    pub files: usize,
    pub units: usize,
    pub synthetic_units: usize,
    pub inputs_dir: PathBuf,
    /// Where the configuration that knows the synthetic units went, when there are any.
    pub config_dir: Option<PathBuf>,
}

/// The fault put on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Missing,
    /// CT21 > CT20: rule E101.
    RuleError,
    /// `abc` in a value cell: E020.
    TextError,
    Resubmitted,
    Late,
    /// Nam + Nữ ≠ Tổng số on CT06: W103.
    SexMismatch,
    /// CT08 thirty times too large: W010 against the unit's peers.
    Outlier,
}

/// One file of the corpus.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFile {
    pub name: String,
    /// Index into [`Plan::units`].
    pub unit: usize,
    pub fill: FormFill,
}

/// The whole corpus, before it is written.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub units: Vec<Unit>,
    pub synthetic: usize,
    pub faults: Vec<Fault>,
    pub files: Vec<PlannedFile>,
}

/// Writes filled forms into `out/inputs/<period code>/` and, when synthetic units were needed
/// (`units` > configured units), the configuration that makes them known into `out/config/`.
pub fn write_sample(config: &Config, period: &Period, opts: &SampleOptions, out: &Path) -> Result<SampleSummary> {
    let plan = plan(config, period, opts)?;
    let inputs_dir = out.join("inputs").join(safe_component(&period.code));
    std::fs::create_dir_all(&inputs_dir).with_context(|| format!("cannot create {}", inputs_dir.display()))?;
    plan.files.par_iter().try_for_each(|f| -> Result<()> {
        let bytes = form_bytes(config, period, &plan.units[f.unit], Some(&f.fill))?;
        let path = inputs_dir.join(&f.name);
        crate::write::write_file(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))
    })?;
    for (unit, fault) in plan.units.iter().zip(&plan.faults).filter(|(_, f)| **f != Fault::None) {
        tracing::debug!(unit = %unit.code, ?fault, "sample fault");
    }
    let config_dir = if plan.synthetic > 0 {
        let dir = out.join("config");
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let units_text =
            crate::config::units_csv(&plan.units, &config.unit_types).context("cannot write the units table")?;
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            crate::write::write_file(&path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
        };
        write("units.csv", &units_text)?;
        for (name, text, _) in config.sources.iter().filter(|(n, _, _)| n != "units.csv") {
            write(name, text)?;
        }
        Some(dir)
    } else {
        None
    };
    Ok(SampleSummary {
        files: plan.files.len(),
        units: plan.units.len(),
        synthetic_units: plan.synthetic,
        inputs_dir,
        config_dir,
    })
}

/// A splitmix64 stream.
struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { lo + self.below((hi - lo) as u64 + 1) as i64 }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len() as u64) as usize).copied().unwrap_or_default()
    }

    fn date(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        let span = (hi - lo).num_days().max(0);
        lo.checked_add_days(Days::new(self.between(0, span) as u64)).unwrap_or(lo)
    }
}

/// The range of a district-level unit's monthly value (in units; amounts in million VND).
fn range_of(code: &str, value_type: ValueType) -> (i64, i64) {
    match code {
        "CT01" => (2, 8),
        "CT02" => (10, 30),
        "CT03" => (1, 4),
        "CT04" => (300, 3000),
        "CT05" => (10, 60),
        "CT06" => (800, 8000),
        "CT07" => (5, 60),
        "CT08" => (50, 400),
        "CT09" => (10, 120),
        "CT10" => (2000, 80000),
        "CT11" => (20, 300),
        "CT12" => (500, 10000),
        "CT13" => (1, 10),
        "CT14" => (50, 600),
        "CT15" => (0, 5),
        // Drawn only when CT15 > 0 (participants of at least one event).
        "CT16" => (200, 2000),
        "CT17" => (20, 300),
        "CT18" => (20, 400),
        "CT19" => (0, 50),
        "CT20" => (0, 12),
        "CT21" => (0, 12),
        "CT22" => (0, 24),
        "CT23" => (1, 15),
        "CT24" => (1, 20),
        "CT25" => (50, 900),
        _ => match value_type {
            ValueType::Count => (0, 100),
            ValueType::Amount => (10, 500),
        },
    }
}

/// A unit's generator: its stream and its size relative to a district.
struct UnitGen<'a> {
    config: &'a Config,
    unit: &'a Unit,
    rng: Rng,
    /// Percent of a district's magnitude (100 for district-level units).
    scale: i64,
    /// Percent of the usual figures for the whole corpus.
    magnitude: i64,
}

/// One generated value: whole units for counts, tenths for amounts.
#[derive(Clone, Copy)]
struct Drawn {
    total: i64,
    female: Option<i64>,
    male: Option<i64>,
}

impl UnitGen<'_> {
    fn district(&self) -> bool {
        self.config.unit_type(self.unit.unit_type).territorial
    }

    /// Tenths for amounts, units for counts.
    fn factor(&self, i: usize) -> i64 {
        match self.config.indicators[i].value_type {
            ValueType::Count => 1,
            ValueType::Amount => 10,
        }
    }

    /// A value from the indicator's range, scaled to the unit; `upper` draws from the upper
    /// half only.
    fn draw(&mut self, i: usize, upper: bool) -> i64 {
        let ind = &self.config.indicators[i];
        let f = self.factor(i);
        let (lo, hi) = range_of(&ind.code, ind.value_type);
        if ind.code == "CT01" && !self.district() {
            return self.rng.between(1, 5);
        }
        let (mut lo, hi) = (lo * f, hi * f);
        if !self.district() {
            // Smaller units draw from the top three quarters of the range, scaled by 20–40%:
            // their values stay within 8× of each other, clear of the outlier check.
            lo = lo.max((hi + 3) / 4);
        }
        let lo = if upper { (lo + hi + 1) / 2 } else { lo };
        let v = self.rng.between(lo, hi);
        (v * self.scale * self.magnitude + 5_000) / 10_000
    }

    fn split(&mut self, i: usize, total: i64) -> Drawn {
        if !self.config.indicators[i].by_sex {
            return Drawn { total, female: None, male: None };
        }
        let pct = self.rng.between(55, 70);
        let female = (total * pct + 50) / 100;
        Drawn { total, female: Some(female), male: Some(total - female) }
    }

    /// Every indicator's value (or `None`, not reported), in catalogue order.
    fn values(&mut self) -> Vec<Option<Drawn>> {
        let config = self.config;
        let n = config.indicators.len();
        let idx = |code: &str| config.indicator_index(code);
        let mut out: Vec<Option<Drawn>> = vec![None; n];
        for i in 0..n {
            let ind = &config.indicators[i];
            let required = ind.required_for.contains(&self.unit.unit_type);
            let filled = required || if self.district() { self.rng.chance(90) } else { self.rng.chance(50) };
            if !filled {
                continue;
            }
            let total_of = |out: &[Option<Drawn>], code: &str| idx(code).and_then(|j| out[j]).map(|d| d.total);
            let total = match ind.code.as_str() {
                // Cases handled are cases detected: a unit that reports no detected cases
                // reports none handled (else the sums a level up break CT21 <= CT20).
                "CT21" => match total_of(&out, "CT20") {
                    Some(detected) => self.rng.between((detected * 6 + 9) / 10, detected),
                    None => continue,
                },
                "CT22" => match total_of(&out, "CT20") {
                    Some(detected) => self.rng.between(detected, 2 * detected),
                    None => self.draw(i, false),
                },
                "CT16" => match total_of(&out, "CT15") {
                    Some(0) => 0,
                    _ => self.draw(i, false),
                },
                _ => self.draw(i, false),
            };
            out[i] = Some(self.split(i, total));
        }
        out
    }

    /// Raises indicators so the table reports at least what the activity log adds up to
    /// (the cross-checks of validation).
    fn align(&mut self, drawn: &mut [Option<Drawn>], acts: &[ActivityFill]) {
        let mut need = vec![0i64; drawn.len()];
        for a in acts {
            let Some(t) = self.config.activity_types.iter().find(|t| t.code == a.kind_code) else { continue };
            if let Some(i) = t.count_indicator {
                need[i] += self.factor(i);
            }
            if let Some(i) = t.participants_indicator {
                need[i] += i64::from(a.participants) * self.factor(i);
            }
            if let Some(i) = t.cost_indicator {
                need[i] += (a.cost * self.factor(i) as f64).round() as i64;
            }
        }
        for (i, &n) in need.iter().enumerate() {
            if n == 0 || drawn[i].is_some_and(|d| d.total >= n) {
                continue;
            }
            drawn[i] = Some(self.split(i, n));
        }
    }

    fn fill_values(&self, drawn: &[Option<Drawn>]) -> Vec<(usize, [Option<CellFill>; 3])> {
        drawn
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let d = (*d)?;
                let f = self.factor(i) as f64;
                let num = |v: i64| Some(CellFill::Number(v as f64 / f));
                Some((i, [num(d.total), d.male.and_then(num), d.female.and_then(num)]))
            })
            .collect()
    }

    fn activities(&mut self, period: &Period, count: usize) -> Vec<ActivityFill> {
        let types = &self.config.activity_types;
        if types.is_empty() || count == 0 {
            return vec![];
        }
        const PLACES: [&str; 6] = [
            "Hội trường Ủy ban nhân dân",
            "Nhà văn hóa tổ dân phố",
            "Trường trung học cơ sở trên địa bàn",
            "Trung tâm Văn hóa - Thể thao",
            "Nhà văn hóa thôn",
            "Hội trường cơ quan",
        ];
        let lo = period.activity_start.min(period.end);
        let mut acts: Vec<ActivityFill> = (0..count)
            .map(|_| {
                let t = &types[self.rng.below(types.len() as u64) as usize];
                let online = t.code == "HD06" || crate::text::fold(&t.name).contains("truc tuyen");
                let channel = if online {
                    Channel::Online
                } else if t.code == "HD05" {
                    Channel::InPerson
                } else {
                    match self.rng.below(10) {
                        0 => Channel::Online,
                        1 | 2 => Channel::Mixed,
                        _ => Channel::InPerson,
                    }
                };
                let place = match channel {
                    Channel::Online => "Trực tuyến".to_string(),
                    _ => format!("{} số {}", self.rng.pick(&PLACES), self.rng.between(1, 12)),
                };
                let participants = match t.code.as_str() {
                    "HD01" => self.rng.between(100, 1500),
                    "HD03" => self.rng.between(20, 150),
                    _ => self.rng.between(20, 500),
                };
                let female = participants * self.rng.between(40, 80) / 100;
                let cost_tenths =
                    if channel == Channel::Online { self.rng.between(0, 50) } else { self.rng.between(0, 500) };
                ActivityFill {
                    date: self.rng.date(lo, period.end),
                    kind_code: t.code.clone(),
                    name: self.activity_name(&t.code, &t.name),
                    place,
                    channel,
                    participants: participants as u32,
                    female: female as u32,
                    cost: cost_tenths as f64 / 10.0,
                }
            })
            .collect();
        acts.sort_by_key(|a| a.date);
        acts
    }

    fn activity_name(&mut self, code: &str, type_name: &str) -> String {
        let names: &[&str] = match code {
            "HD01" => &[
                "Lễ phát động Tháng hành động vì bình đẳng giới",
                "Mít tinh hưởng ứng Tháng hành động vì bình đẳng giới và phòng ngừa, ứng phó với bạo lực trên cơ sở giới",
            ],
            "HD02" => &[
                "Nói chuyện chuyên đề về bình đẳng giới",
                "Truyền thông về phòng, chống bạo lực gia đình tại khu dân cư",
                "Truyền thông về phòng ngừa xâm hại trẻ em trong trường học",
            ],
            "HD03" => &[
                "Tập huấn kỹ năng ứng phó với bạo lực trên cơ sở giới cho cán bộ cơ sở",
                "Bồi dưỡng kiến thức về bình đẳng giới cho cán bộ, hội viên",
            ],
            "HD04" => &[
                "Hội thi tìm hiểu pháp luật về bình đẳng giới",
                "Hội diễn văn nghệ hưởng ứng Tháng hành động",
                "Giải chạy vì bình đẳng giới",
            ],
            "HD05" => &["Thăm hỏi, tặng quà phụ nữ và trẻ em gái có hoàn cảnh khó khăn"],
            "HD06" => &[
                "Tọa đàm trực tuyến về bình đẳng giới",
                "Chuỗi bài truyền thông trên mạng xã hội về phòng ngừa bạo lực gia đình",
            ],
            _ => &[],
        };
        match names.len() {
            0 => format!("{type_name} hưởng ứng Tháng hành động"),
            _ => self.rng.pick(names).to_string(),
        }
    }

    fn person(&mut self) -> (String, String) {
        const FAMILY: [&str; 10] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"];
        const MIDDLE: [&str; 7] = ["Thị", "Văn", "Thu", "Minh", "Thanh", "Ngọc", "Hồng"];
        const GIVEN: [&str; 14] = [
            "Lan", "Hương", "Hoa", "Mai", "Hà", "Linh", "Trang", "Tuấn", "Hùng", "Dũng", "Nam", "Yến", "Thảo", "Phương",
        ];
        let name = format!("{} {} {}", self.rng.pick(&FAMILY), self.rng.pick(&MIDDLE), self.rng.pick(&GIVEN));
        let phone = if self.rng.chance(50) {
            format!("024 {:04} {:04}", self.rng.between(3000, 3999), self.rng.between(0, 9999))
        } else {
            format!("09{} {:03} {:03}", self.rng.between(0, 9), self.rng.between(0, 999), self.rng.between(0, 999))
        };
        (name, phone)
    }
}

/// Made-up units beyond the configured ones, of the unit types at least two configured units
/// have (in table order), each in the group of the first configured unit of its type.
fn synthetic_units(config: &Config, count: usize) -> Vec<Unit> {
    let of_type = |t: UnitType| config.units.iter().filter(|u| u.unit_type == t).count();
    let mut types: Vec<UnitType> = config.unit_type_ids().filter(|&t| of_type(t) >= 2).collect();
    if types.is_empty() {
        types = config.unit_type_ids().collect();
    }
    let group_of = |t: UnitType| {
        config
            .units
            .iter()
            .find(|u| u.unit_type == t)
            .map_or_else(|| config.unit_type(t).family_name.clone(), |u| u.group.clone())
    };
    let mut out = Vec::with_capacity(count);
    let mut n = 0usize;
    while out.len() < count {
        n += 1;
        let code = format!("X{n:05}");
        if config.unit(&code).is_some() {
            continue;
        }
        let unit_type = types[out.len() % types.len()];
        let group = group_of(unit_type);
        let Ok(code) = UnitCode::parse(&code) else { continue };
        out.push(Unit {
            name: format!("Đơn vị mẫu {n:05}"),
            code,
            unit_type,
            group,
            expected: true,
            contact: String::new(),
            valid: Default::default(),
        });
    }
    out
}

/// Chooses the units that get each fault: distinct, spread by a seeded shuffle, the first
/// unit last.
fn choose_faults(config: &Config, units: &[Unit], opts: &SampleOptions, rng: &mut Rng) -> Result<Vec<Fault>> {
    opts.check()?;
    let n = units.len();
    let mut order: Vec<usize> = (1..n).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    if n > 0 {
        order.push(0);
    }
    let mut faults = vec![Fault::None; n];
    let mut take = |fault: Fault, prefer: &dyn Fn(&Unit) -> bool| {
        let free = |i: &&usize| faults[**i] == Fault::None;
        let at = order.iter().filter(free).find(|&&i| prefer(&units[i])).or_else(|| order.iter().find(free)).copied();
        if let Some(i) = at {
            faults[i] = fault;
        }
    };
    // Outliers first: they need peers, which district-level units have most of.
    for k in 0..opts.warned {
        if k % 2 == 1 {
            take(Fault::Outlier, &|u| config.unit_type(u.unit_type).territorial);
        }
    }
    for k in 0..opts.warned {
        if k % 2 == 0 {
            take(Fault::SexMismatch, &|_| true);
        }
    }
    for k in 0..opts.rejected {
        take(if k % 2 == 0 { Fault::RuleError } else { Fault::TextError }, &|_| true);
    }
    for _ in 0..opts.resubmitted {
        take(Fault::Resubmitted, &|_| true);
    }
    for _ in 0..opts.late {
        take(Fault::Late, &|_| true);
    }
    for _ in 0..opts.missing {
        take(Fault::Missing, &|_| true);
    }
    Ok(faults)
}

/// Plans the corpus: units, faults, and every file's content.
pub(crate) fn plan(config: &Config, period: &Period, opts: &SampleOptions) -> Result<Plan> {
    let configured = config.units.len();
    let mut units: Vec<Unit> = config.units.iter().take(opts.units).cloned().collect();
    let synthetic = opts.units.saturating_sub(configured);
    units.extend(synthetic_units(config, synthetic));
    let mut rng = Rng::new(mix(opts.seed));
    let faults = choose_faults(config, &units, opts, &mut rng)?;
    let idx = |code: &str| config.indicator_index(code);
    let on_time_from = period.end.min(period.deadline);
    let mut files = Vec::with_capacity(units.len() + opts.resubmitted);
    for (u, unit) in units.iter().enumerate() {
        let fault = faults[u];
        if fault == Fault::Missing {
            continue;
        }
        let mut g = UnitGen {
            config,
            unit,
            rng: Rng::new(mix(opts.seed) ^ mix(u as u64 + 1)),
            scale: if config.unit_type(unit.unit_type).territorial { 100 } else { 0 },
            magnitude: if opts.magnitude == 0 { 100 } else { i64::from(opts.magnitude) },
        };
        if g.scale == 0 {
            g.scale = g.rng.between(20, 40);
        }
        let mut drawn = g.values();
        let activities = g.activities(period, opts.activities);
        // Clean first (the table covers the log), then the planned fault on top.
        g.align(&mut drawn, &activities);
        let mut text_cell: Option<usize> = None;
        let mut fault = fault;
        if fault == Fault::RuleError && (idx("CT20").is_none() || idx("CT21").is_none()) {
            fault = Fault::TextError;
        }
        match fault {
            Fault::RuleError => {
                if let (Some(a), Some(b)) = (idx("CT20"), idx("CT21")) {
                    let detected = g.rng.between(1, 8);
                    drawn[a] = Some(g.split(a, detected));
                    let handled = detected + g.rng.between(1, 3);
                    drawn[b] = Some(g.split(b, handled));
                }
            }
            Fault::TextError => {
                let i = idx("CT02").unwrap_or(0);
                if i < drawn.len() {
                    text_cell = Some(i);
                }
            }
            Fault::SexMismatch => {
                let target = idx("CT06")
                    .filter(|&i| config.indicators[i].by_sex)
                    .or_else(|| config.indicators.iter().position(|i| i.by_sex));
                if let Some(i) = target {
                    let total = drawn[i].map_or_else(|| g.draw(i, false), |d| d.total);
                    let mut d = g.split(i, total);
                    d.male = d.male.map(|m| m + g.rng.between(1, 5));
                    drawn[i] = Some(d);
                }
            }
            Fault::Outlier => {
                let target = idx("CT08").or_else(|| {
                    config
                        .indicators
                        .iter()
                        .position(|i| !i.by_sex && i.value_type == ValueType::Count && i.code != "CT01")
                });
                if let Some(i) = target {
                    let base = g.draw(i, true).max(1);
                    drawn[i] = Some(g.split(i, base * 30));
                }
            }
            _ => {}
        }
        let mut values = g.fill_values(&drawn);
        if let Some(i) = text_cell {
            match values.iter_mut().find(|(j, _)| *j == i) {
                Some((_, cells)) => cells[0] = Some(CellFill::Text("abc".into())),
                None => values.push((i, [Some(CellFill::Text("abc".into())), None, None])),
            }
        }
        let report_date = if fault == Fault::Late {
            period
                .deadline
                .checked_add_days(Days::new(g.rng.between(2, 5) as u64))
                .ok_or_else(|| anyhow!("the period's deadline is out of range"))?
        } else {
            g.rng.date(on_time_from, period.deadline)
        };
        let (preparer, phone) = g.person();
        let style = if opts.real_styles { real_style(&mut g.rng) } else { RealStyle::default() };
        let fill = FormFill {
            unit_code_text: Some(unit.code.to_string()),
            report_date: Some(report_date),
            preparer,
            phone,
            values,
            activities,
            style,
        };
        if fault == Fault::Resubmitted {
            // The first version: other values, a few days earlier.
            let mut earlier = g.values();
            let earlier_acts = g.activities(period, opts.activities);
            g.align(&mut earlier, &earlier_acts);
            let first = FormFill {
                report_date: report_date.checked_sub_days(Days::new(g.rng.between(2, 4) as u64)),
                values: g.fill_values(&earlier),
                activities: earlier_acts,
                ..fill.clone()
            };
            files.push(PlannedFile { name: styled_name(unit, "_lan1", &first.style), unit: u, fill: first });
            files.push(PlannedFile { name: styled_name(unit, "_lan2", &fill.style), unit: u, fill });
        } else {
            files.push(PlannedFile { name: styled_name(unit, "", &fill.style), unit: u, fill });
        }
    }
    Ok(Plan { units, synthetic, faults, files })
}

/// The conventions one office's form follows, drawn: most forms number their columns and
/// date the signature line; some name the unit only in the title; a few are typed in a
/// legacy font or carry a chart.
fn real_style(rng: &mut Rng) -> RealStyle {
    RealStyle {
        numbering_row: rng.chance(70),
        date_in_signature: rng.chance(50),
        title_only: rng.chance(20),
        encoding: match rng.below(100) {
            0..8 => Some(Legacy::Tcvn3),
            8..12 => Some(Legacy::Vni),
            _ => None,
        },
        chart_sheet: rng.chance(10),
    }
}

/// A form's file name: `<code>_<name>.xlsx`, without the code when the form names its unit
/// only in the title (the file name would identify it first).
fn styled_name(unit: &Unit, suffix: &str, style: &RealStyle) -> String {
    let name = file_name(unit, suffix);
    if style.title_only {
        let code = unit.code.to_string();
        name.strip_prefix(&code).map(|rest| format!("BaoCao{rest}")).unwrap_or(name)
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ReadContext;
    use crate::model::{Breakdown, Micros, Submission};

    fn opts(units: usize, seed: u64) -> SampleOptions {
        SampleOptions { units, seed, activities: 3, ..Default::default() }
    }

    #[test]
    fn real_style_forms_read_back_as_generated_with_only_their_own_notes() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let o = SampleOptions { real_styles: true, ..opts(51, 11) };
        let out = tempfile::tempdir().unwrap();
        let summary = write_sample(&config, period, &o, out.path()).unwrap();
        let plan = plan(&config, period, &o).unwrap();
        let subs = read_dir(&config, period, &summary.inputs_dir);
        let styles: Vec<RealStyle> = plan.files.iter().map(|f| f.fill.style).collect();
        // Every convention is drawn at least once in 51 forms.
        assert!(styles.iter().any(|s| s.numbering_row) && styles.iter().any(|s| s.date_in_signature));
        assert!(styles.iter().any(|s| s.title_only) && styles.iter().any(|s| s.chart_sheet));
        assert!(styles.iter().any(|s| s.encoding == Some(Legacy::Tcvn3)));
        assert!(styles.iter().any(|s| s.encoding == Some(Legacy::Vni)));
        for f in &plan.files {
            let mut sub = subs.iter().find(|s| s.path == f.name).unwrap().clone();
            let unit = &plan.units[f.unit];
            assert_eq!(sub.unit.as_deref(), Some(unit.code.as_str()), "{}", f.name);
            assert_eq!(sub.header.report_date, f.fill.report_date, "{}", f.name);
            for (i, cells) in &f.fill.values {
                for b in Breakdown::ALL {
                    let want = cells[b.index()].as_ref().and_then(micros);
                    assert_eq!(sub.value(*i, b), want, "{} {}", f.name, config.indicators[*i].code);
                }
            }
            assert_eq!(sub.activities.len(), 3, "{}", f.name);
            assert!(sub.activities.iter().all(|a| a.kind.is_some() && a.channel.is_some()), "{}", f.name);
            crate::validate::validate(&mut sub, &config, period);
            // Only what the conventions themselves call for: W001 for a unit named in the
            // title, I006 for a chart sheet, I007 for a legacy font.
            let mut want: Vec<&str> = Vec::new();
            if f.fill.style.title_only {
                want.push("W001");
            }
            if f.fill.style.chart_sheet {
                want.push("I006");
            }
            if f.fill.style.encoding.is_some() {
                want.push("I007");
            }
            let mut got: Vec<&str> = sub.issues.iter().map(|i| i.code.as_str()).collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{}: {:?}", f.name, sub.issues);
        }
    }

    fn read_dir(config: &Config, period: &Period, dir: &Path) -> Vec<Submission> {
        let found = crate::ingest::discover(dir, &[]).unwrap();
        found.iter().map(|f| crate::ingest::read(f, &ReadContext::for_period(config, period))).collect()
    }

    fn micros(c: &CellFill) -> Option<Micros> {
        match c {
            CellFill::Number(n) => crate::text::float_to_micros(*n).map(Micros),
            CellFill::Text(_) => None,
        }
    }

    #[test]
    fn sample_forms_read_back_as_generated() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let o = opts(51, 7);
        let out = tempfile::tempdir().unwrap();
        let summary = write_sample(&config, period, &o, out.path()).unwrap();
        assert_eq!(summary.files, 51);
        assert_eq!(summary.units, 51);
        assert_eq!(summary.synthetic_units, 0);
        assert_eq!(summary.config_dir, None);
        let plan = plan(&config, period, &o).unwrap();
        let subs = read_dir(&config, period, &summary.inputs_dir);
        assert_eq!(subs.len(), 51);
        let mut checked_values = 0;
        for f in plan.files.iter().step_by(5) {
            let sub = subs.iter().find(|s| s.path == f.name).unwrap();
            let unit = &plan.units[f.unit];
            assert_eq!(sub.unit.as_deref(), Some(unit.code.as_str()));
            assert_eq!(sub.header.report_date, f.fill.report_date);
            assert_eq!(sub.header.preparer.as_deref(), Some(f.fill.preparer.as_str()));
            assert_eq!(sub.header.phone.as_deref(), Some(f.fill.phone.as_str()));
            for (i, cells) in &f.fill.values {
                for b in Breakdown::ALL {
                    let want = cells[b.index()].as_ref().and_then(micros);
                    assert_eq!(sub.value(*i, b), want, "{} {} {:?}", unit.code, config.indicators[*i].code, b);
                    checked_values += 1;
                }
            }
            let filled: Vec<usize> = f.fill.values.iter().map(|(i, _)| *i).collect();
            assert!(
                sub.rows.iter().filter(|r| !filled.contains(&r.indicator())).all(|r| r.values() == [None, None, None])
            );
            assert_eq!(sub.activities.len(), 3);
            for (a, want) in sub.activities.iter().zip(&f.fill.activities) {
                assert_eq!(a.date, Some(want.date));
                assert_eq!(a.kind.map(|k| config.activity_types[k].code.as_str()), Some(want.kind_code.as_str()));
                assert_eq!(a.channel, Some(want.channel));
                assert_eq!(a.participants, Some(Micros::from_units(i64::from(want.participants))));
                assert_eq!(a.female, Some(Micros::from_units(i64::from(want.female))));
                assert_eq!(a.cost, crate::text::float_to_micros(want.cost).map(Micros));
            }
        }
        assert!(checked_values > 100);
        // Clean forms raise nothing: no error, no warning, no info.
        for mut sub in subs {
            crate::validate::validate(&mut sub, &config, period);
            assert!(sub.issues.is_empty(), "{}: {:?}", sub.path, sub.issues);
            let unit = config.unit(sub.unit.as_deref().unwrap()).unwrap();
            assert!(
                sub.header.report_date.unwrap() >= period.end && sub.header.report_date.unwrap() <= period.deadline
            );
            if !config.unit_type(unit.unit_type).territorial {
                assert!(sub.rows.iter().filter(|r| r.value(0).is_some()).count() < config.indicators.len());
            }
        }
    }

    fn dir_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let mut o = opts(12, 42);
        o.rejected = 2;
        o.resubmitted = 1;
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let sa = write_sample(&config, period, &o, a.path()).unwrap();
        let sb = write_sample(&config, period, &o, b.path()).unwrap();
        o.seed = 43;
        let sc = write_sample(&config, period, &o, c.path()).unwrap();
        let (fa, fb, fc) = (dir_bytes(&sa.inputs_dir), dir_bytes(&sb.inputs_dir), dir_bytes(&sc.inputs_dir));
        assert_eq!(fa.len(), 13);
        assert_eq!(fa, fb);
        assert_ne!(fa, fc);
        let differing = fa.iter().zip(&fc).filter(|(x, y)| x.1 != y.1).count();
        assert!(differing >= 10, "{differing}");
    }

    #[test]
    fn faults_give_their_issue_codes() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let o = SampleOptions {
            units: 51,
            seed: 11,
            activities: 2,
            missing: 3,
            rejected: 4,
            resubmitted: 2,
            late: 3,
            warned: 4,
            real_styles: false,
            magnitude: 0,
        };
        let out = tempfile::tempdir().unwrap();
        let summary = write_sample(&config, period, &o, out.path()).unwrap();
        assert_eq!(summary.files, 51 - 3 + 2);
        let plan = plan(&config, period, &o).unwrap();
        assert_eq!(plan.faults[0], Fault::None);
        let mut subs = read_dir(&config, period, &summary.inputs_dir);
        assert_eq!(subs.len(), summary.files);
        for s in &mut subs {
            crate::validate::validate(s, &config, period);
        }
        // The winners: every unit's latest form.
        let winners: Vec<&Submission> = subs.iter().filter(|s| !s.path.contains("_lan1")).collect();
        let outliers = crate::validate::outliers(&config, &winners);
        let with = |code: &str| -> Vec<String> {
            let mut units: Vec<String> = subs
                .iter()
                .filter(|s| s.issues.iter().any(|i| i.code == code))
                .map(|s| s.unit.as_deref().unwrap().to_string())
                .collect();
            units.sort();
            units
        };
        let planned = |f: Fault| -> Vec<String> {
            let mut units: Vec<String> = plan
                .faults
                .iter()
                .zip(&plan.units)
                .filter(|(x, _)| **x == f)
                .map(|(_, u)| u.code.to_string())
                .collect();
            units.sort();
            units
        };
        assert_eq!(with("E101"), planned(Fault::RuleError));
        assert_eq!(with("E020"), planned(Fault::TextError));
        assert_eq!(with("W103"), planned(Fault::SexMismatch));
        assert_eq!(planned(Fault::RuleError).len(), 2);
        assert_eq!(planned(Fault::TextError).len(), 2);
        assert_eq!(planned(Fault::SexMismatch).len(), 2);
        assert_eq!(planned(Fault::Outlier).len(), 2);
        let mut flagged: Vec<String> =
            outliers.iter().map(|(i, _)| winners[*i].unit.as_deref().unwrap().to_string()).collect();
        flagged.sort();
        assert_eq!(flagged, planned(Fault::Outlier));
        assert!(outliers.iter().all(|(_, i)| i.code == "W010" && i.indicator.as_deref() == Some("CT08")));
        // Only the rejected units have errors, only the warned ones warnings.
        let errors: usize = subs.iter().filter(|s| s.errors() > 0).count();
        assert_eq!(errors, 4);
        let warned: usize = subs.iter().filter(|s| s.warnings() > 0).count();
        assert_eq!(warned, 2);
        // Late units report after the deadline, everyone else on time.
        let mut late: Vec<String> = subs
            .iter()
            .filter(|s| s.header.report_date.unwrap() > period.deadline)
            .map(|s| s.unit.as_deref().unwrap().to_string())
            .collect();
        late.sort();
        assert_eq!(late, planned(Fault::Late));
        // Missing units have no file; resubmitted ones an older and a newer one.
        for code in planned(Fault::Missing) {
            assert!(!subs.iter().any(|s| s.unit.as_deref() == Some(code.as_str())));
        }
        for code in planned(Fault::Resubmitted) {
            let mine: Vec<&Submission> = subs.iter().filter(|s| s.unit.as_deref() == Some(code.as_str())).collect();
            assert_eq!(mine.len(), 2);
            let (first, second) = if mine[0].path.contains("_lan1") { (mine[0], mine[1]) } else { (mine[1], mine[0]) };
            assert!(second.path.ends_with("_lan2.xlsx"));
            assert!(first.header.report_date < second.header.report_date);
            assert_ne!(first.rows, second.rows);
        }
        // Too many faults for the units is an error, not a silent cut.
        let too_many = SampleOptions { units: 3, missing: 2, late: 2, ..Default::default() };
        assert!(super::plan(&config, period, &too_many).is_err());
    }

    #[test]
    fn synthetic_units_come_with_their_configuration() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let o = SampleOptions { units: 56, seed: 5, activities: 0, ..Default::default() };
        let out = tempfile::tempdir().unwrap();
        let summary = write_sample(&config, period, &o, out.path()).unwrap();
        assert_eq!((summary.files, summary.units, summary.synthetic_units), (56, 56, 5));
        let cfg_dir = summary.config_dir.clone().unwrap();
        let loaded = Config::load(Some(&cfg_dir)).unwrap();
        assert_eq!(loaded.units.len(), 56);
        assert_eq!(loaded.indicators, config.indicators);
        let x1 = loaded.unit("X00001").unwrap();
        let t = |code: &str| loaded.unit_type_by_code(code).unwrap();
        assert_eq!((x1.name.as_str(), x1.unit_type), ("Đơn vị mẫu 00001", t("quan")));
        assert_eq!(loaded.unit("X00003").unwrap().unit_type, t("so_nganh"));
        assert!(summary.inputs_dir.join("X00001_Don_vi_mau_00001.xlsx").is_file());
        let period = loaded.period(&period.code).unwrap();
        for mut sub in read_dir(&loaded, period, &summary.inputs_dir) {
            crate::validate::validate(&mut sub, &loaded, period);
            assert!(sub.unit.is_some());
            assert!(sub.issues.is_empty(), "{}: {:?}", sub.path, sub.issues);
            assert!(sub.activities.is_empty());
        }
    }

    /// Submissions straight from a plan's values, as the reader would give them.
    fn planned_submissions(p: &Plan) -> Vec<Submission> {
        p.files
            .iter()
            .map(|f| Submission {
                path: f.name.clone(),
                unit: Some(p.units[f.unit].code.clone()),
                sheet: "BaoCao".into(),
                rows: f
                    .fill
                    .values
                    .iter()
                    .map(|(i, cells)| {
                        crate::model::ReportedRow::with_values(*i, cells.clone().map(|c| c.as_ref().and_then(micros)))
                    })
                    .collect(),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn across_seeds_only_the_injected_warnings_appear() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        for seed in 0..25 {
            let o = SampleOptions { units: 51, seed, activities: 0, warned: 2, ..Default::default() };
            let p = plan(&config, period, &o).unwrap();
            let mut subs = planned_submissions(&p);
            for s in &mut subs {
                crate::validate::validate(s, &config, period);
            }
            let issues: Vec<(&str, &str)> =
                subs.iter().flat_map(|s| s.issues.iter().map(move |i| (s.path.as_str(), i.code.as_str()))).collect();
            assert_eq!(issues.len(), 1, "seed {seed}: {issues:?}");
            assert_eq!(issues[0].1, "W103");
            let refs: Vec<&Submission> = subs.iter().collect();
            let flagged: Vec<String> = crate::validate::outliers(&config, &refs)
                .iter()
                .map(|(i, issue)| format!("{} {}", subs[*i].path, issue.indicator.clone().unwrap_or_default()))
                .collect();
            assert_eq!(flagged.len(), 1, "seed {seed}: {flagged:?}");
            assert!(flagged[0].ends_with("CT08"));
        }
    }
}
