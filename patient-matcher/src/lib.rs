//! Match an online consultation to exactly one SystmOne patient.
//!
//! ```
//! use chrono::NaiveDate;
//! use econsult_model::{Demographics, NameError, PersonName, Sex};
//! use patient_matcher::{Candidate, MatchConfig, MatchOutcome, match_candidates};
//!
//! let born: NaiveDate = "1970-02-01".parse()?;
//! let person = |first: &str, surname: &str| -> Result<Demographics, NameError> {
//!     Ok(Demographics::new(PersonName::new(first, surname)?, born, Sex::Male))
//! };
//! // The patients the clinical system holds, each with your handle on them.
//! let practice = vec![
//!     Candidate { patient: "P1", demographics: person("William", "Testpatient")? },
//!     Candidate { patient: "P2", demographics: person("Sam", "Exampleson")? },
//! ];
//! let config = MatchConfig::default();
//!
//! // The same first name, surname, date of birth and sex (case and spacing
//! // aside), and nobody else who could be him: linked.
//! let outcome = match_candidates(&person("william", " TESTPATIENT")?, practice.clone(), &config);
//! assert_eq!(outcome.auto_matched(), Some(&"P1"));
//!
//! // A nickname is never auto-matched: it is suggested, with its reasons.
//! let outcome = match_candidates(&person("Bill", "Testpatient")?, practice, &config);
//! let MatchOutcome::NotMatched { suggestions } = outcome else {
//!     panic!("expected suggestions, got {outcome:?}");
//! };
//! assert_eq!(suggestions[0].patient, "P1");
//! // What a receptionist reads beside "Select match":
//! assert_eq!(
//!     suggestions[0].comparison.to_string(),
//!     "~ first name is a common short form of the other (like Bill and William); \
//!      ✓ surname matches; ✓ date of birth matches; ✓ sex matches",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A wrong-patient save is a clinical safety incident; a missed match is
//! extra work for a receptionist. This crate decides, for the demographics
//! a patient declared on an eConsult, one of three outcomes
//! ([`MatchOutcome`]):
//!
//! - **`AutoMatched`**: exactly one candidate whose first name, surname,
//!   date of birth and sex equal the submission's after [`normalise`]
//!   (Unicode NFC, case folding, whitespace), and whose NHS number, if both
//!   sides have one, agrees. Two such candidates are never auto-matched;
//!   nor is a submission of unknown (`U`) or indeterminate (`I`) sex, nor
//!   one whose look-alike (same names and date of birth) has an unknown or
//!   indeterminate sex: see [the rule](MatchOutcome#the-auto-match-rule).
//! - **`NotMatched { suggestions }`**: ranked [`Suggestion`]s, each with a
//!   field-by-field [`Comparison`] whose [`findings`](Comparison::findings)
//!   a receptionist reads (nicknames, swapped names, double-barrelled
//!   surnames, a day and month swapped…).
//! - **`NoResults`**: nothing plausible, with the nearest candidate's
//!   disagreements when there was one.
//!
//! Where the candidates come from:
//!
//! - a list you already have: [`match_candidates`];
//! - a patient list held in memory: [`PatientIndex`], with blocking keys so
//!   that a lookup does not scan every patient;
//! - SystmOne itself: [`SearchPlanner`] plans the fewest `PatientSearch`
//!   calls (each costs a second) and stops once the outcome cannot change;
//!   the `systmone` feature runs the plan through the client
//!   (`systmone::find_patient`), and the manual match by NHS number
//!   (`systmone::manual_match`).
//!
//! Nothing here does I/O except the `systmone` module.
//!
//! # Features
//!
//! | feature | default | enables |
//! |---|---|---|
//! | `systmone` | no | the `systmone` module: `find_patient` and `run_plan` run the search plan, and `manual_match` the match by NHS number, through any `systmone_client::client::SystmOneApi` (a `Client`, or a mock of it); turns on `systmone-client`'s `client` feature |
//!
//! Without it the crate is pure: the rules, the index and the planner, no
//! I/O and no async runtime.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod compare;
mod index;
mod manual;
mod nicknames;
mod normalise;
mod outcome;
mod person;
mod phonetic;
mod planner;
#[cfg(feature = "systmone")]
#[cfg_attr(docsrs, doc(cfg(feature = "systmone")))]
pub mod systmone;

pub use compare::{
    Comparison, DateAgreement, Evidence, Field, Finding, NameAgreement, Score, SexAgreement,
    Verdict, compare,
};
pub use index::{IndexFull, IndexStats, PatientIndex};
pub use manual::{ManualMatch, parse_nhs_number};
pub use nicknames::{are_nicknames, nicknames_of};
pub use normalise::{fold, normalise};
pub use outcome::{
    AutoMatchRule, Candidate, MatchConfig, MatchOutcome, Suggestion, match_candidates,
};
pub use person::{PersonDetails, Prepared};
pub use planner::{Criterion, Lookup, PlannedLookup, SearchCriteria, SearchPlanner, StopReason};
