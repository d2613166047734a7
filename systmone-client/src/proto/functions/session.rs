//! Functions about the SystmOne session rather than a patient:
//! capabilities, organisation, what the user is doing, reference data, and
//! the client application itself.

use chrono::{NaiveDate, NaiveDateTime};

use crate::proto::xml::Decimal;
use crate::proto::xml::macros::xml_struct;
use crate::proto::{Address, Code, Drug, Identity, Sex};

use super::enums::ProblemSeverity;

xml_struct! {
    /// `GetFunctions` (§9.1): which functions and versions SystmOne
    /// supports. A good first call, and the conventional pairing request.
    #[derive(Default)]
    pub struct GetFunctions {}
}

xml_struct! {
    /// The answer to [`GetFunctions`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetFunctionsResponse {
        /// One entry per function.
        many supported_functions: SupportedFunction = "SupportedFunction",
    }
}

xml_struct! {
    /// A function and the versions of it SystmOne supports.
    pub struct SupportedFunction {
        /// Wire name, e.g. `PatientSearch`.
        dflt_tok function: String = "Function",
        /// Supported versions, e.g. `1.0`.
        many versions: Decimal = "Version",
    }
}

xml_struct! {
    /// `GetOrganisationMetaData` (§9.2): the organisation's sites, users,
    /// slot types and clinic types.
    #[derive(Default)]
    pub struct GetOrganisationMetaData {
        /// Only the logged-on user and the site they are at.
        flag logged_on_user_only: bool = "LoggedOnUserOnly",
    }
}

xml_struct! {
    /// The answer to [`GetOrganisationMetaData`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetOrganisationMetaDataResponse {
        /// The organisation's sites.
        many sites: Site = "Site",
        /// Its registered users.
        many users: User = "User",
        /// Configured appointment slot types.
        many_tok slot_types: String = "SlotType",
        /// Configured clinic types.
        many_tok clinic_types: String = "ClinicType",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A site of the organisation.
    pub struct Site {
        /// Name.
        dflt name: String = "Name",
        /// Site or organisation code.
        dflt_tok id: String = "ID",
        /// Telephone (may be empty).
        dflt telephone: String = "Telephone",
        /// Fax.
        opt fax: String = "Fax",
        /// Email.
        opt email: String = "Email",
        /// Address.
        opt address: Address = "Address",
        /// The organisation's primary site.
        flag primary_site: bool = "PrimarySite",
        /// SystmOne is running at this site.
        flag current_site: bool = "CurrentSite",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A registered user.
    pub struct User {
        /// Title (may be empty).
        dflt title: String = "Title",
        /// First name.
        dflt first_name: String = "FirstName",
        /// Middle names (may be empty).
        dflt middle_names: String = "MiddleNames",
        /// Surname.
        dflt surname: String = "Surname",
        /// SystmOne user name, used across the API.
        dflt_tok user_name: String = "UserName",
        /// `M`, `F`, or absent when unset.
        opt gender: Sex = "Gender",
        /// Job role.
        dflt role: String = "Role",
        /// National smartcard role code.
        opt_tok role_code: String = "RoleCode",
        /// Professional registration number.
        opt_tok national_id: String = "NationalID",
        /// What `national_id` is: GMC, NMC, RPSGB, HPC…
        opt_tok national_id_type: String = "NationalIDType",
        /// Access rights, as descriptive text.
        opt access_rights: AccessRights = "AccessRights",
        /// User groups.
        opt user_groups: UserGroups = "UserGroups",
        /// Teams.
        opt teams: Teams = "Teams",
        /// This is the logged-on user.
        flag current_user: bool = "CurrentUser",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A user's access rights.
    #[derive(Default)]
    pub struct AccessRights {
        /// One right each.
        many access: String = "Access",
    }
}

xml_struct! {
    /// A user's groups.
    #[derive(Default)]
    pub struct UserGroups {
        /// Group names.
        many groups: String = "Group",
    }
}

xml_struct! {
    /// A user's teams.
    #[derive(Default)]
    pub struct Teams {
        /// Team names.
        many teams: String = "Team",
    }
}

xml_struct! {
    /// `GetCurrentActivity` (§9.3): what the SystmOne user is doing.
    #[derive(Default)]
    pub struct GetCurrentActivity {}
}

xml_struct! {
    /// The answer to [`GetCurrentActivity`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetCurrentActivityResponse {
        /// The open record's patient, if a record is open.
        opt identity: Identity = "Identity",
        /// Breadcrumb from general to specific (`Patient Actions`, …).
        many activities: String = "Activity",
        /// What is selected on the active screen.
        opt current_selection: CurrentSelection = "CurrentSelection",
    }
}

xml_struct! {
    /// Drugs and codes selected on the user's active screen.
    #[derive(Default)]
    pub struct CurrentSelection {
        /// Selected drugs.
        many drugs: Drug = "Drug",
        /// Selected codes.
        many codes: Code = "Code",
    }
}

xml_struct! {
    /// `GetCurrentSelection` (§9.4): the drugs and codes selected on the
    /// user's active screen.
    #[derive(Default)]
    pub struct GetCurrentSelection {}
}

xml_struct! {
    /// The answer to [`GetCurrentSelection`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetCurrentSelectionResponse {
        /// The open record's patient, if a record is open.
        opt identity: Identity = "Identity",
        /// The selection (empty when nothing is selected).
        dflt current_selection: CurrentSelection = "CurrentSelection",
    }
}

xml_struct! {
    /// `ExitClient` (§9.12): close SystmOne down. It answers, then exits
    /// within three seconds.
    #[derive(Default)]
    pub struct ExitClient {
        /// Restart after exiting (schema only).
        flag restart: bool = "Restart",
    }
}

xml_struct! {
    /// The (empty) answer to [`ExitClient`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct ExitClientResponse {}
}

xml_struct! {
    /// `DataExtract` (§9.13): download the latest Strategic Reporting
    /// extract of a name into a directory.
    #[derive(Default)]
    pub struct DataExtract {
        /// The checksum the previous extract returned; omit the first time.
        opt sr_manifest_crc: u64 = "SRManifestCRC",
        /// Directory on the SystmOne machine to download into.
        dflt directory: String = "Directory",
        /// The extract's name.
        dflt name: String = "Name",
    }
}

xml_struct! {
    /// The answer to [`DataExtract`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct DataExtractResponse {
        /// Checksum of the downloaded extract's manifest.
        opt sr_manifest_crc: u64 = "SRManifestCRC",
    }
}

xml_struct! {
    /// `LaunchFunctionality` (§9.14): open SystmOne's own screen for a task,
    /// pre-filled, for the user to finish. At most one of `medication`,
    /// `clinical_code` and `attachment`; none just opens the record.
    #[derive(Default)]
    pub struct LaunchFunctionality {
        /// The record to use.
        dflt identity: Identity = "Identity",
        /// Open the prescribing dialog with this drug.
        opt medication: LaunchMedication = "Medication",
        /// Open the coding dialog with this code.
        opt clinical_code: LaunchClinicalCode = "ClinicalCode",
        /// Open the attachment dialog with this file.
        opt attachment: LaunchAttachment = "Attachment",
    }
}

xml_struct! {
    /// A drug to prescribe in SystmOne's dialog.
    pub struct LaunchMedication {
        /// The drug.
        req drug: Drug = "Drug",
        /// Dosage instructions.
        opt dose: String = "Dose",
        /// Quantity with unit.
        opt quantity: String = "Quantity",
        /// Start date.
        opt start_date: NaiveDate = "StartDate",
        /// End date.
        opt end_date: NaiveDate = "EndDate",
    }
}

xml_struct! {
    /// A code to add in SystmOne's dialog.
    pub struct LaunchClinicalCode {
        /// The code.
        req code: Code = "Code",
        /// Pre-select it as a problem of this severity.
        opt problem_severity: ProblemSeverity = "ProblemSeverity",
    }
}

xml_struct! {
    /// A file to attach in SystmOne's dialog.
    #[derive(Default)]
    pub struct LaunchAttachment {
        /// Full path of the file on the SystmOne machine.
        dflt document_path: String = "DocumentPath",
    }
}

xml_struct! {
    /// The answer to [`LaunchFunctionality`]: the screen was shown (not that
    /// the user finished).
    #[derive(Default)]
    #[non_exhaustive]
    pub struct LaunchFunctionalityResponse {
        /// The record used.
        dflt identity: Identity = "Identity",
    }
}

xml_struct! {
    /// `GetXSDFiles` (§9.15): write the request schemas of every supported
    /// function version to a directory.
    #[derive(Default)]
    pub struct GetXsdFiles {
        /// Directory to write to; absent means SystmOne's temp folder.
        opt path: String = "Path",
    }
}

xml_struct! {
    /// The answer to [`GetXsdFiles`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetXsdFilesResponse {
        /// One outcome per function version.
        many files: XsdFile = "XSD",
    }
}

xml_struct! {
    /// The outcome of writing one schema.
    #[derive(Default)]
    pub struct XsdFile {
        /// Function name.
        dflt_tok function: String = "Function",
        /// Version.
        dflt_tok version: String = "Version",
        /// `Successfully written to …` or a failure text.
        dflt result: String = "Result",
    }
}

xml_struct! {
    /// `GetReferenceData` (§9.16): every numeric CTV3 code with its unit.
    #[derive(Default)]
    pub struct GetReferenceData {}
}

xml_struct! {
    /// The answer to [`GetReferenceData`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct GetReferenceDataResponse {
        /// One entry per numeric code.
        many units: NumericReadCodeUnits = "NumericReadCodeUnits",
    }
}

xml_struct! {
    /// A numeric code's unit of measurement.
    #[derive(Default)]
    pub struct NumericReadCodeUnits {
        /// CTV3 code, e.g. `229..`.
        dflt_tok code: String = "Code",
        /// Unit, e.g. `m`.
        dflt_tok units: String = "Units",
        /// When the unit was associated with the code.
        opt created_date: NaiveDateTime = "CreatedDate",
    }
}

xml_struct! {
    /// `IsPatientRetrieved` (§9.17): whether a record is open in SystmOne.
    #[derive(Default)]
    pub struct IsPatientRetrieved {}
}

xml_struct! {
    /// The answer to [`IsPatientRetrieved`].
    #[derive(Default)]
    #[non_exhaustive]
    pub struct IsPatientRetrievedResponse {
        /// Whether a record is open.
        req is_patient_retrieved: bool = "IsPatientRetrieved",
    }
}
