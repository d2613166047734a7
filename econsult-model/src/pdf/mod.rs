//! Renders an eConsult as an A4 PDF a clinician can read.
//!
//! The document has, on every page, a header naming the practice, the
//! patient (name, date of birth, NHS number) and the submission time, and a
//! "Page n of N" footer; then the patient's declared details, the
//! questionnaire, the Ideas, Concerns and Expectations, and the activity
//! timeline with each message's channel and direction. Long answers wrap
//! and flow across pages. The font (DejaVu Sans) is embedded and subset, so
//! names such as Zoë Ødegård, Łukasz and Groß render on any machine, and the
//! text can be selected and searched in any PDF reader.
//!
//! Rendering is deterministic for a given eConsult, and always reflects its
//! current activity: render again after new activity to get the "latest
//! PDF" a partial save attaches.
//!
//! ```
//! # use econsult_model::*;
//! # let patient = Demographics::new(
//! #     PersonName::new("Zoë", "Ødegård")?,
//! #     "1970-02-01".parse()?,
//! #     Sex::Female,
//! # );
//! let econsult = EConsult::new(
//!     EConsultId::new("EC-1")?,
//!     PracticeId::parse("Y01234")?,
//!     "2031-05-14T09:30:00".parse()?,
//!     patient,
//! );
//! let bytes = econsult_model::pdf::render(&econsult)?;
//! assert!(bytes.starts_with(b"%PDF-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod content;
mod draw;
mod fonts;
mod layout;

use crate::EConsult;

/// Why a PDF could not be produced. None of these is expected in practice;
/// each means a bug in the SDK, to be reported with the eConsult's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The embedded font could not be read.
    #[error("the embedded font could not be loaded; the SDK build is damaged, please report it")]
    Font,
    /// The page geometry was refused.
    #[error("the page layout was invalid; please report this as an SDK bug")]
    Layout,
    /// The PDF writer failed.
    #[error("the PDF could not be written ({0}); please report this as an SDK bug")]
    Write(String),
}

/// Renders `econsult` to the bytes of a PDF document.
pub fn render(econsult: &EConsult) -> Result<Vec<u8>, PdfError> {
    let header = content::header(econsult);
    let blocks = content::blocks(econsult);
    let pages = layout::layout(&header, &blocks)?;
    draw::draw(&pages, &format!("Online consultation {}", econsult.id))
}
