//! Clinical events and the items inside them (PROTOCOL.md §9.6.5–9.6.6):
//! the same structures are read from `GetPatientRecord` and sent with
//! `UpdatePatientRecord`.
//!
//! The specification does not document every item SystmOne may return, so
//! every struct here keeps children it does not know in `other`, and an
//! [`Event`] keeps unknown items in its own `other`: nothing is dropped, and
//! re-encoding writes them back.

use chrono::{NaiveDate, NaiveDateTime};

use crate::proto::xml::macros::xml_struct;
use crate::proto::xml::{Decimal, Minutes};
use crate::proto::{
    Address, Code, DocumentUid, Drug, EventUid, LetterName, ProblemUid, ReferralUid,
};

use super::enums::{
    CarePlanAim, Comparator, ContactMethod, Episodicity, FollowUpActionKind, LetterDirection,
    MedicationType, ProblemSeverity, RecallStatus, ReminderSeverity, ReportResult, ReportType,
    Responsibility, SensitivityType,
};

xml_struct! {
    /// The clinical part of a record: its events.
    #[derive(Default)]
    pub struct Clinical {
        /// Events, in the order SystmOne sent them.
        many events: Event = "Event",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A consultation or administrative event, holding any mix of items.
    ///
    /// Items are grouped by kind. Decoding accepts any order and
    /// interleaving; encoding writes the kinds in the schema's order
    /// (PROTOCOL.md §9.7.1), keeping the order within each kind.
    #[derive(Default)]
    pub struct Event {
        /// When it happened (local time). Absent in a request means now.
        opt_attr date_time: NaiveDateTime = "DateTime",
        /// User name of who recorded it. Absent in a request means the
        /// logged-on user.
        opt_attr user_name: String = "UserName",
        /// Display text for who did it.
        opt_attr done_by: String = "DoneBy",
        /// Where it was done.
        opt_attr done_at: String = "DoneAt",
        /// Contact method.
        opt_attr method: ContactMethod = "Method",
        /// The referral it is linked to.
        opt_attr linked_referral_uid: ReferralUid = "LinkedReferralUID",
        /// The product that added it (responses only; absent for events
        /// recorded in SystmOne itself).
        opt_attr software: String = "Software",
        /// Its UID (responses only).
        opt_attr event_uid: EventUid = "EventUID",
        /// Acute prescriptions.
        many medications: Medication = "Medication",
        /// Coded entries, numeric readings and problems.
        many clinical_codes: ClinicalCode = "ClinicalCode",
        /// Reminders.
        many reminders: Reminder = "Reminder",
        /// Recalls.
        many recalls: Recall = "Recall",
        /// Vaccinations.
        many vaccinations: Vaccination = "Vaccination",
        /// Repeat templates.
        many repeat_medications: RepeatMedication = "RepeatMedication",
        /// Letters.
        many letters: Letter = "Letter",
        /// Patient plans (also read from the template form `ScratchPad`).
        many patient_plans: PatientPlan = "PatientPlan" | "ScratchPad",
        /// Care plans.
        many care_plans: CarePlan = "CarePlan",
        /// Relationships.
        many relationships: Relationship = "Relationship",
        /// Test results.
        many reports: Report = "Report",
        /// Attachments (files or URLs).
        many attachments: Attachment = "Attachment",
        /// Activity entries.
        many activities: ActivityItem = "Activity",
        /// Free-text narrative.
        many narratives: Narrative = "Narrative",
        /// Allergies and sensitivities.
        many drug_sensitivities: DrugSensitivity = "DrugSensitivity",
        /// Referrals (responses; structure undocumented).
        many referrals: Referral = "Referral",
        /// Problems the whole event is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Items the model does not know, kept as sent.
        rest other, other_attributes
    }
}

impl Event {
    /// An event with a single narrative of `lines`, dated `at`.
    pub fn narrative(at: NaiveDateTime, lines: impl IntoIterator<Item = String>) -> Self {
        Self {
            date_time: Some(at),
            narratives: vec![Narrative {
                lines: lines.into_iter().collect(),
                linked_problem_uids: Vec::new(),
                other: Vec::new(),
                other_attributes: Vec::new(),
            }],
            ..Self::default()
        }
    }
}

xml_struct! {
    /// An acute prescription.
    pub struct Medication {
        /// NHS, private or other.
        opt medication_type: MedicationType = "MedicationType",
        /// The drug.
        req drug: Drug = "Drug",
        /// Dosage instructions.
        dflt dose: String = "Dose",
        /// Quantity with its unit ("28 tablet").
        dflt quantity: String = "Quantity",
        /// Start date.
        opt start_date: NaiveDate = "StartDate",
        /// End date.
        opt end_date: NaiveDate = "EndDate",
        /// Marks an issue of a repeat (undocumented).
        flag repeat_issue: bool = "RepeatIssue",
        /// Why it ended (responses).
        opt end_reason: String = "EndReason",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

impl Medication {
    /// An acute prescription of `drug` with its dosage and quantity; the
    /// other fields start empty.
    pub fn new(drug: Drug, dose: &str, quantity: &str) -> Self {
        Self {
            medication_type: None,
            drug,
            dose: dose.to_owned(),
            quantity: quantity.to_owned(),
            start_date: None,
            end_date: None,
            repeat_issue: false,
            end_reason: None,
            linked_problem_uids: Vec::new(),
            other: Vec::new(),
            other_attributes: Vec::new(),
        }
    }
}

xml_struct! {
    /// A repeat-prescription template.
    pub struct RepeatMedication {
        /// The drug.
        req drug: Drug = "Drug",
        /// Dosage instructions.
        dflt dose: String = "Dose",
        /// Quantity with its unit.
        dflt quantity: String = "Quantity",
        /// Start date (absent: immediately).
        opt start_date: NaiveDate = "StartDate",
        /// Issues authorised.
        opt max_issues: u32 = "MaxIssues",
        /// Review date.
        opt review_date: NaiveDate = "ReviewDate",
        /// Days each issue lasts.
        opt issue_duration_days: u32 = "IssueDurationDays",
        /// NHS or private.
        opt medication_type: MedicationType = "MedicationType",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A coded entry: a plain code, a numeric reading (with `value`) or a
    /// problem header (with `problem_severity`).
    pub struct ClinicalCode {
        /// The code.
        req code: Code = "Code",
        /// New or ongoing.
        opt episodicity: Episodicity = "Episodicity",
        /// The problem's UID when this is a problem header (responses).
        opt problem_uid: ProblemUid = "ProblemUID",
        /// A numeric value, making this a reading.
        opt value: Decimal = "Value",
        /// Its unit (absent: SystmOne's default for the code).
        opt_tok units: String = "Units",
        /// How the value compares (absent: equal).
        opt comparator: Comparator = "Comparator",
        /// Makes the code a problem header.
        opt problem_severity: ProblemSeverity = "ProblemSeverity",
        /// When the problem ended.
        opt problem_end_date: NaiveDate = "ProblemEndDate",
        /// A comment.
        opt free_text: String = "FreeText",
        /// Marks an allergy (later schemas only).
        flag is_allergy: bool = "IsAllergy",
        /// Marks family history (later schemas only).
        flag is_family_history: bool = "IsFamilyHistory",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

impl ClinicalCode {
    /// A plain coded entry; the other fields start empty.
    pub fn new(code: Code) -> Self {
        Self {
            code,
            episodicity: None,
            problem_uid: None,
            value: None,
            units: None,
            comparator: None,
            problem_severity: None,
            problem_end_date: None,
            free_text: None,
            is_allergy: false,
            is_family_history: false,
            linked_problem_uids: Vec::new(),
            other: Vec::new(),
            other_attributes: Vec::new(),
        }
    }

    /// A numeric reading: `code` with `value` in `units`.
    ///
    /// ```
    /// use systmone_client::proto::{ClinicalCode, Code, CodeScheme, Decimal};
    ///
    /// let value = Decimal::new("71.5").unwrap();
    /// let weight = ClinicalCode::reading(Code::new(CodeScheme::Ctv3, "22A.."), value, "kg");
    /// assert_eq!(weight.units.as_deref(), Some("kg"));
    /// ```
    pub fn reading(code: Code, value: Decimal, units: &str) -> Self {
        Self {
            value: Some(value),
            units: Some(units.to_owned()),
            ..Self::new(code)
        }
    }
}

xml_struct! {
    /// A reminder on the record.
    pub struct Reminder {
        /// The reminder's text.
        dflt free_text: String = "FreeText",
        /// Low, normal or high.
        opt severity: ReminderSeverity = "Severity",
        /// When it expires (absent: until removed).
        opt expiry_date: NaiveDate = "ExpiryDate",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A recall.
    pub struct Recall {
        /// When the patient is recalled.
        opt recall_date: NaiveDate = "RecallDate",
        /// The recall type (defined per practice).
        dflt_tok recall_type: String = "Type",
        /// A comment (the template form `Comments` is read too).
        opt free_text: String = "FreeText" | "Comments",
        /// Where it stands (absent: pending).
        opt status: RecallStatus = "Status",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A vaccination.
    pub struct Vaccination {
        /// Batch number.
        dflt batch_number: String = "BatchNumber",
        /// Comments.
        opt notes: String = "Notes",
        /// The vaccination's name (one of several hundred in SystmOne).
        dflt name: String = "Name",
        /// Which dose or stage (`1`, `Booster`, `12 Months`…; §9.6.5).
        opt_tok part_type: String = "PartType",
        /// Dosage, for vaccinations that need one.
        opt dosage: String = "Dosage",
        /// Contents (template form only).
        opt contents: String = "Contents",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A letter: a file plus who sent it to whom and why.
    #[derive(Default)]
    pub struct Letter {
        /// Recipient's name.
        opt recipient_name: LetterName = "RecipientName",
        /// Recipient organisation.
        opt recipient_organisation: String = "RecipientOrganisation",
        /// Recipient's address.
        opt recipient_address: Address = "RecipientAddress",
        /// Sender's name.
        opt sender_name: LetterName = "SenderName",
        /// Sender organisation.
        opt sender_organisation: String = "SenderOrganisation",
        /// Sender's address.
        opt sender_address: Address = "SenderAddress",
        /// Requests: full path of the file on the SystmOne machine.
        opt document_path: String = "DocumentPath",
        /// The letter type (one SystmOne knows; `Miscellaneous` is safe).
        dflt_tok letter_type: String = "Type",
        /// Incoming, outgoing or other.
        opt direction: LetterDirection = "Direction",
        /// When it was sent or received.
        opt date_sent_received: NaiveDate = "DateSentReceived",
        /// Responses: the file's UID, for `GetDocument`.
        opt document_uid: DocumentUid = "DocumentUID",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A patient plan (the template's `ScratchPad` form is read too).
    pub struct PatientPlan {
        /// The plan's name (an element named like its parent, or
        /// `ScratchPadName`).
        dflt name: String = "PatientPlan" | "ScratchPadName",
        /// Its instructions.
        opt items: PlanItems = "Items",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// The instructions of a patient plan.
    #[derive(Default)]
    pub struct PlanItems {
        /// Instructions (the template form `Instruction` is read too).
        many instructions: CarePlanInstruction = "CarePlanInstruction" | "Instruction",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// One instruction of a care or patient plan. Template extras
    /// (`LastCompletedDate`, `LastCompletedBy`, `Notes`) are kept in `other`.
    #[derive(Default)]
    pub struct CarePlanInstruction {
        /// What to do.
        dflt instruction_text: String = "InstructionText",
        /// Its place in the sequence.
        opt order: u32 = "Order",
        /// Who does it (care plans).
        opt responsibility: Responsibility = "Responsibility",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A care plan.
    pub struct CarePlan {
        /// Its name.
        dflt name: String = "CarePlanName",
        /// Its goal.
        dflt description: String = "Description",
        /// Category (PROTOCOL.md Appendix A.3).
        dflt_tok category: String = "Category",
        /// Sub-category (Appendix A.4).
        opt_tok sub_category: String = "SubCategory",
        /// Aim.
        opt aim: CarePlanAim = "Aim",
        /// Review date.
        opt review_date: NaiveDate = "ReviewDate",
        /// Instructions, in the schema form.
        many instructions: CarePlanInstruction = "CarePlanInstruction",
        /// Instructions in the template form (`Instructions/Instruction`).
        opt template_instructions: PlanItems = "Instructions",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A relationship: family, carer or professional.
    #[derive(Default)]
    pub struct Relationship {
        /// Title.
        opt title: String = "Title",
        /// First name.
        opt first_name: String = "FirstName",
        /// Middle names.
        opt middle_names: String = "MiddleNames",
        /// Surname.
        opt surname: String = "Surname",
        /// Address.
        opt address: Address = "Address",
        /// Relationship type (Appendix A.2).
        dflt_tok relationship_type: String = "Type",
        /// Organisation.
        opt organisation_name: String = "OrganisationName",
        /// Telephone.
        opt telephone: String = "Telephone",
        /// Work contact.
        opt work_contact: String = "WorkContact",
        /// Comments.
        opt description: String = "Description",
        /// When the relationship ends.
        opt end_date: NaiveDate = "EndDate",
        /// Date of birth.
        opt date_of_birth: NaiveDate = "DateOfBirth",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A test result.
    #[derive(Default)]
    pub struct Report {
        /// What was tested, e.g. `FBC`.
        dflt battery_headers: String = "BatteryHeaders",
        /// Issue date.
        opt issue_date: NaiveDate = "IssueDate",
        /// Outcome.
        opt result: ReportResult = "Result",
        /// Comments.
        opt comments: String = "Comments",
        /// The patient still has to be told.
        flag patient_to_be_informed: bool = "PatientToBeInformed",
        /// When the specimen was collected.
        opt collection_date: NaiveDate = "CollectionDate",
        /// Pathology, radiology, blood spot or screening.
        opt report_type: ReportType = "Type",
        /// Follow-up actions.
        opt follow_up_actions: FollowUpActions = "FollowUpActions",
        /// When the result was given (template form only).
        opt result_given_date: NaiveDate = "ResultGivenDate",
        /// When it was archived (template form only).
        opt archived_date: NaiveDate = "ArchivedDate",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// The follow-up actions of a result.
    #[derive(Default)]
    pub struct FollowUpActions {
        /// Actions.
        many actions: FollowUpAction = "FollowUpAction",
    }
}

xml_struct! {
    /// One follow-up action.
    #[derive(Default)]
    pub struct FollowUpAction {
        /// The action.
        opt action: FollowUpActionKind = "Action",
        /// Comments.
        opt comments: String = "Comments",
    }
}

xml_struct! {
    /// A file or URL attached to the record. Requests give `document_path`
    /// (a file on the SystmOne machine) or `url`; responses give the file's
    /// name, size and UID.
    #[derive(Default)]
    pub struct Attachment {
        /// Requests: full path of the file to attach.
        opt document_path: String = "DocumentPath",
        /// A URL to attach instead of a file.
        opt url: String = "URL",
        /// Comments.
        opt comments: String = "Comments",
        /// Responses: the original file name.
        opt file_name: String = "FileName",
        /// Responses: the size, as text ("12 KB").
        opt file_size: String = "FileSize",
        /// Responses: the file's UID, for `GetDocument`.
        opt document_uid: DocumentUid = "DocumentUID",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// An activity entry (`Activity` inside an event).
    #[derive(Default)]
    pub struct ActivityItem {
        /// What was done (locally configurable, Appendix A.5).
        dflt_tok performed: String = "Performed",
        /// With whom.
        dflt_tok with: String = "With",
        /// How.
        opt method: ContactMethod = "Method",
        /// How long.
        opt duration: Minutes = "Duration",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// Free text, one element per line. Lines are kept exactly, leading
    /// spaces included.
    #[derive(Default)]
    pub struct Narrative {
        /// The lines.
        many lines: String = "Line",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// An allergy or sensitivity. Reads the schema form (`Type`), the
    /// template form (`Drug`) and the response form (`Ingredient`s); writes
    /// `Type`, `Drug`, `FreeText` (PROTOCOL.md C27).
    #[derive(Default)]
    pub struct DrugSensitivity {
        /// Drug or ingredient (absent: drug).
        opt sensitivity_type: SensitivityType = "Type",
        /// The drug(s).
        many drugs: Drug = "Drug",
        /// Comments.
        opt free_text: String = "FreeText",
        /// The drug's ingredients, as SystmOne lists them (responses).
        many ingredients: Ingredient = "Ingredient",
        /// When the allergy ended (name inferred).
        opt end_date: NaiveDate = "EndDate",
        /// The allergy ended at an unknown date.
        flag ended_with_unknown_date: bool = "EndedWithUnknownDate",
        /// Problems this item is linked to.
        many linked_problem_uids: ProblemUid = "LinkedProblemUID",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// An ingredient of a drug a patient is sensitive to.
    #[derive(Default)]
    pub struct Ingredient {
        /// Dictionary, e.g. `Multilex`.
        opt_attr scheme: String = "Scheme",
        /// Ingredient id.
        opt_attr ingredient_id: String = "IngredientID",
        /// Ingredient name.
        opt_attr name: String = "Name",
        /// The drug (or drug group) as SystmOne shows it.
        opt_attr details: String = "Details",
    }
}

xml_struct! {
    /// A referral (responses). Only its UID is documented; everything else
    /// is kept in `other`.
    #[derive(Default)]
    pub struct Referral {
        /// The referral's UID, for `Event/@LinkedReferralUID`.
        opt referral_uid: ReferralUid = "ReferralUID",
        ; /// Everything else SystmOne sends about it.
        rest other, other_attributes
    }
}
