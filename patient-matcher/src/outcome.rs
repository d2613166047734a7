//! The decision: auto-matched, not matched (with ranked suggestions) or no
//! results, from a set of compared candidates.

use econsult_model::Demographics;

use crate::compare::{Comparison, Evidence, Score, compare_views};
use crate::person::Prepared;

/// How many suggestions to show and how good they must be.
///
/// ```
/// use patient_matcher::MatchConfig;
///
/// let config = MatchConfig::default().with_threshold(70).with_max_suggestions(3);
/// assert_eq!((config.threshold(), config.max_suggestions()), (70, 3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchConfig {
    threshold: u8,
    max_suggestions: usize,
}

impl Default for MatchConfig {
    /// A threshold of 65 and at most 5 suggestions.
    ///
    /// At 65, a candidate needs more than a matching name: the same name
    /// and sex with a different date of birth scores 55 and is shown only
    /// when the postcode and telephone also agree; a typo or nickname with
    /// everything else equal scores 75 to 90.
    fn default() -> Self {
        Self {
            threshold: 65,
            max_suggestions: 5,
        }
    }
}

impl MatchConfig {
    /// Suggest candidates scoring at least `threshold` (0–100; default 65).
    pub fn with_threshold(mut self, threshold: u8) -> Self {
        self.threshold = threshold.min(100);
        self
    }

    /// Show at most `max` suggestions (default 5). Exact matches of the
    /// four fields are always all shown, even beyond `max`, so that an
    /// ambiguity is never hidden.
    pub fn with_max_suggestions(mut self, max: usize) -> Self {
        self.max_suggestions = max;
        self
    }

    /// The lowest score suggested.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// The most suggestions shown (exact matches aside).
    pub fn max_suggestions(&self) -> usize {
        self.max_suggestions
    }
}

/// A patient who might be the one: whatever identifies them to the caller
/// (`P`: an index key, a SystmOne identity…) and their demographics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<P> {
    /// The caller's handle on the patient.
    pub patient: P,
    /// The demographics the clinical system holds.
    pub demographics: Demographics,
}

/// A candidate compared with the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion<P> {
    /// The caller's handle on the patient.
    pub patient: P,
    /// The comparison, field by field ([`Comparison::findings`] for the
    /// reasons a person reads).
    pub comparison: Comparison,
    /// The comparison's score.
    pub score: Score,
    /// Another candidate matches the four fields exactly as well: these
    /// people cannot be told apart by name, date of birth and sex, and a
    /// person must choose using other details.
    pub ambiguous: bool,
}

/// What matching decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome<P> {
    /// Exactly one candidate matches first name, surname, date of birth
    /// and sex after normalisation, and no NHS number disagrees: link the
    /// eConsult to this patient.
    AutoMatched(Suggestion<P>),
    /// No auto-match, but these candidates are plausible: show them, best
    /// first, for a person to pick ("Select match").
    NotMatched {
        /// Ranked: exact matches of the four fields first (then marked
        /// ambiguous, or blocked by a differing NHS number), then by score.
        /// Never empty: with nothing to suggest the outcome is `NoResults`.
        suggestions: Vec<Suggestion<P>>,
    },
    /// Nothing plausible.
    NoResults {
        /// The best candidate below the threshold, if any was seen: its
        /// [`Comparison::disagreements`] say which fields disagreed.
        nearest: Option<Box<Suggestion<P>>>,
    },
}

impl<P> MatchOutcome<P> {
    /// The auto-matched patient, if any.
    pub fn auto_matched(&self) -> Option<&P> {
        match self {
            MatchOutcome::AutoMatched(s) => Some(&s.patient),
            _ => None,
        }
    }

    /// The suggestions shown (empty unless `NotMatched`).
    pub fn suggestions(&self) -> &[Suggestion<P>] {
        match self {
            MatchOutcome::NotMatched { suggestions } => suggestions,
            _ => &[],
        }
    }

    /// The best-ranked candidate: the auto-match, the first suggestion, or
    /// nothing.
    pub fn best(&self) -> Option<&Suggestion<P>> {
        match self {
            MatchOutcome::AutoMatched(s) => Some(s),
            MatchOutcome::NotMatched { suggestions } => suggestions.first(),
            MatchOutcome::NoResults { .. } => None,
        }
    }
}

/// Compares a submission with every candidate and decides.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::{Candidate, MatchConfig, MatchOutcome, match_candidates};
///
/// let person = |first: &str, surname: &str| Demographics::new(
///     PersonName::new(first, surname).unwrap(),
///     NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
///     Sex::Female,
/// );
/// let practice = vec![
///     Candidate { patient: 1, demographics: person("Alex", "Testpatient") },
///     Candidate { patient: 2, demographics: person("Alexa", "Testpatient") },
/// ];
/// let outcome = match_candidates(&person(" alex ", "TESTPATIENT"), practice.clone(), &MatchConfig::default());
/// assert_eq!(outcome.auto_matched(), Some(&1));
///
/// let outcome = match_candidates(&person("Alix", "Testpatient"), practice, &MatchConfig::default());
/// assert!(matches!(outcome, MatchOutcome::NotMatched { .. }));
/// ```
pub fn match_candidates<P>(
    submission: &Demographics,
    candidates: impl IntoIterator<Item = Candidate<P>>,
    config: &MatchConfig,
) -> MatchOutcome<P> {
    let submission = Prepared::new(submission);
    let mut ranking = Ranking::new();
    for candidate in candidates {
        let prepared = Prepared::new(&candidate.demographics);
        ranking.add(
            candidate.patient,
            compare_views(&submission.view(), &prepared.view()),
        );
    }
    ranking.decide(config)
}

/// Compared candidates on their way to a decision.
#[derive(Debug)]
pub(crate) struct Ranking<P> {
    compared: Vec<Suggestion<P>>,
}

impl<P> Ranking<P> {
    pub(crate) fn new() -> Self {
        Self {
            compared: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, patient: P, comparison: Comparison) {
        self.compared.push(Suggestion {
            patient,
            score: comparison.score(),
            comparison,
            ambiguous: false,
        });
    }

    /// Adds `patient` unless `same` says it is already here.
    pub(crate) fn add_unless(
        &mut self,
        patient: P,
        comparison: Comparison,
        same: impl Fn(&P, &P) -> bool,
    ) {
        if !self.compared.iter().any(|s| same(&s.patient, &patient)) {
            self.add(patient, comparison);
        }
    }

    /// The candidates so far.
    pub(crate) fn compared(&self) -> &[Suggestion<P>] {
        &self.compared
    }

    /// Ranks: exact matches first, then by score; equal ranks keep the
    /// order candidates were added in.
    fn sort(&mut self) {
        self.compared.sort_by(|a, b| {
            b.comparison
                .is_exact()
                .cmp(&a.comparison.is_exact())
                .then(b.score.cmp(&a.score))
        });
    }

    /// The decision, under the rules of [`MatchOutcome`], for candidates
    /// that include every patient who could match exactly.
    pub(crate) fn decide(self, config: &MatchConfig) -> MatchOutcome<P> {
        self.decide_with(config, true)
    }

    /// The decision; when `exact_set_complete` is false an exact match may
    /// have a twin nobody looked for, so it is suggested, never
    /// auto-matched.
    pub(crate) fn decide_with(
        mut self,
        config: &MatchConfig,
        exact_set_complete: bool,
    ) -> MatchOutcome<P> {
        self.sort();
        let exact = self
            .compared
            .iter()
            .take_while(|s| s.comparison.is_exact())
            .count();
        if exact_set_complete
            && exact == 1
            && self
                .compared
                .first()
                .is_some_and(|s| s.comparison.nhs_number != Evidence::Different)
        {
            self.compared.truncate(1);
            if let Some(only) = self.compared.pop() {
                return MatchOutcome::AutoMatched(only);
            }
        }
        let threshold = Score::new(i32::from(config.threshold));
        let mut shown = 0usize;
        let mut nearest = None;
        let mut suggestions = Vec::new();
        for (rank, mut suggestion) in self.compared.into_iter().enumerate() {
            let is_exact = rank < exact;
            if is_exact || (suggestion.score >= threshold && shown < config.max_suggestions) {
                suggestion.ambiguous = is_exact && exact > 1;
                shown += 1;
                suggestions.push(suggestion);
            } else if nearest.is_none() && suggestions.is_empty() {
                nearest = Some(Box::new(suggestion));
            }
        }
        if suggestions.is_empty() {
            MatchOutcome::NoResults { nearest }
        } else {
            MatchOutcome::NotMatched { suggestions }
        }
    }
}
