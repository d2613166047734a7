//! Domain types for online consultations ("eConsults") saved into TPP
//! SystmOne.
//!
//! This crate has no I/O and no async runtime: it is the vocabulary the rest
//! of the SDK shares.
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
//! ```
//! use econsult_model::NhsNumber;
//!
//! let nhs: NhsNumber = "999 000 0018".parse()?;
//! assert!(nhs.is_test_range());
//! # Ok::<(), econsult_model::NhsNumberError>(())
//! ```
//!
//! # Features
//!
//! - `pdf` (default): PDF rendering, with an embedded DejaVu Sans font.
//! - `proptest`: strategies producing arbitrary values of every type
//!   (`econsult_model::strategy`), for property tests here and downstream.
//! - `samples`: synthetic sample eConsults (`econsult_model::samples`).
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
pub mod pdf;
#[cfg(feature = "samples")]
pub mod samples;
#[cfg(feature = "proptest")]
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
