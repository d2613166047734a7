//! The decision: auto-matched, not matched (with ranked suggestions) or no
//! results, from a set of compared candidates.

use econsult_model::{Demographics, Sex};

use crate::compare::{Comparison, Evidence, Score, compare_views};
use crate::person::Prepared;

/// What an auto-match needs besides the exact rule.
///
/// ```
/// use patient_matcher::{AutoMatchRule, MatchConfig};
///
/// let strict = MatchConfig::default().with_auto_match_rule(AutoMatchRule::FourFieldsAndAnIdentifier);
/// assert_eq!(strict.auto_match_rule(), AutoMatchRule::FourFieldsAndAnIdentifier);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AutoMatchRule {
    /// First name, surname, date of birth and sex (the default): the rule
    /// of the product documents.
    #[default]
    FourFields,
    /// The four fields and one more identifier that agrees: the NHS
    /// number, the whole postcode or a telephone number.
    ///
    /// For large lists. On the synthetic list of a million patients in
    /// `benches/benches/matcher.rs`, 7 of 10,000 submissions with one slip
    /// (a typo, a nickname, a date of birth slip, a new surname; no NHS
    /// number) had four fields equal to another real patient's, and the
    /// four-field rule auto-matched that other patient; under this rule
    /// none was. The cost: only submissions that give a postcode,
    /// telephone number or NHS number the list also holds are
    /// auto-matched (984 of 1,000 exact copies there, which carried their
    /// postcode and telephone; a submission with neither is suggested).
    FourFieldsAndAnIdentifier,
}

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
    auto_match_rule: AutoMatchRule,
}

impl Default for MatchConfig {
    /// A threshold of 65, at most 5 suggestions, and the four-field
    /// auto-match rule.
    ///
    /// At 65, a candidate needs more than a matching name: the same name
    /// and sex with a different date of birth scores 55 of 90 (61) and is
    /// shown only when the postcode and telephone also agree (65 of 100); a
    /// typo or nickname with everything else equal scores 85 to 95.
    fn default() -> Self {
        Self {
            threshold: 65,
            max_suggestions: 5,
            auto_match_rule: AutoMatchRule::FourFields,
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

    /// What an auto-match needs (default [`AutoMatchRule::FourFields`]).
    pub fn with_auto_match_rule(mut self, rule: AutoMatchRule) -> Self {
        self.auto_match_rule = rule;
        self
    }

    /// What an auto-match needs.
    pub fn auto_match_rule(&self) -> AutoMatchRule {
        self.auto_match_rule
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
    /// Another candidate [could be](Comparison::could_be_exact) the person
    /// as well: these people cannot be told apart by name, date of birth
    /// and sex (one may have an unknown sex, or a missing field), and a
    /// person must choose using other details.
    pub ambiguous: bool,
}

/// What matching decided.
///
/// # The auto-match rule
///
/// A submission is auto-matched to a candidate only when:
///
/// - the submission gives a first name, surname, date of birth, and a sex
///   of male or female (never unknown `U` or indeterminate `I`);
/// - the candidate's first name, surname, date of birth and sex equal the
///   submission's after [`normalise`](crate::normalise)
///   ([`Comparison::is_exact`]), and their NHS number, if both have one,
///   agrees;
/// - no other candidate [could be](Comparison::could_be_exact) the
///   person: another exact match, one with the same names and date of
///   birth whose sex is unknown or indeterminate, or one missing a field
///   but agreeing on the rest;
/// - every candidate that could be the person was looked at (the index
///   always does; the search planner only after a search that returns
///   them all, and with every result readable);
/// - and, under [`AutoMatchRule::FourFieldsAndAnIdentifier`], an NHS
///   number, postcode or telephone number also agrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome<P> {
    /// Exactly one candidate matches first name, surname, date of birth
    /// and sex after normalisation, nobody else could be the person, and
    /// no NHS number disagrees: link the eConsult to this patient.
    AutoMatched(Suggestion<P>),
    /// No auto-match, but these candidates are plausible: show them, best
    /// first, for a person to pick ("Select match").
    NotMatched {
        /// Ranked: exact matches of the four fields first, then by score,
        /// ties by the points earned. Every candidate that could be the
        /// person on the four fields is shown (marked ambiguous when there
        /// are several), even beyond the number shown.
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
    let mut ranking = Ranking::new(&submission);
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
    /// Whether the submission may be auto-matched at all: complete, and
    /// of sex male or female.
    submission_can_auto_match: bool,
}

impl<P> Ranking<P> {
    pub(crate) fn new(submission: &Prepared) -> Self {
        Self {
            compared: Vec::new(),
            submission_can_auto_match: submission.is_complete()
                && matches!(submission.sex(), Sex::Male | Sex::Female),
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

    /// Ranks: exact matches of the four fields first, then by score, then
    /// by points earned (more evidence first); equal ranks keep the order
    /// candidates were added in.
    fn sort(&mut self) {
        self.compared.sort_by_cached_key(|s| {
            std::cmp::Reverse((
                s.comparison.is_exact(),
                s.score,
                s.comparison.points().earned,
            ))
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
        let could_be = self
            .compared
            .iter()
            .filter(|s| s.comparison.could_be_exact())
            .count();
        let auto = exact_set_complete
            && self.submission_can_auto_match
            && could_be == 1
            && self
                .compared
                .first()
                .is_some_and(|s| auto_matches(&s.comparison, config.auto_match_rule));
        if auto {
            self.compared.truncate(1);
            if let Some(only) = self.compared.pop() {
                return MatchOutcome::AutoMatched(only);
            }
        }
        let threshold = Score::new(i32::from(config.threshold));
        let mut shown = 0usize;
        let mut nearest = None;
        let mut suggestions = Vec::new();
        for mut suggestion in self.compared {
            let must_show = suggestion.comparison.could_be_exact();
            if must_show || (suggestion.score >= threshold && shown < config.max_suggestions) {
                suggestion.ambiguous = must_show && could_be > 1;
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

/// Whether the one candidate that could be the person is auto-matched.
fn auto_matches(comparison: &Comparison, rule: AutoMatchRule) -> bool {
    comparison.is_exact()
        && comparison.nhs_number != Evidence::Different
        && match rule {
            AutoMatchRule::FourFields => true,
            AutoMatchRule::FourFieldsAndAnIdentifier => [
                comparison.nhs_number,
                comparison.postcode,
                comparison.telephone,
            ]
            .contains(&Evidence::Same),
        }
}
