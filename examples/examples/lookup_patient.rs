//! A receptionist's round trip through the async `Client`, against the
//! embedded mock SystmOne: find a patient, read their demographics, add a
//! note to their record and a task for the practice, and show what each
//! call cost.
//!
//! ```text
//! cargo run --example lookup_patient
//! ```
//!
//! Nothing here needs SystmOne: the mock listens on a free loopback port
//! with a small practice of obviously synthetic patients (NHS numbers from
//! the 999 range, which is never issued). To point the same code at a real
//! SystmOne, drop the mock, leave `.address(..)` at its default
//! (127.0.0.1:40700), and use your TPP-issued API key and a
//! `FileDeviceIdStore`.
//!
//! Both throttles are SystmOne's real ones (the mock's default, and the
//! client's default `ThrottlePolicy::systmone()`), so the timings are
//! honest: SystmOne processes one request per second and answers nothing
//! at all to a request sent faster, so the client spaces requests 1.1 s
//! apart and almost all of a call's time is spent queued behind that rule.
// An example's job is to print what it did.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use econsult_model::{NhsNumber, Postcode, Sex};
use systmone_client::client::{Answered, CallOptions, Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, PatientSeed};
use systmone_client::proto::{
    Clinical, Event, Filter, Function, GetPatientRecord, Identity, Narrative, NonClinical,
    PatientSearch, RecordState, Task, UpdatePatientRecord,
};

/// The product name SystmOne shows the user when it asks to approve this
/// device.
const DEVICE_VERSION: &str = "SDK example lookup_patient 0.1";
/// The mock accepts any key; a real SystmOne needs the one TPP issued.
const API_KEY: &str = "EXAMPLE-API-KEY";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let practice = practice()?;
    let mock = MockSystmOne::builder()
        .patients(practice)
        // A practice-sized list around them, so the search has something to
        // pick from (generated from a fixed seed, all in the 999 range).
        .synthetic_patients(2_000, 42)
        .start()
        .await
        .map_err(|e| format!("could not start the mock SystmOne: {e}"))?;

    println!("SystmOne SDK example: look up a patient and add to their record");
    println!(
        "  mock SystmOne on {}: {} synthetic patients, NHS numbers from the never-issued 999 range",
        mock.addr(),
        mock.patient_count(),
    );
    println!(
        "  throttle: SystmOne's real one in the mock (1 request/s), ThrottlePolicy::systmone() in the client (1 per 1.1 s)"
    );
    println!();

    let mut timings = Timings::default();

    let started = Instant::now();
    let client = Client::builder(API_KEY, DEVICE_VERSION)
        .address(mock.addr())
        .throttle(ThrottlePolicy::systmone())
        .connect()
        .await
        .map_err(|e| format!("could not connect to the mock SystmOne: {e}"))?;
    let connected = started.elapsed();
    row(
        "connect",
        None,
        connected,
        "paired: SystmOne approved this device and issued its Device ID",
    );

    // 1. Find the patient: SystmOne needs at least two criteria.
    let search = PatientSearch {
        surname: Some("Testpatient".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1970, 2, 1),
        ..PatientSearch::default()
    };
    let (found, took) = call(&client, search).await?;
    timings.add(&found, took);
    let [patient] = found.response.results.as_slice() else {
        return Err(format!(
            "expected exactly one Testpatient born 1970-02-01, found {}",
            found.response.results.len()
        )
        .into());
    };
    let nhs_number = nhs_number_of(&patient.identity)?;
    step(
        "1 PatientSearch",
        &found,
        took,
        &format!(
            "surname + date of birth: 1 match, {} {}, NHS No. {nhs_number}",
            patient.first_name, patient.surname
        ),
    );
    let identity = patient.identity.clone();

    // 2. Their demographics: exempt from SystmOne's one-full-record-per-30-
    // seconds rule, so only the one-per-second rule applies.
    let read = GetPatientRecord {
        identity: Some(identity.clone()),
        filter: Some(Filter::demographics_only()),
        ..GetPatientRecord::default()
    };
    let (record, took) = call(&client, read).await?;
    timings.add(&record, took);
    let demographics = record
        .response
        .demographics
        .as_ref()
        .ok_or("GetPatientRecord answered without the demographics asked for")?;
    let postcode = demographics
        .address
        .as_ref()
        .and_then(|a| a.postcode.as_deref())
        .unwrap_or("no postcode");
    step(
        "2 GetPatientRecord",
        &record,
        took,
        &format!(
            "demographics only: {} {} {}, born {}, sex {}, {postcode}",
            demographics.title,
            demographics.first_name,
            demographics.surname,
            demographics.date_of_birth,
            demographics.sex,
        ),
    );

    // 3. A note: an event holding one narrative. No DateTime means now; no
    // UserName means the user logged on to SystmOne.
    let note = Event {
        narratives: vec![Narrative {
            lines: vec![
                "Telephone call from patient: asked for a repeat of their inhaler.".into(),
                "Added by the SystmOne SDK example (synthetic patient).".into(),
            ],
            ..Narrative::default()
        }],
        ..Event::default()
    };
    let add_note = UpdatePatientRecord {
        identity: identity.clone(),
        clinical: Some(Clinical {
            events: vec![note],
            ..Clinical::default()
        }),
        ..UpdatePatientRecord::default()
    };
    let (noted, took) = call(&client, add_note).await?;
    timings.add(&noted, took);
    let event_uid = noted
        .response
        .event_uids
        .first()
        .ok_or("UpdatePatientRecord answered without the new event's UID")?;
    step(
        "3 UpdatePatientRecord",
        &noted,
        took,
        &format!(
            "note added: EventUID {event_uid}, {}",
            state(noted.response.record_state.as_ref())
        ),
    );

    // 4. A task for the practice's workflow, in NonClinical.
    let task = Task::new(
        "Clinical Review Required",
        "Patient asked for a repeat inhaler by telephone; please review.",
    )
    .assigned_to_team("Nurses");
    let add_task = UpdatePatientRecord {
        identity: identity.clone(),
        non_clinical: Some(NonClinical {
            tasks: vec![task],
            ..NonClinical::default()
        }),
        ..UpdatePatientRecord::default()
    };
    let (tasked, took) = call(&client, add_task).await?;
    timings.add(&tasked, took);
    let task_uid = tasked
        .response
        .task_uids
        .first()
        .ok_or("UpdatePatientRecord answered without the new task's UID")?;
    step(
        "4 UpdatePatientRecord",
        &tasked,
        took,
        &format!(
            "task added for the Nurses team: TaskUID {task_uid}, {}",
            state(tasked.response.record_state.as_ref())
        ),
    );

    // What the mock now holds: each write landed, once.
    let held = mock
        .record(nhs_number.as_str())
        .ok_or("the mock no longer knows the patient")?;
    let notes = held
        .events
        .iter()
        .filter(|e| e.item.event_uid.as_ref() == Some(event_uid))
        .count();
    let tasks = held
        .tasks
        .iter()
        .filter(|t| t.item.task_uid.as_ref() == Some(task_uid))
        .count();
    if (notes, tasks) != (1, 1) {
        return Err(format!(
            "the mock's copy of the record holds the note {notes} times and the task {tasks} times"
        )
        .into());
    }

    println!();
    println!(
        "Summary: {} calls in {}: {} queued behind the throttle, {} in SystmOne, {} in the client.",
        timings.calls,
        seconds(timings.total),
        seconds(timings.queued),
        ms(timings.waiting),
        ms(timings
            .total
            .saturating_sub(timings.queued + timings.waiting)),
    );
    println!(
        "  Check: the mock's copy of NHS No. {nhs_number}'s record holds the new note and task, once each."
    );
    println!(
        "  Nearly all the time is SystmOne's one-request-per-second rule, which the client keeps to: a real"
    );
    println!("  SystmOne gives no answer at all to a request sent faster.");

    drop(client);
    mock.stop().await;
    Ok(())
}

/// The hand-made patients: two Testpatients (so the search needs both its
/// criteria) and one Sampleperson born on the same day.
fn practice() -> Result<Vec<PatientSeed>, Box<dyn Error>> {
    let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("a bad date in the example");
    Ok(vec![
        seed(1, "Alex", "Testpatient", born(1970, 2, 1)?, Sex::Female)?,
        seed(2, "Sam", "Testpatient", born(1985, 6, 15)?, Sex::Male)?,
        seed(3, "Jo", "Sampleperson", born(1970, 2, 1)?, Sex::Female)?,
    ])
}

/// A synthetic patient numbered `999 000 00n` (plus its check digit), at an
/// address in the never-used `ZZ99` postcode district.
fn seed(
    n: u32,
    first_name: &str,
    surname: &str,
    date_of_birth: NaiveDate,
    sex: Sex,
) -> Result<PatientSeed, Box<dyn Error>> {
    let nhs_number = NhsNumber::from_prefix(999_000_000 + n)
        .ok_or_else(|| format!("999 000 00{n} has no valid check digit"))?;
    Ok(PatientSeed {
        nhs_number: Some(nhs_number),
        pseudo_number: None,
        first_name: first_name.into(),
        surname: surname.into(),
        date_of_birth,
        sex,
        title: Some(if sex == Sex::Female { "Ms" } else { "Mr" }.into()),
        middle_names: None,
        house_number: Some(n.to_string()),
        road: Some("Example Street".into()),
        town: Some("Testbury".into()),
        postcode: Some(Postcode::parse("ZZ99 3VZ")?),
        home_telephone: None,
        mobile_telephone: None,
        email: None,
    })
}

/// Sends one request with the default options, and times the whole call.
async fn call<F: Function>(
    client: &Client,
    request: F,
) -> Result<(Answered<F::Response>, Duration), Box<dyn Error>> {
    let started = Instant::now();
    let answered = client
        .send(request, CallOptions::default())
        .await
        // The error says which function failed, what happened to the
        // request and whether it may be sent again.
        .map_err(|e| e.to_string())?;
    Ok((answered, started.elapsed()))
}

fn nhs_number_of(identity: &Identity) -> Result<NhsNumber, Box<dyn Error>> {
    Ok(identity
        .validated_nhs_number()
        .ok_or("the search result has no NHS number")??)
}

fn step<R>(name: &str, answered: &Answered<R>, took: Duration, what: &str) {
    let retried = if answered.attempts > 1 {
        format!(" ({} attempts)", answered.attempts)
    } else {
        String::new()
    };
    row(
        name,
        Some((answered.queued, answered.waiting)),
        took,
        &format!("{what}{retried}"),
    );
}

/// One line of the report: the step, its timings (queued behind the
/// throttle, waiting for SystmOne, the whole call), and what it did.
fn row(name: &str, split: Option<(Duration, Duration)>, took: Duration, what: &str) {
    let split = split.map_or(String::new(), |(queued, waiting)| {
        format!("queued {:>9} · SystmOne {:>6} · ", ms(queued), ms(waiting))
    });
    println!("  {name:<21} {split:>37}total {:>9}   {what}", ms(took));
}

fn state(state: Option<&RecordState>) -> &'static str {
    match state {
        Some(RecordState::Open) => "left open for the user to save",
        _ => "committed",
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// The calls' costs, added up.
#[derive(Default)]
struct Timings {
    calls: u32,
    queued: Duration,
    waiting: Duration,
    total: Duration,
}

impl Timings {
    fn add<R>(&mut self, answered: &Answered<R>, took: Duration) {
        self.calls += 1;
        self.queued += answered.queued;
        self.waiting += answered.waiting;
        self.total += took;
    }
}
