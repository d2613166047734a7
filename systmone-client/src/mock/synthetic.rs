//! Temporary: replaced by the synthetic practice generator.
#![allow(missing_docs)]
use super::seed::PatientSeed;
pub fn synthetic_patients(_count: usize, _seed: u64) -> Vec<PatientSeed> { Vec::new() }
