//! Match an online consultation to exactly one SystmOne patient.
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
