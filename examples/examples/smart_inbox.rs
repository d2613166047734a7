//! A practice inbox from end to end, against the embedded mock SystmOne:
//! match each eConsult to its patient, save it to the record in the
//! background, add new activity, save only what is new, complete with the
//! "update the clinical system" toggle on and off, and show what landed in
//! each record, how many calls each save took and how long.
//!
//! ```text
//! cargo run --example smart_inbox
//! ```
//!
//! Nothing here needs SystmOne. The mock runs SystmOne's real throttle (one
//! request per second; the client spaces requests 1.1 s apart), so the
//! timings are what a practice would see. Its practice is 2,000 synthetic
//! patients plus the three in the inbox, all made up, with NHS numbers from
//! the never-issued 999 range. The save journal (SQLite) and the spool of
//! PDFs live in a temporary folder that is removed at the end.
// An example's job is to print what it did.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::Instant;

use econsult_model::{
    Activity, ActivityId, ActivityKind, Channel, Direction, EConsult, Message, NhsNumber, Postcode,
    samples,
};
use patient_matcher::systmone::{find_patient, manual_match};
use patient_matcher::{MatchConfig, MatchOutcome};
use record_sync::store::SqliteStore;
use record_sync::{Engine, EngineConfig, PatientId, SaveReport, Updates};
use systmone_client::client::{Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, Organisation, PatientSeed, ThrottleConfig};

const API_KEY: &str = "EXAMPLE-API-KEY";
const DEVICE_VERSION: &str = "SDK example smart_inbox 0.1";
/// The NHS number the receptionist types for Aoife, whose record is under
/// her registered name.
const TYPED_NHS_NUMBER: &str = "999 000 7004";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut zoe = sample("01-sore-throat")?;
    let mut lukasz = sample("02-repeat-medication")?;
    let mut aoife = sample("03-rash-with-photo")?;
    // One practice's inbox: the engine saves only while SystmOne is logged
    // on at an eConsult's practice.
    aoife.practice = zoe.practice.clone();

    let mock = MockSystmOne::builder()
        .organisation(Organisation::single_site(
            zoe.practice.as_str(),
            "Riverside Test Practice",
        ))
        .patients(practice(&zoe, &lukasz, &aoife)?)
        .synthetic_patients(2_000, 42)
        .throttle(ThrottleConfig::systmone())
        .start_time("2031-09-10T09:00:00".parse()?)
        .api_key(API_KEY, "Smart Inbox (example)")
        .start()
        .await
        .map_err(|e| format!("could not start the mock SystmOne: {e}"))?;
    let client = Client::builder(API_KEY, DEVICE_VERSION)
        .address(mock.addr())
        .throttle(ThrottlePolicy::systmone())
        .connect()
        .await
        .map_err(|e| format!("could not connect to the mock SystmOne: {e}"))?;
    let work = tempfile::tempdir()?;
    let journal = SqliteStore::open(work.path().join("journal.sqlite3"))?;
    let engine = Engine::for_client(&client, journal, work.path().join("spool"))
        .config(EngineConfig::default().with_software("Smart Inbox (example)"))
        .start()
        .await?;
    let mut updates = engine.subscribe();
    let mut saves: Vec<(String, String, SaveReport)> = Vec::new();

    println!("SystmOne SDK example: a smart inbox of online consultations");
    println!(
        "  mock SystmOne on {} with {} synthetic patients; SystmOne's real throttle (1 request/s)",
        mock.addr(),
        mock.patient_count()
    );

    heading("1. Match each eConsult to its patient");
    let zoe_patient = match_patient(&client, &zoe).await?;
    let lukasz_patient = match_patient(&client, &lukasz).await?;
    let aoife_patient = match_patient(&client, &aoife).await?;

    heading("2. Save each one to its record (in the background)");
    for (econsult, patient) in [
        (&zoe, &zoe_patient),
        (&lukasz, &lukasz_patient),
        (&aoife, &aoife_patient),
    ] {
        engine.save(econsult.clone(), patient.clone()).await?;
        println!("  {}: save queued (the call returned at once)", econsult.id);
    }
    engine.idle().await;
    collect(&mut updates, &mut saves, "first save");

    heading("3. New activity, and saving only what is new");
    add(
        &mut zoe,
        message(
            "zoe-4",
            "2031-09-10T09:20:00",
            false,
            Channel::Sms,
            "The GP will call you at 11am today.",
        ),
    )?;
    engine.update(zoe.clone()).await?;
    say_state(&engine, &zoe, "after an SMS to the patient").await?;
    engine.save(zoe.clone(), zoe_patient.clone()).await?;
    add(
        &mut lukasz,
        message(
            "lk-9",
            "2031-09-10T09:25:00",
            true,
            Channel::Sms,
            "Collected it, thank you.",
        ),
    )?;
    engine.save(lukasz.clone(), lukasz_patient.clone()).await?;
    engine.idle().await;
    collect(&mut updates, &mut saves, "partial save");

    heading("4. Complete, with the toggle on and with it off");
    add(
        &mut zoe,
        Activity {
            id: ActivityId::new("zoe-5")?,
            at: "2031-09-10T11:05:00".parse()?,
            kind: ActivityKind::StaffResponse {
                author: Some("Dr Sam Example".into()),
                body: "Spoke to the patient: viral; fluids and rest, call back if worse.".into(),
            },
        },
    )?;
    engine.update(zoe.clone()).await?;
    engine.complete(&zoe.id, true).await?;
    println!(
        "  {}: completed with \"update the clinical system\" on",
        zoe.id
    );
    add(
        &mut aoife,
        message(
            "ao-9",
            "2031-09-10T09:40:00",
            false,
            Channel::Email,
            "The cream is ready to collect.",
        ),
    )?;
    engine.update(aoife.clone()).await?;
    engine.complete(&aoife.id, false).await?;
    println!("  {}: completed with the toggle off", aoife.id);
    engine.idle().await;
    collect(&mut updates, &mut saves, "completing save");
    for econsult in [&zoe, &aoife] {
        say_state(&engine, econsult, "now").await?;
    }

    heading("5. What landed in each record");
    for (econsult, patient) in [
        (&zoe, &zoe_patient),
        (&lukasz, &lukasz_patient),
        (&aoife, &aoife_patient),
    ] {
        show_record(&mock, &engine, econsult, patient).await?;
    }

    heading("6. Each save: calls and time (SystmOne's real throttle)");
    println!(
        "  {:<16} {:<27} {:>5} {:>7} {:>8}",
        "eConsult", "save", "calls", "events", "time"
    );
    for (id, what, report) in &saves {
        println!(
            "  {:<16} {:<27} {:>5} {:>7} {:>7.2}s{}",
            id,
            format!("{what} ({})", report.kind),
            report.calls,
            report.items,
            report.elapsed.as_secs_f64(),
            report
                .failure
                .as_ref()
                .map(|f| format!("  {f}"))
                .unwrap_or_default()
        );
    }
    println!();
    println!(
        "  A save's time includes waiting its turn under the throttle (1.1 s after the call before)."
    );
    println!(
        "  Status changes in the samples are inbox workflow and are not written to the record."
    );

    engine.shutdown().await;
    mock.stop().await;
    Ok(())
}

fn sample(name: &str) -> Result<EConsult, Box<dyn Error>> {
    Ok(samples::by_name(name).ok_or(format!("no sample {name}"))??)
}

/// The three inbox patients as SystmOne holds them: Zoë exactly as she
/// wrote; Łukasz registered without the accent; Aoife under her registered
/// name, at another address.
fn practice(
    zoe: &EConsult,
    lukasz: &EConsult,
    aoife: &EConsult,
) -> Result<Vec<PatientSeed>, Box<dyn Error>> {
    let seed = |e: &EConsult| PatientSeed::from_demographics(&e.patient);
    let mut lukasz_record = seed(lukasz);
    lukasz_record.first_name = "Lukasz".into();
    let mut aoife_record = seed(aoife);
    aoife_record.nhs_number = Some(TYPED_NHS_NUMBER.parse::<NhsNumber>()?);
    aoife_record.first_name = "Eva".into();
    aoife_record.surname = "Brennan".into();
    aoife_record.postcode = Some(Postcode::parse("ZZ99 9ZZ")?);
    Ok(vec![seed(zoe), lukasz_record, aoife_record])
}

fn heading(text: &str) {
    println!();
    println!("{text}");
}

fn message(id: &str, at: &str, inbound: bool, channel: Channel, body: &str) -> Activity {
    let direction = if inbound {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    Activity::message(
        ActivityId::new(id).unwrap_or_else(|e| panic!("{e}")),
        at.parse().unwrap_or_else(|e| panic!("{e}")),
        direction,
        Some("Reception"),
        Message::text(channel, body),
    )
}

fn add(econsult: &mut EConsult, activity: Activity) -> Result<(), Box<dyn Error>> {
    Ok(econsult.activity.push(activity)?)
}

/// Finds the patient the way a receptionist's screen would: auto-match,
/// else pick the best suggestion, else type the NHS number.
async fn match_patient(client: &Client, econsult: &EConsult) -> Result<PatientId, Box<dyn Error>> {
    let started = Instant::now();
    let report = find_patient(client, &econsult.patient, &MatchConfig::default()).await?;
    let took = started.elapsed().as_secs_f64();
    let name = format!(
        "{} {}",
        econsult.patient.name.first_name(),
        econsult.patient.name.surname()
    );
    println!(
        "  {} ({name}): {} PatientSearch call(s), {took:.1} s",
        econsult.id,
        report.lookups.len()
    );
    let patient = match &report.outcome {
        MatchOutcome::AutoMatched(found) => {
            println!(
                "    auto-matched: first name, surname, date of birth and sex are a perfect match"
            );
            found.patient.id.clone()
        }
        MatchOutcome::NotMatched { suggestions } => {
            println!("    not matched; {} suggestion(s):", suggestions.len());
            for (rank, suggestion) in suggestions.iter().take(3).enumerate() {
                let reasons: Vec<String> = suggestion
                    .comparison
                    .findings()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                println!(
                    "      {}. score {}: {}",
                    rank + 1,
                    suggestion.score,
                    reasons.join("; ")
                );
            }
            println!("    the receptionist presses Select match on suggestion 1");
            suggestions[0].patient.id.clone()
        }
        MatchOutcome::NoResults { .. } => {
            println!("    no results; the receptionist types the NHS number {TYPED_NHS_NUMBER}");
            let started = Instant::now();
            let found = manual_match(client, TYPED_NHS_NUMBER, &econsult.patient).await?;
            println!(
                "    demographics fetched in {:.1} s (exempt from the 30-second limit) for confirmation:",
                started.elapsed().as_secs_f64()
            );
            for finding in found.findings() {
                println!("      {finding}");
            }
            println!("    the receptionist confirms: same person, registered under another name");
            found.candidate.patient.id
        }
    };
    Ok(patient)
}

async fn say_state(engine: &Engine, econsult: &EConsult, when: &str) -> Result<(), Box<dyn Error>> {
    if let Some(state) = engine.state(&econsult.id).await? {
        println!(
            "  {} {when}: {}, status {}",
            econsult.id,
            state.save(),
            state.status()
        );
    }
    Ok(())
}

/// Moves the finished saves' reports from the progress stream to `saves`.
fn collect(updates: &mut Updates, saves: &mut Vec<(String, String, SaveReport)>, what: &str) {
    while let Some(update) = updates.try_next() {
        if let Some(report) = update.report {
            println!(
                "  {}: {} ({} call, {} events, {:.2} s)",
                update.econsult,
                update.state.save(),
                report.calls,
                report.items,
                report.elapsed.as_secs_f64()
            );
            saves.push((update.econsult.to_string(), what.to_owned(), report));
        }
    }
}

async fn show_record(
    mock: &MockSystmOne,
    engine: &Engine,
    econsult: &EConsult,
    patient: &PatientId,
) -> Result<(), Box<dyn Error>> {
    let identity = patient.to_identity();
    let Some(record) = mock.record_of(&identity) else {
        return Ok(());
    };
    let state = engine.state(&econsult.id).await?;
    println!(
        "  {} -> {} {} (NHS {}): {}",
        econsult.id,
        record.demographics.first_name,
        record.demographics.surname,
        identity.nhs_number.as_deref().unwrap_or("-"),
        state
            .map(|s| format!("{}, {}", s.save(), s.status()))
            .unwrap_or_default()
    );
    // As SystmOne lists them: by date.
    let mut events: Vec<_> = record.api_events().collect();
    events.sort_by_key(|e| e.item.date_time);
    for entry in events {
        let event = &entry.item;
        let heading = event
            .narratives
            .first()
            .and_then(|n| n.lines.get(1))
            .map(String::as_str)
            .unwrap_or("");
        let files = match event.attachments.len() {
            0 => String::new(),
            n => format!("  [{n} file(s) attached]"),
        };
        let when = event
            .date_time
            .map(|t| t.format("%d %b %H:%M").to_string())
            .unwrap_or_default();
        println!("      {when}  {}{files}", shorten(heading, 78));
    }
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
