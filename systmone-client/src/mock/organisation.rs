//! The practice's organisation: sites, users, slot and clinic types, and
//! the free appointment slots in its diary.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use crate::proto::xml::Minutes;
use crate::proto::{Address, AppointmentUid, Sex, Site, User};

/// Sites, staff and the vocabularies of the practice's diary.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Organisation {
    /// The sites. The one marked `current_site` is where SystmOne runs
    /// (what `LoggedOnUserOnly` returns) and the one marked
    /// `primary_site` the organisation's primary site; when none is
    /// marked, the first is.
    pub sites: Vec<Site>,
    /// The staff; `logged_on_user` names the one using SystmOne.
    pub users: Vec<User>,
    /// The user logged on to SystmOne on this PC (a `UserName`).
    pub logged_on_user: String,
    /// Slot types the diary uses.
    pub slot_types: Vec<String>,
    /// Clinic types the diary uses.
    pub clinic_types: Vec<String>,
}

fn user(title: &str, first: &str, surname: &str, user_name: &str, role: &str, sex: Sex) -> User {
    User {
        title: title.into(),
        first_name: first.into(),
        middle_names: String::new(),
        surname: surname.into(),
        user_name: user_name.into(),
        gender: Some(sex),
        role: role.into(),
        role_code: None,
        national_id: None,
        national_id_type: None,
        access_rights: None,
        user_groups: None,
        teams: None,
        current_user: false,
        other: Vec::new(),
        other_attributes: Vec::new(),
    }
}

fn site(name: &str, id: &str, road: &str, postcode: &str, telephone: &str) -> Site {
    Site {
        name: name.into(),
        id: id.into(),
        telephone: telephone.into(),
        fax: None,
        email: None,
        address: Some(Address {
            house_number: Some("1".into()),
            road: Some(road.into()),
            town: Some("Testbury".into()),
            postcode: Some(postcode.into()),
            ..Address::default()
        }),
        primary_site: false,
        current_site: false,
        other: Vec::new(),
        other_attributes: Vec::new(),
    }
}

impl Organisation {
    /// An obviously fictitious two-site practice with two GPs, a nurse and
    /// a receptionist; the receptionist is logged on.
    pub fn example() -> Self {
        Self {
            sites: vec![
                site(
                    "Example Surgery",
                    "Z99901",
                    "Example Street",
                    "ZZ99 1AA",
                    "0113 496 0001",
                ),
                site(
                    "Example Branch Surgery",
                    "Z99902",
                    "Sample Road",
                    "ZZ99 2AA",
                    "0113 496 0002",
                ),
            ],
            users: vec![
                user("Dr", "Sam", "Example", "sexample01", "GP", Sex::Unknown),
                user("Dr", "Alex", "Sample", "asample01", "GP", Sex::Unknown),
                user(
                    "Ms",
                    "Jo",
                    "Placeholder",
                    "jplaceholder",
                    "Practice Nurse",
                    Sex::Female,
                ),
                user(
                    "Mr",
                    "Chris",
                    "Testuser",
                    "ctestuser",
                    "Receptionist",
                    Sex::Male,
                ),
            ],
            logged_on_user: "ctestuser".into(),
            slot_types: vec![
                "Routine".into(),
                "Urgent".into(),
                "Telephone".into(),
                "Blood Test".into(),
            ],
            clinic_types: vec!["GP Clinic".into(), "Nurse Clinic".into()],
        }
    }

    /// A one-site organisation: [`example`](Self::example)'s staff and
    /// diary vocabularies at a single site with this ODS code (`ID`) and
    /// name, marked as both the current and the primary site. For
    /// another practice logging on to the same PC
    /// ([`MockSystmOne::set_organisation`](super::MockSystmOne::set_organisation)).
    ///
    /// ```
    /// use systmone_client::mock::Organisation;
    ///
    /// let other = Organisation::single_site("Z99950", "Other Test Practice");
    /// assert_eq!(other.sites.len(), 1);
    /// assert_eq!(other.sites[0].id, "Z99950");
    /// assert!(other.sites[0].current_site && other.sites[0].primary_site);
    /// ```
    pub fn single_site(id: &str, name: &str) -> Self {
        let mut organisation = Self::example();
        organisation.sites.truncate(1);
        for site in &mut organisation.sites {
            site.id = id.to_owned();
            site.name = name.to_owned();
            site.current_site = true;
            site.primary_site = true;
        }
        organisation
    }

    /// The user with this user name (ASCII case ignored).
    pub fn user(&self, user_name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(user_name.trim()))
    }

    /// `SURNAME, Forename`, as SystmOne names a clinician.
    pub(crate) fn display_name(&self, user_name: &str) -> String {
        self.user(user_name)
            .map(|u| format!("{}, {}", u.surname.to_uppercase(), u.first_name))
            .unwrap_or_else(|| user_name.to_owned())
    }

    /// The first GP, the usual GP of generated patients.
    pub(crate) fn usual_gp(&self) -> &str {
        self.users
            .iter()
            .find(|u| u.role == "GP")
            .or(self.users.first())
            .map_or("", |u| u.user_name.as_str())
    }
}

/// One appointment slot in the diary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiarySlot {
    /// The clinician's user name.
    pub user_name: String,
    /// The site.
    pub site_name: String,
    /// The clinic type.
    pub clinic_type: String,
    /// The slot type.
    pub slot_type: String,
    /// When it starts.
    pub start: NaiveDateTime,
    /// How long it is.
    pub duration: Minutes,
    /// The appointment booked into it, if any.
    pub booked: Option<AppointmentUid>,
}

impl DiarySlot {
    /// A free slot.
    pub fn free(
        user_name: &str,
        site_name: &str,
        clinic_type: &str,
        slot_type: &str,
        start: NaiveDateTime,
        minutes: u32,
    ) -> Self {
        Self {
            user_name: user_name.into(),
            site_name: site_name.into(),
            clinic_type: clinic_type.into(),
            slot_type: slot_type.into(),
            start,
            duration: Minutes(minutes),
            booked: None,
        }
    }
}

/// Weekday morning clinics for `days` days from `first_day`: each GP has
/// ten-minute slots from 09:00 to 11:00 at the primary site, the nurse
/// fifteen-minute slots at the branch.
pub(crate) fn example_slots(
    organisation: &Organisation,
    first_day: NaiveDate,
    days: u64,
) -> Vec<DiarySlot> {
    use chrono::Datelike as _;
    let mut slots = Vec::new();
    let primary = organisation.sites.first().map_or("", |s| s.name.as_str());
    let branch = organisation
        .sites
        .get(1)
        .map_or(primary, |s| s.name.as_str());
    for day in (0..days).filter_map(|d| first_day.checked_add_days(Days::new(d))) {
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        for user in &organisation.users {
            let (site, clinic, step, slot_types): (&str, &str, u32, &[&str]) =
                match user.role.as_str() {
                    "GP" => (
                        primary,
                        "GP Clinic",
                        10,
                        &["Routine", "Routine", "Urgent", "Telephone"],
                    ),
                    "Practice Nurse" => (branch, "Nurse Clinic", 15, &["Blood Test", "Routine"]),
                    _ => continue,
                };
            let mut minute = 0;
            let mut n = 0;
            while minute < 120 {
                let time =
                    NaiveTime::from_hms_opt(9 + minute / 60, minute % 60, 0).unwrap_or_default();
                let slot_type = slot_types[n % slot_types.len()];
                slots.push(DiarySlot::free(
                    &user.user_name,
                    site,
                    clinic,
                    slot_type,
                    day.and_time(time),
                    step,
                ));
                minute += step;
                n += 1;
            }
        }
    }
    slots
}
