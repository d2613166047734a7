//! Which practice SystmOne on this PC is logged on at: asked with
//! `GetOrganisationMetaData`, kept with the connection the answer came on.
//!
//! A match holds for that connection: the engine pins every record call to
//! it (`CallOptions::on_connection`), so a call on a connection opened
//! since (SystmOne restarted, perhaps logged on elsewhere) is refused
//! unsent and the practice is asked again. A mismatch is asked about again
//! once `recheck` has passed, so that eConsults waiting for their practice
//! cost one question a while between them, not one each.

use std::time::Duration;

use econsult_model::PracticeId;
use systmone_client::client::{
    CallOptions, ConnectionId, Error as ClientError, NotSentReason, Outcome, SystmOneApi,
};
use systmone_client::proto::GetOrganisationMetaData;
use tokio::time::Instant;

use crate::{FailureCause, SaveFailure};

/// What SystmOne was seen logged on at, on one connection.
#[derive(Debug, Clone)]
struct Seen {
    connection: ConnectionId,
    site_ids: Vec<String>,
    asked: Instant,
}

impl Seen {
    fn names(&self, practice: &PracticeId) -> bool {
        self.site_ids
            .iter()
            .any(|site| site.eq_ignore_ascii_case(practice.as_str()))
    }
}

/// The engine's knowledge of the logged-on practice.
#[derive(Debug)]
pub(crate) struct PracticeCheck {
    seen: Option<Seen>,
    recheck: Duration,
}

impl PracticeCheck {
    /// Nothing known yet; a mismatch is asked about again after `recheck`.
    pub(crate) fn new(recheck: Duration) -> Self {
        Self {
            seen: None,
            recheck,
        }
    }

    /// The connection on which SystmOne was seen logged on at `practice`;
    /// `Err` (with the cause) when it is logged on elsewhere or could not
    /// be asked.
    pub(crate) async fn check(
        &mut self,
        api: &dyn SystmOneApi,
        practice: &PracticeId,
    ) -> Result<ConnectionId, SaveFailure> {
        let stale = self
            .seen
            .as_ref()
            .is_none_or(|seen| !seen.names(practice) && seen.asked.elapsed() >= self.recheck);
        let seen = match (&self.seen, stale) {
            (Some(seen), false) => seen,
            _ => self.ask_again(api).await?,
        };
        if seen.names(practice) {
            return Ok(seen.connection);
        }
        let sites = seen.site_ids.join(", ");
        Err(SaveFailure::new(
            FailureCause::WrongPractice,
            true,
            format!(
                "SystmOne is logged on at another practice (site {sites}), not the eConsult's practice {practice}; nothing was read or written"
            ),
        ))
    }

    /// Asks SystmOne which practice it is logged on at, and keeps the
    /// answer with the connection it came on.
    pub(crate) async fn ask(&mut self, api: &dyn SystmOneApi) -> Result<(), SaveFailure> {
        self.ask_again(api).await.map(|_| ())
    }

    async fn ask_again(&mut self, api: &dyn SystmOneApi) -> Result<&Seen, SaveFailure> {
        // Every site of the organisation, not only the one the user is at:
        // a user at a branch site is still logged on at the practice.
        let request = GetOrganisationMetaData {
            logged_on_user_only: false,
        };
        match api
            .get_organisation_metadata_with(request, CallOptions::default())
            .await
        {
            Ok(answered) => {
                let site_ids = answered.response.sites.iter();
                Ok(self.seen.insert(Seen {
                    connection: answered.connection,
                    site_ids: site_ids.map(|site| site.id.trim().to_owned()).collect(),
                    asked: Instant::now(),
                }))
            }
            Err(error) => {
                self.forget_if_reconnected(&error);
                let read = SaveFailure::from_client(&error, false);
                Err(SaveFailure::new(
                    read.cause,
                    read.retryable,
                    format!(
                        "could not ask SystmOne which practice it is logged on at: {}",
                        read.detail
                    ),
                ))
            }
        }
    }

    /// Forgets the answer when `error` means the connection it came on is
    /// gone (refused as changed, or closed after a call went unanswered).
    pub(crate) fn forget_if_reconnected(&mut self, error: &ClientError) {
        let changed = matches!(
            error,
            ClientError::NotSent {
                reason: NotSentReason::ConnectionChanged,
                ..
            }
        );
        if changed || error.outcome() == Outcome::Unknown {
            self.seen = None;
        }
    }
}
