//! The mock's wall clock: local, zone-less time that advances with tokio
//! time, so tests on paused time see "now" move as they advance it.

use chrono::{NaiveDateTime, TimeDelta};
use tokio::time::Instant;

/// Local wall-clock time as SystmOne's PC would see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MockClock {
    started: Instant,
    started_at: NaiveDateTime,
}

impl MockClock {
    /// A clock reading `start` now.
    pub(crate) fn starting_at(start: NaiveDateTime) -> Self {
        Self {
            started: Instant::now(),
            started_at: start,
        }
    }

    /// The current local date-time, to the second.
    pub(crate) fn now(&self) -> NaiveDateTime {
        let elapsed = TimeDelta::from_std(self.started.elapsed()).unwrap_or(TimeDelta::MAX);
        let now = self
            .started_at
            .checked_add_signed(elapsed)
            .unwrap_or(self.started_at);
        to_second(now)
    }
}

/// The same time without its fraction of a second.
fn to_second(time: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike as _;
    time.with_nanosecond(0).unwrap_or(time)
}

/// The PC's local time now, to the second.
pub(crate) fn local_now() -> NaiveDateTime {
    to_second(chrono::Local::now().naive_local())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn advances_with_tokio_time() {
        let start = NaiveDate::from_ymd_opt(2031, 5, 14)
            .unwrap()
            .and_hms_opt(23, 59, 30)
            .unwrap();
        let clock = MockClock::starting_at(start);
        assert_eq!(clock.now(), start);
        tokio::time::advance(Duration::from_millis(30_500)).await;
        assert_eq!(clock.now(), start + TimeDelta::seconds(30));
        assert_eq!(
            clock.now().date(),
            NaiveDate::from_ymd_opt(2031, 5, 15).unwrap()
        );
    }
}
