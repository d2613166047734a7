//! Domain types for online consultations ("eConsults") saved into TPP
//! SystmOne.
//!
//! This crate has no I/O and no async runtime: it is the vocabulary the rest
//! of the SDK shares.
//!
//! ```
//! use econsult_model::{AttachmentPolicy, EConsult, NhsNumber, Sex};
//!
//! // An eConsult as your system sends it (the format: docs/econsult-format.md).
//! let json = r#"{
//!   "id": "EC-2031-000123", "practice": "Y01234", "submitted_at": "2031-05-14T09:30:00",
//!   "patient": {
//!     "name": { "first_name": "Alex", "surname": "Testpatient" },
//!     "date_of_birth": "1970-02-01", "sex": "F", "nhs_number": "999 000 0018"
//!   },
//!   "questionnaire": [{
//!     "title": "About your symptoms",
//!     "questions": [{ "question": "What would you like help with?", "answer": "A rash." }]
//!   }],
//!   "status": "new"
//! }"#;
//! // Every value is checked on the way in; a bad one is named by its path.
//! let econsult = EConsult::from_json(json)?;
//! econsult.validate(&AttachmentPolicy::default())?; // rules across fields
//!
//! let nhs: NhsNumber = "9990000018".parse()?; // 10 digits, Modulus 11
//! assert_eq!(econsult.patient.nhs_number, Some(nhs));
//! assert_eq!(nhs.to_string(), "999 000 0018");
//! assert_eq!(econsult.patient.sex, Sex::Female);
//!
//! let bad = EConsult::from_json(&json.replace("0018", "0019")).unwrap_err();
//! assert!(bad.to_string().contains("patient.nhs_number"));
//!
//! // The PDF that is saved into the patient's record (feature `pdf`).
//! # #[cfg(feature = "pdf")] {
//! let pdf: Vec<u8> = econsult_model::pdf::render(&econsult)?;
//! assert!(pdf.starts_with(b"%PDF"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - Identity: [`NhsNumber`] (Modulus 11), [`PersonName`], [`Sex`],
//!   [`Demographics`], [`Postcode`], [`PhoneNumber`], [`EmailAddress`].
//! - The consultation: [`EConsult`] with its questionnaire ([`Section`]),
//!   [`Ice`] data, [`ActivityLog`] of [`Activity`] entries (responses,
//!   messages, notes, status changes) and [`Status`].
//! - Files: [`Attachment`] and the [`AttachmentPolicy`] that allows or
//!   refuses them.
//! - JSON: every type is serde-serialisable; [`EConsult::from_json`] names
//!   the field at fault when input is bad. The format is documented in
//!   `docs/econsult-format.md` in the repository.
//! - PDF (feature `pdf`, on by default): `pdf::render` draws an eConsult as
//!   an A4 document a clinician can read.
//!
//! # Features
//!
//! | feature | default | enables |
//! |---|---|---|
//! | `pdf` | yes | the `pdf` module: `pdf::render` draws an eConsult as an A4 PDF with an embedded DejaVu Sans font (krilla, rustybuzz) |
//! | `proptest` | no | the `strategy` module: proptest strategies for every type, hostile text included, for property tests here and downstream |
//! | `samples` | no | the `samples` module: five synthetic sample eConsults, embedded as JSON |
//!
//! Without default features the crate is the value types and JSON alone.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

#[macro_use]
mod macros;

mod activity;
mod attachment;
mod contact;
mod econsult;
mod id;
mod nhs_number;
mod person;
mod postcode;
mod practice;
mod sex;
mod text;
mod time_format;

#[cfg(feature = "pdf")]
#[cfg_attr(docsrs, doc(cfg(feature = "pdf")))]
pub mod pdf;
#[cfg(feature = "samples")]
#[cfg_attr(docsrs, doc(cfg(feature = "samples")))]
pub mod samples;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategy;

pub use activity::{
    Activity, ActivityKind, ActivityLog, ActivityLogError, ActivityShapeError, Channel, Direction,
    Message,
};
pub use attachment::{Attachment, AttachmentError, AttachmentPolicy, FileType};
pub use contact::{
    EmailAddress, EmailAddressError, Phone, PhoneKind, PhoneNumber, PhoneNumberError,
};
pub use econsult::{
    EConsult, Ice, JsonError, QuestionAnswer, Section, Status, ValidationError, ValidationErrors,
};
pub use id::{ActivityId, EConsultId, IdError};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use person::{Demographics, NameError, PersonName};
pub use postcode::{Postcode, PostcodeError};
pub use practice::{PracticeId, PracticeIdError};
pub use sex::{Sex, SexError};
pub use text::{TextError, is_invisible_or_break};
