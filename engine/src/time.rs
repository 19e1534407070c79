//! Dates: UTC timestamps, the calendar under them, and the window a
//! last-accessed report is read against.

use std::fmt;

use crate::error::{Error, ErrorKind};

/// Seconds in a day: IAM's windows are counted in whole days of 86,400 seconds.
pub(crate) const DAY: i64 = 86_400;

/// An instant, to the nanosecond, as Unix time (UTC; leap seconds are not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// Reads an ISO 8601 / RFC 3339 date (`2026-06-10`, midnight UTC) or
    /// date-time with a UTC offset (`2026-06-10T08:15:30Z`,
    /// `2026-06-10T08:15:30.123+02:00`). A date-time without an offset is an
    /// error: a local time names no single instant.
    pub fn parse(text: &str) -> Result<Timestamp, Error> {
        parse_timestamp(text.trim()).map_err(|reason| Error {
            kind: ErrorKind::Text,
            location: None,
            message: format!("`{text}` is not an ISO 8601 date or date-time: {reason}"),
        })
    }

    /// The instant `days` whole days earlier.
    pub fn minus_days(self, days: u32) -> Timestamp {
        Timestamp {
            secs: self
                .secs
                .saturating_sub(i64::from(days).saturating_mul(DAY)),
            nanos: self.nanos,
        }
    }

    /// The UTC calendar date, `YYYY-MM-DD`.
    pub fn date(self) -> String {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(DAY));
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-06-10T08:15:30Z`, with a fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let second_of_day = self.secs.rem_euclid(DAY);
        let (h, mi, s) = (
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60,
        );
        write!(f, "{}T{h:02}:{mi:02}:{s:02}", self.date())?;
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), exact for every year this parser accepts.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31 and 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

pub(crate) fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over the bytes of a timestamp.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize, what: &str) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.at += 1;
                }
                _ => return Err(format!("expected {n} digits for the {what}")),
            }
        }
        Ok(value)
    }
}

pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = i64::from(c.digits(4, "year")?);
    if !c.eat(b'-') {
        return Err("expected `YYYY-MM-DD`".to_string());
    }
    let month = c.digits(2, "month")?;
    if !c.eat(b'-') {
        return Err("expected `YYYY-MM-DD`".to_string());
    }
    let day = c.digits(2, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} does not exist"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
    }
    let days = days_from_civil(year, month, day);
    if c.peek().is_none() {
        return Ok(Timestamp::from_unix(days * DAY));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err("expected `T` between the date and the time".to_string());
    }
    let hour = c.digits(2, "hour")?;
    if !c.eat(b':') {
        return Err("expected `HH:MM` after the date".to_string());
    }
    let minute = c.digits(2, "minute")?;
    let second = if c.eat(b':') {
        c.digits(2, "second")?
    } else {
        0
    };
    // RFC 3339 allows a leap second (`:60`); Unix time folds it into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    let mut nanos = 0u32;
    if c.eat(b'.') || c.eat(b',') {
        let mut count = 0;
        while let Some(b @ b'0'..=b'9') = c.peek() {
            // Digits beyond nanoseconds cannot change the comparison at one-second windows.
            if count < 9 {
                nanos = nanos * 10 + u32::from(b - b'0');
            }
            count += 1;
            c.at += 1;
        }
        if count == 0 {
            return Err("expected digits after the decimal point".to_string());
        }
        for _ in count..9 {
            nanos *= 10;
        }
    }
    let offset = match c.peek() {
        Some(b'Z' | b'z') => {
            c.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let oh = c.digits(2, "offset hours")?;
            let om = if c.eat(b':') || c.peek().is_some() {
                c.digits(2, "offset minutes")?
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return Err("the UTC offset is out of range".to_string());
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'+' { minutes } else { -minutes }
        }
        None => return Err("the time has no UTC offset (add `Z` for UTC)".to_string()),
        Some(_) => return Err("expected `Z` or a UTC offset such as `+00:00`".to_string()),
    };
    if c.peek().is_some() {
        return Err("unexpected characters at the end".to_string());
    }
    let secs = days * DAY + i64::from(hour * 3600 + minute * 60 + second) - offset * 60;
    Ok(Timestamp { secs, nanos })
}

/// The `--unused-since DAYS` window: an action last accessed more than `days`
/// days before `as_of` counts as unused.
///
/// The boundary is exact to the nanosecond: last accessed exactly `days` days
/// before `as_of` is used; one second (or one nanosecond) earlier is unused.
/// An access after `as_of` is used. A missing timestamp means never used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The reference instant (the CLI's `--as-of`, or now).
    pub as_of: Timestamp,
    /// The window length in days.
    pub days: u32,
}

impl Window {
    /// The earliest instant that still counts as recent use.
    pub fn cutoff(&self) -> Timestamp {
        self.as_of.minus_days(self.days)
    }

    /// Whether an access at `last` counts as use within the window.
    pub fn is_recent(&self, last: Timestamp) -> bool {
        last >= self.cutoff()
    }
}

/// How old a catalog may be, in days before the reference date, before `pare` warns.
pub const CATALOG_MAX_AGE_DAYS: u32 = 90;

/// How many days the catalog's data date (`YYYY-MM-DD`) lies before the UTC
/// date of `as_of`, when that is more than [`CATALOG_MAX_AGE_DAYS`]. Both are
/// calendar dates, so the answer does not change during a day: a catalog
/// dated exactly 90 days before is not stale, one dated 91 days before is.
pub fn catalog_staleness(data_date: &str, as_of: Timestamp) -> Result<Option<i64>, Error> {
    let date = Timestamp::parse(data_date)?;
    let days = as_of.secs.div_euclid(DAY) - date.secs.div_euclid(DAY);
    Ok((days > i64::from(CATALOG_MAX_AGE_DAYS)).then_some(days))
}
