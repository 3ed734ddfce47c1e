//! Deadline arithmetic over legal calendars: Chinese working days (weekends, the State
//! Council's holiday table and its make-up working days), US federal business days, and plain
//! hours, days and months.
//!
//! Hand-written because the rules are small and jurisdiction-specific and the crates found
//! either do not know China's make-up working days (调休) or pull in a whole time-zone
//! database for two fixed offsets.
//!
//! Local days are taken at fixed offsets: China Standard Time (UTC+8, no daylight saving) and
//! US Eastern Standard Time (UTC−5). Ignoring US daylight saving moves a US deadline by at most
//! one hour in summer, and always later, never earlier.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Why a deadline cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The deadline falls in a year whose Chinese holiday table is not loaded.
    #[error("no CN calendar for {year}: load its holiday table with `takedown calendar import`")]
    CnYearNotCovered {
        /// The year without a table.
        year: i32,
    },
    /// The deadline is beyond the dates chrono can represent.
    #[error("deadline {period:?} from {from} is out of range")]
    OutOfRange {
        /// The window.
        period: Period,
        /// Its start.
        from: DateTime<Utc>,
    },
}

/// How long a legal window lasts, and in which calendar it is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "unit", content = "n", rename_all = "snake_case")]
pub enum Period {
    /// Exactly this many hours from the start instant (trade-fair on-site clocks).
    Hours(u32),
    /// Exactly this many 24-hour days from the start instant.
    CalendarDays(u32),
    /// The same time this many calendar months later (DSA art. 20's "at least six months").
    Months(u32),
    /// Chinese calendar days under Civil Code arts. 201 and 203: the start day is not counted,
    /// the window ends at 24:00 Beijing time of its last day, and a last day that is a rest day
    /// moves to the first working day after it.
    CnDays(u32),
    /// Chinese working days after the start day; ends at 24:00 Beijing time of the last one.
    CnWorkingDays(u32),
    /// US federal business days after the start day; ends at 24:00 Eastern of the last one.
    UsBusinessDays(u32),
}

impl Period {
    /// When a window of this length that starts at `from` ends.
    pub fn deadline(
        self,
        from: DateTime<Utc>,
        cn: &CnCalendar,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let out_of_range = || CalendarError::OutOfRange { period: self, from };
        match self {
            Period::Hours(n) => from
                .checked_add_signed(Duration::hours(n.into()))
                .ok_or_else(out_of_range),
            Period::CalendarDays(n) => from
                .checked_add_signed(Duration::days(n.into()))
                .ok_or_else(out_of_range),
            Period::Months(n) => from
                .checked_add_months(Months::new(n))
                .ok_or_else(out_of_range),
            Period::CnDays(n) => {
                let mut last = local_date(from, cn_offset())
                    .checked_add_days(chrono::Days::new(n.into()))
                    .ok_or_else(out_of_range)?;
                while !cn.is_working_day(last)? {
                    last = last.succ_opt().ok_or_else(out_of_range)?;
                }
                end_of_day(last, cn_offset()).ok_or_else(out_of_range)
            }
            Period::CnWorkingDays(n) => {
                let last =
                    nth_day_after(local_date(from, cn_offset()), n, |d| cn.is_working_day(d))?
                        .ok_or_else(out_of_range)?;
                end_of_day(last, cn_offset()).ok_or_else(out_of_range)
            }
            Period::UsBusinessDays(n) => {
                let last = nth_day_after(local_date(from, us_offset()), n, |d| {
                    Ok(is_us_business_day(d))
                })?
                .ok_or_else(out_of_range)?;
                end_of_day(last, us_offset()).ok_or_else(out_of_range)
            }
        }
    }
}

/// China Standard Time; a bad constant fails the build, not a request.
const CN_OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};
/// US Eastern Standard Time.
const US_OFFSET: FixedOffset = match FixedOffset::west_opt(5 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC-5 is a valid offset"),
};

fn cn_offset() -> FixedOffset {
    CN_OFFSET
}

fn us_offset() -> FixedOffset {
    US_OFFSET
}

fn local_date(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    at.with_timezone(&offset).date_naive()
}

/// 24:00 local of `day`, i.e. the first instant of the next day, as UTC.
fn end_of_day(day: NaiveDate, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let next = day.succ_opt()?.and_hms_opt(0, 0, 0)?;
    Some(next.and_local_timezone(offset).single()?.to_utc())
}

/// The `n`th day after `start` (not counting `start`) for which `counts` holds.
fn nth_day_after(
    start: NaiveDate,
    n: u32,
    counts: impl Fn(NaiveDate) -> Result<bool, CalendarError>,
) -> Result<Option<NaiveDate>, CalendarError> {
    let mut day = start;
    let mut seen = 0;
    while seen < n {
        let Some(next) = day.succ_opt() else {
            return Ok(None);
        };
        day = next;
        if counts(day)? {
            seen += 1;
        }
    }
    Ok(Some(day))
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[derive(Debug, Clone, Default)]
struct YearTable {
    holidays: BTreeSet<NaiveDate>,
    /// Weekend days declared working days (调休上班).
    workdays: BTreeSet<NaiveDate>,
    /// Where the arrangement comes from, as its file names it.
    source: String,
}

/// China's working-day calendar: weekends and official holidays are rest days, declared
/// make-up working days are working days. Only years with a table can be computed in, because
/// the State Council fixes each year's arrangement only the November before: a year without
/// one is [`CalendarError::CnYearNotCovered`], never guessed.
#[derive(Debug, Clone)]
pub struct CnCalendar {
    years: BTreeMap<i32, YearTable>,
}

/// The tables shipped in the repository (`services/platform/calendars/`), each naming its
/// source. Add a year by adding its file here, or at run time with `takedown calendar import`.
const BUILT_IN_TABLES: [(&str, &str); 2] = [
    ("cn-2025.toml", include_str!("../calendars/cn-2025.toml")),
    ("cn-2026.toml", include_str!("../calendars/cn-2026.toml")),
];

/// Most holidays a year's file may list; the real arrangement has seven.
const MAX_HOLIDAY_RANGES: usize = 64;

/// Why a calendar file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarFileError {
    /// Not TOML in the calendar format.
    #[error("not a calendar file: {0}")]
    Format(String),
    /// Only China's calendar is a table; the US one follows from 5 U.S.C. 6103.
    #[error("region {0:?} is not supported: only \"CN\" calendars are loaded from files")]
    Region(String),
    /// A table must say where it comes from.
    #[error("source is empty: name the official notice the table is taken from")]
    NoSource,
    /// Out of the range a year can have.
    #[error("year {0} is out of range")]
    Year(i64),
    /// A date that does not belong to the file's year.
    #[error("{field} {date} is not in {year}")]
    OutsideYear {
        /// Which list the date is in.
        field: &'static str,
        /// The date.
        date: NaiveDate,
        /// The file's year.
        year: i32,
    },
    /// A holiday range that ends before it starts.
    #[error("holiday {name:?} ends ({to}) before it starts ({from})")]
    Backwards {
        /// The holiday's name.
        name: String,
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// A make-up working day on a weekday means nothing and is likely a typo.
    #[error("workday {0} is not a Saturday or Sunday: make-up working days are weekend days")]
    WorkdayNotWeekend(NaiveDate),
    /// A day both off and worked.
    #[error("{0} is listed both as a holiday and as a workday")]
    Both(NaiveDate),
    /// More holiday ranges than any year has.
    #[error("{0} holiday ranges; at most {MAX_HOLIDAY_RANGES} are accepted")]
    TooMany(usize),
}

/// One year's holiday arrangement as a file: `calendars/cn-2026.toml` is the example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    /// `"CN"`.
    pub region: String,
    /// The year the arrangement is for.
    pub year: i64,
    /// The official notice the table is taken from.
    pub source: String,
    /// Days off, as inclusive ranges.
    pub holidays: Vec<HolidayRange>,
    /// Weekend days that are working days.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

/// Consecutive days off for one holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRange {
    /// The holiday, e.g. "Spring Festival".
    pub name: String,
    /// The first day off.
    pub from: NaiveDate,
    /// The last day off.
    pub to: NaiveDate,
}

impl CalendarFile {
    /// Parses and checks a calendar file's text.
    pub fn parse(text: &str) -> Result<Self, CalendarFileError> {
        let file: CalendarFile =
            toml::from_str(text).map_err(|e| CalendarFileError::Format(e.to_string()))?;
        file.check()?;
        Ok(file)
    }

    /// The year as a calendar year, once checked.
    pub fn calendar_year(&self) -> Result<i32, CalendarFileError> {
        i32::try_from(self.year)
            .ok()
            .filter(|y| (1949..=9999).contains(y))
            .ok_or(CalendarFileError::Year(self.year))
    }

    fn check(&self) -> Result<(), CalendarFileError> {
        if self.region != "CN" {
            return Err(CalendarFileError::Region(self.region.clone()));
        }
        if self.source.trim().is_empty() {
            return Err(CalendarFileError::NoSource);
        }
        if self.holidays.len() > MAX_HOLIDAY_RANGES {
            return Err(CalendarFileError::TooMany(self.holidays.len()));
        }
        let year = self.calendar_year()?;
        let in_year = |field, date: NaiveDate| {
            if date.year() == year {
                Ok(())
            } else {
                Err(CalendarFileError::OutsideYear { field, date, year })
            }
        };
        for range in &self.holidays {
            in_year("holiday", range.from)?;
            in_year("holiday", range.to)?;
            if range.to < range.from {
                return Err(CalendarFileError::Backwards {
                    name: range.name.clone(),
                    from: range.from,
                    to: range.to,
                });
            }
        }
        let holidays = self.holiday_days();
        for &day in &self.workdays {
            in_year("workday", day)?;
            if !is_weekend(day) {
                return Err(CalendarFileError::WorkdayNotWeekend(day));
            }
            if holidays.contains(&day) {
                return Err(CalendarFileError::Both(day));
            }
        }
        Ok(())
    }

    fn holiday_days(&self) -> BTreeSet<NaiveDate> {
        self.holidays
            .iter()
            .flat_map(|range| range.from.iter_days().take_while(move |d| *d <= range.to))
            .collect()
    }
}

impl Default for CnCalendar {
    fn default() -> Self {
        Self::official()
    }
}

impl CnCalendar {
    /// A calendar with no year: every Chinese deadline is unknown until a table is added.
    pub fn empty() -> Self {
        Self {
            years: BTreeMap::new(),
        }
    }

    /// The tables shipped in the repository (2025 and 2026).
    pub fn official() -> Self {
        let mut calendar = Self::empty();
        for (name, text) in BUILT_IN_TABLES {
            // A broken built-in table fails `built_in_tables_load`, not a request.
            match CalendarFile::parse(text) {
                Ok(file) => calendar = calendar.with_file(&file),
                Err(e) => tracing::error!(file = name, error = %e, "built-in calendar refused"),
            }
        }
        calendar
    }

    /// Adds (or replaces) the year of a checked calendar file.
    pub fn with_file(self, file: &CalendarFile) -> Self {
        let Ok(year) = file.calendar_year() else {
            return self;
        };
        let mut calendar = self.with_year(year, file.holiday_days(), file.workdays.clone());
        if let Some(table) = calendar.years.get_mut(&year) {
            table.source = file.source.clone();
        }
        calendar
    }

    /// Adds (or replaces) one year's holidays and make-up working days.
    pub fn with_year(
        mut self,
        year: i32,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        self.years.insert(
            year,
            YearTable {
                holidays: holidays.into_iter().collect(),
                workdays: workdays.into_iter().collect(),
                source: String::new(),
            },
        );
        self
    }

    /// The years with a table, and each table's source.
    pub fn years(&self) -> impl Iterator<Item = (i32, &str)> {
        self.years
            .iter()
            .map(|(year, table)| (*year, table.source.as_str()))
    }

    /// Whether `day` is a working day in China, if its year has a table.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        let table = self
            .years
            .get(&day.year())
            .ok_or(CalendarError::CnYearNotCovered { year: day.year() })?;
        if table.workdays.contains(&day) {
            return Ok(true);
        }
        Ok(!is_weekend(day) && !table.holidays.contains(&day))
    }
}

/// US federal holidays as observed (5 U.S.C. 6103; a Saturday holiday is observed the Friday
/// before, a Sunday one the Monday after — so 1 January on a Saturday is observed on
/// 31 December of the year before).
pub fn is_us_federal_holiday(day: NaiveDate) -> bool {
    observed_us_holidays(day.year()).contains(&day)
        || observed_us_holidays(day.year() + 1).contains(&day)
}

pub fn is_us_business_day(day: NaiveDate) -> bool {
    !is_weekend(day) && !is_us_federal_holiday(day)
}

fn observed_us_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let nth = |m, wd, n| NaiveDate::from_weekday_of_month_opt(year, m, wd, n);
    let last_monday_of_may = nth(5, Weekday::Mon, 5).or_else(|| nth(5, Weekday::Mon, 4));
    let actual = [
        fixed(1, 1),              // New Year's Day
        nth(1, Weekday::Mon, 3),  // Birthday of Martin Luther King, Jr.
        nth(2, Weekday::Mon, 3),  // Washington's Birthday
        last_monday_of_may,       // Memorial Day
        fixed(6, 19),             // Juneteenth
        fixed(7, 4),              // Independence Day
        nth(9, Weekday::Mon, 1),  // Labor Day
        nth(10, Weekday::Mon, 2), // Columbus Day
        fixed(11, 11),            // Veterans Day
        nth(11, Weekday::Thu, 4), // Thanksgiving Day
        fixed(12, 25),            // Christmas Day
    ];
    actual
        .into_iter()
        .flatten()
        .filter_map(|day| match day.weekday() {
            Weekday::Sat => day.pred_opt(),
            Weekday::Sun => day.succ_opt(),
            _ => Some(day),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn cn_fifteen_day_window_ending_in_spring_festival_moves_past_it() {
        let cn = CnCalendar::official();
        // Reached the complainant on Tue 3 Feb 2026, 10:00 Beijing. Day 15 is 18 Feb, inside
        // the 15–23 Feb holiday, so the window ends with Tue 24 Feb (Beijing).
        let deadline = Period::CnDays(15)
            .deadline(at("2026-02-03T10:00:00+08:00"), &cn)
            .unwrap();
        assert_eq!(deadline, at("2026-02-25T00:00:00+08:00"));
        // Outside holidays the count is plain: from 2 Mar, day 15 is Tue 17 Mar.
        let plain = Period::CnDays(15)
            .deadline(at("2026-03-02T10:00:00+08:00"), &cn)
            .unwrap();
        assert_eq!(plain, at("2026-03-18T00:00:00+08:00"));
    }

    #[test]
    fn cn_working_days_skip_the_holiday_and_count_make_up_saturdays() {
        let cn = CnCalendar::official();
        // Fri 13 Feb: the next working day is the make-up Saturday 14 Feb, the one after is
        // Tue 24 Feb, after the nine-day Spring Festival.
        let from = at("2026-02-13T15:00:00+08:00");
        assert_eq!(
            Period::CnWorkingDays(1).deadline(from, &cn).unwrap(),
            at("2026-02-15T00:00:00+08:00")
        );
        assert_eq!(
            Period::CnWorkingDays(2).deadline(from, &cn).unwrap(),
            at("2026-02-25T00:00:00+08:00")
        );
        assert!(
            cn.is_working_day(date(2026, 9, 20)).unwrap(),
            "make-up Sunday"
        );
        assert!(
            !cn.is_working_day(date(2026, 10, 5)).unwrap(),
            "National Day"
        );
        // The day in UTC is not the day in Beijing: 23:00 UTC on 12 Feb is 13 Feb in China.
        assert_eq!(
            Period::CnWorkingDays(1)
                .deadline(at("2026-02-12T23:00:00Z"), &cn)
                .unwrap(),
            at("2026-02-15T00:00:00+08:00")
        );
    }

    #[test]
    fn cn_deadline_in_a_year_without_a_table_is_an_error() {
        let cn = CnCalendar::official();
        assert_eq!(
            Period::CnDays(15).deadline(at("2026-12-28T10:00:00+08:00"), &cn),
            Err(CalendarError::CnYearNotCovered { year: 2027 })
        );
        let extended = cn.with_year(2027, [date(2027, 1, 1)], []);
        assert_eq!(
            Period::CnDays(4)
                .deadline(at("2026-12-28T10:00:00+08:00"), &extended)
                .unwrap(),
            // 1 Jan 2027 (Fri) is a holiday, 2–3 Jan the weekend: Mon 4 Jan.
            at("2027-01-05T00:00:00+08:00")
        );
    }

    #[test]
    fn built_in_tables_load_with_their_sources() {
        for (name, text) in BUILT_IN_TABLES {
            let file = CalendarFile::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                file.source.contains("国务院办公厅"),
                "{name} names its source"
            );
        }
        let cn = CnCalendar::official();
        let years: Vec<i32> = cn.years().map(|(y, _)| y).collect();
        assert_eq!(years, vec![2025, 2026]);
        // 2025: the Spring Festival eve holiday and the make-up Sunday before it.
        assert!(!cn.is_working_day(date(2025, 1, 28)).unwrap());
        assert!(cn.is_working_day(date(2025, 1, 26)).unwrap());
        assert!(!cn.is_working_day(date(2025, 10, 8)).unwrap());
    }

    #[test]
    fn calendar_files_are_checked_and_errors_name_the_fault() {
        let file = |body: &str| {
            CalendarFile::parse(&format!(
                "region = \"CN\"\nyear = 2027\nsource = \"s\"\n{body}"
            ))
        };
        assert_eq!(
            file("holidays = [{ name = \"x\", from = \"2028-01-01\", to = \"2028-01-01\" }]"),
            Err(CalendarFileError::OutsideYear {
                field: "holiday",
                date: date(2028, 1, 1),
                year: 2027
            })
        );
        assert_eq!(
            file("holidays = [{ name = \"x\", from = \"2027-02-03\", to = \"2027-02-01\" }]")
                .unwrap_err()
                .to_string(),
            "holiday \"x\" ends (2027-02-01) before it starts (2027-02-03)"
        );
        assert_eq!(
            file("holidays = []\nworkdays = [\"2027-01-06\"]"),
            Err(CalendarFileError::WorkdayNotWeekend(date(2027, 1, 6)))
        );
        assert!(matches!(
            file("holiday = []"),
            Err(CalendarFileError::Format(_))
        ));
        assert_eq!(
            CalendarFile::parse("region = \"US\"\nyear = 2027\nsource = \"s\"\nholidays = []"),
            Err(CalendarFileError::Region("US".into()))
        );
        assert_eq!(
            CalendarFile::parse("region = \"CN\"\nyear = 2027\nsource = \" \"\nholidays = []"),
            Err(CalendarFileError::NoSource)
        );
        let ok = file("holidays = [{ name = \"x\", from = \"2027-02-01\", to = \"2027-02-03\" }]\nworkdays = [\"2027-01-30\"]").unwrap();
        let cn = CnCalendar::empty().with_file(&ok);
        assert!(!cn.is_working_day(date(2027, 2, 2)).unwrap());
        assert!(
            cn.is_working_day(date(2027, 1, 30)).unwrap(),
            "make-up Saturday"
        );
        assert_eq!(cn.years().collect::<Vec<_>>(), vec![(2027, "s")]);
    }

    #[test]
    fn us_business_days_skip_thanksgiving_and_observed_holidays() {
        let cn = CnCalendar::official();
        // Counter-notice on Thu 19 Nov 2026; Thanksgiving is Thu 26 Nov. The tenth business
        // day after is Fri 4 Dec, the fourteenth Thu 10 Dec.
        let received = at("2026-11-19T12:00:00-05:00");
        assert_eq!(
            Period::UsBusinessDays(10).deadline(received, &cn).unwrap(),
            at("2026-12-05T00:00:00-05:00")
        );
        assert_eq!(
            Period::UsBusinessDays(14).deadline(received, &cn).unwrap(),
            at("2026-12-11T00:00:00-05:00")
        );
        // 4 July 2026 is a Saturday, observed Friday 3 July; 1 Jan 2028 is a Saturday,
        // observed Friday 31 Dec 2027.
        assert!(is_us_federal_holiday(date(2026, 7, 3)));
        assert!(!is_us_business_day(date(2026, 7, 3)));
        assert!(is_us_federal_holiday(date(2027, 12, 31)));
        assert!(is_us_federal_holiday(date(2026, 5, 25)), "Memorial Day");
        assert!(is_us_business_day(date(2026, 11, 27)));
    }

    #[test]
    fn plain_periods_count_from_the_instant() {
        let cn = CnCalendar::official();
        let from = at("2026-08-31T10:00:00Z");
        assert_eq!(
            Period::Hours(24).deadline(from, &cn).unwrap(),
            at("2026-09-01T10:00:00Z")
        );
        // Six months from 31 Aug clamps to the end of February.
        assert_eq!(
            Period::Months(6).deadline(from, &cn).unwrap(),
            at("2027-02-28T10:00:00Z")
        );
    }
}
