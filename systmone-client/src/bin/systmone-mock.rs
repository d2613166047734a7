//! `systmone-mock`: the mock SystmOne as a standalone server, for
//! integrators and for other languages' test suites.
//!
//! ```text
//! cargo run -p systmone-client --features mock --bin systmone-mock -- \
//!     --listen 127.0.0.1:40700 --generate 1000 --seed 42
//! ```
//!
//! Run with `--help` for every option.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use systmone_client::mock::{ApprovalPolicy, MockSystmOne, ThrottleConfig};

const HELP: &str = "\
systmone-mock: a faithful mock of TPP SystmOne's Client Integration interface.

USAGE:
    systmone-mock [OPTIONS]

OPTIONS:
    --listen ADDR            address to listen on [default: 127.0.0.1:40700]
    --patients FILE          load patients from a JSON file (format: see the
                             systmone_client::mock docs or the README)
    --generate N             add N synthetic patients (up to 1,000,000)
    --seed S                 seed for --generate and for UIDs [default: 1]
    --throttle on|off        SystmOne's throttle: one request per second,
                             GetPatientRecord once per 30 s [default: on]
    --api-key KEY            accept only this API key (repeatable); without
                             it any key is accepted
    --software NAME          product name for events added with the keys
                             given by --api-key [default: Test Software]
    --auto-approve           approve new devices without asking [default]
    --no-auto-approve        answer new devices \"Not Now\" (a temporary error)
    --block-new-devices      block new devices, as if the user pressed Block
    --device-file FILE       keep issued Device IDs in FILE across restarts
    --escape-line-breaks     write line breaks in text as &#10; instead of raw
    --read-lag-ms MS         a saved event shows in GetPatientRecord (and its
                             files in GetDocument) only MS milliseconds after
                             UpdatePatientRecord committed it, as when
                             SystmOne reads from a store that catches up a
                             little later [default: 0]
    -h, --help               print this help

Logs one line per request (function, RequestUID, outcome, time) to stderr;
set RUST_LOG=debug for more. Stops on Ctrl-C or an ExitClient request.
";

#[derive(Debug)]
struct Options {
    listen: SocketAddr,
    patients: Vec<PathBuf>,
    generate: usize,
    seed: u64,
    throttle: bool,
    api_keys: Vec<String>,
    software: String,
    approval: ApprovalPolicy,
    device_file: Option<PathBuf>,
    raw_line_breaks: bool,
    read_lag: Duration,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 40700)),
        patients: Vec::new(),
        generate: 0,
        seed: 1,
        throttle: true,
        api_keys: Vec::new(),
        software: "Test Software".into(),
        approval: ApprovalPolicy::Approve,
        device_file: None,
        raw_line_breaks: true,
        read_lag: Duration::ZERO,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value; see --help"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => {
                let text = value("--listen")?;
                options.listen = text.parse().map_err(|_| {
                    format!("--listen {text:?} is not an address such as 127.0.0.1:40700")
                })?;
            }
            "--patients" => options.patients.push(value("--patients")?.into()),
            "--generate" => {
                let text = value("--generate")?;
                options.generate =
                    text.parse()
                        .ok()
                        .filter(|n| *n <= 1_000_000)
                        .ok_or_else(|| {
                            format!("--generate {text:?} must be a number from 0 to 1000000")
                        })?;
            }
            "--seed" => {
                let text = value("--seed")?;
                options.seed = text
                    .parse()
                    .map_err(|_| format!("--seed {text:?} must be a whole number"))?;
            }
            "--throttle" => {
                options.throttle = match value("--throttle")?.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--throttle {other:?} must be on or off")),
                }
            }
            "--api-key" => options.api_keys.push(value("--api-key")?),
            "--software" => options.software = value("--software")?,
            "--auto-approve" => options.approval = ApprovalPolicy::Approve,
            "--no-auto-approve" => options.approval = ApprovalPolicy::NotNow,
            "--block-new-devices" => options.approval = ApprovalPolicy::Block,
            "--device-file" => options.device_file = Some(value("--device-file")?.into()),
            "--escape-line-breaks" => options.raw_line_breaks = false,
            "--read-lag-ms" => {
                let text = value("--read-lag-ms")?;
                let ms: u64 = text.parse().map_err(|_| {
                    format!("--read-lag-ms {text:?} must be a whole number of milliseconds")
                })?;
                options.read_lag = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    Ok(Some(options))
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = MockSystmOne::builder()
        .listen(options.listen)
        .throttle(if options.throttle {
            ThrottleConfig::systmone()
        } else {
            ThrottleConfig::off()
        })
        .approval(options.approval)
        .seed(options.seed)
        .raw_line_breaks(options.raw_line_breaks)
        .read_lag(options.read_lag);
    for path in &options.patients {
        builder = builder.patients_file(path)?;
    }
    if options.generate > 0 {
        builder = builder.synthetic_patients(options.generate, options.seed);
    }
    for key in &options.api_keys {
        builder = builder.api_key(key, &options.software);
    }
    if let Some(path) = &options.device_file {
        builder = builder.device_file(path);
    }
    let mock = builder.start().await?;
    eprintln!(
        "systmone-mock listening on {} with {} patients (throttle {}); Ctrl-C to stop",
        mock.addr(),
        mock.patient_count(),
        if options.throttle { "on" } else { "off" }
    );
    tokio::select! {
        signal = tokio::signal::ctrl_c() => {
            signal?;
            eprintln!("stopping (Ctrl-C)");
        }
        () = mock.stopped() => eprintln!("stopping (ExitClient)"),
    }
    mock.stop().await;
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("systmone-mock: {message}");
            return ExitCode::from(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("systmone-mock: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("systmone-mock: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn defaults_are_systmones() {
        let options = parse(args("")).unwrap().unwrap();
        assert_eq!(options.listen.port(), 40700);
        assert!(options.throttle);
        assert_eq!(options.approval, ApprovalPolicy::Approve);
        assert_eq!(options.read_lag, Duration::ZERO);
    }

    #[test]
    fn options_parse_and_mistakes_are_explained() {
        let options = parse(args(
            "--listen 127.0.0.1:0 --generate 50 --seed 7 --throttle off --api-key K --no-auto-approve --read-lag-ms 2500",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (options.generate, options.seed, options.throttle),
            (50, 7, false)
        );
        assert_eq!(options.api_keys, ["K"]);
        assert_eq!(options.approval, ApprovalPolicy::NotNow);
        assert_eq!(options.read_lag, Duration::from_millis(2500));
        assert!(HELP.contains("--read-lag-ms"));
        assert!(parse(args("--help")).unwrap().is_none());
        for (bad, says) in [
            ("--throttle maybe", "on or off"),
            ("--generate 2000000", "1000000"),
            ("--listen nowhere", "address"),
            ("--seed", "needs a value"),
            ("--read-lag-ms soon", "milliseconds"),
            ("--frobnicate", "unknown option"),
        ] {
            let error = parse(args(bad)).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
