//! Files attached to messages, and the policy that decides which are allowed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file attached to a message: its name, media type and content.
///
/// The model holds any attachment a patient or vendor sent, so that
/// [`AttachmentPolicy::check`] can say exactly why one is refused. In JSON
/// the content is base64 (`content_base64`). `Debug` shows the size, not
/// the bytes.
///
/// ```
/// use econsult_model::{Attachment, AttachmentPolicy, FileType};
///
/// let pdf = Attachment::new("letter.pdf", "application/pdf", b"%PDF-1.7 ...".to_vec());
/// assert_eq!(AttachmentPolicy::default().check(&pdf)?, FileType::Pdf);
/// # Ok::<(), econsult_model::AttachmentError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The file's name as the sender gave it (never used as a path).
    pub file_name: String,
    /// The media (MIME) type, e.g. `application/pdf`.
    pub media_type: String,
    /// The file's bytes.
    #[serde(rename = "content_base64", with = "base64_bytes")]
    pub content: Vec<u8>,
}

impl Attachment {
    /// An attachment from its parts.
    pub fn new(file_name: &str, media_type: &str, content: Vec<u8>) -> Self {
        Self {
            file_name: file_name.to_owned(),
            media_type: media_type.to_owned(),
            content,
        }
    }

    /// The file type its media type names, if it is one SystmOne accepts.
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_media_type(&self.media_type)
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("media_type", &self.media_type)
            .field("size", &self.content.len())
            .finish()
    }
}

mod base64_bytes {
    use super::*;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let mut text = String::deserialize(deserializer)?;
        // Many encoders wrap base64 at 76 columns; the breaks carry nothing.
        text.retain(|c| !c.is_ascii_whitespace());
        BASE64.decode(&text).map_err(|e| {
            serde::de::Error::custom(format_args!(
                "the content is not valid base64 ({e}); encode the file's bytes with standard, padded base64"
            ))
        })
    }
}

/// The file types that can be attached to records and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// PDF document.
    Pdf,
    /// Word 97–2003 document.
    Doc,
    /// Word document (Office Open XML).
    Docx,
    /// Rich Text Format.
    Rtf,
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// TIFF image.
    Tiff,
}

impl FileType {
    /// Every file type.
    pub const ALL: [FileType; 7] = [
        FileType::Pdf,
        FileType::Doc,
        FileType::Docx,
        FileType::Rtf,
        FileType::Jpeg,
        FileType::Png,
        FileType::Tiff,
    ];

    /// The canonical media type.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Doc => "application/msword",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Rtf => "application/rtf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Tiff => "image/tiff",
        }
    }

    /// File name extensions (lower case, without the dot).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Doc => &["doc"],
            FileType::Docx => &["docx"],
            FileType::Rtf => &["rtf"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Png => &["png"],
            FileType::Tiff => &["tif", "tiff"],
        }
    }

    /// The type a media type names, ignoring case and parameters
    /// (`image/JPEG; q=1`); common aliases (`image/jpg`, `text/rtf`) count.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "image/jpg" | "image/pjpeg" => Some(FileType::Jpeg),
            "text/rtf" => Some(FileType::Rtf),
            other => Self::ALL.into_iter().find(|t| t.media_type() == other),
        }
    }

    /// The type a file name's extension names, ignoring case.
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        let (_, extension) = file_name.rsplit_once('.')?;
        let extension = extension.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.extensions().contains(&extension.as_str()))
    }

    /// Whether `content` starts the way files of this type do.
    pub fn matches_content(self, content: &[u8]) -> bool {
        let signatures: &[&[u8]] = match self {
            FileType::Pdf => &[b"%PDF-"],
            FileType::Doc => &[&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]],
            FileType::Docx => &[b"PK\x03\x04"],
            FileType::Rtf => &[b"{\\rtf"],
            FileType::Jpeg => &[&[0xFF, 0xD8, 0xFF]],
            FileType::Png => &[&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]],
            FileType::Tiff => &[b"II*\0", b"MM\0*"],
        };
        signatures.iter().any(|s| content.starts_with(s))
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extensions()[0])
    }
}

/// Which attachments are allowed: a size limit per file and a set of types.
///
/// The default allows 3 MiB per file and the types SystmOne takes as
/// attachments (pdf, doc, docx, rtf, jpeg, png, tiff), and checks that each
/// file's first bytes are those of the type it claims (which catches a
/// renamed or mislabelled file, not a damaged one).
///
/// ```
/// use econsult_model::{AttachmentPolicy, FileType};
///
/// // A product that allows 8 MiB uploads, images only:
/// let policy = AttachmentPolicy::default()
///     .with_max_bytes(8 * 1024 * 1024)
///     .with_allowed([FileType::Jpeg, FileType::Png]);
/// assert!(!policy.allows(FileType::Pdf));
/// ```
///
/// It serialises, so a vendor can keep it in a configuration file; missing
/// fields take their defaults:
///
/// ```
/// use econsult_model::AttachmentPolicy;
///
/// let policy: AttachmentPolicy = serde_json::from_str(r#"{"max_bytes": 8388608}"#)?;
/// assert_eq!(policy.max_bytes(), 8 * 1024 * 1024);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentPolicy {
    max_bytes: u64,
    allowed: Vec<FileType>,
    check_content: bool,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            allowed: FileType::ALL.to_vec(),
            check_content: true,
        }
    }
}

/// The longest file name accepted, in bytes (the common file-system limit).
const MAX_FILE_NAME_BYTES: usize = 255;

impl AttachmentPolicy {
    /// The default size limit: 3 MiB per file.
    pub const DEFAULT_MAX_BYTES: u64 = 3 * 1024 * 1024;

    /// Sets the largest file allowed, in bytes.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets the allowed file types.
    pub fn with_allowed(mut self, types: impl IntoIterator<Item = FileType>) -> Self {
        self.allowed = types.into_iter().collect();
        self
    }

    /// Turns the check that content matches its declared type on or off
    /// (on by default).
    pub fn with_content_check(mut self, on: bool) -> Self {
        self.check_content = on;
        self
    }

    /// The largest file allowed, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Whether files of `file_type` are allowed.
    pub fn allows(&self, file_type: FileType) -> bool {
        self.allowed.contains(&file_type)
    }

    /// Checks an attachment against every rule, in this order: file name,
    /// not empty, size, media type allowed, extension agrees with the media
    /// type, content agrees with the media type. Returns the file type, or
    /// the first rule broken.
    pub fn check(&self, attachment: &Attachment) -> Result<FileType, AttachmentError> {
        let file_name = &attachment.file_name;
        let name_problem = file_name_problem(file_name);
        if let Some(problem) = name_problem {
            return Err(AttachmentError::BadFileName {
                file_name: file_name.clone(),
                problem,
            });
        }
        let size = attachment.content.len() as u64;
        if size == 0 {
            return Err(AttachmentError::Empty {
                file_name: file_name.clone(),
            });
        }
        if size > self.max_bytes {
            return Err(AttachmentError::TooLarge {
                file_name: file_name.clone(),
                size,
                max_bytes: self.max_bytes,
            });
        }
        let Some(file_type) = attachment.file_type().filter(|t| self.allows(*t)) else {
            return Err(AttachmentError::TypeNotAllowed {
                file_name: file_name.clone(),
                media_type: attachment.media_type.clone(),
                allowed: self.allowed.clone(),
            });
        };
        if FileType::from_file_name(file_name) != Some(file_type) {
            return Err(AttachmentError::ExtensionMismatch {
                file_name: file_name.clone(),
                file_type,
            });
        }
        if self.check_content && !file_type.matches_content(&attachment.content) {
            return Err(AttachmentError::ContentMismatch {
                file_name: file_name.clone(),
                file_type,
            });
        }
        Ok(file_type)
    }
}

fn file_name_problem(file_name: &str) -> Option<&'static str> {
    if file_name.trim().is_empty() {
        Some("it is empty")
    } else if file_name.len() > MAX_FILE_NAME_BYTES {
        Some("it is longer than 255 bytes")
    } else if file_name.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if file_name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if file_name.trim_matches('.').is_empty() {
        Some("it is only dots")
    } else {
        None
    }
}

/// The rule of an [`AttachmentPolicy`] that an attachment broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttachmentError {
    /// The file name is unusable.
    #[error(
        "attachment {file_name:?} has an unusable file name: {problem}; give it a plain file name such as report.pdf"
    )]
    BadFileName {
        /// The file name.
        file_name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The file has no content.
    #[error("attachment {file_name:?} is empty; attach the file again or leave it out")]
    Empty {
        /// The file name.
        file_name: String,
    },
    /// The file is larger than the policy allows.
    #[error(
        "attachment {file_name:?} is {size} bytes, over the limit of {max_bytes} bytes per file; send a smaller or compressed file"
    )]
    TooLarge {
        /// The file name.
        file_name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// The media type is not one the policy allows.
    #[error(
        "attachment {file_name:?} is of type {media_type:?}, which is not allowed; allowed types: {}",
        list_types(allowed)
    )]
    TypeNotAllowed {
        /// The file name.
        file_name: String,
        /// The declared media type.
        media_type: String,
        /// What the policy allows.
        allowed: Vec<FileType>,
    },
    /// The file name's extension does not match the media type.
    #[error(
        "attachment {file_name:?} is declared as {file_type} but its name does not end in {}; rename it or correct its media type",
        file_type.extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(" or ")
    )]
    ExtensionMismatch {
        /// The file name.
        file_name: String,
        /// The type its media type names.
        file_type: FileType,
    },
    /// The content does not start the way files of its type do.
    #[error(
        "attachment {file_name:?} is declared as {file_type} but its content does not start like a {file_type} file; it may be damaged or of another type, so check it and attach it again"
    )]
    ContentMismatch {
        /// The file name.
        file_name: String,
        /// The type its media type names.
        file_type: FileType,
    },
}

fn list_types(types: &[FileType]) -> String {
    if types.is_empty() {
        return "none (the attachment policy allows no types)".to_owned();
    }
    types
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(size: usize) -> Attachment {
        let mut content = b"%PDF-1.7\n".to_vec();
        content.resize(size.max(content.len()), b' ');
        Attachment::new("results.pdf", "application/pdf", content)
    }

    #[test]
    fn every_type_passes_with_a_matching_name_and_content() {
        let samples: [(&str, &str, &[u8]); 9] = [
            ("a.pdf", "application/pdf", b"%PDF-1.4"),
            (
                "a.DOC",
                "application/msword",
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            ),
            ("a.docx", FileType::Docx.media_type(), b"PK\x03\x04rest"),
            ("a.rtf", "text/rtf", b"{\\rtf1 hello}"),
            ("a.jpg", "image/jpg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            ("a.jpeg", "IMAGE/JPEG; q=1", &[0xFF, 0xD8, 0xFF, 0xE0]),
            (
                "a.png",
                "image/png",
                &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
            ),
            ("a.tif", "image/tiff", b"II*\0...."),
            ("a.tiff", "image/tiff", b"MM\0*...."),
        ];
        for (name, media_type, content) in samples {
            let a = Attachment::new(name, media_type, content.to_vec());
            assert!(AttachmentPolicy::default().check(&a).is_ok(), "{name}");
        }
    }

    #[test]
    fn the_size_limit_is_inclusive_and_configurable() {
        let policy = AttachmentPolicy::default();
        let limit = AttachmentPolicy::DEFAULT_MAX_BYTES as usize;
        assert!(policy.check(&pdf(limit)).is_ok());
        let err = policy.check(&pdf(limit + 1)).unwrap_err();
        assert!(matches!(err, AttachmentError::TooLarge { size, .. } if size == limit as u64 + 1));
        assert!(
            err.to_string().contains("over the limit of 3145728 bytes"),
            "{err}"
        );

        let bigger = AttachmentPolicy::default().with_max_bytes(8 * 1024 * 1024);
        assert!(bigger.check(&pdf(limit + 1)).is_ok());
    }

    #[test]
    fn each_rule_is_named_when_broken() {
        let policy = AttachmentPolicy::default();
        let mut a = pdf(100);
        a.file_name = "../../etc/passwd.pdf".into();
        assert!(
            matches!(policy.check(&a), Err(AttachmentError::BadFileName { problem, .. }) if problem.contains("path separator"))
        );
        a.file_name = "..".into();
        assert!(matches!(
            policy.check(&a),
            Err(AttachmentError::BadFileName { .. })
        ));

        let empty = Attachment::new("a.pdf", "application/pdf", Vec::new());
        assert!(matches!(
            policy.check(&empty),
            Err(AttachmentError::Empty { .. })
        ));

        let exe = Attachment::new("a.exe", "application/x-msdownload", b"MZ".to_vec());
        let err = policy.check(&exe).unwrap_err();
        assert!(matches!(err, AttachmentError::TypeNotAllowed { .. }));
        assert!(
            err.to_string()
                .contains("allowed types: pdf, doc, docx, rtf, jpg, png, tif"),
            "{err}"
        );

        let renamed = Attachment::new("a.png", "application/pdf", b"%PDF-1.7".to_vec());
        assert!(matches!(
            policy.check(&renamed),
            Err(AttachmentError::ExtensionMismatch {
                file_type: FileType::Pdf,
                ..
            })
        ));

        let disguised = Attachment::new("a.pdf", "application/pdf", b"MZ\x90\x00".to_vec());
        assert!(matches!(
            policy.check(&disguised),
            Err(AttachmentError::ContentMismatch { .. })
        ));
        assert!(
            policy
                .clone()
                .with_content_check(false)
                .check(&disguised)
                .is_ok()
        );

        let images_only = AttachmentPolicy::default().with_allowed([FileType::Png]);
        assert!(matches!(
            images_only.check(&pdf(10)),
            Err(AttachmentError::TypeNotAllowed { .. })
        ));
    }

    #[test]
    fn json_uses_base64_and_explains_bad_base64() {
        let a = Attachment::new("a.pdf", "application/pdf", b"%PDF-".to_vec());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"file_name":"a.pdf","media_type":"application/pdf","content_base64":"JVBERi0="}"#
        );
        assert_eq!(serde_json::from_str::<Attachment>(&json).unwrap(), a);
        let wrapped = json.replace("JVBERi0=", "JVBE\\r\\nRi0=");
        assert_eq!(serde_json::from_str::<Attachment>(&wrapped).unwrap(), a);
        let bad = json.replace("JVBERi0=", "not base64!");
        let err = serde_json::from_str::<Attachment>(&bad).unwrap_err();
        assert!(err.to_string().contains("not valid base64"), "{err}");
    }

    #[test]
    fn debug_shows_size_not_bytes() {
        let a = pdf(1000);
        let debug = format!("{a:?}");
        assert!(
            debug.contains("size: 1000") && !debug.contains("PDF"),
            "{debug}"
        );
    }
}
