//! One handler per function, each working on the practice's state under
//! the rules PROTOCOL.md documents. Handlers do no networking; the few
//! that touch files (attachments, documents, extracts, schemas) use the
//! paths the request names, as SystmOne does on its own PC.

mod delete;
mod diary;
mod read;
mod search;
mod session;
mod write;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDateTime;

use super::failure::Failure;
use super::practice::Practice;
use super::record::Origin;
use crate::proto::{AnyRequest, AnyResponse};

/// Whose items DeletePatientRecord may delete. SystmOne documents only
/// "items your software added"; whether that means the product (API key)
/// or the installation (Device ID) is unknown (PROTOCOL.md §12), so the
/// mock defaults to the stricter rule: a product must not count on
/// deleting, from one PC, what it saved from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DeleteScope {
    /// Only items added by the same device (the default).
    #[default]
    SameDevice,
    /// Items added through the API with the same API key (the same
    /// product), from any device.
    SameProduct,
}

/// Appointment statuses SystmOne's template offers (PROTOCOL.md §9.7.6);
/// from `Finished` on, the appointment is over.
const APPOINTMENT_STATUSES: [&str; 9] = [
    "Booked",
    "Arrived",
    "In Progress",
    "Finished",
    "Did Not Attend",
    "Cancelled by Patient",
    "Cancelled by Unit",
    "Cancelled by Other Service",
    "Patient Walked Out",
];

/// Runs a write all or nothing: if it fails, even the open record (which
/// `LeaveRecordOpen` may have opened or switched) is put back as it was.
/// The write itself changes the record only at its end, on success.
fn atomically<T>(
    ctx: &mut Ctx<'_>,
    write: impl FnOnce(&mut Ctx<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let open_before = ctx.practice.open.clone();
    let result = write(ctx);
    if result.is_err() {
        ctx.practice.open = open_before;
    }
    result
}

/// How many known items (codes, medications, narratives, …) an event
/// holds; children the model does not know are not counted.
fn item_count(event: &crate::proto::Event) -> usize {
    event.medications.len()
        + event.clinical_codes.len()
        + event.reminders.len()
        + event.recalls.len()
        + event.vaccinations.len()
        + event.repeat_medications.len()
        + event.letters.len()
        + event.patient_plans.len()
        + event.care_plans.len()
        + event.relationships.len()
        + event.reports.len()
        + event.attachments.len()
        + event.activities.len()
        + event.narratives.len()
        + event.drug_sensitivities.len()
        + event.referrals.len()
}

/// Settings handlers need beyond the state.
#[derive(Debug, Clone)]
pub(crate) struct HandlerSettings {
    /// Where GetDocument writes when no WriteTo is given, and GetXSDFiles
    /// when no Path is given.
    pub(crate) temp_dir: PathBuf,
    pub(crate) delete_scope: DeleteScope,
    /// How long after a file is added GetDocument can fetch it.
    pub(crate) document_delay: chrono::TimeDelta,
}

/// The product and device a request came from.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) api_key: String,
    pub(crate) device_id: String,
    pub(crate) software: String,
    pub(crate) online_visible: bool,
}

impl Caller {
    pub(crate) fn origin(&self) -> Origin {
        Origin::Api {
            api_key: self.api_key.clone(),
            device_id: self.device_id.clone(),
            software: self.software.clone(),
            online_visible: self.online_visible,
        }
    }
}

/// Everything a handler works with.
pub(crate) struct Ctx<'a> {
    pub(crate) practice: &'a mut Practice,
    /// The mock's local time.
    pub(crate) now: NaiveDateTime,
    /// The same moment on tokio's clock (for the read lag).
    pub(crate) instant: tokio::time::Instant,
    pub(crate) request_uid: &'a str,
    pub(crate) caller: &'a Caller,
    pub(crate) settings: &'a HandlerSettings,
    /// Files the request names, read when it was received (a late
    /// landing); `None`: read them now.
    pub(crate) files: Option<&'a Result<Files, Failure>>,
    /// Write at most this many events of an UpdatePatientRecord (a
    /// partial commit or a short answer).
    pub(crate) event_limit: Option<usize>,
}

/// Files named by a request (by the path given), as their names and
/// contents, read before anything changes.
pub(crate) type Files = HashMap<String, (String, Vec<u8>)>;

/// Reads the files a request names now, for a request processed later
/// (the sender may delete them once it has sent the request).
pub(crate) fn prefetch_files(request: &AnyRequest) -> Result<Files, Failure> {
    match request {
        AnyRequest::UpdatePatientRecord(update) => write::read_files(update),
        _ => Ok(Files::new()),
    }
}

/// The request as if it carried `LeaveRecordOpen` (functions without the
/// flag unchanged).
pub(crate) fn leaving_record_open(request: &AnyRequest) -> AnyRequest {
    let mut request = request.clone();
    match &mut request {
        AnyRequest::GetPatientRecord(p) => p.leave_record_open = true,
        AnyRequest::GetDocument(p) => p.leave_record_open = true,
        AnyRequest::UpdatePatientRecord(p) => p.leave_record_open = true,
        AnyRequest::DeletePatientRecord(p) => p.leave_record_open = true,
        _ => {}
    }
    request
}

/// What a handled request asks of the server besides its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aftermath {
    None,
    /// ExitClient: close every connection; stop listening unless
    /// restarting.
    Exit {
        restart: bool,
    },
}

/// Runs one request against the practice.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    request: &AnyRequest,
) -> Result<(AnyResponse, Aftermath), Failure> {
    use AnyRequest as Q;
    use AnyResponse as A;
    let answer = match request {
        Q::GetFunctions(_) => A::GetFunctions(session::get_functions()),
        Q::GetOrganisationMetaData(p) => A::GetOrganisationMetaData(session::organisation(ctx, p)),
        Q::GetCurrentActivity(_) => A::GetCurrentActivity(session::current_activity(ctx)),
        Q::GetCurrentSelection(_) => A::GetCurrentSelection(session::current_selection(ctx)),
        Q::IsPatientRetrieved(_) => A::IsPatientRetrieved(session::is_patient_retrieved(ctx)),
        Q::GetReferenceData(_) => A::GetReferenceData(session::reference_data()),
        Q::ExitClient(p) => {
            return Ok((
                A::ExitClient(crate::proto::ExitClientResponse {}),
                Aftermath::Exit { restart: p.restart },
            ));
        }
        Q::GetXsdFiles(p) => A::GetXsdFiles(session::xsd_files(ctx, p)?),
        Q::DataExtract(p) => A::DataExtract(session::data_extract(ctx, p)?),
        Q::LaunchFunctionality(p) => A::LaunchFunctionality(session::launch(ctx, p)?),
        Q::PatientSearch(p) => A::PatientSearch(search::patient_search(ctx, p)?),
        Q::GetPatientRecord(p) => A::GetPatientRecord(read::get_patient_record(ctx, p)?),
        Q::GetDocument(p) => A::GetDocument(read::get_document(ctx, p)?),
        Q::UpdatePatientRecord(p) => A::UpdatePatientRecord(write::update(ctx, p)?),
        Q::DeletePatientRecord(p) => A::DeletePatientRecord(delete::delete(ctx, p)?),
        Q::GetAppointmentSlots(p) => A::GetAppointmentSlots(diary::slots(ctx, p)),
        Q::GetDiary(p) => A::GetDiary(diary::diary(ctx, p)),
    };
    Ok((answer, Aftermath::None))
}

/// Whether a request reads or writes files, so the server runs it off the
/// async threads.
pub(crate) fn touches_files(request: &AnyRequest) -> bool {
    request.uses_files()
}

/// The largest file the mock reads in for a letter or attachment.
const MAX_FILE_LEN: u64 = 64 * 1024 * 1024;

/// Reads a file named by a request (E14 when it cannot be read). Only a
/// regular file of at most 64 MiB: never a pipe or a device, which could
/// block or never end.
pub(crate) fn read_file(path: &str) -> Result<(String, Vec<u8>), Failure> {
    use std::io::Read as _;
    let trimmed = path.trim();
    let unreadable = || Failure::unreadable_file(trimmed);
    let file = std::fs::File::open(trimmed).map_err(|_| unreadable())?;
    let metadata = file.metadata().map_err(|_| unreadable())?;
    if !metadata.is_file() {
        return Err(unreadable());
    }
    if metadata.len() > MAX_FILE_LEN {
        return Err(Failure::invalid(format!(
            "The file {trimmed} is larger than {} MiB",
            MAX_FILE_LEN / 1024 / 1024
        )));
    }
    let mut contents = Vec::new();
    file.take(MAX_FILE_LEN)
        .read_to_end(&mut contents)
        .map_err(|_| unreadable())?;
    let name = std::path::Path::new(trimmed)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| trimmed.to_owned());
    Ok((name, contents))
}

/// An existing directory named by a request (E6 otherwise).
pub(crate) fn existing_dir(path: &str) -> Result<PathBuf, Failure> {
    let dir = PathBuf::from(path.trim());
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Failure::directory(path.trim()))
    }
}
