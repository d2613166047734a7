//! DeletePatientRecord: only items this product (or device) added through
//! the API, never the practice's own, never demographics; a reason is
//! required; all or nothing (PROTOCOL.md §9.9, M33–M34).

use super::{Ctx, DeleteScope, atomically};
use crate::mock::failure::Failure;
use crate::mock::inspect::RecordChange;
use crate::mock::record::{Origin, PatientRecord, RecordEntry};
use crate::proto::{DeletePatientRecord, DeletePatientRecordResponse};

/// Why `entry` may not be deleted by the caller, if it may not.
fn refusal<T>(ctx: &Ctx<'_>, entry: &RecordEntry<T>) -> Option<&'static str> {
    match &entry.origin {
        Origin::Practice => Some("it was not added by your software"),
        Origin::Api {
            api_key, device_id, ..
        } => match ctx.settings.delete_scope {
            DeleteScope::SameProduct if *api_key != ctx.caller.api_key => {
                Some("it was not added by your software")
            }
            DeleteScope::SameDevice if *device_id != ctx.caller.device_id => {
                Some("it was not added by this device")
            }
            _ => None,
        },
    }
}

/// Removes the item with `uid` from `items`, or says why it cannot.
fn remove<T>(
    ctx: &Ctx<'_>,
    items: &mut Vec<RecordEntry<T>>,
    kind: &'static str,
    uid: &str,
    uid_of: impl Fn(&T) -> Option<&str>,
) -> Result<(), Failure> {
    let uid = uid.trim();
    let position = items
        .iter()
        .position(|e| uid_of(&e.item) == Some(uid))
        .ok_or_else(|| Failure::cannot_delete(kind, uid, "no such item in this record"))?;
    if let Some(why) = refusal(ctx, &items[position]) {
        return Err(Failure::cannot_delete(kind, uid, why));
    }
    items.remove(position);
    Ok(())
}

pub(super) fn delete(
    ctx: &mut Ctx<'_>,
    request: &DeletePatientRecord,
) -> Result<DeletePatientRecordResponse, Failure> {
    atomically(ctx, |ctx| delete_all(ctx, request))
}

fn delete_all(
    ctx: &mut Ctx<'_>,
    request: &DeletePatientRecord,
) -> Result<DeletePatientRecordResponse, Failure> {
    if request.reason.trim().is_empty() {
        return Err(Failure::no_reason());
    }
    let patient = match &request.identity {
        Some(identity) => ctx.practice.find(identity)?,
        None if request.leave_record_open => ctx.practice.find_or_open(None)?,
        None => {
            return Err(Failure::invalid(
                "Identity is required unless LeaveRecordOpen is given",
            ));
        }
    };
    let nothing = request.event_uids.is_empty()
        && request.task_uids.is_empty()
        && request.visit_uids.is_empty()
        && request.appointment_uids.is_empty();
    if nothing {
        return Err(Failure::invalid("Nothing to delete: give at least one UID"));
    }
    let record_state = ctx
        .practice
        .enter_record(patient, request.leave_record_open, true)?;
    let mut record: Box<PatientRecord> = Box::new(ctx.practice.record(patient).clone());
    let mut slots = ctx.practice.slots.clone();
    let mut changes = Vec::new();
    let reason = request.reason.trim().to_owned();
    let mut deleted = |kind: &'static str, uid: &str| {
        changes.push(RecordChange::Deleted {
            kind,
            uid: uid.trim().to_owned(),
            reason: reason.clone(),
        });
    };
    for uid in &request.event_uids {
        if record
            .demographics_events
            .iter()
            .any(|d| d.0 == uid.0.trim())
        {
            return Err(Failure::cannot_delete(
                "Event",
                uid.0.trim(),
                "demographic changes cannot be deleted; send another update with the previous values",
            ));
        }
        remove(ctx, &mut record.events, "Event", &uid.0, |e| {
            e.event_uid.as_ref().map(|u| u.0.as_str())
        })?;
        deleted("Event", &uid.0);
    }
    for uid in &request.task_uids {
        remove(ctx, &mut record.tasks, "Task", &uid.0, |t| {
            t.task_uid.as_ref().map(|u| u.0.as_str())
        })?;
        deleted("Task", &uid.0);
    }
    for uid in &request.visit_uids {
        remove(ctx, &mut record.visits, "Visit", &uid.0, |v| {
            v.visit_uid.as_ref().map(|u| u.0.as_str())
        })?;
        deleted("Visit", &uid.0);
    }
    for uid in &request.appointment_uids {
        remove(ctx, &mut record.appointments, "Appointment", &uid.0, |a| {
            Some(a.uid.0.as_str())
        })?;
        for slot in slots
            .iter_mut()
            .filter(|s| s.booked.as_ref().is_some_and(|b| b.0 == uid.0.trim()))
        {
            slot.booked = None;
        }
        deleted("Appointment", &uid.0);
    }
    // Files no event refers to any more go with their events.
    let referenced: std::collections::HashSet<String> = record
        .events
        .iter()
        .flat_map(|e| {
            e.item
                .letters
                .iter()
                .filter_map(|l| l.document_uid.as_ref())
                .chain(
                    e.item
                        .attachments
                        .iter()
                        .filter_map(|a| a.document_uid.as_ref()),
                )
        })
        .map(|u| u.0.clone())
        .collect();
    record.documents.retain(|d| referenced.contains(&d.uid.0));

    let now = ctx.now;
    let uncommitted = ctx.practice.begin_change(patient);
    let identity = ctx.practice.patient(patient).identity();
    ctx.practice.patient_mut(patient).replace_record(record);
    ctx.practice.slots = slots;
    for change in changes {
        ctx.practice
            .journal(now, ctx.request_uid, patient, change, !uncommitted);
    }
    Ok(DeletePatientRecordResponse {
        identity,
        record_state: Some(record_state),
    })
}
