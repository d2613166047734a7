//! UpdatePatientRecord: demographics changes, clinical events (with files
//! read from the paths given), and appointments, visits and tasks created
//! or updated. All or nothing: the changes are made to a copy that
//! replaces the record only when every part has succeeded.

use super::{APPOINTMENT_STATUSES, Ctx, Files, atomically, item_count, read_file};
use crate::mock::failure::Failure;
use crate::mock::inspect::RecordChange;
use crate::mock::letter_types::is_letter_type;
use crate::mock::organisation::DiarySlot;
use crate::mock::practice::identity_is_empty;
use crate::mock::record::{BookedAppointment, PatientRecord, RecordEntry, StoredDocument};
use crate::proto::{
    AppointmentUid, CodeScheme, CodedValue, DemographicsUpdate, DocumentUid, DrugScheme, Event,
    EventUid, LetterDirection, Narrative, Sex, Task, TaskUid, UpdatePatientRecord,
    UpdatePatientRecordResponse, Visit, VisitUid,
};

/// Visit statuses the mock accepts (PROTOCOL.md §9.7.7).
const VISIT_STATUSES: [&str; 4] = [
    "Booked",
    "Finished",
    "Cancelled by Patient",
    "Cancelled by Unit",
];

fn canonical_status(status: &str, allowed: &[&'static str], what: &str) -> Result<String, Failure> {
    let status = status.trim();
    allowed
        .iter()
        .find(|s| s.eq_ignore_ascii_case(status))
        .map(|s| (*s).to_owned())
        .ok_or_else(|| {
            Failure::invalid(format!(
                "Invalid {what} status {status}: use one of {}",
                allowed.join(", ")
            ))
        })
}

/// Reads the files named by the request (before anything changes).
pub(super) fn read_files(request: &UpdatePatientRecord) -> Result<Files, Failure> {
    let mut files = Files::new();
    let Some(clinical) = &request.clinical else {
        return Ok(files);
    };
    let paths = clinical.events.iter().flat_map(|e| {
        e.letters
            .iter()
            .filter_map(|l| l.document_path.as_deref())
            .chain(
                e.attachments
                    .iter()
                    .filter_map(|a| a.document_path.as_deref()),
            )
    });
    for path in paths {
        if !files.contains_key(path) {
            files.insert(path.to_owned(), read_file(path)?);
        }
    }
    Ok(files)
}

fn check_event(event: &Event) -> Result<(), Failure> {
    if item_count(event) == 0 {
        return Err(Failure::invalid("An Event must contain at least one item"));
    }
    for scheme in event.clinical_codes.iter().map(|c| &c.code.scheme) {
        if let CodeScheme::Other(other) = scheme {
            return Err(Failure::coding_scheme(other));
        }
    }
    let drugs = event
        .medications
        .iter()
        .map(|m| &m.drug.scheme)
        .chain(event.repeat_medications.iter().map(|m| &m.drug.scheme))
        .chain(
            event
                .drug_sensitivities
                .iter()
                .flat_map(|s| s.drugs.iter().map(|d| &d.scheme)),
        );
    for scheme in drugs {
        if let DrugScheme::Other(other) = scheme {
            return Err(Failure::coding_scheme(other));
        }
    }
    for letter in &event.letters {
        if letter
            .document_path
            .as_deref()
            .is_none_or(|p| p.trim().is_empty())
        {
            return Err(Failure::invalid_letter("a DocumentPath is required"));
        }
        if letter.letter_type.trim().is_empty() {
            return Err(Failure::invalid_letter("a Type is required"));
        }
        if !is_letter_type(&letter.letter_type) {
            return Err(Failure::invalid_letter(&format!(
                "unknown letter type {}",
                letter.letter_type.trim()
            )));
        }
        match &letter.direction {
            None => return Err(Failure::invalid_letter("a Direction is required")),
            Some(LetterDirection::Other(other)) => {
                return Err(Failure::invalid_letter(&format!(
                    "unknown direction {other}: use Incoming, Outgoing or Other"
                )));
            }
            Some(_) => {}
        }
        let named = letter.recipient_name.as_ref().is_some_and(|n| {
            [&n.first_name, &n.surname, &n.title]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
        });
        let organisation = letter
            .recipient_organisation
            .as_deref()
            .is_some_and(|o| !o.trim().is_empty());
        if !named && !organisation {
            return Err(Failure::invalid_letter(
                "a recipient name or recipient organisation is required",
            ));
        }
    }
    for attachment in &event.attachments {
        let path = attachment
            .document_path
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
        let url = attachment
            .url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty());
        if !path && !url {
            return Err(Failure::invalid(
                "An Attachment needs a DocumentPath or a URL",
            ));
        }
    }
    Ok(())
}

fn file_size(len: usize) -> String {
    format!("{} KB", len.div_ceil(1024).max(1))
}

/// Applies a demographics update; returns the names of what changed.
fn apply_demographics(
    record: &mut PatientRecord,
    update: &DemographicsUpdate,
) -> Result<Vec<&'static str>, Failure> {
    let d = &mut record.demographics;
    let mut changed = Vec::new();
    macro_rules! text {
        ($field:ident, $name:literal) => {
            if let Some(value) = &update.$field {
                d.$field = value.clone();
                changed.push($name);
            }
        };
    }
    text!(title, "Title");
    text!(first_name, "FirstName");
    text!(middle_names, "MiddleNames");
    text!(surname, "Surname");
    if let Some(known_as) = &update.known_as {
        d.known_as = (!known_as.trim().is_empty()).then(|| known_as.clone());
        changed.push("KnownAs");
    }
    if let Some(date) = update.date_of_birth {
        d.date_of_birth = date;
        changed.push("DateOfBirth");
    }
    if let Some(sex) = &update.sex {
        if !matches!(sex, Sex::Male | Sex::Female) {
            return Err(Failure::invalid(
                "Invalid sex: a demographics update may set only M or F",
            ));
        }
        d.sex = sex.clone();
        changed.push("Sex");
    }
    macro_rules! coded {
        ($field:ident, $name:literal) => {
            if let Some(value) = &update.$field {
                if value.code.is_none() {
                    return Err(Failure::invalid(concat!(
                        $name,
                        " must contain a Code (an empty element cannot clear it)"
                    )));
                }
                d.$field = Some(CodedValue::clone(value));
                changed.push($name);
            }
        };
    }
    coded!(marital_status, "MaritalStatus");
    coded!(ethnicity, "Ethnicity");
    coded!(main_language, "MainLanguage");
    if let Some(value) = &update.english_speaker {
        d.english_speaker = Some(value.clone());
        changed.push("EnglishSpeaker");
    }
    if let Some(update) = &update.address {
        // Only the parts sent change (an empty one clears its part).
        let address = d.address.get_or_insert_with(Default::default);
        macro_rules! part {
            ($($field:ident),*) => {
                $( if let Some(value) = &update.$field {
                    address.$field = (!value.trim().is_empty()).then(|| value.clone());
                } )*
            };
        }
        part!(
            house_name,
            house_number,
            road,
            locality,
            town,
            county,
            postcode
        );
        changed.push("Address");
    }
    text!(home_telephone, "HomeTelephone");
    text!(work_telephone, "WorkTelephone");
    text!(mobile_telephone, "MobileTelephone");
    text!(alternate_telephone, "AlternateTelephone");
    text!(email_address, "EmailAddress");
    if let Some(value) = &update.sms_consent {
        d.sms_consent = Some(value.clone());
        changed.push("SMSConsent");
    }
    text!(usual_gp_user_name, "UsualGPUserName");
    if let Some(date) = update.care_start_date {
        d.care_start_date = Some(date);
        changed.push("CareStartDate");
    }
    if let Some(value) = &update.registration_type {
        d.registration_type = (!value.trim().is_empty()).then(|| value.clone());
        changed.push("RegistrationType");
    }
    Ok(changed)
}

pub(super) fn update(
    ctx: &mut Ctx<'_>,
    request: &UpdatePatientRecord,
) -> Result<UpdatePatientRecordResponse, Failure> {
    atomically(ctx, |ctx| update_all(ctx, request))
}

fn update_all(
    ctx: &mut Ctx<'_>,
    request: &UpdatePatientRecord,
) -> Result<UpdatePatientRecordResponse, Failure> {
    // A missing Identity (read as empty) means the open record, and only
    // together with LeaveRecordOpen (PROTOCOL.md §6.4).
    let patient = if request.leave_record_open && identity_is_empty(&request.identity) {
        ctx.practice.find_or_open(None)?
    } else {
        ctx.practice.find(&request.identity)?
    };
    if let Some(clinical) = &request.clinical {
        for event in &clinical.events {
            check_event(event)?;
        }
    }
    let read_now;
    let files = match ctx.files {
        Some(Ok(files)) => files,
        Some(Err(failure)) => return Err(failure.clone()),
        None => {
            read_now = read_files(request)?;
            &read_now
        }
    };
    let record_state = ctx
        .practice
        .enter_record(patient, request.leave_record_open, true)?;

    let now = ctx.now;
    let logged_on = ctx.practice.organisation.logged_on_user.clone();
    let origin = ctx.caller.origin();
    let mut record = Box::new(ctx.practice.record(patient).clone());
    let mut slots = ctx.practice.slots.clone();
    let mut changes = Vec::new();
    let mut response = UpdatePatientRecordResponse {
        identity: ctx.practice.patient(patient).identity(),
        event_uids: Vec::new(),
        appointment_uids: Vec::new(),
        visit_uids: Vec::new(),
        task_uids: Vec::new(),
        record_state: Some(record_state),
    };
    let software = Some(ctx.caller.software.clone());
    let new_event = |uid: String| Event {
        date_time: Some(now),
        user_name: Some(logged_on.clone()),
        software: software.clone(),
        event_uid: Some(EventUid(uid)),
        ..Event::default()
    };

    // A partial commit or short answer stops after this many events; what
    // comes after them (later events, the non-clinical items) is left out.
    let limit = ctx.event_limit;
    let room = |written: usize| limit.is_none_or(|n| written < n);
    let mut stopped = false;
    let mut new_documents = Vec::new();

    if let Some(update) = &request.demographics {
        let before = record.demographics.clone();
        let changed = apply_demographics(&mut record, update)?;
        if !changed.is_empty() && !room(response.event_uids.len()) {
            record.demographics = before;
            stopped = true;
        } else if !changed.is_empty() {
            let uid = ctx.practice.new_uid();
            let mut event = new_event(uid.clone());
            event.narratives.push(Narrative {
                lines: vec![format!("Demographics changed: {}", changed.join(", "))],
                ..Narrative::default()
            });
            record.events.push(RecordEntry {
                item: event,
                entered: now,
                origin: origin.clone(),
            });
            response.event_uids.push(EventUid(uid.clone()));
            record.demographics_events.push(EventUid(uid.clone()));
            changes.push(RecordChange::DemographicsChanged(uid));
        }
    }

    for sent in request.clinical.iter().flat_map(|c| &c.events) {
        if !room(response.event_uids.len()) {
            stopped = true;
            break;
        }
        let uid = ctx.practice.new_uid();
        let mut event = sent.clone();
        event.event_uid = Some(EventUid(uid.clone()));
        event.date_time = event.date_time.or(Some(now));
        event.user_name = event
            .user_name
            .filter(|u| !u.trim().is_empty())
            .or_else(|| Some(logged_on.clone()));
        event.software = software.clone();
        for letter in &mut event.letters {
            if let Some((name, contents)) = letter.document_path.take().and_then(|p| files.get(&p))
            {
                let document_uid = DocumentUid(ctx.practice.new_uid());
                new_documents.push(document_uid.0.clone());
                letter.document_uid = Some(document_uid.clone());
                record.documents.push(StoredDocument {
                    uid: document_uid,
                    file_name: name.clone(),
                    contents: contents.clone(),
                    added: now,
                });
            }
        }
        for attachment in &mut event.attachments {
            if let Some((name, contents)) =
                attachment.document_path.take().and_then(|p| files.get(&p))
            {
                let document_uid = DocumentUid(ctx.practice.new_uid());
                new_documents.push(document_uid.0.clone());
                attachment.document_uid = Some(document_uid.clone());
                attachment.file_name = attachment.file_name.take().or_else(|| Some(name.clone()));
                attachment.file_size = Some(file_size(contents.len()));
                record.documents.push(StoredDocument {
                    uid: document_uid,
                    file_name: name.clone(),
                    contents: contents.clone(),
                    added: now,
                });
            }
        }
        record.events.push(RecordEntry {
            item: event,
            entered: now,
            origin: origin.clone(),
        });
        response.event_uids.push(EventUid(uid.clone()));
        changes.push(RecordChange::EventAdded(uid));
    }

    if let Some(non_clinical) = request.non_clinical.as_ref().filter(|_| !stopped) {
        for appointment in &non_clinical.appointments {
            match &appointment.appointment_uid {
                Some(uid) => {
                    update_appointment(&mut record, uid, appointment)?;
                    changes.push(RecordChange::AppointmentChanged(uid.0.clone()));
                }
                None => {
                    let uid = AppointmentUid(ctx.practice.new_uid());
                    let booked = book(ctx, &mut slots, uid.clone(), appointment)?;
                    record.appointments.push(RecordEntry {
                        item: booked,
                        entered: now,
                        origin: origin.clone(),
                    });
                    changes.push(RecordChange::AppointmentBooked(uid.0.clone()));
                    response.appointment_uids.push(uid);
                }
            }
        }
        for visit in &non_clinical.visits {
            match &visit.visit_uid {
                Some(uid) => {
                    update_visit(&mut record, uid, visit)?;
                    changes.push(RecordChange::VisitChanged(uid.0.clone()));
                }
                None => {
                    let (Some(_), Some(_), Some(_)) =
                        (&visit.date_time, &visit.duration, &visit.user_name)
                    else {
                        return Err(Failure::invalid(
                            "A new Visit needs DateTime, Duration and UserName",
                        ));
                    };
                    let uid = VisitUid(ctx.practice.new_uid());
                    let mut item = visit.clone();
                    item.visit_uid = Some(uid.clone());
                    item.status = Some(match &visit.status {
                        Some(s) => canonical_status(s, &VISIT_STATUSES, "visit")?,
                        None => "Booked".to_owned(),
                    });
                    record.visits.push(RecordEntry {
                        item,
                        entered: now,
                        origin: origin.clone(),
                    });
                    changes.push(RecordChange::VisitAdded(uid.0.clone()));
                    response.visit_uids.push(uid);
                }
            }
        }
        for task in &non_clinical.tasks {
            match &task.task_uid {
                Some(uid) => {
                    update_task(&mut record, uid, task)?;
                    changes.push(RecordChange::TaskChanged(uid.0.clone()));
                }
                None => {
                    let has =
                        |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
                    if !has(&task.task_type) || !has(&task.content) {
                        return Err(Failure::invalid("A new Task needs TaskType and Content"));
                    }
                    let uid = TaskUid(ctx.practice.new_uid());
                    let item = Task {
                        task_uid: Some(uid.clone()),
                        date_time: Some(now),
                        status: task.status.clone().or_else(|| Some("Not Started".into())),
                        ..task.clone()
                    };
                    record.tasks.push(RecordEntry {
                        item,
                        entered: now,
                        origin: origin.clone(),
                    });
                    changes.push(RecordChange::TaskAdded(uid.0.clone()));
                    response.task_uids.push(uid);
                }
            }
        }
    }

    let uncommitted = ctx.practice.begin_change(patient);
    if !uncommitted {
        // With a read lag, reads see the new events and their files only
        // once it has passed. (Changes held in an open record are on the
        // user's screen already: reads see them at once.)
        let uids = response.event_uids.iter().map(|u| u.0.clone());
        ctx.practice
            .committed(uids.chain(new_documents), ctx.instant);
    }
    ctx.practice.patient_mut(patient).replace_record(record);
    ctx.practice.slots = slots;
    for change in changes {
        ctx.practice
            .journal(now, ctx.request_uid, patient, change, !uncommitted);
    }
    Ok(response)
}

/// Books a new appointment into the free slot it names exactly (E13).
fn book(
    ctx: &Ctx<'_>,
    slots: &mut [DiarySlot],
    uid: AppointmentUid,
    appointment: &crate::proto::Appointment,
) -> Result<BookedAppointment, Failure> {
    let slot_type = appointment
        .clinic
        .as_ref()
        .and_then(|c| c.slots.first())
        .or(appointment.slot.as_ref())
        .map(|s| s.slot_type.trim().to_owned());
    let clinic_type = appointment
        .clinic_type
        .clone()
        .or_else(|| appointment.clinic.as_ref().map(|c| c.clinic_type.clone()));
    let (Some(start), Some(duration), Some(user), Some(site), Some(clinic_type), Some(slot_type)) = (
        appointment.start(),
        appointment.length(),
        appointment.clinician_user_name(),
        appointment.site_name(),
        clinic_type,
        slot_type,
    ) else {
        return Err(Failure::no_free_slot());
    };
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let slot = slots
        .iter_mut()
        .find(|s| {
            s.booked.is_none()
                && s.start == start
                && s.duration == duration
                && same(&s.user_name, user)
                && same(&s.site_name, site)
                && same(&s.clinic_type, &clinic_type)
                && same(&s.slot_type, &slot_type)
        })
        .ok_or_else(Failure::no_free_slot)?;
    slot.booked = Some(uid.clone());
    let status = match &appointment.status {
        Some(status) => canonical_status(status, &APPOINTMENT_STATUSES, "appointment")?,
        None => "Booked".to_owned(),
    };
    Ok(BookedAppointment {
        uid,
        start,
        duration,
        user_name: slot.user_name.clone(),
        clinician: ctx.practice.organisation.display_name(&slot.user_name),
        site_name: slot.site_name.clone(),
        clinic_type: slot.clinic_type.clone(),
        slot_type: slot.slot_type.clone(),
        status,
        comments: appointment.comments.clone(),
        linked_referral_uid: appointment.linked_referral_uid.clone(),
        flags: appointment.flags.clone(),
    })
}

fn update_appointment(
    record: &mut PatientRecord,
    uid: &AppointmentUid,
    change: &crate::proto::Appointment,
) -> Result<(), Failure> {
    let entry = record
        .appointments
        .iter_mut()
        .find(|a| a.item.uid.0 == uid.0.trim())
        .ok_or_else(|| Failure::invalid(format!("No appointment found with UID {uid}")))?;
    let appointment = &mut entry.item;
    if let Some(status) = &change.status {
        // A cancelled appointment keeps its slot (PROTOCOL.md §9.10).
        appointment.status = canonical_status(status, &APPOINTMENT_STATUSES, "appointment")?;
    }
    if let Some(comments) = &change.comments {
        appointment.comments = Some(comments.clone());
    }
    if !change.flags.is_empty() {
        appointment.flags = change.flags.clone();
    }
    if let Some(referral) = &change.linked_referral_uid {
        appointment.linked_referral_uid = Some(referral.clone());
    }
    Ok(())
}

fn update_visit(record: &mut PatientRecord, uid: &VisitUid, change: &Visit) -> Result<(), Failure> {
    let entry = record
        .visits
        .iter_mut()
        .find(|v| {
            v.item
                .visit_uid
                .as_ref()
                .is_some_and(|u| u.0 == uid.0.trim())
        })
        .ok_or_else(|| Failure::invalid(format!("No visit found with UID {uid}")))?;
    let visit = &mut entry.item;
    if let Some(status) = &change.status {
        visit.status = Some(canonical_status(status, &VISIT_STATUSES, "visit")?);
    }
    macro_rules! set {
        ($($field:ident),*) => {
            $( if change.$field.is_some() { visit.$field = change.$field.clone(); } )*
        };
    }
    set!(
        date_time,
        duration,
        comments,
        user_name,
        linked_referral_uid
    );
    Ok(())
}

fn update_task(record: &mut PatientRecord, uid: &TaskUid, change: &Task) -> Result<(), Failure> {
    let entry = record
        .tasks
        .iter_mut()
        .find(|t| {
            t.item
                .task_uid
                .as_ref()
                .is_some_and(|u| u.0 == uid.0.trim())
        })
        .ok_or_else(|| Failure::invalid(format!("No task found with UID {uid}")))?;
    let task = &mut entry.item;
    macro_rules! set {
        ($($field:ident),*) => {
            $( if change.$field.is_some() { task.$field = change.$field.clone(); } )*
        };
    }
    set!(
        task_type,
        due,
        content,
        user_name_assigned,
        group_name_assigned,
        team_name_assigned,
        status
    );
    Ok(())
}
