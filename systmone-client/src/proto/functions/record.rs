//! Finding patients and reading their records: `PatientSearch` (§9.5) and
//! `GetPatientRecord` (§9.6), with the throttle exemption rule (§7.2).

use chrono::{Datelike as _, NaiveDate, NaiveDateTime, TimeDelta};

use crate::proto::xml::macros::xml_struct;
use crate::proto::{Address, Code, Identity, RecordState, Sex, YesNoUnknown};

use super::event::Clinical;
use super::nonclinical::NonClinical;

xml_struct! {
    /// `PatientSearch` (§9.5): search the practice's patients. At least two
    /// criteria are needed; names match by prefix (`Da` finds David), a
    /// postcode is either whole (`ZZ99 1AB`) or an outward code (`ZZ99`),
    /// and a telephone number matches any of the patient's numbers.
    ///
    /// ```
    /// use systmone_client::proto::{PatientSearch, Sex};
    ///
    /// let search = PatientSearch {
    ///     surname: Some("Tes".into()),
    ///     date_of_birth: Some("1970-02-01".parse()?),
    ///     ..PatientSearch::default()
    /// };
    /// assert_eq!(search.criteria_count(), 2);
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[derive(Default)]
    pub struct PatientSearch {
        /// First name, or its first letters.
        opt first_name: String = "FirstName",
        /// Surname, or its first letters.
        opt surname: String = "Surname",
        /// Exact date of birth.
        opt date_of_birth: NaiveDate = "DateOfBirth",
        /// Full postcode with its space, or an outward code.
        opt_tok post_code: String = "PostCode",
        /// Any of the patient's telephone numbers.
        opt_tok telephone: String = "Telephone",
        /// `M` or `F` only.
        opt gender: Sex = "Gender",
    }
}

impl PatientSearch {
    /// How many criteria are given (non-blank): SystmOne needs two or more.
    pub fn criteria_count(&self) -> usize {
        let text = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
        usize::from(text(&self.first_name))
            + usize::from(text(&self.surname))
            + usize::from(self.date_of_birth.is_some())
            + usize::from(text(&self.post_code))
            + usize::from(text(&self.telephone))
            + usize::from(self.gender.is_some())
    }
}

xml_struct! {
    /// The answer to [`PatientSearch`]: no results is a valid answer.
    #[derive(Default)]
    #[non_exhaustive]
    pub struct PatientSearchResponse {
        /// One per matching patient.
        many results: PatientSearchResult = "Result",
    }
}

xml_struct! {
    /// A patient found by a search.
    pub struct PatientSearchResult {
        /// Who.
        dflt identity: Identity = "Identity",
        /// First name.
        dflt first_name: String = "FirstName",
        /// Surname.
        dflt surname: String = "Surname",
        /// Date of birth.
        req date_of_birth: NaiveDate = "DateOfBirth",
        /// Sex.
        req sex: Sex = "Sex",
        /// Preferred telephone number (an empty element reads as none).
        opt telephone: String = "Telephone",
        /// Home address.
        opt address: Address = "Address",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// `GetPatientRecord` (§9.6): read a whole record or a filtered part.
    /// Throttled to one per 30 seconds unless [`Filter::is_exempt_at`].
    #[derive(Default)]
    pub struct GetPatientRecord {
        /// Whose record; absent means the record open in SystmOne.
        opt identity: Identity = "Identity",
        /// Leave the record open and shown to the user (§8).
        flag leave_record_open: bool = "LeaveRecordOpen",
        /// What to return; absent means everything.
        opt filter: Filter = "Filter",
    }
}

xml_struct! {
    /// Which parts of a record to return. *Selectors* (the flags,
    /// `clinical_codes`, `numeric`) choose categories; *restrictors* (the
    /// dates and `user_name_done_by`) narrow them. No selector means every
    /// category.
    #[derive(Default)]
    pub struct Filter {
        /// Exclude data whose effective period ended before this date.
        opt min_effective_date: NaiveDate = "MinEffectiveDate",
        /// Exclude data dated after this date.
        opt max_effective_date: NaiveDate = "MaxEffectiveDate",
        /// Exclude data entered before this date.
        opt min_entry_date: NaiveDate = "MinEntryDate",
        /// Exclude data entered after this date.
        opt max_entry_date: NaiveDate = "MaxEntryDate",
        /// Pending appointments.
        flag appointments: bool = "Appointments",
        /// Care plans.
        flag care_plans: bool = "CarePlans",
        /// Demographics.
        flag demographics: bool = "Demographics",
        /// All coded entries (overrides `clinical_code`).
        flag clinical_codes: bool = "ClinicalCodes",
        /// Coded entries for these CTV3 codes.
        many_tok clinical_code: String = "ClinicalCode",
        /// Letters.
        flag letters: bool = "Letters",
        /// Acute and repeat medication.
        flag medication: bool = "Medication",
        /// Allergies and sensitivities.
        flag sensitivities: bool = "Sensitivities",
        /// Recalls.
        flag recalls: bool = "Recalls",
        /// Referrals.
        flag referrals: bool = "Referrals",
        /// Relationships.
        flag relationships: bool = "Relationships",
        /// Test results.
        flag results: bool = "Results",
        /// Vaccinations.
        flag vaccinations: bool = "Vaccinations",
        /// Readings of these numeric CTV3 codes.
        many_tok numeric: String = "Numeric",
        /// Reminders.
        flag reminders: bool = "Reminders",
        /// Activity entries.
        flag activity: bool = "Activity",
        /// Attachments that are not letters.
        flag attachments: bool = "Attachments",
        /// Free-text narrative.
        flag narrative: bool = "Narrative",
        /// Pending home visits.
        flag visits: bool = "Visits",
        /// Incomplete tasks.
        flag tasks: bool = "Tasks",
        /// Only data recorded by these users (data by unknown users stays).
        many_tok user_name_done_by: String = "UserNameDoneBy",
    }
}

impl Filter {
    /// A filter selecting demographics only: exempt from the 30-second
    /// limit.
    pub fn demographics_only() -> Self {
        Self {
            demographics: true,
            ..Self::default()
        }
    }

    /// A filter selecting what was entered on `today` (every category):
    /// exempt from the 30-second limit when `today` is SystmOne's local date.
    pub fn entered_on(today: NaiveDate) -> Self {
        Self {
            min_entry_date: Some(today),
            max_entry_date: Some(today),
            ..Self::default()
        }
    }

    /// Whether a `GetPatientRecord` with this filter, sent at local time
    /// `now`, is exempt from the one-per-30-seconds limit. This is the
    /// one rule, used by the client's throttle, the mock and the tests:
    /// stricter than SystmOne's own (PROTOCOL.md §7.2), as §7.2 advises a
    /// client, so a misjudgement only costs a wait, never an unanswered
    /// request.
    ///
    /// - **Demographics only**: exactly [`Filter::demographics_only`], with
    ///   no date or user restrictors (SystmOne also exempts restricted
    ///   ones; this rule does not rely on it).
    /// - **Entered today**: both entry dates are `now`'s date, and still
    ///   will be [`MIDNIGHT_MARGIN`](Self::MIDNIGHT_MARGIN) later, so a
    ///   request that reaches SystmOne after midnight is not counted as
    ///   exempt.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use systmone_client::proto::Filter;
    ///
    /// let day = NaiveDate::from_ymd_opt(2031, 5, 14).unwrap();
    /// let noon = day.and_hms_opt(12, 0, 0).unwrap();
    /// assert!(Filter::demographics_only().is_exempt_at(noon));
    /// assert!(Filter::entered_on(day).is_exempt_at(noon));
    /// assert!(!Filter::entered_on(day).is_exempt_at(day.and_hms_opt(23, 59, 56).unwrap()));
    /// assert!(!Filter::default().is_exempt_at(noon));
    /// // A date the wire cannot write as YYYY-MM-DD is never exempt.
    /// let far = NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
    /// assert!(!Filter::entered_on(far).is_exempt_at(far.and_hms_opt(12, 0, 0).unwrap()));
    /// ```
    pub fn is_exempt_at(&self, now: NaiveDateTime) -> bool {
        if *self == Filter::demographics_only() {
            return true;
        }
        // No later moment, or a date the wire cannot carry as YYYY-MM-DD:
        // not exempt (strict: a misjudgement only costs a wait).
        let Some(soon) = now.checked_add_signed(Self::MIDNIGHT_MARGIN) else {
            return false;
        };
        if !(0..=9999).contains(&now.year()) || !(0..=9999).contains(&soon.year()) {
            return false;
        }
        let entered_on = |day| self.min_entry_date == Some(day) && self.max_entry_date == Some(day);
        entered_on(now.date()) && entered_on(soon.date())
    }

    /// How long before midnight an "entered today" read stops counting as
    /// exempt: the time a request may take to reach SystmOne.
    pub const MIDNIGHT_MARGIN: TimeDelta = TimeDelta::seconds(5);

    /// SystmOne's own rule (PROTOCOL.md §7.2), which the mock enforces
    /// because it plays SystmOne: demographics and nothing else
    /// (restrictors allowed), or both entry dates `today` (SystmOne's
    /// date when the request arrives). Looser than
    /// [`is_exempt_at`](Self::is_exempt_at), the rule a client keeps to.
    #[cfg(feature = "mock")]
    pub(crate) fn exempt_by_systmone(&self, today: NaiveDate) -> bool {
        let demographics_only = self.demographics && !self.selects_other_than_demographics();
        let entered_today =
            self.min_entry_date == Some(today) && self.max_entry_date == Some(today);
        demographics_only || entered_today
    }

    /// Whether any data selector other than `demographics` is present.
    #[cfg(feature = "mock")]
    fn selects_other_than_demographics(&self) -> bool {
        self.appointments
            || self.care_plans
            || self.clinical_codes
            || !self.clinical_code.is_empty()
            || self.letters
            || self.medication
            || self.sensitivities
            || self.recalls
            || self.referrals
            || self.relationships
            || self.results
            || self.vaccinations
            || !self.numeric.is_empty()
            || self.reminders
            || self.activity
            || self.attachments
            || self.narrative
            || self.visits
            || self.tasks
    }
}

impl GetPatientRecord {
    /// Whether this request, sent at local time `now`, is exempt from the
    /// 30-second limit ([`Filter::is_exempt_at`]); a request without a
    /// filter never is.
    pub fn is_exempt_at(&self, now: NaiveDateTime) -> bool {
        self.filter.as_ref().is_some_and(|f| f.is_exempt_at(now))
    }
}

xml_struct! {
    /// The answer to [`GetPatientRecord`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetPatientRecordResponse {
        /// Whose record.
        dflt identity: Identity = "Identity",
        /// Demographics, when selected.
        opt demographics: PatientDemographics = "Demographics",
        /// Clinical events, when selected.
        opt clinical: Clinical = "Clinical",
        /// Appointments, visits and tasks, when selected.
        opt non_clinical: NonClinical = "NonClinical",
        /// Whether the record is open after the request.
        opt record_state: RecordState = "RecordState",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A patient's demographics as SystmOne returns them. SystmOne sends
    /// empty elements for unknown values: they read as empty strings or
    /// `None`.
    pub struct PatientDemographics {
        /// Title.
        dflt title: String = "Title",
        /// First name.
        dflt first_name: String = "FirstName",
        /// Middle names.
        dflt middle_names: String = "MiddleNames",
        /// Surname.
        dflt surname: String = "Surname",
        /// The first name they use, when different.
        opt known_as: String = "KnownAs",
        /// Date of birth.
        req date_of_birth: NaiveDate = "DateOfBirth",
        /// Sex.
        req sex: Sex = "Sex",
        /// Marital status (an empty container when not recorded).
        opt marital_status: CodedValue = "MaritalStatus",
        /// Ethnicity.
        opt ethnicity: CodedValue = "Ethnicity",
        /// Main spoken language.
        opt main_language: CodedValue = "MainLanguage",
        /// Whether they speak English.
        opt english_speaker: YesNoUnknown = "EnglishSpeaker",
        /// Home address.
        opt address: Address = "Address",
        /// Home telephone.
        dflt home_telephone: String = "HomeTelephone",
        /// Work telephone.
        dflt work_telephone: String = "WorkTelephone",
        /// Mobile telephone.
        dflt mobile_telephone: String = "MobileTelephone",
        /// Alternative telephone.
        dflt alternate_telephone: String = "AlternateTelephone",
        /// Email address.
        dflt email_address: String = "EmailAddress",
        /// Consent to SMS (`Yes`/`No`).
        opt sms_consent: YesNoUnknown = "SMSConsent",
        /// Usual GP's user name.
        dflt_tok usual_gp_user_name: String = "UsualGPUserName",
        /// When they were registered for care.
        opt care_start_date: NaiveDate = "CareStartDate",
        /// GP registration type (GMS, Private…).
        opt_tok registration_type: String = "RegistrationType",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

impl PatientDemographics {
    /// Every non-empty telephone number, in SystmOne's field order.
    pub fn telephones(&self) -> impl Iterator<Item = &str> {
        [
            &self.home_telephone,
            &self.work_telephone,
            &self.mobile_telephone,
            &self.alternate_telephone,
        ]
        .into_iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    }
}

xml_struct! {
    /// A coded demographic value (marital status, ethnicity, language):
    /// a container that is empty when nothing is recorded.
    #[derive(Default)]
    pub struct CodedValue {
        /// The code, when recorded.
        opt code: Code = "Code",
    }
}
