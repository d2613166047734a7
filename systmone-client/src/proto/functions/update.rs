//! Changing records and reading their files: `UpdatePatientRecord` (§9.7),
//! `GetDocument` (§9.8) and `DeletePatientRecord` (§9.9).

use chrono::NaiveDate;

use crate::proto::xml::macros::xml_struct;
use crate::proto::{
    Address, AppointmentUid, DocumentUid, EventUid, Identity, RecordState, Sex, TaskUid, VisitUid,
    YesNoUnknown,
};

use super::event::Clinical;
use super::nonclinical::NonClinical;
use super::record::CodedValue;

xml_struct! {
    /// `UpdatePatientRecord` (§9.7): add clinical events, change
    /// demographics, and create or update appointments, visits and tasks.
    ///
    /// Files travel as paths on the SystmOne machine (`DocumentPath`),
    /// which SystmOne reads during the request.
    #[derive(Default)]
    pub struct UpdatePatientRecord {
        /// The patient to update.
        dflt identity: Identity = "Identity",
        /// Demographic changes (only the fields that change).
        opt demographics: DemographicsUpdate = "Demographics",
        /// New clinical events.
        opt clinical: Clinical = "Clinical",
        /// Appointments, visits and tasks to create or update.
        opt non_clinical: NonClinical = "NonClinical",
        /// Leave the record open for the user, uncommitted until they save
        /// it (§8).
        flag leave_record_open: bool = "LeaveRecordOpen",
    }
}

xml_struct! {
    /// Demographic changes: send only what changes. An empty string
    /// (`Some("")`) is sent as an empty element, which clears the field.
    #[derive(Default)]
    pub struct DemographicsUpdate {
        /// Title.
        some title: String = "Title",
        /// First name.
        some first_name: String = "FirstName",
        /// Middle names.
        some middle_names: String = "MiddleNames",
        /// Surname.
        some surname: String = "Surname",
        /// Preferred first name.
        some known_as: String = "KnownAs",
        /// Date of birth.
        opt date_of_birth: NaiveDate = "DateOfBirth",
        /// Sex (`M` or `F` in updates).
        opt sex: Sex = "Sex",
        /// Marital status.
        opt marital_status: CodedValue = "MaritalStatus",
        /// Ethnicity.
        opt ethnicity: CodedValue = "Ethnicity",
        /// Main language.
        opt main_language: CodedValue = "MainLanguage",
        /// Whether they speak English.
        opt english_speaker: YesNoUnknown = "EnglishSpeaker",
        /// Home address (not in the schema; TPP's template sends it).
        opt address: Address = "Address",
        /// Home telephone.
        some home_telephone: String = "HomeTelephone",
        /// Work telephone.
        some work_telephone: String = "WorkTelephone",
        /// Mobile telephone.
        some mobile_telephone: String = "MobileTelephone",
        /// Alternative telephone.
        some alternate_telephone: String = "AlternateTelephone",
        /// Email address.
        some email_address: String = "EmailAddress",
        /// Consent to SMS (`Yes`/`No`).
        opt sms_consent: YesNoUnknown = "SMSConsent",
        /// Usual GP's user name.
        some usual_gp_user_name: String = "UsualGPUserName",
        /// Registration date (changeability unverified).
        opt care_start_date: NaiveDate = "CareStartDate",
        /// Registration type (changeability unverified).
        some registration_type: String = "RegistrationType",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// The answer to [`UpdatePatientRecord`]: the UIDs of what was created.
    #[derive(Default)]
    #[non_exhaustive]
    pub struct UpdatePatientRecordResponse {
        /// Whose record.
        dflt identity: Identity = "Identity",
        /// One per event created (a demographics change creates one too).
        many event_uids: EventUid = "EventUID",
        /// One per appointment created.
        many appointment_uids: AppointmentUid = "AppointmentUID",
        /// One per visit created.
        many visit_uids: VisitUid = "VisitUID",
        /// One per task created.
        many task_uids: TaskUid = "TaskUID",
        /// `Open` means not yet committed: the user must save the record.
        opt record_state: RecordState = "RecordState",
    }
}

xml_struct! {
    /// `GetDocument` (§9.8): make SystmOne write a letter's or attachment's
    /// file(s) into a directory.
    #[derive(Default)]
    pub struct GetDocument {
        /// Whose record holds it.
        dflt identity: Identity = "Identity",
        /// The document, from a letter or attachment in the record.
        dflt document_uid: DocumentUid = "DocumentUID",
        /// An existing directory on the SystmOne machine to write into.
        opt write_to: String = "WriteTo",
        /// Leave the record open (§8).
        flag leave_record_open: bool = "LeaveRecordOpen",
    }
}

xml_struct! {
    /// The answer to [`GetDocument`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetDocumentResponse {
        /// The full path of each file written (several for page images).
        many document_files: String = "DocumentFile",
        /// Whether the record is open after the request.
        opt record_state: RecordState = "RecordState",
    }
}

xml_struct! {
    /// `DeletePatientRecord` (§9.9; also called `DeleteFromPatientRecord`):
    /// delete events, tasks, visits or appointments that this software
    /// added. All or nothing; a reason is required.
    #[derive(Default)]
    pub struct DeletePatientRecord {
        /// Whose record; absent means the open one (then
        /// `leave_record_open` is required).
        opt identity: Identity = "Identity",
        /// Events to delete.
        many event_uids: EventUid = "EventUID",
        /// Tasks to delete.
        many task_uids: TaskUid = "TaskUID",
        /// Visits to delete.
        many visit_uids: VisitUid = "VisitUID",
        /// Appointments to delete.
        many appointment_uids: AppointmentUid = "AppointmentUID",
        /// Why (must not be empty).
        dflt reason: String = "Reason",
        /// Leave the record open (§8).
        flag leave_record_open: bool = "LeaveRecordOpen",
    }
}

xml_struct! {
    /// The answer to [`DeletePatientRecord`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct DeletePatientRecordResponse {
        /// Whose record.
        dflt identity: Identity = "Identity",
        /// `Open` means the deletion is not committed until the user saves.
        opt record_state: RecordState = "RecordState",
    }
}
