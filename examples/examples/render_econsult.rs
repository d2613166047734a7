//! Loads a sample eConsult, validates it, renders its PDF into a temporary
//! folder, and prints where the PDF went with a summary of the
//! consultation.
//!
//! ```text
//! cargo run --example render_econsult                 # the built-in samples
//! cargo run --example render_econsult -- my.json      # your own eConsult JSON
//! ```
//!
//! The JSON format is documented in `docs/econsult-format.md`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use econsult_model::{AttachmentPolicy, EConsult, pdf, samples};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let econsults = match std::env::args().nth(1) {
        Some(path) => {
            let json =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            vec![EConsult::from_json(&json).map_err(|e| format!("{path}: {e}"))?]
        }
        None => samples::all()?,
    };
    let out_dir = std::env::temp_dir().join("systmone-sdk-demo");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let policy = AttachmentPolicy::default();
    for econsult in &econsults {
        report(econsult, &policy, &out_dir)?;
    }
    Ok(())
}

fn report(
    econsult: &EConsult,
    policy: &AttachmentPolicy,
    out_dir: &Path,
) -> Result<(), Box<dyn Error>> {
    let validity = match econsult.validate(policy) {
        Ok(()) => "valid".to_owned(),
        Err(problems) => problems.to_string(),
    };
    let started = Instant::now();
    let bytes = pdf::render(econsult)?;
    let took = started.elapsed();
    // Ids may hold ':', which Windows file names cannot.
    let file_name = econsult.id.as_str().replace(':', "_");
    let path: PathBuf = out_dir.join(format!("{file_name}.pdf"));
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;

    let patient = &econsult.patient;
    let questions: usize = econsult
        .questionnaire
        .iter()
        .map(|s| s.questions.len())
        .sum();
    let attachments: usize = econsult
        .activity
        .iter()
        .map(|a| a.attachments().len())
        .sum();
    println!(
        "eConsult {} for practice {} ({validity})",
        econsult.id, econsult.practice
    );
    println!(
        "  patient    {} · born {} · {} · NHS No. {}",
        patient.name,
        patient.date_of_birth,
        patient.sex,
        patient
            .nhs_number
            .map_or_else(|| "not given".into(), |n| n.to_string()),
    );
    println!(
        "  submitted  {} · status {}",
        econsult.submitted_at, econsult.status
    );
    println!(
        "  content    {} sections, {questions} questions, ICE {}",
        econsult.questionnaire.len(),
        if econsult.ice.is_empty() {
            "not given"
        } else {
            "given"
        },
    );
    println!(
        "  activity   {} entr{}, {attachments} attachment{}{}",
        econsult.activity.len(),
        if econsult.activity.len() == 1 {
            "y"
        } else {
            "ies"
        },
        if attachments == 1 { "" } else { "s" },
        econsult
            .activity
            .latest()
            .map(|a| format!(", latest: {} at {}", a.kind.label(), a.at))
            .unwrap_or_default(),
    );
    println!(
        "  PDF        {} ({} KB, rendered in {:.1} ms)\n",
        path.display(),
        bytes.len().div_ceil(1024),
        took.as_secs_f64() * 1000.0
    );
    Ok(())
}
