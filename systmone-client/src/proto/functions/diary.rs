//! Free slots and the diary: `GetAppointmentSlots` (§9.10) and `GetDiary`
//! (§9.11).

use chrono::{NaiveDate, NaiveDateTime};

use crate::proto::xml::macros::xml_struct;
use crate::proto::{Identity, Sex};

use super::nonclinical::{Appointment, Clinic, Visit};

xml_struct! {
    /// `GetAppointmentSlots` (§9.10): list free slots. Filters of different
    /// kinds combine with AND; repeats of one kind with OR.
    #[derive(Default)]
    pub struct GetAppointmentSlots {
        /// No slot starting before this.
        opt min_date_time: NaiveDateTime = "MinDateTime",
        /// No slot starting after this.
        opt max_date_time: NaiveDateTime = "MaxDateTime",
        /// Only at these sites.
        many_tok site_names: String = "SiteName",
        /// Only in these clinicians' clinics.
        many_tok user_names: String = "UserName",
        /// Only in clinics of these types.
        many_tok clinic_types: String = "ClinicType",
        /// Only slots of these types.
        many_tok slot_types: String = "SlotType",
    }
}

xml_struct! {
    /// The answer to [`GetAppointmentSlots`]: free slots grouped by clinic.
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetAppointmentSlotsResponse {
        /// Clinics with matching free slots.
        many clinics: Clinic = "Clinic",
    }
}

xml_struct! {
    /// `GetDiary` (§9.11): upcoming appointments and visits linked to
    /// patients. Neither flag means both.
    #[derive(Default)]
    pub struct GetDiary {
        /// Nothing before this.
        opt min_date_time: NaiveDateTime = "MinDateTime",
        /// Nothing after this.
        opt max_date_time: NaiveDateTime = "MaxDateTime",
        /// Appointments at these sites (visits are unaffected).
        many_tok site_names: String = "SiteName",
        /// Only these staff.
        many_tok user_names: String = "UserName",
        /// Return appointments.
        flag appointments: bool = "Appointments",
        /// Return visits.
        flag visits: bool = "Visits",
    }
}

xml_struct! {
    /// The answer to [`GetDiary`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetDiaryResponse {
        /// One per patient with matching entries.
        many results: DiaryEntry = "Result",
    }
}

xml_struct! {
    /// A patient's entries in the diary.
    #[derive(Default)]
    pub struct DiaryEntry {
        /// Who.
        dflt identity: Identity = "Identity",
        /// Brief details.
        opt demographics: BriefDemographics = "Demographics",
        /// Appointments (either shape).
        many appointments: Appointment = "Appointment",
        /// Visits.
        many visits: Visit = "Visit",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// Name, date of birth and sex only.
    #[derive(Default)]
    pub struct BriefDemographics {
        /// Title.
        dflt title: String = "Title",
        /// First name.
        dflt first_name: String = "FirstName",
        /// Middle names.
        dflt middle_names: String = "MiddleNames",
        /// Surname.
        dflt surname: String = "Surname",
        /// Date of birth.
        opt date_of_birth: NaiveDate = "DateOfBirth",
        /// Sex.
        opt sex: Sex = "Sex",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}
