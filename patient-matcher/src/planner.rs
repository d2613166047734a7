//! Finding the patient in SystmOne with the fewest lookups.
//!
//! Every `PatientSearch` costs a second of SystmOne's one-request-a-second
//! budget, needs two criteria or more, and matches names by prefix. The
//! [`SearchPlanner`] lays out the lookups that could find the patient, best
//! first, and runs them one at a time (the caller does the I/O), stopping
//! as soon as the outcome cannot change:
//!
//! - **An exact match settles it.** The first lookup (date of birth with
//!   the surname's initial, without `Gender`) returns every patient who
//!   could be the submission on the four fields, whatever their recorded
//!   sex: a `Gender` search never returns patients recorded as unknown or
//!   indeterminate (PROTOCOL.md §9.5), and those block an auto-match. So
//!   after it an auto-match, or an ambiguity, is final: one call.
//! - **Otherwise the planner bounds what it has not seen.** A patient no
//!   search returned failed a criterion of every search, so each field
//!   that criterion tests can score only what a mismatch allows (a date of
//!   birth that is not equal scores at most 26 of 35, say), and fields the
//!   submission does not give (a postcode, a telephone number) cannot be
//!   compared at all. When the best [score](crate::Score) such a patient
//!   could have is below both the threshold and the best candidate found,
//!   no further search can change the result and the planner stops.
//!
//! The plan is visible ([`SearchPlanner::plan`]) so its worst-case cost can
//! be shown before it runs.

use std::fmt;

use unicode_normalization::UnicodeNormalization as _;

use chrono::NaiveDate;
use econsult_model::{Demographics, NhsNumber, Sex};

use crate::compare::{Evidence, NHS_NUMBER_SAME, SWAP_PENALTY, Score, compare_views};
use crate::outcome::{Candidate, MatchConfig, MatchOutcome, Ranking};
use crate::person::Prepared;

/// One criterion of a `PatientSearch`, by the field it tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Criterion {
    /// `FirstName`, by prefix.
    FirstName,
    /// `Surname`, by prefix.
    Surname,
    /// `DateOfBirth`, exact.
    DateOfBirth,
    /// `PostCode`, whole.
    Postcode,
    /// `Telephone`, any of the patient's numbers.
    Telephone,
    /// `Gender`, `M` or `F`.
    Gender,
}

impl Criterion {
    const ALL: [Criterion; 6] = [
        Criterion::FirstName,
        Criterion::Surname,
        Criterion::DateOfBirth,
        Criterion::Postcode,
        Criterion::Telephone,
        Criterion::Gender,
    ];

    fn bit(self) -> u8 {
        match self {
            Criterion::FirstName => 1,
            Criterion::Surname => 2,
            Criterion::DateOfBirth => 4,
            Criterion::Postcode => 8,
            Criterion::Telephone => 16,
            Criterion::Gender => 32,
        }
    }
}

/// The criteria of one `PatientSearch`, as SystmOne takes them: names are
/// prefixes, the postcode is whole, gender is `M` or `F`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SearchCriteria {
    /// The first name's leading letters.
    pub first_name: Option<String>,
    /// The surname's leading letters.
    pub surname: Option<String>,
    /// The date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// The whole postcode, with its space.
    pub postcode: Option<String>,
    /// A telephone number, digits only.
    pub telephone: Option<String>,
    /// `Male` or `Female`.
    pub gender: Option<Sex>,
}

impl SearchCriteria {
    /// The criteria given.
    pub fn criteria(&self) -> Vec<Criterion> {
        Criterion::ALL
            .into_iter()
            .filter(|c| match c {
                Criterion::FirstName => self.first_name.is_some(),
                Criterion::Surname => self.surname.is_some(),
                Criterion::DateOfBirth => self.date_of_birth.is_some(),
                Criterion::Postcode => self.postcode.is_some(),
                Criterion::Telephone => self.telephone.is_some(),
                Criterion::Gender => self.gender.is_some(),
            })
            .collect()
    }

    /// Whether each name prefix is the same whether SystmOne stores it
    /// composed or decomposed (no letter with a canonical decomposition).
    fn prefixes_are_stored_alike(&self) -> bool {
        [&self.first_name, &self.surname]
            .into_iter()
            .flatten()
            .all(|prefix| prefix.nfd().eq(prefix.chars()))
    }

    fn bits(&self) -> u8 {
        self.criteria().iter().fold(0, |bits, c| bits | c.bit())
    }

    /// Whether every patient who could be the submission on the four
    /// fields passes these criteria: true when only names and date of
    /// birth (taken from the submission) are tested. Not with `Gender`:
    /// patients recorded as unknown or indeterminate never pass it, and
    /// they block an auto-match.
    fn finds_every_exact_match(&self) -> bool {
        let exact_fields =
            Criterion::FirstName.bit() | Criterion::Surname.bit() | Criterion::DateOfBirth.bit();
        self.bits() & !exact_fields == 0
    }
}

impl fmt::Display for SearchCriteria {
    /// `PatientSearch Surname=tes DateOfBirth=1970-02-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientSearch")?;
        if let Some(v) = &self.first_name {
            write!(f, " FirstName={v}")?;
        }
        if let Some(v) = &self.surname {
            write!(f, " Surname={v}")?;
        }
        if let Some(v) = &self.date_of_birth {
            write!(f, " DateOfBirth={v}")?;
        }
        if let Some(v) = &self.postcode {
            write!(f, " PostCode={v}")?;
        }
        if let Some(v) = &self.telephone {
            write!(f, " Telephone={v}")?;
        }
        if let Some(v) = &self.gender {
            write!(f, " Gender={}", v.code())?;
        }
        Ok(())
    }
}

/// One lookup SystmOne is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lookup {
    /// A `PatientSearch`.
    Search(SearchCriteria),
    /// A `GetPatientRecord` of demographics only (exempt from the 30-second
    /// limit) for the patient with this NHS number.
    NhsNumber(NhsNumber),
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Search(criteria) => criteria.fmt(f),
            Lookup::NhsNumber(n) => {
                write!(f, "GetPatientRecord Demographics NHSNumber={}", n.as_str())
            }
        }
    }
}

/// A lookup in the plan, with what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedLookup {
    /// What to ask SystmOne.
    pub lookup: Lookup,
    /// What it finds, in plain English.
    pub purpose: &'static str,
}

impl fmt::Display for PlannedLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.lookup, self.purpose)
    }
}

/// Why the planner stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// Exact matches were found by a lookup that finds them all: the
    /// auto-match (or the ambiguity) is final.
    ExactMatchSettled,
    /// No patient the lookups missed could outrank the best candidate, or
    /// reach the threshold.
    NothingBetterUnseen,
    /// Every planned lookup was made.
    PlanExhausted,
    /// The caller's budget of lookups was spent.
    BudgetSpent,
}

/// Plans and tracks the lookups for one submission; the caller makes them.
///
/// ```
/// use chrono::NaiveDate;
/// use econsult_model::{Demographics, PersonName, Sex};
/// use patient_matcher::{Candidate, MatchConfig, SearchPlanner, StopReason};
///
/// let alex = Demographics::new(
///     PersonName::new("Alex", "Testpatient")?,
///     NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
///     Sex::Female,
/// );
/// let mut planner = SearchPlanner::new(&alex, MatchConfig::default());
/// assert!(planner.plan().len() >= 3);
///
/// let first = planner.next_lookup().unwrap();
/// assert_eq!(first.lookup.to_string(), "PatientSearch Surname=t DateOfBirth=1970-02-01");
/// // SystmOne found one patient, exactly the same: nothing more to ask.
/// planner.record(vec![Candidate { patient: "S1-1", demographics: alex.clone() }]);
/// assert!(planner.next_lookup().is_none());
/// assert_eq!(planner.stop_reason(), Some(StopReason::ExactMatchSettled));
/// assert_eq!(planner.finish().auto_matched(), Some(&"S1-1"));
/// # Ok::<(), econsult_model::NameError>(())
/// ```
#[derive(Debug)]
pub struct SearchPlanner<P> {
    submission: Prepared,
    config: MatchConfig,
    plan: Vec<PlannedLookup>,
    budget: usize,
    /// Index in `plan` of the lookup handed out and not yet recorded.
    pending: Option<usize>,
    /// Lookups made so far, as indices into `plan`.
    made: Vec<usize>,
    next: usize,
    ranking: Ranking<P>,
    /// The lookups (indices into `plan`) that together return every
    /// patient who could be the person: all must be made before anything
    /// is auto-matched.
    completing: Vec<usize>,
    /// Results that could not be read: any makes the exact set incomplete.
    unreadable: usize,
    stopped: Option<StopReason>,
}

impl<P: PartialEq> SearchPlanner<P> {
    /// Plans the lookups for `submission`.
    pub fn new(submission: &Demographics, config: MatchConfig) -> Self {
        let prepared = Prepared::new(submission);
        let (plan, completing) = plan_lookups(submission, &prepared);
        Self {
            ranking: Ranking::new(&prepared),
            budget: plan.len(),
            submission: prepared,
            config,
            plan,
            pending: None,
            made: Vec::new(),
            next: 0,
            completing,
            unreadable: 0,
            stopped: None,
        }
    }

    /// Makes at most `lookups` lookups (each costs SystmOne a second); the
    /// default is the whole plan.
    pub fn with_budget(mut self, lookups: usize) -> Self {
        self.budget = lookups;
        self
    }

    /// Every lookup the planner may make, in order: the worst case. The
    /// planner usually stops well before the end.
    pub fn plan(&self) -> &[PlannedLookup] {
        &self.plan
    }

    /// The lookups made so far.
    pub fn lookups_made(&self) -> usize {
        self.made.len()
    }

    /// The next lookup to make, or `None` when the outcome cannot change
    /// (see [`stop_reason`](Self::stop_reason)). Record its results with
    /// [`record`](Self::record) before asking again; asking again without
    /// recording gives the same lookup.
    pub fn next_lookup(&mut self) -> Option<&PlannedLookup> {
        if let Some(pending) = self.pending {
            return self.plan.get(pending);
        }
        if self.stopped.is_some() {
            return None;
        }
        if let Some(reason) = self.settled() {
            self.stopped = Some(reason);
            return None;
        }
        while let Some(step) = self.plan.get(self.next) {
            let index = self.next;
            self.next += 1;
            if self.is_useless(&step.lookup) {
                continue;
            }
            if self.made.len() >= self.budget {
                self.stopped = Some(StopReason::BudgetSpent);
                return None;
            }
            self.pending = Some(index);
            return self.plan.get(index);
        }
        self.stopped = Some(StopReason::PlanExhausted);
        None
    }

    /// Records what the pending lookup found (an empty list when nothing,
    /// including an NHS number SystmOne does not know). Candidates already
    /// found by an earlier lookup are compared once.
    ///
    /// # Panics
    ///
    /// Never; results recorded with no lookup pending are compared but do
    /// not count as a lookup.
    pub fn record(&mut self, found: Vec<Candidate<P>>) {
        self.record_incomplete(found, 0);
    }

    /// Records what the pending lookup found, and that `unreadable` of its
    /// results could not be read (a name that cannot be compared even
    /// leniently). Any unreadable result means an exact match may have
    /// gone unseen, so nothing is auto-matched from then on.
    pub fn record_incomplete(&mut self, found: Vec<Candidate<P>>, unreadable: usize) {
        self.unreadable += unreadable;
        if let Some(index) = self.pending.take() {
            self.made.push(index);
        }
        let submission = self.submission.view();
        for candidate in found {
            let prepared = Prepared::new(&candidate.demographics);
            let comparison = compare_views(&submission, &prepared.view());
            self.ranking
                .add_unless(candidate.patient, comparison, |a, b| a == b);
        }
    }

    /// Why the planner stopped, once it has.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stopped
    }

    /// Results recorded as unreadable so far.
    pub fn unreadable_results(&self) -> usize {
        self.unreadable
    }

    /// The outcome from the candidates found so far. An exact match is
    /// auto-matched only when a lookup that finds every exact match was
    /// made and every result was read, so stopping early (a budget, an
    /// error) or an unreadable result can cost an auto-match but never
    /// make a wrong one.
    pub fn finish(self) -> MatchOutcome<P> {
        let complete = self.exact_set_complete() && self.unreadable == 0;
        self.ranking.decide_with(&self.config, complete)
    }

    /// Whether the outcome is settled, and why.
    fn settled(&self) -> Option<StopReason> {
        let compared = self.ranking.compared();
        let exact: Vec<_> = compared
            .iter()
            .filter(|s| s.comparison.could_be_exact())
            .collect();
        // Candidates that could be the person rank first and every one is
        // known: nothing unseen can change the decision. Unless one has
        // another NHS number than the one given: then the number's owner
        // is looked up first, so that they are shown too.
        let nhs_owner_known = !self.plan_has_nhs_lookup_left();
        if self.exact_set_complete()
            && !exact.is_empty()
            && (nhs_owner_known
                || exact
                    .iter()
                    .all(|s| s.comparison.nhs_number != Evidence::Different))
        {
            return Some(StopReason::ExactMatchSettled);
        }
        // Until every search of the exact set is made, a patient the first
        // missed may be an exact match stored in another form.
        if self.made.is_empty() || !self.exact_set_complete() {
            return None;
        }
        let best = compared.iter().map(|s| s.score.value()).max().unwrap_or(0);
        let bar = best.max(self.config.threshold());
        (self.unseen_bound() < i32::from(bar)).then_some(StopReason::NothingBetterUnseen)
    }

    /// Whether every lookup that together returns each patient who could
    /// be the person was made.
    fn exact_set_complete(&self) -> bool {
        !self.completing.is_empty() && self.completing.iter().all(|i| self.made.contains(i))
    }

    /// Whether an NHS-number lookup is still to be made and still useful.
    fn plan_has_nhs_lookup_left(&self) -> bool {
        self.plan.iter().skip(self.next).any(|step| {
            matches!(step.lookup, Lookup::NhsNumber(_)) && !self.is_useless(&step.lookup)
        })
    }

    /// A lookup that cannot find anyone new worth finding.
    fn is_useless(&self, lookup: &Lookup) -> bool {
        match lookup {
            // The NHS number's owner is already among the candidates.
            Lookup::NhsNumber(_) => self
                .ranking
                .compared()
                .iter()
                .any(|s| s.comparison.nhs_number == Evidence::Same),
            Lookup::Search(_) => false,
        }
    }

    /// The highest score a patient that no lookup made so far returned
    /// could have.
    fn unseen_bound(&self) -> i32 {
        // A patient a search missed failed one of its criteria. Not so for
        // a name prefix holding a letter SystmOne may store decomposed
        // (`é` as `e` and an accent): the patient may have failed only the
        // stored form, so such a search says nothing, unless it is one of
        // the exact set's pair, which between them try both forms.
        let searches: Vec<u8> = self
            .made
            .iter()
            .filter_map(|i| match &self.plan.get(*i)?.lookup {
                Lookup::Search(criteria)
                    if self.completing.contains(i) || criteria.prefixes_are_stored_alike() =>
                {
                    Some(criteria.bits())
                }
                Lookup::Search(_) | Lookup::NhsNumber(_) => None,
            })
            .collect();
        let nhs_looked_up = self.made.iter().any(|i| {
            matches!(
                self.plan.get(*i).map(|p| &p.lookup),
                Some(Lookup::NhsNumber(_))
            )
        });
        let nhs = if self.submission.has_nhs_number() && !nhs_looked_up {
            NHS_NUMBER_SAME
        } else {
            0
        };
        let given = Given::of(&self.submission);
        (0u8..64)
            .filter(|failed| searches.iter().all(|search| search & failed != 0))
            .map(|failed| best_score_failing(failed, given, nhs))
            .max()
            .unwrap_or(0)
    }
}

/// What the submission gives beyond names and date of birth: a field it
/// does not give cannot be compared, so earns an unseen patient nothing
/// and costs them nothing.
#[derive(Debug, Clone, Copy)]
struct Given {
    sex: Sex,
    postcode: bool,
    phone: bool,
}

impl Given {
    fn of(submission: &Prepared) -> Self {
        Self {
            sex: submission.sex(),
            postcode: submission.has_postcode(),
            phone: submission.has_phone(),
        }
    }
}

/// The best score, with `nhs` points for the NHS number, of a patient
/// failing the criteria in `failed` (a bit set of [`Criterion::bit`]).
///
/// Each field tested by a failed criterion scores at most its best
/// disagreement. A field that may go uncompared (a postcode the patient
/// may not have, a sex unknown on both sides) is tried both ways, since
/// leaving a field out can raise a share. SystmOne's patients always have
/// both names and a date of birth.
fn best_score_failing(failed: u8, given: Given, nhs: i32) -> i32 {
    let fails = |c: Criterion| failed & c.bit() != 0;
    // Same is impossible when the prefix differs; an accent or punctuation
    // inside the prefix is the best left.
    let first = if fails(Criterion::FirstName) { 18 } else { 20 };
    let surname = if fails(Criterion::Surname) { 23 } else { 25 };
    // Swapped names fail both prefixes unless the initials coincide; count
    // them as if nothing about the names failed.
    let swapped = 20 + 25 - SWAP_PENALTY;
    let names = (first + surname).max(swapped);
    let date = if fails(Criterion::DateOfBirth) {
        26
    } else {
        35
    };
    // Each optional field's best (earned, most) when compared, and `None`
    // where it may not be compared at all.
    let sex: &[Option<(i32, i32)>] = match given.sex {
        // A patient failing `Gender` is of the other sex (0) or unknown or
        // indeterminate (4).
        Sex::Male | Sex::Female if fails(Criterion::Gender) => &[Some((4, 10))],
        Sex::Male | Sex::Female | Sex::Indeterminate => &[Some((10, 10))],
        // Unknown: nothing to compare against another unknown.
        _ => &[Some((4, 10)), None],
    };
    let postcode: &[Option<(i32, i32)>] = match (given.postcode, fails(Criterion::Postcode)) {
        (false, _) => &[None],
        (true, false) => &[Some((5, 5)), None],
        (true, true) => &[Some((2, 5)), None],
    };
    let telephone: &[Option<(i32, i32)>] = match (given.phone, fails(Criterion::Telephone)) {
        (false, _) => &[None],
        (true, false) => &[Some((5, 5)), None],
        (true, true) => &[Some((0, 5)), None],
    };
    let identifying = 20 + 25 + 35;
    let mut best = 0;
    for s in sex {
        for p in postcode {
            for t in telephone {
                let (mut earned, mut possible) = (names + date, identifying);
                for (e, m) in [s, p, t].into_iter().flatten() {
                    earned += e;
                    possible += m;
                }
                let score = Score::of_share(earned, possible, identifying, nhs);
                best = best.max(i32::from(score.value()));
            }
        }
    }
    best
}

/// The lookups that may find the patient, best first, and which of them
/// together return every patient who could be the person.
///
/// SystmOne compares a prefix with the stored name character by character
/// (PROTOCOL.md §9.5), so a surname whose first letter carries an accent
/// may be stored composed (`É`) or decomposed (`E` and a combining acute);
/// `normalise` makes them equal, a prefix search does not. For such a
/// surname both forms are searched before the exact set is complete: the
/// composed letter, and its base letter.
fn plan_lookups(
    submission: &Demographics,
    prepared: &Prepared,
) -> (Vec<PlannedLookup>, Vec<usize>) {
    let dob = prepared.date_of_birth();
    let gender = matches!(prepared.sex(), Sex::Male | Sex::Female).then_some(prepared.sex());
    let surname_initial = prefix(prepared.surname(), 1);
    let surname_start = prefix(prepared.surname(), 3);
    let first_initial = prefix(prepared.first_name(), 1);
    let search = |criteria: SearchCriteria, purpose| PlannedLookup {
        lookup: Lookup::Search(criteria),
        purpose,
    };
    let base_initial = surname_initial.as_deref().and_then(decomposed_start);
    let mut plan = vec![search(
        SearchCriteria {
            surname: surname_initial,
            date_of_birth: dob,
            ..SearchCriteria::default()
        },
        "everyone born that day whose surname starts with the same letter, whatever their recorded sex: every patient who could be an exact match",
    )];
    if let Some(base) = base_initial {
        plan.push(search(
            SearchCriteria {
                surname: Some(base),
                date_of_birth: dob,
                ..SearchCriteria::default()
            },
            "the same, for a surname stored with its accented first letter decomposed",
        ));
    }
    let completing: Vec<usize> = (0..plan.len()).collect();
    if let Some(nhs) = submission.nhs_number {
        plan.push(PlannedLookup {
            lookup: Lookup::NhsNumber(nhs),
            purpose: "the patient the NHS number given belongs to",
        });
    }
    if gender.is_some() {
        plan.push(search(
            SearchCriteria {
                date_of_birth: dob,
                gender,
                ..SearchCriteria::default()
            },
            "everyone of this sex born that day: names spelt differently, swapped or changed",
        ));
    } else {
        plan.push(search(
            SearchCriteria {
                first_name: first_initial.clone(),
                date_of_birth: dob,
                ..SearchCriteria::default()
            },
            "everyone born that day whose first name starts with the same letter: a changed or misspelt surname",
        ));
    }
    plan.push(search(
        SearchCriteria {
            first_name: first_initial.clone(),
            surname: surname_start,
            ..SearchCriteria::default()
        },
        "patients with a similar name and another date of birth",
    ));
    if let Some(postcode) = &submission.postcode {
        plan.push(search(
            SearchCriteria {
                first_name: first_initial.clone(),
                postcode: Some(postcode.as_str().to_owned()),
                ..SearchCriteria::default()
            },
            "patients at the same postcode with the same first initial: a changed surname",
        ));
    }
    if let Some(phone) = submission.phones.first() {
        plan.push(search(
            SearchCriteria {
                first_name: first_initial,
                telephone: Some(phone.number.digits()),
                ..SearchCriteria::default()
            },
            "patients with the same telephone number and first initial",
        ));
    }
    // Every submission has a date of birth and a surname, so the first
    // searches have two criteria and are kept.
    let completing_len = completing.len();
    plan.retain(|step| match &step.lookup {
        Lookup::Search(criteria) => criteria.criteria().len() >= 2,
        Lookup::NhsNumber(_) => true,
    });
    let completing = if plan.len() >= completing_len {
        completing
    } else {
        Vec::new()
    };
    debug_assert!(completing.iter().all(|i| matches!(
        plan.get(*i).map(|p| &p.lookup),
        Some(Lookup::Search(criteria)) if criteria.finds_every_exact_match()
    )));
    (plan, completing)
}

/// The first character of `initial`'s canonical decomposition, when it
/// differs from `initial` (`é` gives `e`); `None` for a letter that does
/// not decompose.
fn decomposed_start(initial: &str) -> Option<String> {
    let base: String = initial.nfd().take(1).collect();
    (!base.is_empty() && base != initial).then_some(base)
}

/// The first `chars` characters of a normalised name, or `None` when it
/// has none.
fn prefix(normalised: &str, chars: usize) -> Option<String> {
    let prefix: String = normalised.chars().take(chars).collect();
    (!prefix.trim().is_empty()).then(|| prefix.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_of_nothing_searched_is_everything() {
        let given = Given {
            sex: Sex::Female,
            postcode: true,
            phone: true,
        };
        assert_eq!(best_score_failing(0, given, 0), 100);
        // 45 + 26 + 10 + 5 + 5 of 100.
        assert_eq!(
            best_score_failing(Criterion::DateOfBirth.bit(), given, 0),
            91
        );
        // Without postcode or telephone: 81 of 90.
        let sparse = Given {
            postcode: false,
            phone: false,
            ..given
        };
        assert_eq!(
            best_score_failing(Criterion::DateOfBirth.bit(), sparse, 0),
            90
        );
    }

    #[test]
    fn exact_sets_are_known() {
        let dob_surname = SearchCriteria {
            date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 1),
            surname: Some("t".into()),
            ..SearchCriteria::default()
        };
        assert!(dob_surname.finds_every_exact_match());
        // A Gender search never returns patients of unknown sex.
        let dob_sex = SearchCriteria {
            date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 1),
            gender: Some(Sex::Male),
            ..SearchCriteria::default()
        };
        assert!(!dob_sex.finds_every_exact_match());
        let postcode = SearchCriteria {
            postcode: Some("ZZ99 1AB".into()),
            first_name: Some("a".into()),
            ..SearchCriteria::default()
        };
        assert!(!postcode.finds_every_exact_match());
    }

    mod bound {
        //! The stop rule is only safe if no patient a search missed can
        //! score above the bound for the criteria it failed.
        use super::*;
        use crate::normalise::normalise;
        use econsult_model::{PersonName, Phone, PhoneKind};
        use proptest::prelude::*;

        const NAMES: &[&str] = &[
            "Alex",
            "Alix",
            "Alexa",
            "Bill",
            "William",
            "Zoë",
            "Zoe",
            "O'Brien",
            "OBrien",
            "Smith-Jones",
            "Jones",
            "Smith",
            "Smyth",
            "Schmidt",
            "Élise",
            "Elise",
            "Kate",
            "Catherine",
            "Katherine",
            "A",
            "Van der Berg",
            "Berg",
        ];
        const DATES: &[(i32, u32, u32)] = &[
            (1970, 2, 1),
            (1970, 1, 2),
            (1971, 2, 1),
            (1979, 2, 1),
            (1970, 2, 11),
            (2001, 12, 3),
        ];
        const POSTCODES: &[&str] = &["ZZ99 1AB", "ZZ99 2CD", "ZZ9 1AB"];
        const PHONES: &[&str] = &["07700 900001", "07700 900002"];

        fn person() -> impl Strategy<Value = Demographics> {
            (
                0..NAMES.len(),
                0..NAMES.len(),
                0..DATES.len(),
                0..4usize,
                proptest::option::of(0..POSTCODES.len()),
                proptest::option::of(0..PHONES.len()),
            )
                .prop_map(|(first, surname, date, sex, postcode, phone)| {
                    let (y, m, d) = DATES[date];
                    let mut person = Demographics::new(
                        PersonName::new(NAMES[first], NAMES[surname]).expect("valid name"),
                        NaiveDate::from_ymd_opt(y, m, d).expect("valid date"),
                        Sex::ALL[sex],
                    );
                    person.postcode = postcode.map(|p| POSTCODES[p].parse().expect("postcode"));
                    person.phones = phone
                        .map(|p| Phone {
                            kind: PhoneKind::Mobile,
                            number: PHONES[p].parse().expect("phone"),
                        })
                        .into_iter()
                        .collect();
                    person
                })
        }

        /// The criteria each planned search fails `candidate` on (a bit set
        /// per search), judged the way SystmOne judges them; `None` when a
        /// search returns the candidate (it is seen, not missed). Searches
        /// the planner's bound sets aside (a name prefix with a letter that
        /// decomposes, outside the exact set's pair) are set aside here too.
        fn failed_criteria(
            planner: &SearchPlanner<u8>,
            candidate: &Demographics,
        ) -> Option<Vec<u8>> {
            let starts = |name: &str, prefix: &Option<String>| {
                prefix
                    .as_deref()
                    .is_none_or(|p| normalise(name).starts_with(&normalise(p)))
            };
            let mut per_search = Vec::new();
            for (i, step) in planner.plan().iter().enumerate() {
                let Lookup::Search(c) = &step.lookup else {
                    continue;
                };
                if !planner.completing.contains(&i) && !c.prefixes_are_stored_alike() {
                    continue;
                }
                let checks = [
                    (
                        Criterion::FirstName,
                        !starts(candidate.name.first_name(), &c.first_name),
                    ),
                    (
                        Criterion::Surname,
                        !starts(candidate.name.surname(), &c.surname),
                    ),
                    (
                        Criterion::DateOfBirth,
                        c.date_of_birth
                            .is_some_and(|d| d != candidate.date_of_birth),
                    ),
                    (
                        Criterion::Gender,
                        c.gender.is_some_and(|g| g != candidate.sex),
                    ),
                    (
                        Criterion::Postcode,
                        c.postcode.as_deref().is_some_and(|p| {
                            candidate.postcode.as_ref().is_none_or(|q| q.as_str() != p)
                        }),
                    ),
                    (
                        Criterion::Telephone,
                        c.telephone.as_deref().is_some_and(|t| {
                            !candidate.phones.iter().any(|q| q.number.digits() == t)
                        }),
                    ),
                ];
                let failed_here = checks
                    .iter()
                    .filter(|(_, fails)| *fails)
                    .fold(0, |bits, (criterion, _)| bits | criterion.bit());
                if failed_here == 0 {
                    return None;
                }
                per_search.push(failed_here);
            }
            Some(per_search)
        }

        /// Every set of criteria made by choosing one failed criterion per
        /// search: the ways the candidate can be said to have been missed.
        /// (A criterion failed on a search may say nothing about the field:
        /// a composed `É` fails the base-letter search `e` though the
        /// surname is the same; some choice then picks another criterion.)
        fn explanations(per_search: &[u8]) -> Vec<u8> {
            let mut reachable = vec![0u8];
            for failed in per_search {
                let mut next = Vec::new();
                for union in &reachable {
                    for bit in (0..6).map(|b| 1u8 << b).filter(|b| failed & b != 0) {
                        let candidate = union | bit;
                        if !next.contains(&candidate) {
                            next.push(candidate);
                        }
                    }
                }
                reachable = next;
            }
            reachable
        }

        /// A candidate that shares each field with `a` or takes it from `b`,
        /// so that near-misses (one or two fields off) are common.
        fn mix(a: &Demographics, b: &Demographics, take_b: [bool; 6]) -> Demographics {
            let pick = |i: usize| take_b[i];
            let first = if pick(0) { b } else { a }.name.first_name();
            let surname = if pick(1) { b } else { a }.name.surname();
            let mut out = Demographics::new(
                PersonName::new(first, surname).expect("valid name"),
                if pick(2) { b } else { a }.date_of_birth,
                if pick(3) { b } else { a }.sex,
            );
            out.postcode = if pick(4) { b } else { a }.postcode.clone();
            out.phones = if pick(5) { b } else { a }.phones.clone();
            out
        }

        /// Found by the property below: a patient stored with a composed
        /// `É` fails the base-letter search `e` on the surname though the
        /// surname is the same; it was missed because of its date of
        /// birth, and the bound for that explanation covers its score.
        #[test]
        fn a_composed_initial_missed_by_the_base_letter_search_is_bounded_by_its_date() {
            let person = |dob: (i32, u32, u32)| {
                Demographics::new(
                    PersonName::new("Alex", "Élise").expect("valid name"),
                    NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).expect("valid date"),
                    Sex::Male,
                )
            };
            let (submission, candidate) = (person((1970, 1, 2)), person((1970, 2, 1)));
            let planner = SearchPlanner::<u8>::new(&submission, MatchConfig::default());
            let per_search = failed_criteria(&planner, &candidate).expect("missed by every search");
            let score = i32::from(crate::compare(&submission, &candidate).score().value());
            let given = Given::of(&Prepared::new(&submission));
            let bound = explanations(&per_search)
                .into_iter()
                .map(|failed| best_score_failing(failed, given, 0))
                .max();
            assert_eq!(score, 90);
            assert!(bound.is_some_and(|b| score <= b), "{bound:?}");
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn no_missed_patient_scores_above_the_bound(
                submission in person(),
                other in person(),
                take_other in proptest::array::uniform6(proptest::bool::weighted(0.3)),
            ) {
                let candidate = mix(&submission, &other, take_other);
                let planner = SearchPlanner::<u8>::new(&submission, MatchConfig::default());
                let Some(per_search) = failed_criteria(&planner, &candidate) else {
                    // A search returns it: it is seen, not missed.
                    return Ok(());
                };
                let comparison = crate::compare(&submission, &candidate);
                // The NHS number's points are added to the bound as they
                // are to the score: compare without them.
                let nhs = crate::compare::nhs_points(comparison.nhs_number).max(0);
                let score = i32::from(comparison.score().value());
                // The planner's bound is the best over every set of criteria
                // that fails each search; the candidate's own explanations
                // are some of those sets, so one of them must cover it.
                let given = Given::of(&Prepared::new(&submission));
                let (bound, failed) = explanations(&per_search)
                    .into_iter()
                    .map(|failed| (best_score_failing(failed, given, nhs), failed))
                    .max()
                    .unwrap_or((0, 0));
                prop_assert!(
                    score <= bound,
                    "score {} above bound {} for failed criteria {:06b}",
                    score, bound, failed
                );
            }
        }
    }
}
