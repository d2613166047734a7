//! What the engine logs at `info`: eConsult ids, intents, causes and
//! counts; never a patient's name, NHS number or message text, even when
//! SystmOne's error quotes the identifier. Alone in its binary: tracing
//! caches per call site whether anyone listens.
#![allow(clippy::unwrap_used)]

#[path = "it/support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};

use econsult_model::NhsNumber;
use record_sync::{FailureCause, PatientId, SaveState};
use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn info_logs_name_econsults_and_causes_but_no_patient_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let practice = Practice::start(Throttle::Off).await;
    let engine = practice.memory_engine().await;
    let econsult = typical();
    engine
        .save(econsult.clone(), patient_of(&econsult))
        .await
        .unwrap();
    // A patient SystmOne does not have: its error quotes the NHS number.
    let mut stranger = sample("04-fit-note");
    stranger.id = econsult_model::EConsultId::new("EC-STRANGER").unwrap();
    let unknown: NhsNumber = "999 000 7004".parse().unwrap();
    engine
        .save(stranger.clone(), PatientId::nhs(unknown))
        .await
        .unwrap();
    engine.idle().await;
    let state = engine.state(&stranger.id).await.unwrap().unwrap();
    let SaveState::Failed { failure } = state.save() else {
        panic!("{state:?}")
    };
    assert_eq!(failure.cause, FailureCause::PatientNotFound);
    assert!(
        failure.detail.contains(unknown.as_str()),
        "the person is told: {failure}"
    );

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "EC-TYPICAL-1",
        "saved",
        "EC-STRANGER",
        "a save failed",
        "PatientNotFound",
    ] {
        assert!(logs.contains(expected), "{expected} missing:\n{logs}");
    }
    let mut private = vec![
        unknown.as_str().to_owned(),
        econsult.patient.nhs_number.unwrap().as_str().to_owned(),
        econsult.patient.name.first_name().to_owned(),
        econsult.patient.name.surname().to_owned(),
        stranger.patient.name.surname().to_owned(),
    ];
    private.extend(
        econsult
            .activity
            .iter()
            .filter_map(|a| a.kind.message())
            .map(|(_, m)| m.body.clone()),
    );
    for secret in private {
        assert!(!logs.contains(&secret), "{secret:?} logged:\n{logs}");
    }
}
