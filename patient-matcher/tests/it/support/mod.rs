//! What the integration tests share: the corruption model of the accuracy
//! tests and the mock SystmOne with a connected client.

pub(crate) mod corrupt;
#[cfg(feature = "systmone")]
pub(crate) mod mock;
