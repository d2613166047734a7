//! Match an online consultation to exactly one SystmOne patient.
//!
//! **Not yet implemented.** This crate is a placeholder in the workspace so
//! that the dependency graph is fixed from the start; it contains no code
//! that pretends to work. It will hold:
//!
//! - the exact auto-match rule (first name, surname, date of birth and sex,
//!   after normalisation, and exactly one candidate);
//! - ranked suggestions with reasons a receptionist can read (similar and
//!   phonetic names, nicknames, swapped fields, date-of-birth slips);
//! - manual matching by NHS number, validated before SystmOne is asked;
//! - a planner that finds the patient with the fewest `PatientSearch` calls,
//!   and an in-memory index for vendors that hold a patient list.
//!
//! See `ARCHITECTURE.md` at the repository root for where it fits.
#![forbid(unsafe_code)]
