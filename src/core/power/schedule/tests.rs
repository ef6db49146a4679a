//! Next firings across the daylight saving changes of Europe/Berlin and America/New_York,
//! every-minute, weekday and day-of-month-or-weekday rules, and the messages for bad rules.

use jiff::Timestamp;

use super::*;

/// An instant written with its UTC offset, so each test says which side of a change it means.
fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn schedule(cron: &str, zone: &str) -> ZonedSchedule {
    ZonedSchedule::parse(cron, zone).unwrap()
}

/// Seconds between consecutive firings.
fn steps(firings: &[Timestamp]) -> Vec<i64> {
    firings
        .windows(2)
        .map(|pair| pair[1].as_second() - pair[0].as_second())
        .collect()
}

#[test]
fn daily_time_in_the_spring_gap_fires_once_right_after_it() {
    // Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    let rule = schedule("30 2 * * *", "Europe/Berlin");
    assert!(rule.rule.is_fixed_time());
    let firings = rule.next_n(at("2026-03-27T12:00:00+01:00"), 4);
    assert_eq!(
        firings,
        vec![
            at("2026-03-28T02:30:00+01:00"),
            at("2026-03-29T03:00:00+02:00"),
            at("2026-03-30T02:30:00+02:00"),
            at("2026-03-31T02:30:00+02:00"),
        ]
    );
    let on_the_day = rule.firings_between(
        at("2026-03-29T00:00:00+01:00"),
        at("2026-03-29T23:59:59+02:00"),
        10,
    );
    assert_eq!(on_the_day, vec![at("2026-03-29T03:00:00+02:00")]);
    // Just before the gap, the next firing is still the one after it.
    assert_eq!(
        rule.next_after(at("2026-03-29T01:59:59+01:00")),
        Some(at("2026-03-29T03:00:00+02:00"))
    );
}

#[test]
fn daily_time_in_the_repeated_autumn_hour_fires_once_at_its_first_pass() {
    // Europe/Berlin, 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    let rule = schedule("30 2 * * *", "Europe/Berlin");
    assert_eq!(
        rule.next_n(at("2026-10-24T12:00:00+02:00"), 3),
        vec![
            at("2026-10-25T02:30:00+02:00"),
            at("2026-10-26T02:30:00+01:00"),
            at("2026-10-27T02:30:00+01:00"),
        ]
    );
    // From inside the second pass (02:10 CET) the second 02:30 is not a firing.
    assert_eq!(
        rule.next_after(at("2026-10-25T02:10:00+01:00")),
        Some(at("2026-10-26T02:30:00+01:00"))
    );
    let on_the_day = rule.firings_between(
        at("2026-10-25T00:00:00+02:00"),
        at("2026-10-25T23:59:59+01:00"),
        10,
    );
    assert_eq!(on_the_day, vec![at("2026-10-25T02:30:00+02:00")]);
}

#[test]
fn quarter_hours_fire_through_both_passes_of_the_repeated_hour() {
    let rule = schedule("*/15 * * * *", "Europe/Berlin");
    assert!(!rule.rule.is_fixed_time());
    let firings = rule.firings_between(
        at("2026-10-25T01:50:00+02:00"),
        at("2026-10-25T03:10:00+01:00"),
        100,
    );
    let expected: Vec<Timestamp> = [
        "02:00:00+02:00",
        "02:15:00+02:00",
        "02:30:00+02:00",
        "02:45:00+02:00",
        "02:00:00+01:00",
        "02:15:00+01:00",
        "02:30:00+01:00",
        "02:45:00+01:00",
        "03:00:00+01:00",
    ]
    .iter()
    .map(|time| at(&format!("2026-10-25T{time}")))
    .collect();
    assert_eq!(firings, expected);
    assert!(steps(&firings).iter().all(|step| *step == 900));
}

#[test]
fn every_minute_runs_evenly_through_both_changes() {
    let rule = schedule("* * * * *", "Europe/Berlin");
    // Autumn: 01:00–04:00 local is four real hours, so 240 minutes, none twice.
    let autumn = rule.firings_between(
        at("2026-10-25T01:00:00+02:00"),
        at("2026-10-25T04:00:00+01:00"),
        1000,
    );
    assert_eq!(autumn.len(), 240);
    assert!(steps(&autumn).iter().all(|step| *step == 60));
    // Spring: 01:00–04:00 local is two real hours; the skipped minutes simply do not exist.
    let spring = rule.firings_between(
        at("2026-03-29T01:00:00+01:00"),
        at("2026-03-29T04:00:00+02:00"),
        1000,
    );
    assert_eq!(spring.len(), 120);
    assert!(steps(&spring).iter().all(|step| *step == 60));
    assert!(spring.contains(&at("2026-03-29T03:00:00+02:00")));
}

#[test]
fn hourly_rule_skips_the_missing_hour_and_repeats_the_doubled_one() {
    let rule = schedule("0 * * * *", "Europe/Berlin");
    let spring = rule.next_n(at("2026-03-29T00:30:00+01:00"), 3);
    assert_eq!(
        spring,
        vec![
            at("2026-03-29T01:00:00+01:00"),
            at("2026-03-29T03:00:00+02:00"),
            at("2026-03-29T04:00:00+02:00"),
        ]
    );
    let autumn = rule.next_n(at("2026-10-25T01:30:00+02:00"), 3);
    assert_eq!(
        autumn,
        vec![
            at("2026-10-25T02:00:00+02:00"),
            at("2026-10-25T02:00:00+01:00"),
            at("2026-10-25T03:00:00+01:00"),
        ]
    );
}

#[test]
fn new_york_changes_behave_the_same() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    let spring = schedule("30 2 * * *", "America/New_York");
    assert_eq!(
        spring.next_n(at("2026-03-07T12:00:00-05:00"), 3),
        vec![
            at("2026-03-08T03:00:00-04:00"),
            at("2026-03-09T02:30:00-04:00"),
            at("2026-03-10T02:30:00-04:00"),
        ]
    );
    assert_eq!(
        spring.next_after(at("2026-03-07T12:00:00-05:00")),
        Some(at("2026-03-08T03:00:00-04:00"))
    );
    // 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:30 happens twice.
    let autumn = schedule("30 1 * * *", "America/New_York");
    assert_eq!(
        autumn.next_n(at("2026-10-31T12:00:00-04:00"), 2),
        vec![
            at("2026-11-01T01:30:00-04:00"),
            at("2026-11-02T01:30:00-05:00")
        ]
    );
    let quarter = schedule("*/30 1 * * *", "America/New_York");
    assert_eq!(
        quarter.next_n(at("2026-11-01T00:45:00-04:00"), 5),
        vec![
            at("2026-11-01T01:00:00-04:00"),
            at("2026-11-01T01:30:00-04:00"),
            at("2026-11-01T01:00:00-05:00"),
            at("2026-11-01T01:30:00-05:00"),
            at("2026-11-02T01:00:00-05:00"),
        ]
    );
}

#[test]
fn weekday_evenings_skip_the_weekend() {
    let rule = schedule("0 19 * * 1-5", "Europe/Berlin");
    // Friday 2026-03-27 after 19:00; the clocks change on the Sunday in between.
    assert_eq!(
        rule.next_n(at("2026-03-27T20:00:00+01:00"), 3),
        vec![
            at("2026-03-30T19:00:00+02:00"),
            at("2026-03-31T19:00:00+02:00"),
            at("2026-04-01T19:00:00+02:00"),
        ]
    );
    assert_eq!(
        schedule("0 19 * * mon-fri", "Europe/Berlin").rule.as_str(),
        "0 19 * * mon-fri"
    );
    assert_eq!(
        schedule("0 19 * * MON-FRI", "Europe/Berlin").next_after(at("2026-03-27T20:00:00+01:00")),
        Some(at("2026-03-30T19:00:00+02:00"))
    );
}

#[test]
fn day_of_month_and_weekday_match_either_as_in_posix_cron() {
    // The 1st of the month or any Monday; 2026-06-02 is a Tuesday, 2026-07-01 a Wednesday.
    let rule = schedule("0 9 1 * mon", "UTC");
    let days: Vec<String> = rule
        .next_n(at("2026-06-02T00:00:00Z"), 5)
        .iter()
        .map(|firing| firing.to_string())
        .collect();
    assert_eq!(
        days,
        [
            "2026-06-08T09:00:00Z",
            "2026-06-15T09:00:00Z",
            "2026-06-22T09:00:00Z",
            "2026-06-29T09:00:00Z",
            "2026-07-01T09:00:00Z",
        ]
    );
    // A restricted day of month alone is just that day.
    assert_eq!(
        schedule("0 0 29 2 *", "UTC").next_after(at("2026-01-01T00:00:00Z")),
        Some(at("2028-02-29T00:00:00Z"))
    );
}

#[test]
fn next_after_is_strictly_after() {
    let rule = schedule("0 19 * * *", "UTC");
    assert_eq!(
        rule.next_after(at("2026-05-05T19:00:00Z")),
        Some(at("2026-05-06T19:00:00Z"))
    );
    assert_eq!(
        rule.next_after(at("2026-05-05T18:59:59.5Z")),
        Some(at("2026-05-05T19:00:00Z"))
    );
}

#[test]
fn missed_firings_are_listed_up_to_the_limit() {
    let rule = schedule("0 * * * *", "UTC");
    let missed = rule.firings_between(at("2026-05-05T00:30:00Z"), at("2026-05-05T05:00:00Z"), 3);
    assert_eq!(
        missed,
        vec![
            at("2026-05-05T01:00:00Z"),
            at("2026-05-05T02:00:00Z"),
            at("2026-05-05T03:00:00Z"),
        ]
    );
    let all = rule.firings_between(at("2026-05-05T00:30:00Z"), at("2026-05-05T05:00:00Z"), 10);
    assert_eq!(all.len(), 5, "the end is included");
    assert!(
        rule.firings_between(at("2026-05-05T05:00:00Z"), at("2026-05-05T05:59:59Z"), 10)
            .is_empty()
    );
}

#[test]
fn shortcuts_and_names_are_read() {
    assert!(CronRule::parse("@daily").unwrap().is_fixed_time());
    assert_eq!(
        schedule("@Weekly", "UTC").next_after(at("2026-06-02T00:00:00Z")),
        Some(at("2026-06-07T00:00:00Z"))
    );
    assert!(
        !CronRule::parse("0 9-17 * jan-mar,oct *")
            .unwrap()
            .is_fixed_time()
    );
}

#[test]
fn bad_rules_say_which_field_and_why() {
    for (text, expected) in [
        ("61 * * * *", "minute field: 61 is out of range 0–59"),
        ("0 19 * * 1-8", "day-of-week field: 8 is out of range 0–7"),
        ("0 19 * * 1-5 2026", "a cron rule has 5 fields"),
        ("", "empty cron rule"),
        ("@reboot", "unknown shortcut \"@reboot\""),
        ("0 0 31 2 *", "\"0 0 31 2 *\" never fires"),
        ("0 0 15W * *", ""),
    ] {
        match CronRule::parse(text) {
            Err(ScheduleError::Cron(message)) => {
                assert!(message.contains(expected), "{text}: {message}");
            }
            Ok(_) if expected.is_empty() => {}
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn bad_zones_suggest_the_right_name() {
    let error = ZonedSchedule::parse("0 19 * * *", "Europe/Berln").unwrap_err();
    assert_eq!(
        error,
        ScheduleError::Zone(
            "unknown time zone \"Europe/Berln\"; did you mean Europe/Berlin?".into()
        )
    );
    assert_eq!(
        schedule("0 19 * * *", "europe/berlin").zone_name,
        "Europe/Berlin"
    );
}
