//! Appointments, home visits and workflow tasks (PROTOCOL.md §9.6.4,
//! §9.7.4–9.7.8, §9.10, §9.11).
//!
//! SystmOne uses several shapes for an appointment: flat in
//! `GetPatientRecord`, a nested `Clinic/Slot` in `GetDiary` and when
//! booking, a `Slot` beside `Clinic` in the schema, and a UID plus changes
//! when updating. One [`Appointment`] type reads all of them; its accessors
//! give the same answer whichever shape arrived.

use chrono::NaiveDateTime;

use crate::proto::xml::Minutes;
use crate::proto::xml::macros::xml_struct;
use crate::proto::{AppointmentUid, ReferralUid, TaskUid, VisitUid};

xml_struct! {
    /// The non-clinical part of a record or an update.
    #[derive(Default)]
    pub struct NonClinical {
        /// Appointments (pending ones, in responses).
        many appointments: Appointment = "Appointment",
        /// Home visits (pending ones, in responses).
        many visits: Visit = "Visit",
        /// Workflow tasks (incomplete ones, in responses).
        many tasks: Task = "Task",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A clinic and its slots: one slot when booking, every free slot in a
    /// `GetAppointmentSlots` answer.
    #[derive(Default)]
    pub struct Clinic {
        /// The clinician owning the clinic (user name).
        dflt_tok user_name: String = "UserName",
        /// Where it is held.
        dflt_tok site_name: String = "SiteName",
        /// Its clinic type.
        dflt_tok clinic_type: String = "ClinicType",
        /// Slots.
        many slots: Slot = "Slot",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// An appointment slot.
    pub struct Slot {
        /// Slot type, e.g. `Routine`.
        dflt_tok slot_type: String = "SlotType",
        /// Start.
        req date_time_start: NaiveDateTime = "DateTimeStart",
        /// Length.
        req duration: Minutes = "Duration",
    }
}

xml_struct! {
    /// An appointment, in any of SystmOne's shapes (see the module docs).
    ///
    /// To book, give a [`Clinic`] with the one free [`Slot`] to take (see
    /// [`Appointment::book`]); to update, give the UID and what changes
    /// ([`Appointment::update_status`]).
    #[derive(Default)]
    pub struct Appointment {
        /// The appointment's UID (responses; updates).
        opt appointment_uid: AppointmentUid = "AppointmentUID",
        /// Start (flat shape).
        opt date_time: NaiveDateTime = "DateTime",
        /// Length (flat shape; `10.0` is read as 10).
        opt duration: Minutes = "Duration",
        /// Clinician's display name (flat shape).
        opt clinician: String = "Clinician",
        /// Clinician's user name (flat shape).
        opt_tok user_name: String = "UserName",
        /// Site (flat shape).
        opt_tok site: String = "Site",
        /// Clinic type (flat shape).
        opt_tok clinic_type: String = "ClinicType",
        /// Clinic and slot (nested shape).
        opt clinic: Clinic = "Clinic",
        /// Slot beside the clinic (the schema's shape).
        opt slot: Slot = "Slot",
        /// Status: `Booked`, `Arrived`, `Did Not Attend`… (§9.7.6). Written
        /// before `Comments`, as in responses and updates (§9.6.4, §9.7.6).
        opt_tok status: String = "Status",
        /// Comments.
        opt comments: String = "Comments",
        /// The referral it is linked to.
        opt linked_referral_uid: ReferralUid = "LinkedReferralUID",
        /// Flags (undocumented).
        many_tok flags: String = "Flag",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

impl Appointment {
    /// An appointment booking `slot` in `clinic` (the clinic's own slots
    /// are replaced by `slot`). Bookings must match an existing free slot
    /// exactly.
    pub fn book(mut clinic: Clinic, slot: Slot) -> Self {
        clinic.slots = vec![slot];
        Self {
            clinic: Some(clinic),
            ..Self::default()
        }
    }

    /// An update changing an existing appointment's status.
    pub fn update_status(uid: AppointmentUid, status: &str) -> Self {
        Self {
            appointment_uid: Some(uid),
            status: Some(status.to_owned()),
            ..Self::default()
        }
    }

    /// The slot, from whichever shape was sent.
    fn any_slot(&self) -> Option<&Slot> {
        self.clinic
            .as_ref()
            .and_then(|c| c.slots.first())
            .or(self.slot.as_ref())
    }

    /// When it starts, whichever shape was sent.
    pub fn start(&self) -> Option<NaiveDateTime> {
        self.date_time
            .or_else(|| self.any_slot().map(|s| s.date_time_start))
    }

    /// How long it is, whichever shape was sent.
    pub fn length(&self) -> Option<Minutes> {
        self.duration
            .or_else(|| self.any_slot().map(|s| s.duration))
    }

    /// The clinician's user name, whichever shape was sent.
    pub fn clinician_user_name(&self) -> Option<&str> {
        self.user_name
            .as_deref()
            .or_else(|| self.clinic.as_ref().map(|c| c.user_name.as_str()))
    }

    /// The site, whichever shape was sent.
    pub fn site_name(&self) -> Option<&str> {
        self.site
            .as_deref()
            .or_else(|| self.clinic.as_ref().map(|c| c.site_name.as_str()))
    }
}

xml_struct! {
    /// A home visit: created, updated (by UID) or listed.
    #[derive(Default)]
    pub struct Visit {
        /// The visit's UID (responses; updates).
        opt visit_uid: VisitUid = "VisitUID",
        /// When.
        opt date_time: NaiveDateTime = "DateTime",
        /// How long.
        opt duration: Minutes = "Duration",
        /// Comments.
        opt comments: String = "Comments",
        /// The visiting user.
        opt_tok user_name: String = "UserName",
        /// The referral it is linked to.
        opt linked_referral_uid: ReferralUid = "LinkedReferralUID",
        /// Status.
        opt_tok status: String = "Status",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

xml_struct! {
    /// A workflow task: created, updated (by UID) or listed.
    ///
    /// ```
    /// use systmone_client::proto::Task;
    ///
    /// let task = Task::new("Clinical Review Required", "Online consultation saved; please review.")
    ///     .assigned_to_team("Nurses");
    /// assert_eq!(task.team_name_assigned.as_deref(), Some("Nurses"));
    /// ```
    #[derive(Default)]
    pub struct Task {
        /// The task's UID (responses; updates).
        opt task_uid: TaskUid = "TaskUID",
        /// When it was created (responses).
        opt date_time: NaiveDateTime = "DateTime",
        /// Task type (locally configured, e.g. `Clinical Review Required`).
        opt_tok task_type: String = "TaskType",
        /// When it is due (absent: no due date).
        opt due: NaiveDateTime = "Due",
        /// The instruction text (may span lines).
        opt content: String = "Content",
        /// Assigned to this user.
        opt_tok user_name_assigned: String = "UserNameAssigned",
        /// Assigned to this user group.
        opt_tok group_name_assigned: String = "GroupNameAssigned",
        /// Assigned to this team.
        opt_tok team_name_assigned: String = "TeamNameAssigned",
        /// Status, e.g. `Not Started` (responses).
        opt_tok status: String = "Status",
        ; /// Children the model does not know.
        rest other, other_attributes
    }
}

impl Task {
    /// A new task of `task_type` saying `content`, assigned to nobody.
    pub fn new(task_type: &str, content: &str) -> Self {
        Self {
            task_type: Some(task_type.to_owned()),
            content: Some(content.to_owned()),
            ..Self::default()
        }
    }

    /// Assigns the task to a team.
    pub fn assigned_to_team(mut self, team: &str) -> Self {
        self.team_name_assigned = Some(team.to_owned());
        self
    }

    /// Assigns the task to a user group.
    pub fn assigned_to_group(mut self, group: &str) -> Self {
        self.group_name_assigned = Some(group.to_owned());
        self
    }

    /// Assigns the task to a user.
    pub fn assigned_to_user(mut self, user_name: &str) -> Self {
        self.user_name_assigned = Some(user_name.to_owned());
        self
    }
}
