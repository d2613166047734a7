//! record-sync's saves through the real `Client` against the mock
//! SystmOne, on real time:
//!
//! - at SystmOne's real throttle (mock: one request per second; client:
//!   `ThrottlePolicy::systmone()`, 1.1 s apart): a full save of a typical
//!   eConsult (PDF, ICE, three messages) and a partial save (one new
//!   message and the latest PDF). Target: a full save in two calls or
//!   fewer and three seconds or less; a partial save in one call;
//! - with both throttles off: what the engine itself costs per save (PDF
//!   rendering, planning, the SQLite journal with `synchronous = FULL`,
//!   the spool, one loopback call).
//!
//! Each iteration saves a new eConsult (or new activity) to one patient and
//! waits for the engine's "saved" report; the requests each save made (of
//! any function: the practice check is asked once, as the engine starts)
//! are counted on the mock and printed before the criterion figures.
//!
//! Run with `cargo bench -p benches --bench record_sync`.
#![allow(missing_docs, clippy::print_stdout)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use econsult_model::{
    Activity, ActivityId, ActivityLog, Channel, Direction, EConsult, EConsultId, Message, samples,
};
use record_sync::store::SqliteStore;
use record_sync::{Engine, PatientId, SaveState, Updates};
use systmone_client::client::{Client, ThrottlePolicy};
use systmone_client::mock::{MockSystmOne, Organisation, PatientSeed, ThrottleConfig};
use systmone_client::proto::GetOrganisationMetaData;
use tokio::runtime::Runtime;

const API_KEY: &str = "BENCH";

fn message(id: &str, at: &str, inbound: bool, body: &str) -> Activity {
    let (channel, direction) = if inbound {
        (Channel::Email, Direction::Inbound)
    } else {
        (Channel::Sms, Direction::Outbound)
    };
    Activity::message(
        ActivityId::new(id).unwrap_or_else(|e| panic!("{e}")),
        at.parse().unwrap_or_else(|e| panic!("{e}")),
        direction,
        Some("Dr Bench"),
        Message::text(channel, body),
    )
}

/// The typical eConsult, under a fresh id.
fn typical(n: u64) -> EConsult {
    let mut econsult = samples::by_name("01-sore-throat")
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("the sample is embedded"));
    econsult.id = EConsultId::new(&format!("EC-BENCH-{n}")).unwrap_or_else(|e| panic!("{e}"));
    econsult.activity = ActivityLog::new(vec![
        message(
            "m1",
            "2031-09-09T10:00:00",
            false,
            "Please send a photo of your throat.",
        ),
        message(
            "m2",
            "2031-09-09T11:00:00",
            true,
            "Here it is, it is worse today.",
        ),
        message("m3", "2031-09-09T12:00:00", false, "Please come in at 4pm."),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    econsult
}

struct Rig {
    mock: MockSystmOne,
    engine: Engine,
    updates: Updates,
    patient: PatientId,
    next: u64,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn start(real_throttle: bool) -> Self {
        let econsult = typical(0);
        let p = &econsult.patient;
        let seed = PatientSeed::from_demographics(p);
        let mock = MockSystmOne::builder()
            .organisation(Organisation::single_site(
                econsult.practice.as_str(),
                "Bench Surgery",
            ))
            .patients([seed])
            .throttle(if real_throttle {
                ThrottleConfig::systmone()
            } else {
                ThrottleConfig::off()
            })
            .start()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let client = Client::builder(API_KEY, "bench 1.0")
            .address(mock.addr())
            .throttle(if real_throttle {
                ThrottlePolicy::systmone()
            } else {
                ThrottlePolicy::unlimited()
            })
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store =
            SqliteStore::open(dir.path().join("journal.sqlite3")).unwrap_or_else(|e| panic!("{e}"));
        let engine = Engine::for_client(&client, store, dir.path().join("spool"))
            .start()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let updates = engine.subscribe();
        // The engine asks which practice SystmOne is logged on at as it
        // starts (once per connection): wait for that, so the figures are
        // of saves alone.
        while mock.count::<GetOrganisationMetaData>() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let patient = PatientId::nhs(p.nhs_number.unwrap_or_else(|| panic!("the sample has one")));
        Self {
            mock,
            engine,
            updates,
            patient,
            next: 1,
            _dir: dir,
        }
    }

    /// Saves and waits for the report: (time, requests SystmOne received
    /// meanwhile, of any function).
    async fn save(&mut self, econsult: &EConsult) -> (Duration, u64) {
        let before = self.mock.request_count();
        let started = Instant::now();
        self.engine
            .save(econsult.clone(), self.patient.clone())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        loop {
            let update = self
                .updates
                .next()
                .await
                .unwrap_or_else(|| panic!("engine stopped"));
            if update.econsult == econsult.id && update.report.is_some() {
                assert_eq!(
                    update.state.save(),
                    &SaveState::Saved,
                    "{:?}",
                    update.report
                );
                break;
            }
        }
        (started.elapsed(), self.mock.request_count() - before)
    }

    async fn full(&mut self) -> (Duration, u64) {
        let econsult = typical(self.next);
        self.next += 1;
        self.save(&econsult).await
    }

    /// A saved eConsult, then one new outbound message: the partial save.
    async fn partial(&mut self) -> (Duration, u64) {
        let mut econsult = typical(self.next);
        self.next += 1;
        self.save(&econsult).await;
        econsult
            .activity
            .push(message(
                "m4",
                "2031-09-10T09:00:00",
                false,
                "Your results are normal.",
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        self.save(&econsult).await
    }
}

fn figures(runtime: &Runtime) {
    runtime.block_on(async {
        let mut rig = Rig::start(true).await;
        let mut full = Vec::new();
        let mut partial = Vec::new();
        for _ in 0..5 {
            full.push(rig.full().await);
            partial.push(rig.partial().await);
        }
        let show = |name: &str, runs: &[(Duration, u64)]| {
            let secs: Vec<f64> = runs.iter().map(|(d, _)| d.as_secs_f64()).collect();
            let max = secs.iter().cloned().fold(0.0, f64::max);
            let mean = secs.iter().sum::<f64>() / secs.len() as f64;
            let calls: Vec<u64> = runs.iter().map(|(_, c)| *c).collect();
            println!("  {name:<44} calls {calls:?}  mean {mean:.2} s  max {max:.2} s");
        };
        println!("record-sync at SystmOne's real throttle (5 runs each):");
        show("full save (PDF, ICE, three messages)", &full);
        show("partial save (one message + latest PDF)", &partial);
    });
}

/// Times `iters` saves made by `save`, each measured by the rig itself.
fn time_saves<F>(runtime: &Runtime, rig: &mut Rig, iters: u64, save: F) -> Duration
where
    F: for<'a> Fn(
        &'a mut Rig,
    )
        -> std::pin::Pin<Box<dyn std::future::Future<Output = (Duration, u64)> + 'a>>,
{
    runtime.block_on(async {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            total += save(rig).await.0;
        }
        total
    })
}

fn benches(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    figures(&runtime);

    let mut group = c.benchmark_group("record_sync/real_throttle");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let mut rig = runtime.block_on(Rig::start(true));
    group.bench_function("full_save", |b| {
        b.iter_custom(|iters| time_saves(&runtime, &mut rig, iters, |r| Box::pin(r.full())))
    });
    group.finish();

    let mut group = c.benchmark_group("record_sync/throttle_off");
    group.sample_size(20);
    let mut rig = runtime.block_on(Rig::start(false));
    group.bench_function("full_save", |b| {
        b.iter_custom(|iters| time_saves(&runtime, &mut rig, iters, |r| Box::pin(r.full())))
    });
    group.bench_function("partial_save", |b| {
        b.iter_custom(|iters| time_saves(&runtime, &mut rig, iters, |r| Box::pin(r.partial())))
    });
    group.finish();
}

criterion_group!(record_sync, benches);
criterion_main!(record_sync);
