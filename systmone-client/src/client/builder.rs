//! Configuring and connecting a [`Client`].

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;

use super::{Client, DeviceIdStore, Error, MemoryDeviceIdStore, SharedThrottle, ThrottlePolicy};
use crate::proto::{DEFAULT_MAX_DOCUMENT_LEN, OutputScheme};

/// SystmOne's Client Integration port on the local PC.
pub const DEFAULT_PORT: u16 = 40700;

/// How many interactive calls in a row may be sent while a background call
/// waits before the background lane gets the next send, unless set with
/// [`ClientBuilder::background_share`]: 4, so background work (record-sync's
/// saves) gets at least one send in five under a steady interactive load,
/// about one every 5.5 s at SystmOne's rate, while a person's call waits
/// behind at most one background call.
pub const DEFAULT_BACKGROUND_SHARE: u32 = 4;

/// How long the client waits, per stage of a call.
///
/// ```
/// use std::time::Duration;
/// use systmone_client::client::Timeouts;
///
/// let timeouts = Timeouts::default().response(Duration::from_secs(20));
/// assert_eq!(timeouts.full_record, Duration::from_secs(120));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Opening the TCP connection. Default 5 s (it is on the same PC).
    pub connect: Duration,
    /// SystmOne's answer to an ordinary request, once sent. Default 30 s
    /// (PROTOCOL.md §1.5). A request SystmOne throttles is never answered,
    /// so this is also how long such a request takes to fail.
    pub response: Duration,
    /// The answer to a `GetPatientRecord` not exempt from the 30-second
    /// rule: a whole record can be megabytes. Default 120 s.
    pub full_record: Duration,
    /// The pairing request, which waits for a person to approve the device
    /// on SystmOne's dialog. Default 10 minutes.
    pub pairing: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            response: Duration::from_secs(30),
            full_record: Duration::from_secs(120),
            pairing: Duration::from_secs(600),
        }
    }
}

impl Timeouts {
    /// With [`connect`](Self::connect) set.
    pub fn connect(mut self, timeout: Duration) -> Self {
        self.connect = timeout;
        self
    }

    /// With [`response`](Self::response) set.
    pub fn response(mut self, timeout: Duration) -> Self {
        self.response = timeout;
        self
    }

    /// With [`full_record`](Self::full_record) set.
    pub fn full_record(mut self, timeout: Duration) -> Self {
        self.full_record = timeout;
        self
    }

    /// With [`pairing`](Self::pairing) set.
    pub fn pairing(mut self, timeout: Duration) -> Self {
        self.pairing = timeout;
        self
    }
}

/// How the client reconnects after the connection breaks: attempts spaced
/// by a delay that doubles from `initial` up to `max`, until `give_up_after`
/// has passed; then every queued call fails as not sent (each later call
/// starts a new round).
///
/// ```
/// use std::time::Duration;
/// use systmone_client::client::Reconnect;
///
/// let patient = Reconnect::default().give_up_after(Duration::from_secs(60));
/// assert_eq!(patient.initial, Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnect {
    /// The first delay. Default 100 ms.
    pub initial: Duration,
    /// The longest delay. Default 2 s.
    pub max: Duration,
    /// When to stop trying and fail the queued calls. Default 5 s.
    pub give_up_after: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            give_up_after: Duration::from_secs(5),
        }
    }
}

impl Reconnect {
    /// With [`initial`](Self::initial) set.
    pub fn initial(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// With [`max`](Self::max) set.
    pub fn max(mut self, delay: Duration) -> Self {
        self.max = delay;
        self
    }

    /// With [`give_up_after`](Self::give_up_after) set.
    pub fn give_up_after(mut self, after: Duration) -> Self {
        self.give_up_after = after;
        self
    }
}

/// Reads the PC's local date and time, which decides whether a
/// `GetPatientRecord` asks only for today's entries (PROTOCOL.md §7.2).
pub type LocalTime = Arc<dyn Fn() -> NaiveDateTime + Send + Sync>;

/// Everything the dispatcher needs to know, fixed at connect.
pub(crate) struct Settings {
    pub(crate) address: SocketAddr,
    pub(crate) api_key: String,
    pub(crate) device_version: String,
    pub(crate) timeouts: Timeouts,
    pub(crate) reconnect: Reconnect,
    pub(crate) read_retries: u32,
    pub(crate) max_response_len: usize,
    pub(crate) output_scheme: Option<OutputScheme>,
    pub(crate) local_time: LocalTime,
    /// See [`ClientBuilder::background_share`].
    pub(crate) background_share: u32,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("address", &self.address)
            .field("api_key", &"<redacted>")
            .field("device_version", &self.device_version)
            .field("timeouts", &self.timeouts)
            .field("reconnect", &self.reconnect)
            .field("read_retries", &self.read_retries)
            .field("max_response_len", &self.max_response_len)
            .field("output_scheme", &self.output_scheme)
            .field("background_share", &self.background_share)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; made by [`Client::builder`], consumed by
/// [`connect`](ClientBuilder::connect). `Debug` never shows the API key.
///
/// ```no_run
/// use std::time::Duration;
/// use systmone_client::client::{Client, FileDeviceIdStore, Timeouts};
///
/// # async fn run() -> Result<(), systmone_client::client::Error> {
/// let client = Client::builder("YOUR-TPP-API-KEY", "AcmeVitals 2.3.1")
///     .device_id_store(FileDeviceIdStore::new("systmone-live.device-id"))
///     .timeouts(Timeouts::default().response(Duration::from_secs(20)))
///     .connect()
///     .await?;
/// # let _ = client; Ok(()) }
/// ```
pub struct ClientBuilder {
    settings: Settings,
    throttle: SharedThrottle,
    store: Arc<dyn DeviceIdStore>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("settings", &self.settings)
            .field("throttle", &self.throttle)
            .field("device_id_store", &self.store)
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(api_key: String, device_version: String) -> Self {
        Self {
            settings: Settings {
                address: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
                api_key,
                device_version,
                timeouts: Timeouts::default(),
                reconnect: Reconnect::default(),
                read_retries: 2,
                max_response_len: DEFAULT_MAX_DOCUMENT_LEN,
                output_scheme: None,
                local_time: Arc::new(|| chrono::Local::now().naive_local()),
                background_share: DEFAULT_BACKGROUND_SHARE,
            },
            throttle: SharedThrottle::new(ThrottlePolicy::systmone()),
            store: Arc::new(MemoryDeviceIdStore::default()),
        }
    }

    /// Why these settings cannot work, if they cannot.
    fn problem(&self) -> Option<String> {
        if let Some(problem) = self.throttle.policy().problem() {
            return Some(problem);
        }
        let reconnect = self.settings.reconnect;
        if reconnect.initial.is_zero() || reconnect.max < reconnect.initial {
            return Some(format!(
                "the reconnect delays must start above zero and not shrink (initial {:?}, max {:?}); Reconnect::default() starts at 100 ms",
                reconnect.initial, reconnect.max
            ));
        }
        if self.settings.background_share == 0 {
            return Some(format!(
                "the background share must be at least 1 interactive call before a waiting background one (it was 0); the default is {DEFAULT_BACKGROUND_SHARE}, and u32::MAX puts background calls last"
            ));
        }
        None
    }

    /// Where SystmOne listens. Default `127.0.0.1:40700`.
    ///
    /// ```no_run
    /// # use systmone_client::client::Client;
    /// let builder = Client::builder("KEY", "AcmeVitals 2.3.1").address(([127, 0, 0, 1], 40701).into());
    /// # let _ = builder;
    /// ```
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.settings.address = address;
        self
    }

    /// How long to wait at each stage. Default [`Timeouts::default`].
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.settings.timeouts = timeouts;
        self
    }

    /// How to reconnect. Default [`Reconnect::default`].
    pub fn reconnect(mut self, reconnect: Reconnect) -> Self {
        self.settings.reconnect = reconnect;
        self
    }

    /// How many more times a call safe to resend is sent when an attempt
    /// gets no answer. Default 2. Writes are never resent.
    pub fn read_retries(mut self, retries: u32) -> Self {
        self.settings.read_retries = retries;
        self
    }

    /// SystmOne's rate limits. Default [`ThrottlePolicy::systmone`].
    pub fn throttle(mut self, policy: ThrottlePolicy) -> Self {
        self.throttle = SharedThrottle::new(policy);
        self
    }

    /// Limits already in force, shared with other clients (see
    /// [`SharedThrottle`]). Replaces [`throttle`](Self::throttle).
    pub fn shared_throttle(mut self, throttle: &SharedThrottle) -> Self {
        self.throttle = throttle.clone();
        self
    }

    /// Where the Device ID is kept. Default: in memory, which pairs again
    /// (and asks a SystmOne user to approve the device again) every time
    /// the process starts; use a [`FileDeviceIdStore`](super::FileDeviceIdStore)
    /// or a store of your own in production.
    pub fn device_id_store(mut self, store: impl DeviceIdStore + 'static) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// The same, for a store shared with other code.
    pub fn shared_device_id_store(mut self, store: Arc<dyn DeviceIdStore>) -> Self {
        self.store = store;
        self
    }

    /// The largest answer accepted, in bytes. Default 64 MiB.
    pub fn max_response_len(mut self, len: usize) -> Self {
        self.settings.max_response_len = len;
        self
    }

    /// The coding schemes SystmOne should answer in. Default: none sent
    /// (SystmOne's own defaults, CTV3 and Multilex).
    pub fn output_scheme(mut self, scheme: OutputScheme) -> Self {
        self.settings.output_scheme = Some(scheme);
        self
    }

    /// Where the PC's local time comes from. Default: the system clock. A
    /// test against a mock whose clock is set elsewhere passes the mock's.
    pub fn local_time(
        mut self,
        local_time: impl Fn() -> NaiveDateTime + Send + Sync + 'static,
    ) -> Self {
        self.settings.local_time = Arc::new(local_time);
        self
    }

    /// The background lane's guaranteed share: after `n` interactive calls
    /// in a row were sent while a background call was waiting, the next
    /// call sent is a background one (see [`Priority`](super::Priority)).
    /// Default [`DEFAULT_BACKGROUND_SHARE`] (4). Interactive calls still go
    /// first otherwise, so a person's call waits behind at most one
    /// background call; `u32::MAX` puts background calls practically always
    /// last, and can starve them. Zero is refused by
    /// [`connect`](Self::connect).
    ///
    /// ```no_run
    /// # use systmone_client::client::Client;
    /// // Background saves get at least one send in three.
    /// let builder = Client::builder("KEY", "AcmeVitals 2.3.1").background_share(2);
    /// # let _ = builder;
    /// ```
    pub fn background_share(mut self, n: u32) -> Self {
        self.settings.background_share = n;
        self
    }

    /// Connects to SystmOne and, if this installation has no Device ID yet,
    /// pairs: sends `GetFunctions` with an empty Device ID, which asks the
    /// SystmOne user to approve the device (this waits up to
    /// [`Timeouts::pairing`]; show your own "please approve" message), and
    /// saves the ID SystmOne issues before anything else is sent.
    ///
    /// Must be called within a tokio runtime: it spawns the dispatcher task.
    ///
    /// # Errors
    ///
    /// [`Error::Unreachable`] when SystmOne is not listening (no one is
    /// logged on); [`Error::DeviceBlocked`] or [`Error::NotApproved`] when
    /// pairing did not succeed; [`Error::DeviceIdStore`] when the ID could
    /// not be loaded or saved; [`Error::InvalidConfiguration`] for a
    /// throttle, reconnect or background-share setting that cannot work.
    pub async fn connect(self) -> Result<Client, Error> {
        if let Some(problem) = self.problem() {
            return Err(Error::InvalidConfiguration { problem });
        }
        Client::start(self.settings, self.throttle, self.store).await
    }
}
