//! GetPatientRecord (with the filter semantics of PROTOCOL.md §9.6.3) and
//! GetDocument.

use chrono::{NaiveDate, NaiveDateTime};

use super::{APPOINTMENT_STATUSES, Ctx, existing_dir, item_count};
use crate::mock::failure::Failure;
use crate::mock::practice::identity_is_empty;
use crate::mock::record::{BookedAppointment, PatientRecord, RecordEntry};
use crate::proto::{
    Appointment, Clinical, ClinicalCode, CodeScheme, Event, Filter, GetDocument,
    GetDocumentResponse, GetPatientRecord, GetPatientRecordResponse, NonClinical, Task, Visit,
};

/// Which categories a filter selects, and the restrictors it applies.
struct Selection<'a> {
    /// `None`: everything (no filter, or a filter without selectors).
    filter: Option<&'a Filter>,
    restrict: Option<&'a Filter>,
}

/// A selected item's dates, for the restrictors.
struct Dating<'a> {
    effective_start: NaiveDate,
    effective_end: Option<NaiveDate>,
    entered: NaiveDate,
    recorded_by: Option<&'a str>,
}

fn has_selector(f: &Filter) -> bool {
    f.demographics
        || f.appointments
        || f.care_plans
        || f.clinical_codes
        || !f.clinical_code.is_empty()
        || f.letters
        || f.medication
        || f.sensitivities
        || f.recalls
        || f.referrals
        || f.relationships
        || f.results
        || f.vaccinations
        || !f.numeric.is_empty()
        || f.reminders
        || f.activity
        || f.attachments
        || f.narrative
        || f.visits
        || f.tasks
}

impl<'a> Selection<'a> {
    fn new(filter: Option<&'a Filter>) -> Self {
        Self {
            filter: filter.filter(|f| has_selector(f)),
            restrict: filter,
        }
    }

    fn all(&self) -> bool {
        self.filter.is_none()
    }

    fn wants(&self, pick: impl Fn(&Filter) -> bool) -> bool {
        self.filter.is_none_or(pick)
    }

    fn wants_code(&self, code: &ClinicalCode) -> bool {
        let Some(f) = self.filter else { return true };
        let is = |codes: &[String]| {
            code.code.scheme == CodeScheme::Ctv3
                && codes.iter().any(|c| c.trim() == code.code.code.trim())
        };
        f.clinical_codes
            || is(&f.clinical_code)
            || (code.value.is_some() && is(&f.numeric))
            || (f.sensitivities && code.is_allergy)
    }

    fn any_clinical(&self) -> bool {
        self.filter.is_none_or(|f| {
            f.care_plans
                || f.clinical_codes
                || !f.clinical_code.is_empty()
                || f.letters
                || f.medication
                || f.sensitivities
                || f.recalls
                || f.referrals
                || f.relationships
                || f.results
                || f.vaccinations
                || !f.numeric.is_empty()
                || f.reminders
                || f.activity
                || f.attachments
                || f.narrative
        })
    }

    fn keeps(&self, dating: &Dating<'_>) -> bool {
        let Some(f) = self.restrict else { return true };
        f.max_effective_date
            .is_none_or(|max| dating.effective_start <= max)
            && f.min_effective_date
                .is_none_or(|min| dating.effective_end.is_none_or(|end| end >= min))
            && f.min_entry_date.is_none_or(|min| dating.entered >= min)
            && f.max_entry_date.is_none_or(|max| dating.entered <= max)
            && (f.user_name_done_by.is_empty()
                || dating.recorded_by.is_none_or(|by| {
                    f.user_name_done_by
                        .iter()
                        .any(|u| u.trim().eq_ignore_ascii_case(by.trim()))
                }))
    }
}

/// The event with only its selected, kept items; `None` when none is left.
fn select_event(selection: &Selection<'_>, entry: &RecordEntry<Event>) -> Option<Event> {
    let event = &entry.item;
    let start = event.date_time.map_or(entry.entered.date(), |d| d.date());
    let dating = |end: Option<NaiveDate>| Dating {
        effective_start: start,
        effective_end: end,
        entered: entry.entered.date(),
        recorded_by: event.user_name.as_deref(),
    };
    let point = selection.keeps(&dating(None));
    let mut kept = Event {
        medications: Vec::new(),
        clinical_codes: Vec::new(),
        reminders: Vec::new(),
        recalls: Vec::new(),
        vaccinations: Vec::new(),
        repeat_medications: Vec::new(),
        letters: Vec::new(),
        patient_plans: Vec::new(),
        care_plans: Vec::new(),
        relationships: Vec::new(),
        reports: Vec::new(),
        attachments: Vec::new(),
        activities: Vec::new(),
        narratives: Vec::new(),
        drug_sensitivities: Vec::new(),
        referrals: Vec::new(),
        other: Vec::new(),
        ..event.clone()
    };
    macro_rules! keep {
        ($field:ident, $selected:expr) => {
            keep!($field, $selected, |_item| None)
        };
        ($field:ident, $selected:expr, $end:expr) => {
            if $selected {
                let end: fn(&_) -> Option<NaiveDate> = $end;
                kept.$field = event
                    .$field
                    .iter()
                    .filter(|item| selection.keeps(&dating(end(item))))
                    .cloned()
                    .collect();
            }
        };
    }
    keep!(
        medications,
        selection.wants(|f| f.medication),
        |m: &crate::proto::Medication| m.end_date
    );
    keep!(repeat_medications, selection.wants(|f| f.medication));
    keep!(
        reminders,
        selection.wants(|f| f.reminders),
        |r: &crate::proto::Reminder| r.expiry_date
    );
    keep!(recalls, selection.wants(|f| f.recalls));
    keep!(vaccinations, selection.wants(|f| f.vaccinations));
    keep!(letters, selection.wants(|f| f.letters));
    keep!(patient_plans, selection.wants(|f| f.care_plans));
    keep!(care_plans, selection.wants(|f| f.care_plans));
    keep!(
        relationships,
        selection.wants(|f| f.relationships),
        |r: &crate::proto::Relationship| r.end_date
    );
    keep!(reports, selection.wants(|f| f.results));
    keep!(attachments, selection.wants(|f| f.attachments));
    keep!(activities, selection.wants(|f| f.activity));
    keep!(narratives, selection.wants(|f| f.narrative));
    keep!(
        drug_sensitivities,
        selection.wants(|f| f.sensitivities),
        |s: &crate::proto::DrugSensitivity| s.end_date
    );
    keep!(referrals, selection.wants(|f| f.referrals));
    if point {
        kept.clinical_codes = event
            .clinical_codes
            .iter()
            .filter(|c| selection.wants_code(c))
            .cloned()
            .collect();
        if selection.all() {
            kept.other = event.other.clone();
        }
    }
    let empty = item_count(&kept) == 0 && kept.other.is_empty();
    (!empty).then_some(kept)
}

/// The statuses of appointments that are over: not pending.
const CLOSED_APPOINTMENT: &[&str] = APPOINTMENT_STATUSES.split_at(3).1;

fn is_closed(status: Option<&str>, closed: &[&str]) -> bool {
    status.is_some_and(|s| closed.iter().any(|c| c.eq_ignore_ascii_case(s.trim())))
}

/// The flat shape GetPatientRecord uses for an appointment.
pub(super) fn flat_appointment(appointment: &BookedAppointment) -> Appointment {
    Appointment {
        appointment_uid: Some(appointment.uid.clone()),
        date_time: Some(appointment.start),
        duration: Some(appointment.duration),
        clinician: Some(appointment.clinician.clone()),
        user_name: Some(appointment.user_name.clone()),
        site: Some(appointment.site_name.clone()),
        clinic_type: Some(appointment.clinic_type.clone()),
        status: Some(appointment.status.clone()),
        comments: appointment.comments.clone(),
        linked_referral_uid: appointment.linked_referral_uid.clone(),
        flags: appointment.flags.clone(),
        ..Appointment::default()
    }
}

/// Pending appointments: not closed, starting today or later.
pub(super) fn is_pending_appointment(appointment: &BookedAppointment, now: NaiveDateTime) -> bool {
    appointment.start.date() >= now.date()
        && !is_closed(Some(&appointment.status), CLOSED_APPOINTMENT)
}

/// Pending visits: not finished or cancelled, today or later.
pub(super) fn is_pending_visit(visit: &Visit, now: NaiveDateTime) -> bool {
    visit.date_time.is_none_or(|d| d.date() >= now.date())
        && !is_closed(visit.status.as_deref(), CLOSED_APPOINTMENT)
}

fn is_incomplete_task(task: &Task) -> bool {
    !is_closed(
        task.status.as_deref(),
        &["Completed", "Complete", "Finished"],
    )
}

fn select_non_clinical(
    selection: &Selection<'_>,
    record: &PatientRecord,
    now: NaiveDateTime,
) -> Option<NonClinical> {
    let (appointments, visits, tasks) = (
        selection.wants(|f| f.appointments),
        selection.wants(|f| f.visits),
        selection.wants(|f| f.tasks),
    );
    if !(appointments || visits || tasks) {
        return None;
    }
    fn dating(start: NaiveDateTime, entered: NaiveDateTime, by: Option<&str>) -> Dating<'_> {
        Dating {
            effective_start: start.date(),
            effective_end: None,
            entered: entered.date(),
            recorded_by: by,
        }
    }
    let mut selected = NonClinical::default();
    if appointments {
        selected.appointments = record
            .appointments
            .iter()
            .filter(|a| is_pending_appointment(&a.item, now))
            .filter(|a| selection.keeps(&dating(a.item.start, a.entered, Some(&a.item.user_name))))
            .map(|a| flat_appointment(&a.item))
            .collect();
    }
    if visits {
        selected.visits = record
            .visits
            .iter()
            .filter(|v| is_pending_visit(&v.item, now))
            .filter(|v| {
                let start = v.item.date_time.unwrap_or(v.entered);
                selection.keeps(&dating(start, v.entered, v.item.user_name.as_deref()))
            })
            .map(|v| v.item.clone())
            .collect();
    }
    if tasks {
        selected.tasks = record
            .tasks
            .iter()
            .filter(|t| is_incomplete_task(&t.item))
            .filter(|t| {
                let start = t.item.date_time.unwrap_or(t.entered);
                selection.keeps(&dating(start, t.entered, None))
            })
            .map(|t| t.item.clone())
            .collect();
    }
    Some(selected)
}

pub(super) fn get_patient_record(
    ctx: &mut Ctx<'_>,
    request: &GetPatientRecord,
) -> Result<GetPatientRecordResponse, Failure> {
    let patient = ctx.practice.find_or_open(request.identity.as_ref())?;
    let record_state = ctx
        .practice
        .enter_record(patient, request.leave_record_open, false)?;
    let identity = ctx.practice.patient(patient).identity();
    let selection = Selection::new(request.filter.as_ref());
    let demographics_only = request
        .filter
        .as_ref()
        .is_some_and(|f| f.demographics && !selection.any_clinical())
        && !selection.wants(|f| f.appointments || f.visits || f.tasks);
    let (demographics, clinical, non_clinical) = if demographics_only {
        // Answered from the demographics alone: an untouched patient's
        // record is not built.
        let organisation = &ctx.practice.organisation;
        (
            Some(ctx.practice.patient(patient).demographics(organisation)),
            None,
            None,
        )
    } else {
        let now = ctx.now;
        let (record, visibility) = ctx.practice.record_for_reading(patient, ctx.instant);
        let demographics = selection
            .wants(|f| f.demographics)
            .then(|| record.demographics.clone());
        let clinical = selection.any_clinical().then(|| Clinical {
            events: record
                .events
                .iter()
                .filter(|e| visibility.sees_event(&e.item))
                .filter_map(|e| select_event(&selection, e))
                .collect(),
            ..Clinical::default()
        });
        (
            demographics,
            clinical,
            select_non_clinical(&selection, record, now),
        )
    };
    Ok(GetPatientRecordResponse {
        identity,
        demographics,
        clinical,
        non_clinical,
        record_state: Some(record_state),
        other: Vec::new(),
        other_attributes: Vec::new(),
    })
}

pub(super) fn get_document(
    ctx: &mut Ctx<'_>,
    request: &GetDocument,
) -> Result<GetDocumentResponse, Failure> {
    // `Identity` is required by the schema; the codec reads a missing one
    // as empty, which (like GetPatientRecord's absent one) means the open
    // record.
    let identity = Some(&request.identity).filter(|i| !identity_is_empty(i));
    let patient = ctx.practice.find_or_open(identity)?;
    let dir = match request
        .write_to
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(path) => existing_dir(path)?,
        None => ctx.settings.temp_dir.clone(),
    };
    let record_state = ctx
        .practice
        .enter_record(patient, request.leave_record_open, false)?;
    let uid = request.document_uid.0.trim();
    let (extension, contents) = {
        let (record, visibility) = ctx.practice.record_for_reading(patient, ctx.instant);
        let document = record
            .documents
            .iter()
            .find(|d| d.uid.0 == uid)
            .ok_or_else(|| Failure::invalid(format!("No document found with UID {uid}")))?;
        let ready = document
            .added
            .checked_add_signed(ctx.settings.document_delay);
        // A document behind the read lag is one SystmOne is still fetching.
        if ready.is_none_or(|ready| ctx.now < ready) || !visibility.sees(uid) {
            return Err(Failure::document_not_ready());
        }
        let extension = std::path::Path::new(&document.file_name)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        (extension, document.contents.clone())
    };
    let number = ctx.practice.new_file_number();
    let path = dir.join(format!("{number}{extension}"));
    std::fs::write(&path, contents).map_err(|_| Failure::directory(&dir.display().to_string()))?;
    Ok(GetDocumentResponse {
        document_files: vec![path.display().to_string()],
        record_state: Some(record_state),
    })
}
