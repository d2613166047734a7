//! Short enumerations of the clinical item catalogue (PROTOCOL.md
//! Appendix A.0). Each keeps unknown values in `Other`, reads any ASCII
//! case and writes the canonical spelling. Long or locally configured lists
//! (letter types, relationship types, care-plan categories, activity
//! names, task types…) are plain strings; see Appendix A for their values.

use crate::proto::xml::macros::xml_enum;

xml_enum! {
    /// How a medication is supplied.
    pub enum MedicationType {
        /// Other medication.
        OtherMedication = "Other medication",
        /// NHS medication.
        Nhs = "NHS medication",
        /// Private issue.
        Private = "Private issue",
    }
}

xml_enum! {
    /// Whether a coded entry is a new episode.
    pub enum Episodicity {
        /// New.
        New = "New",
        /// Ongoing.
        Ongoing = "Ongoing",
    }
}

xml_enum! {
    /// How a numeric value compares with the true value (`3`–`8`).
    pub enum Comparator {
        /// `3`: approximately.
        Approximately = "3",
        /// `4`: equal (the default).
        Equal = "4",
        /// `5`: greater than or equal.
        GreaterOrEqual = "5",
        /// `6`: greater than.
        Greater = "6",
        /// `7`: less than.
        Less = "7",
        /// `8`: less than or equal.
        LessOrEqual = "8",
    }
}

xml_enum! {
    /// A problem's severity. TPP's templates also send `Major Episode`,
    /// `Major Event`, `Minor Episode` and `Minor Event`; they read as the
    /// severity (PROTOCOL.md C21).
    pub enum ProblemSeverity {
        /// Major.
        Major = "Major" | "Major Episode" | "Major Event",
        /// Minor.
        Minor = "Minor" | "Minor Episode" | "Minor Event",
    }
}

xml_enum! {
    /// A reminder's severity.
    pub enum ReminderSeverity {
        /// Low.
        Low = "Low",
        /// Normal.
        Normal = "Normal",
        /// High.
        High = "High",
    }
}

xml_enum! {
    /// Where a recall stands.
    pub enum RecallStatus {
        /// Awaiting result.
        AwaitingResult = "Awaiting Result",
        /// Pending (the default).
        Pending = "Pending",
        /// First recall sent.
        FirstRecall = "1st Recall",
        /// Second recall sent.
        SecondRecall = "2nd Recall",
        /// Third recall sent.
        ThirdRecall = "3rd Recall",
        /// Seen.
        Seen = "Seen",
        /// Cancelled by the patient.
        CancelledByPatient = "Cancelled by patient",
        /// Cancelled by the clinician.
        CancelledByClinician = "Cancelled by clinician",
        /// Suspended.
        Suspended = "Suspended",
    }
}

xml_enum! {
    /// A letter's direction relative to the organisation.
    pub enum LetterDirection {
        /// Received.
        Incoming = "Incoming",
        /// Sent.
        Outgoing = "Outgoing",
        /// Neither incoming nor outgoing.
        Neither = "Other",
    }
}

xml_enum! {
    /// A care plan's aim.
    pub enum CarePlanAim {
        /// Assessment.
        Assessment = "Assessment",
        /// Enabling.
        Enabling = "Enabling",
        /// Supportive.
        Supportive = "Supportive",
        /// Curative.
        Curative = "Curative",
        /// Rehabilitation.
        Rehabilitation = "Rehabilitation",
        /// Maintenance.
        Maintenance = "Maintenance",
        /// Anticipatory.
        Anticipatory = "Anticipatory",
    }
}

xml_enum! {
    /// Who carries out a care-plan instruction.
    pub enum Responsibility {
        /// Nurse.
        Nurse = "Nurse",
        /// Patient.
        Patient = "Patient",
        /// Carer.
        Carer = "Carer",
        /// Therapist.
        Therapist = "Therapist",
        /// Assistant.
        Assistant = "Assistant",
        /// Practitioner.
        Practitioner = "Practitioner",
        /// Social care co-ordinator.
        SocialCareCoordinator = "Social Care Co-ordinator",
    }
}

xml_enum! {
    /// A test result's outcome.
    pub enum ReportResult {
        /// Normal.
        Normal = "Normal",
        /// Normal, but unexpected.
        NormalUnexpected = "Normal, but unexpected",
        /// Satisfactory.
        Satisfactory = "Satisfactory",
        /// Borderline.
        Borderline = "Borderline",
        /// Abnormal, but expected.
        AbnormalExpected = "Abnormal, but expected",
        /// Abnormal.
        Abnormal = "Abnormal",
        /// Specimen lost or unusable.
        SpecimenLost = "Specimen lost / unusable",
        /// Positive.
        Positive = "Positive",
        /// Negative.
        Negative = "Negative",
        /// Unknown.
        Unknown = "Unknown",
        /// Not responded to invitation.
        NotResponded = "Not responded to invitation",
    }
}

xml_enum! {
    /// What kind of test a report is.
    pub enum ReportType {
        /// Pathology.
        Pathology = "Pathology",
        /// Radiology.
        Radiology = "Radiology",
        /// Blood spot.
        BloodSpot = "Blood Spot",
        /// Screening.
        Screening = "Screening",
    }
}

xml_enum! {
    /// A follow-up action on a result.
    pub enum FollowUpActionKind {
        /// No further action.
        NoFurtherAction = "No Further Action",
        /// Make an appointment to see a doctor.
        SeeDoctor = "Make an appointment to see doctor",
        /// Make an appointment to see a nurse.
        SeeNurse = "Make an appointment to see nurse",
        /// Need to speak to a doctor.
        SpeakToDoctor = "Need to speak to doctor",
        /// Repeat the test.
        RepeatTest = "Need to repeat test",
        /// Request notes.
        RequestNotes = "Request Notes",
        /// Patient to pick up a prescription.
        PickUpScript = "Patient To Pick Up Script",
        /// Communicate with the patient.
        CommunicatePatient = "Communicate Patient",
        /// Need to speak to a nurse.
        SpeakToNurse = "Need to speak to nurse",
        /// Another action.
        OtherAction = "Other",
    }
}

xml_enum! {
    /// Whether a sensitivity is to a drug or to an ingredient.
    pub enum SensitivityType {
        /// A drug.
        Drug = "Drug",
        /// An ingredient.
        Ingredient = "Ingredient",
    }
}

xml_enum! {
    /// How contact was made (`Event/@Method`, `Activity/Method`).
    pub enum ContactMethod {
        /// Text message.
        Text = "Text",
        /// Email (`Email`).
        Email = "Email",
        /// Email (`E-mail`, a separate value in the schema).
        EMail = "E-mail",
        /// Face to face.
        FaceToFace = "Face to face",
        /// Telephone.
        Telephone = "Telephone",
        /// Letter.
        Letter = "Letter",
        /// Fax.
        Fax = "Fax",
        /// Did not attend.
        Dna = "DNA",
    }
}
