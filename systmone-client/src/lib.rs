//! Client for TPP SystmOne's *Client Integration* interface.
//!
//! Find a patient through the [`Client`](client::Client), here against the
//! embedded mock SystmOne (feature `mock`; with a real SystmOne, leave the
//! address at its default, `127.0.0.1:40700`, and use your TPP-issued API
//! key):
//!
//! ```
//! # #[cfg(all(feature = "client", feature = "mock"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use systmone_client::client::Client;
//! use systmone_client::mock::{MockSystmOne, synthetic_patients};
//! use systmone_client::proto::PatientSearch;
//!
//! // A stand-in SystmOne on a free loopback port, with SystmOne's throttle
//! // and a practice of synthetic patients (NHS numbers from the 999 range).
//! let patients = synthetic_patients(100, 42);
//! let mock = MockSystmOne::builder().patients(patients.clone()).start().await?;
//!
//! // Connecting pairs the first time: SystmOne asks its user to approve
//! // this device and issues a Device ID (the mock approves at once).
//! let client = Client::builder("YOUR-TPP-API-KEY", "AcmeVitals 2.3.1")
//!     .address(mock.addr())
//!     .connect()
//!     .await?;
//!
//! // SystmOne needs at least two criteria; the client keeps to its one
//! // request a second by itself.
//! let patient = &patients[0];
//! let found = client
//!     .patient_search(PatientSearch {
//!         surname: Some(patient.surname.clone()),
//!         date_of_birth: Some(patient.date_of_birth),
//!         ..PatientSearch::default()
//!     })
//!     .await?;
//! assert!(found.results.iter().any(|p| p.first_name == patient.first_name));
//!
//! mock.stop().await;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "client", feature = "mock")))]
//! # fn main() {}
//! ```
//!
//! - [`proto`]: the wire codec shared by the client and the mock server:
//!   framing as a `tokio_util` codec, the envelope, and typed requests and
//!   responses.
//!
//! - `mock` (feature `mock`): a faithful, stateful stand-in for SystmOne
//!   over loopback TCP, with SystmOne's throttle, pairing and fault
//!   injection, for tests and demos; also the `systmone-mock` binary.
//!
//! - [`patient`]: every conversion of a patient between the model
//!   (`econsult_model`) and the wire, and [`PatientId`](patient::PatientId),
//!   the one rule for which identifier names a record.
//!
//! - [`fs`]: the SDK's one atomic, flushed file write.
//!
//! - [`client`] (feature `client`, on by default): the async, throttled
//!   [`Client`](client::Client), a cloneable handle whose dispatcher task owns
//!   the connection, SystmOne's rate limits, the Device ID and reconnects;
//!   and the [`SystmOneApi`](client::SystmOneApi) seam for unit tests.
//!
//! # Features
//!
//! | feature | default | enables |
//! |---|---|---|
//! | `client` | yes | the `client` module: the async, throttled `Client` and its `ClientBuilder`, Device ID stores, and the `SystmOneApi` trait (tokio, governor, async-trait, tracing) |
//! | `mock` | no | the `mock` module (`MockSystmOne`: a stateful, throttled, fault-injecting SystmOne over loopback TCP, the patient file, synthetic practices) and the `systmone-mock` binary |
//! | `mockall` | no | `client::MockSystmOneApi`, a mockall automock of `SystmOneApi` for unit tests of code above the client; turns on `client` |
//! | `proptest` | no | the `proto::strategy` module: proptest strategies for every wire type, hostile text included |
//!
//! Without default features the crate is the wire codec ([`proto`]), the
//! patient conversions ([`patient`]) and [`fs`].
//! In your tests, turn on `mock` in `[dev-dependencies]`:
//! `systmone-client = { version = "…", features = ["mock"] }`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod fs;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod patient;
pub mod proto;
#[cfg(any(feature = "client", feature = "mock"))]
mod uuid;
