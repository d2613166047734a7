//! Matching against SystmOne itself, through any
//! [`SystmOneApi`] (a [`Client`](systmone_client::client::Client), or a
//! mock of it): the search plan ([`find_patient`], [`run_plan`]) and the
//! manual match by NHS number ([`manual_match`]).
//!
//! Feature `systmone`.

use econsult_model::{Demographics, NhsNumber, NhsNumberError};
use systmone_client::client::{Error, ErrorKind, SystmOneApi};
use systmone_client::patient::{
    LenientDemographics, PatientId, demographics_from_record, demographics_from_search,
};
use systmone_client::proto::{
    self, Filter, GetPatientRecord, Identity, PatientDemographics, PatientSearch,
    PatientSearchResult,
};

use crate::manual::ManualMatch;
use crate::outcome::{Candidate, MatchConfig, MatchOutcome};
use crate::planner::{Lookup, PlannedLookup, SearchCriteria, SearchPlanner, StopReason};

/// A patient SystmOne returned: who they are (to save to their record)
/// and their demographics (to show beside the submission).
///
/// Two are the same patient when they have the same [`id`](Self::id):
/// the rule that picks the record a save goes to
/// ([`PatientId`]: a valid NHS number, else the pseudo number, else the
/// client ID), so "the same patient" here and "the same record" in
/// record-sync cannot disagree. The rest of the [`identity`](Self::identity)
/// is not compared: SystmOne names every patient in a response by NHS or
/// pseudo number (PROTOCOL.md §6.2), so a search and a record read of one
/// patient always give one `id`, while the Strategic Reporting identifier
/// cannot name a record to save to.
///
/// A result whose identity gives no `PatientId` (no identifier, or an NHS
/// number that is not valid) is never a `SystmOnePatient`: it could not be
/// saved to, so the search counts it in
/// [`SearchReport::unreadable_results`] and auto-matches nobody.
#[derive(Debug, Clone, Eq)]
pub struct SystmOnePatient {
    /// Which patient: the identifier a save goes to
    /// (`engine.save(econsult, found.patient.id)` with record-sync).
    pub id: PatientId,
    /// Everything SystmOne identified them by (the Strategic Reporting
    /// identifier included, to join to its extracts), for display.
    pub identity: Identity,
    /// Their demographics as SystmOne holds them.
    pub demographics: Demographics,
}

impl PartialEq for SystmOnePatient {
    /// The same patient: the same [`PatientId`].
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::hash::Hash for SystmOnePatient {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// What a search plan found, and what it cost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SearchReport {
    /// The decision.
    pub outcome: MatchOutcome<SystmOnePatient>,
    /// The lookups made, in order: each cost a second of SystmOne's budget.
    pub lookups: Vec<PlannedLookup>,
    /// How many lookups the plan held: the worst case.
    pub planned: usize,
    /// Why the plan stopped.
    pub stop_reason: StopReason,
    /// Results SystmOne returned that could not be read in full, even
    /// leniently: a first name or surname empty once invisible characters
    /// are removed (not compared), a name over 100 characters (compared as
    /// cut, so never an exact match), an identity that names no record a
    /// save could go to (no [`PatientId`]: not compared), or an NHS-number
    /// read that answered for another patient (not offered). Counted,
    /// never silently dropped.
    /// When any were unreadable, nothing is auto-matched (one of them may
    /// be an exact match): see [`is_complete`](Self::is_complete).
    pub unreadable_results: usize,
}

impl SearchReport {
    /// Whether every result could be read. When not, the outcome is never
    /// an auto-match, and the receptionist should be told that SystmOne
    /// returned patients that could not be compared (check the record in
    /// SystmOne).
    pub fn is_complete(&self) -> bool {
        self.unreadable_results == 0
    }
}

/// A lookup failed; the search was abandoned.
#[derive(Debug, thiserror::Error)]
#[error("patient search stopped after {lookups_made} lookup(s): {lookup} failed: {source}")]
pub struct SearchError {
    /// The lookup that failed.
    pub lookup: PlannedLookup,
    /// The lookups that succeeded before it.
    pub lookups_made: usize,
    /// Why. Searches are reads: retrying the whole match is safe.
    #[source]
    pub source: Error,
}

/// Finds the patient in SystmOne with the fewest lookups: see
/// [`SearchPlanner`] for the plan and when it stops.
///
/// ```no_run
/// # async fn demo(client: systmone_client::client::Client, submission: econsult_model::Demographics)
/// # -> Result<(), Box<dyn std::error::Error>> {
/// use patient_matcher::{MatchConfig, MatchOutcome};
/// use patient_matcher::systmone::find_patient;
///
/// let report = find_patient(&client, &submission, &MatchConfig::default()).await?;
/// println!("{} lookup(s), stopped because {:?}", report.lookups.len(), report.stop_reason);
/// if let MatchOutcome::AutoMatched(found) = &report.outcome {
///     println!("auto-matched the patient with {}", found.patient.id);
/// }
/// # Ok(()) }
/// ```
pub async fn find_patient<A: SystmOneApi + ?Sized>(
    api: &A,
    submission: &Demographics,
    config: &MatchConfig,
) -> Result<SearchReport, SearchError> {
    run_plan(api, SearchPlanner::new(submission, *config)).await
}

/// Runs a planner (for example one with a [budget](SearchPlanner::with_budget))
/// through SystmOne.
pub async fn run_plan<A: SystmOneApi + ?Sized>(
    api: &A,
    mut planner: SearchPlanner<SystmOnePatient>,
) -> Result<SearchReport, SearchError> {
    let planned = planner.plan().len();
    let mut lookups = Vec::new();
    let mut unreadable_results = 0;
    while let Some(step) = planner.next_lookup().cloned() {
        let found = match lookup(api, &step.lookup).await {
            Ok(found) => found,
            Err(source) => {
                return Err(SearchError {
                    lookup: step,
                    lookups_made: lookups.len(),
                    source,
                });
            }
        };
        unreadable_results += found.unreadable;
        tracing::debug!(
            lookup = lookups.len() + 1,
            found = found.candidates.len(),
            "patient lookup made"
        );
        lookups.push(step);
        planner.record_incomplete(found.candidates, found.unreadable);
    }
    Ok(SearchReport {
        stop_reason: planner.stop_reason().unwrap_or(StopReason::PlanExhausted),
        outcome: planner.finish(),
        lookups,
        planned,
        unreadable_results,
    })
}

/// Candidates from one lookup, and how many results could not be read.
struct Found {
    candidates: Vec<Candidate<SystmOnePatient>>,
    unreadable: usize,
}

async fn lookup<A: SystmOneApi + ?Sized>(api: &A, lookup: &Lookup) -> Result<Found, Error> {
    match lookup {
        Lookup::Search(criteria) => {
            let response = api.patient_search(patient_search(criteria)).await?;
            let total = response.results.len();
            let read: Vec<(Candidate<SystmOnePatient>, bool)> = response
                .results
                .into_iter()
                .filter_map(from_search_result)
                .collect();
            let in_part = read.iter().filter(|(_, in_full)| !in_full).count();
            let unreadable = total - read.len() + in_part;
            if unreadable > 0 {
                tracing::warn!(
                    unreadable,
                    "SystmOne returned patients who could not be read in full (a name empty once invisible characters are removed or over 100 characters, or no usable identifier); nothing will be auto-matched"
                );
            }
            Ok(Found {
                unreadable,
                candidates: read.into_iter().map(|(candidate, _)| candidate).collect(),
            })
        }
        Lookup::NhsNumber(nhs_number) => match fetch_demographics(api, *nhs_number).await {
            Ok(Read::Patient(candidate, in_full)) => Ok(Found {
                candidates: vec![*candidate],
                unreadable: usize::from(!in_full),
            }),
            Ok(Read::Unreadable | Read::OtherPatient { .. }) => Ok(Found {
                candidates: Vec::new(),
                unreadable: 1,
            }),
            // SystmOne refuses an NHS number it does not know with a
            // permanent error (its text is not published): nobody found.
            Err(error) if error.kind() == ErrorKind::SystmOnePermanent => Ok(Found {
                candidates: Vec::new(),
                unreadable: 0,
            }),
            Err(error) => Err(error),
        },
    }
}

fn patient_search(criteria: &SearchCriteria) -> PatientSearch {
    PatientSearch {
        first_name: criteria.first_name.clone(),
        surname: criteria.surname.clone(),
        date_of_birth: criteria.date_of_birth,
        post_code: criteria.postcode.clone(),
        telephone: criteria.telephone.clone(),
        gender: criteria.gender.map(proto::Sex::from),
    }
}

/// Why a manual match did not produce a patient to confirm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManualMatchError {
    /// The typed number is not a valid NHS number; nothing was sent.
    #[error("{0}; nothing was sent to SystmOne")]
    InvalidNhsNumber(#[from] NhsNumberError),
    /// SystmOne has no patient with this NHS number (it refused the read).
    #[error(
        "SystmOne found no patient with NHS number {nhs_number}: check the number with the patient; if it is right, they may not be registered at this practice"
    )]
    NotFound {
        /// The number asked for.
        nhs_number: NhsNumber,
        /// SystmOne's own words (log at debug: may quote the number).
        message: String,
    },
    /// SystmOne answered without usable demographics.
    #[error(
        "SystmOne returned the record for NHS number {nhs_number} without a usable name, so it cannot be shown for confirmation; open the record in SystmOne instead"
    )]
    Unreadable {
        /// The number asked for.
        nhs_number: NhsNumber,
    },
    /// SystmOne answered with a record that does not carry the NHS number
    /// asked for (another patient's, or none): it is not offered, since
    /// confirming it could link the wrong patient.
    #[error(
        "SystmOne was asked for NHS number {nhs_number} but answered with a record that {}; it is not offered for confirmation: search for the patient in SystmOne instead",
        match returned { Some(_) => "carries another NHS number", None => "carries no NHS number" }
    )]
    OtherPatient {
        /// The number asked for.
        nhs_number: NhsNumber,
        /// The NHS number the answer carried, if any (do not show it to
        /// the wrong person; log at debug).
        returned: Option<String>,
    },
    /// The read failed (SystmOne unreachable, device not approved…).
    #[error("could not read the patient's demographics from SystmOne: {0}")]
    SystmOne(#[source] Error),
}

/// Manual match: validates the typed NHS number (nothing is sent when it is
/// invalid), reads the patient's demographics from SystmOne (a
/// demographics-only `GetPatientRecord`, exempt from the 30-second limit)
/// and compares them with the submission for a person to confirm.
///
/// ```no_run
/// # async fn demo(client: systmone_client::client::Client, submission: econsult_model::Demographics)
/// # -> Result<(), Box<dyn std::error::Error>> {
/// use patient_matcher::systmone::manual_match;
///
/// let found = manual_match(&client, "999 000 0018", &submission).await?;
/// for finding in found.findings() {
///     println!("{finding}");
/// }
/// # Ok(()) }
/// ```
pub async fn manual_match<A: SystmOneApi + ?Sized>(
    api: &A,
    typed_nhs_number: &str,
    submission: &Demographics,
) -> Result<ManualMatch<SystmOnePatient>, ManualMatchError> {
    let nhs_number = crate::manual::parse_nhs_number(typed_nhs_number)?;
    match fetch_demographics(api, nhs_number).await {
        // A person confirms the patient against the record itself, so a
        // name read in part is still shown.
        Ok(Read::Patient(candidate, _)) => Ok(ManualMatch::new(submission, *candidate)),
        Ok(Read::Unreadable) => Err(ManualMatchError::Unreadable { nhs_number }),
        Ok(Read::OtherPatient { returned }) => Err(ManualMatchError::OtherPatient {
            nhs_number,
            returned,
        }),
        Err(Error::SystmOne {
            message,
            permanent: true,
            ..
        }) => Err(ManualMatchError::NotFound {
            nhs_number,
            message,
        }),
        Err(error) => Err(ManualMatchError::SystmOne(error)),
    }
}

/// What a read by NHS number gave.
enum Read {
    /// The patient, carrying the number asked for, and whether their
    /// names were read in full.
    Patient(Box<Candidate<SystmOnePatient>>, bool),
    /// The record carries the number, but no usable name.
    Unreadable,
    /// The record does not carry the number asked for.
    OtherPatient { returned: Option<String> },
}

/// Reads one patient's demographics, and checks the answer is theirs: the
/// identity SystmOne returned must carry the NHS number asked for.
async fn fetch_demographics<A: SystmOneApi + ?Sized>(
    api: &A,
    nhs_number: NhsNumber,
) -> Result<Read, Error> {
    let request = GetPatientRecord {
        identity: Some(Identity::nhs(nhs_number)),
        filter: Some(Filter::demographics_only()),
        ..GetPatientRecord::default()
    };
    let response = api.get_patient_record(request).await?;
    let identity = response.identity;
    let carried = identity.validated_nhs_number().and_then(Result::ok);
    if carried != Some(nhs_number) {
        tracing::warn!(
            "SystmOne answered a read by NHS number with a record that does not carry that number; it is not offered"
        );
        return Ok(Read::OtherPatient {
            returned: identity.nhs_number,
        });
    }
    Ok(response
        .demographics
        .and_then(|d| from_record_demographics(identity, &d))
        .map_or(Read::Unreadable, |(candidate, in_full)| {
            Read::Patient(Box::new(candidate), in_full)
        }))
}

/// A patient read from SystmOne as a candidate, and whether their names
/// were read in full; `None` when their identity names no record to save
/// to.
fn candidate(
    identity: Identity,
    read: LenientDemographics,
) -> Option<(Candidate<SystmOnePatient>, bool)> {
    let id = PatientId::from_identity(&identity)?;
    let LenientDemographics {
        demographics,
        in_full,
        ..
    } = read;
    let candidate = Candidate {
        patient: SystmOnePatient {
            id,
            identity,
            demographics: demographics.clone(),
        },
        demographics,
    };
    Some((candidate, in_full))
}

/// A search result as a candidate, and whether its names were read in
/// full (see [`demographics_from_search`]).
fn from_search_result(result: PatientSearchResult) -> Option<(Candidate<SystmOnePatient>, bool)> {
    let read = demographics_from_search(&result)?;
    candidate(result.identity, read)
}

/// A record's demographics as a candidate, and whether its names were
/// read in full (see [`demographics_from_record`]).
fn from_record_demographics(
    identity: Identity,
    record: &PatientDemographics,
) -> Option<(Candidate<SystmOnePatient>, bool)> {
    let read = demographics_from_record(&identity, record)?;
    candidate(identity, read)
}
