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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "no Chinese holiday table for {year}: add it with CnCalendar::with_year before computing this deadline"
    )]
    CnYearNotCovered { year: i32 },
    #[error("deadline {period:?} from {from} is out of range")]
    OutOfRange { period: Period, from: DateTime<Utc> },
}

/// How long a legal window lasts, and in which calendar it is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// China's working-day calendar: weekends and official holidays are rest days, declared
/// make-up working days are working days. Only years with a table can be computed in, because
/// the State Council fixes each year's arrangement only the November before.
#[derive(Debug, Clone)]
pub struct CnCalendar {
    years: BTreeMap<i32, YearTable>,
}

/// 国务院办公厅关于2026年部分节假日安排的通知 (General Office of the State Council,
/// 4 November 2025, published by Xinhua; checked against politics.gmw.cn/2025-11/04/
/// content_38391083.htm): holidays taken off, inclusive ranges.
const CN_2026_HOLIDAYS: [((u32, u32), (u32, u32)); 7] = [
    ((1, 1), (1, 3)),   // New Year's Day
    ((2, 15), (2, 23)), // Spring Festival
    ((4, 4), (4, 6)),   // Qingming
    ((5, 1), (5, 5)),   // Labour Day
    ((6, 19), (6, 21)), // Dragon Boat Festival
    ((9, 25), (9, 27)), // Mid-Autumn Festival
    ((10, 1), (10, 7)), // National Day
];
/// The same notice's make-up working days (weekends worked).
const CN_2026_WORKDAYS: [(u32, u32); 6] = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];

impl Default for CnCalendar {
    fn default() -> Self {
        Self::official()
    }
}

impl CnCalendar {
    /// The built-in official tables (2026).
    pub fn official() -> Self {
        let date = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, d);
        let mut holidays = Vec::new();
        for (first, last) in CN_2026_HOLIDAYS {
            let (Some(mut day), Some(last)) = (date(first), date(last)) else {
                continue;
            };
            while day <= last {
                holidays.push(day);
                let Some(next) = day.succ_opt() else { break };
                day = next;
            }
        }
        let workdays = CN_2026_WORKDAYS.into_iter().filter_map(date);
        Self {
            years: BTreeMap::new(),
        }
        .with_year(2026, holidays, workdays)
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
            },
        );
        self
    }

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
