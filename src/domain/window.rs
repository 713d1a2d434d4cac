//! The exam's upload window, and the words that tell a candidate where it stands.

use time::{OffsetDateTime, UtcOffset};

/// When candidates may upload and submit. `None` ends: not announced yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens_at: Option<OffsetDateTime>,
    pub closes_at: Option<OffsetDateTime>,
}

/// Where the window stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// No opening time announced: closed.
    NotAnnounced,
    NotYetOpen {
        opens_at: OffsetDateTime,
    },
    Open {
        closes_at: Option<OffsetDateTime>,
    },
    Closed {
        closed_at: OffsetDateTime,
    },
}

impl Window {
    pub fn state(&self, now: OffsetDateTime) -> WindowState {
        match (self.opens_at, self.closes_at) {
            (None, _) => WindowState::NotAnnounced,
            (Some(opens_at), _) if now < opens_at => WindowState::NotYetOpen { opens_at },
            (_, Some(closed_at)) if now >= closed_at => WindowState::Closed { closed_at },
            (_, closes_at) => WindowState::Open { closes_at },
        }
    }
}

impl WindowState {
    pub fn is_open(self) -> bool {
        matches!(self, WindowState::Open { .. })
    }

    /// For the candidate: the window in words, or why nothing can be uploaded now.
    pub fn describe(self, window: &Window) -> String {
        match self {
            WindowState::NotAnnounced => "材料上传时间尚未公布，请留意考试机构的通知。".to_string(),
            WindowState::NotYetOpen { opens_at } => format!(
                "材料上传尚未开始，将于 {} 开始（北京时间），届时再登录上传。",
                beijing(opens_at)
            ),
            WindowState::Open {
                closes_at: Some(closes_at),
            } => format!(
                "材料上传时间：{} 至 {}（北京时间），请在截止前提交。",
                window.opens_at.map(beijing).unwrap_or_default(),
                beijing(closes_at)
            ),
            WindowState::Open { closes_at: None } => "材料上传已开始。".to_string(),
            WindowState::Closed { closed_at } => format!(
                "材料上传已于 {} 截止（北京时间），不能再上传或提交。",
                beijing(closed_at)
            ),
        }
    }

    /// Why an upload or submit is refused now; `None` while open.
    pub fn refusal(self, window: &Window) -> Option<String> {
        (!self.is_open()).then(|| self.describe(window))
    }
}

/// A moment in Beijing time, e.g. `2023年10月27日 09:00`.
pub fn beijing(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]年[month padding:none]月[day padding:none]日 [hour]:[minute]"
    );
    let offset = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    at.to_offset(offset).format(&format).unwrap_or_default()
}

/// The start of a Beijing calendar day written `2023-12-01`, as an instant.
pub fn beijing_day(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &format).ok()?;
    let offset = UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(
        date.midnight()
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}

impl Window {
    /// Why an admin cannot set this window, in words; `None` when it can be saved.
    pub fn refusal_to_save(&self) -> Option<&'static str> {
        match (self.opens_at, self.closes_at) {
            (Some(o), Some(c)) if c <= o => Some("截止时间须晚于开始时间，请重新填写。"),
            (None, Some(_)) => Some("请同时填写开始时间；不填开始时间表示上传时间尚未公布。"),
            _ => None,
        }
    }
}

/// A moment an admin typed in Beijing time: `2023-10-27 09:00` or the `datetime-local`
/// form `2023-10-27T09:00`, seconds optional.
pub fn parse_beijing(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim().replacen(' ', "T", 1);
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = time::PrimitiveDateTime::parse(&text, &minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(&text, &seconds))
        .ok()?;
    Some(
        local
            .assume_offset(UtcOffset::from_hms(8, 0, 0).ok()?)
            .to_offset(UtcOffset::UTC),
    )
}

/// A moment as a `datetime-local` value in Beijing time, e.g. `2023-10-27T09:00`.
pub fn beijing_input(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let offset = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    at.to_offset(offset).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn window() -> Window {
        Window {
            opens_at: Some(datetime!(2023-10-27 01:00 UTC)),
            closes_at: Some(datetime!(2023-11-03 09:00 UTC)),
        }
    }

    #[test]
    fn the_window_opens_and_closes_on_time() {
        let w = window();
        assert!(!w.state(datetime!(2023-10-27 00:59 UTC)).is_open());
        assert!(w.state(datetime!(2023-10-27 01:00 UTC)).is_open());
        assert!(w.state(datetime!(2023-11-03 08:59 UTC)).is_open());
        assert!(!w.state(datetime!(2023-11-03 09:00 UTC)).is_open());
    }

    #[test]
    fn the_words_give_beijing_time() {
        let w = window();
        let before = w.state(datetime!(2023-10-26 00:00 UTC)).describe(&w);
        assert!(before.contains("2023年10月27日 09:00 开始"), "{before}");
        let open = w.state(datetime!(2023-10-30 00:00 UTC)).describe(&w);
        assert!(
            open.contains("2023年10月27日 09:00 至 2023年11月3日 17:00"),
            "{open}"
        );
        let after = w.state(datetime!(2023-12-01 00:00 UTC)).describe(&w);
        assert!(after.contains("2023年11月3日 17:00 截止"), "{after}");
    }

    #[test]
    fn no_opening_time_means_closed() {
        let w = Window {
            opens_at: None,
            closes_at: None,
        };
        let state = w.state(datetime!(2023-10-30 00:00 UTC));
        assert_eq!(state, WindowState::NotAnnounced);
        assert!(state.refusal(&w).unwrap().contains("尚未公布"));
    }

    #[test]
    fn a_beijing_day_starts_at_four_pm_utc_the_day_before() {
        assert_eq!(
            beijing_day("2023-12-01"),
            Some(datetime!(2023-11-30 16:00 UTC))
        );
        assert_eq!(beijing_day("2023-13-01"), None);
        assert_eq!(beijing_day("昨天"), None);
    }

    #[test]
    fn an_admin_types_beijing_time() {
        let at = Some(datetime!(2023-10-27 01:00 UTC));
        assert_eq!(parse_beijing("2023-10-27 09:00"), at);
        assert_eq!(parse_beijing("2023-10-27T09:00:00"), at);
        assert_eq!(parse_beijing("10月27日"), None);
        assert_eq!(
            beijing_input(datetime!(2023-10-27 01:00 UTC)),
            "2023-10-27T09:00"
        );
    }
}
