//! GetAppointmentSlots (free slots grouped by clinic) and GetDiary
//! (pending appointments and visits grouped by patient).

use chrono::NaiveDateTime;

use super::Ctx;
use super::read::{is_pending_appointment, is_pending_visit};
use crate::proto::{
    Appointment, BriefDemographics, Clinic, DiaryEntry, GetAppointmentSlots,
    GetAppointmentSlotsResponse, GetDiary, GetDiaryResponse, Slot,
};

fn within(at: NaiveDateTime, min: Option<NaiveDateTime>, max: Option<NaiveDateTime>) -> bool {
    min.is_none_or(|min| at >= min) && max.is_none_or(|max| at <= max)
}

/// `value` is one of `allowed`, or `allowed` is empty (no restriction).
fn one_of(allowed: &[String], value: &str) -> bool {
    allowed.is_empty()
        || allowed
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(value.trim()))
}

pub(super) fn slots(ctx: &Ctx<'_>, request: &GetAppointmentSlots) -> GetAppointmentSlotsResponse {
    let mut clinics: Vec<Clinic> = Vec::new();
    let free = ctx.practice.slots.iter().filter(|s| {
        s.booked.is_none()
            && within(s.start, request.min_date_time, request.max_date_time)
            && one_of(&request.site_names, &s.site_name)
            && one_of(&request.user_names, &s.user_name)
            && one_of(&request.clinic_types, &s.clinic_type)
            && one_of(&request.slot_types, &s.slot_type)
    });
    for slot in free {
        let wire = Slot {
            slot_type: slot.slot_type.clone(),
            date_time_start: slot.start,
            duration: slot.duration,
        };
        match clinics.iter_mut().find(|c| {
            c.user_name == slot.user_name
                && c.site_name == slot.site_name
                && c.clinic_type == slot.clinic_type
        }) {
            Some(clinic) => clinic.slots.push(wire),
            None => clinics.push(Clinic {
                user_name: slot.user_name.clone(),
                site_name: slot.site_name.clone(),
                clinic_type: slot.clinic_type.clone(),
                slots: vec![wire],
                other: Vec::new(),
                other_attributes: Vec::new(),
            }),
        }
    }
    GetAppointmentSlotsResponse { clinics }
}

pub(super) fn diary(ctx: &Ctx<'_>, request: &GetDiary) -> GetDiaryResponse {
    let both = !request.appointments && !request.visits;
    let (appointments, visits) = (both || request.appointments, both || request.visits);
    let now = ctx.now;
    let mut results = Vec::new();
    for patient in ctx.practice.patients() {
        let Some(record) = patient.materialised() else {
            continue;
        };
        let mut entry = DiaryEntry {
            identity: patient.identity(),
            demographics: None,
            appointments: Vec::new(),
            visits: Vec::new(),
            other: Vec::new(),
            other_attributes: Vec::new(),
        };
        if appointments {
            entry.appointments = record
                .appointments
                .iter()
                .map(|a| &a.item)
                .filter(|a| {
                    is_pending_appointment(a, now)
                        && within(a.start, request.min_date_time, request.max_date_time)
                        && one_of(&request.site_names, &a.site_name)
                        && one_of(&request.user_names, &a.user_name)
                })
                .map(|a| Appointment {
                    appointment_uid: Some(a.uid.clone()),
                    status: Some(a.status.clone()),
                    ..Appointment::book(
                        Clinic {
                            user_name: a.user_name.clone(),
                            site_name: a.site_name.clone(),
                            clinic_type: a.clinic_type.clone(),
                            slots: Vec::new(),
                            other: Vec::new(),
                            other_attributes: Vec::new(),
                        },
                        Slot {
                            slot_type: a.slot_type.clone(),
                            date_time_start: a.start,
                            duration: a.duration,
                        },
                    )
                })
                .collect();
        }
        if visits {
            entry.visits = record
                .visits
                .iter()
                .map(|v| &v.item)
                .filter(|v| {
                    is_pending_visit(v, now)
                        && v.date_time
                            .is_none_or(|d| within(d, request.min_date_time, request.max_date_time))
                        && v.user_name
                            .as_deref()
                            .is_none_or(|u| one_of(&request.user_names, u))
                })
                .cloned()
                .collect();
        }
        if entry.appointments.is_empty() && entry.visits.is_empty() {
            continue;
        }
        let d = &record.demographics;
        entry.demographics = Some(BriefDemographics {
            title: d.title.clone(),
            first_name: d.first_name.clone(),
            middle_names: d.middle_names.clone(),
            surname: d.surname.clone(),
            date_of_birth: Some(d.date_of_birth),
            sex: Some(d.sex.clone()),
            other: Vec::new(),
            other_attributes: Vec::new(),
        });
        results.push(entry);
    }
    GetDiaryResponse { results }
}
