//! The patient-matcher's in-memory [`PatientIndex`] on a 1,000,000-patient
//! synthetic list (`synthetic_patients(1_000_000, 2026)`): build time,
//! memory per patient, exact-match latency and suggestion latency.
//!
//! Targets (from the issue): an exact match in 5 µs or less, suggestions in
//! 5 ms or less at p99, and 300 bytes or less per patient.
//!
//! Before the criterion benches run, a figures block is printed:
//!
//! - memory: the index's own count of its heap bytes
//!   ([`PatientIndex::stats`]), cross-checked by the growth of the
//!   process's resident set (`VmRSS` in `/proc/self/status`) across the
//!   build, and the peak during it (`VmHWM` after resetting it through
//!   `/proc/self/clear_refs`). A counting global allocator would be exact,
//!   but it needs `unsafe impl GlobalAlloc` and the workspace forbids
//!   unsafe code (a `forbid` cannot be allowed locally);
//! - latency percentiles (p50, p90, p99, max), each query timed on its own
//!   with `Instant`: exact matches (case and spacing changed) through
//!   `find` and `find_prepared`, and, per kind of slip, submissions that
//!   must not auto-match (a first-name typo, a nickname, day and month of
//!   birth swapped, the year of birth out by one, a changed surname). Each
//!   slip is timed with the patient's full record (telephones and NHS
//!   number included) and again without telephone numbers, with the number
//!   of candidates compared, to show which blocking key costs what;
//! - where the time goes: least-squares fits of an exact match's time
//!   against the patients born on the submission's date (the bucket the
//!   exact path reads), and of a suggestion's time against the candidates
//!   compared.
//!
//! The criterion benches then measure the build (its input's clone
//! excluded, and the clone alone for reference), `Prepared::new`, exact
//! `find` and `find_prepared`, and `find` for each kind of slip.
//!
//! Run with `cargo bench -p benches --bench matcher`. Without `--bench`
//! (`cargo test --benches`) the list is 10,000 patients, so that the smoke
//! test stays quick.
// The figures block is the point of this bench: print it.
#![allow(missing_docs, clippy::print_stdout)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use criterion::{BatchSize, Criterion, SamplingMode};
use econsult_model::{Demographics, PersonName};
use patient_matcher::{
    AutoMatchRule, MatchConfig, MatchOutcome, PatientIndex, Prepared, nicknames_of, normalise,
};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt as _, SeedableRng as _};
use systmone_client::mock::synthetic_patients;

/// The synthetic practice's seed.
const PRACTICE_SEED: u64 = 2026;
/// The seed choosing and corrupting the submissions.
const QUERY_SEED: u64 = 7;
/// Exact-match submissions (each timed `EXACT_ROUNDS` times).
const EXACT_QUERIES: usize = 1_000;
const EXACT_ROUNDS: usize = 10;
/// Submissions per kind of slip (five kinds: 10,000 in all).
const SLIPS_PER_KIND: usize = 2_000;

/// The targets.
const TARGET_EXACT: Duration = Duration::from_micros(5);
const TARGET_SUGGESTIONS_P99: Duration = Duration::from_millis(5);
const TARGET_BYTES_PER_PATIENT: f64 = 300.0;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let size = if benchmarking { 1_000_000 } else { 10_000 };
    let practice = Practice::new(size);
    let queries = Queries::new(&practice);
    let config = MatchConfig::default();
    report(&practice, &queries, &config);

    let mut c = Criterion::default().configure_from_args();
    bench_build(&mut c, &practice);
    bench_exact(&mut c, &practice, &queries, &config);
    bench_suggestions(&mut c, &practice, &queries, &config);
    c.final_summary();
}

/// The patient list, its index and what building it cost.
struct Practice {
    records: Vec<(u32, Demographics)>,
    index: PatientIndex<u32>,
    generated_in: Duration,
    converted_in: Duration,
    built_in: Duration,
    /// Resident set before and after the one build, and its peak during
    /// it (`None` where `/proc` does not say).
    rss_before_kib: Option<u64>,
    rss_after_kib: Option<u64>,
    peak_kib: Option<u64>,
}

impl Practice {
    fn new(size: usize) -> Self {
        let start = Instant::now();
        let seeds = synthetic_patients(size, PRACTICE_SEED);
        let generated_in = start.elapsed();
        let start = Instant::now();
        let records: Vec<(u32, Demographics)> = seeds
            .iter()
            .enumerate()
            .map(|(i, seed)| {
                let key = u32::try_from(i).unwrap_or_else(|e| panic!("{e}"));
                let demographics = seed
                    .demographics()
                    .unwrap_or_else(|e| panic!("patient {i}: {e}"));
                (key, demographics)
            })
            .collect();
        let converted_in = start.elapsed();

        // Each record is cloned as the build takes it, so that the only
        // memory the build keeps is the index's (the clones are freed one
        // by one and their memory reused); nothing is freed before the
        // build either, so the index cannot settle into memory already
        // resident.
        let rss_before_kib = proc_status_kib("VmRSS");
        let peak_resettable = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let start = Instant::now();
        let index = PatientIndex::build(records.iter().map(|(key, d)| (*key, d.clone())))
            .unwrap_or_else(|e| panic!("{e}"));
        let built_in = start.elapsed();
        let rss_after_kib = proc_status_kib("VmRSS");
        let peak_kib = proc_status_kib("VmHWM").filter(|_| peak_resettable);
        drop(seeds);
        Self {
            records,
            index,
            generated_in,
            converted_in,
            built_in,
            rss_before_kib,
            rss_after_kib,
            peak_kib,
        }
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    fn demographics(&self, patient: u32) -> &Demographics {
        &self.records[patient as usize].1
    }
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        line.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// The slips a submission may make that must not auto-match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slip {
    /// Two neighbouring inner letters of the first name swapped.
    Typo,
    /// A nickname (or the full name) in place of the first name.
    Nickname,
    /// Day and month of birth swapped.
    DayMonthSwap,
    /// The year of birth out by one.
    YearOut,
    /// Another patient's surname (a marriage, say).
    NewSurname,
}

impl Slip {
    const ALL: [Slip; 5] = [
        Slip::Typo,
        Slip::Nickname,
        Slip::DayMonthSwap,
        Slip::YearOut,
        Slip::NewSurname,
    ];

    fn name(self) -> &'static str {
        match self {
            Slip::Typo => "typo",
            Slip::Nickname => "nickname",
            Slip::DayMonthSwap => "day_month_swap",
            Slip::YearOut => "year_out",
            Slip::NewSurname => "new_surname",
        }
    }

    /// `patient`'s demographics with this slip, if it applies to them.
    fn apply(
        self,
        rng: &mut ChaCha8Rng,
        practice: &Practice,
        patient: u32,
    ) -> Option<Demographics> {
        let d = practice.demographics(patient);
        let (first, surname) = (d.name.first_name(), d.name.surname());
        match self {
            Slip::Typo => {
                let mut letters: Vec<char> = first.chars().collect();
                let fold = |c: char| c.to_lowercase().next();
                let swappable: Vec<usize> = (1..letters.len().saturating_sub(2))
                    .filter(|&i| fold(letters[i]) != fold(letters[i + 1]))
                    .collect();
                if swappable.is_empty() {
                    return None;
                }
                let at = swappable[rng.random_range(0..swappable.len())];
                letters.swap(at, at + 1);
                renamed(d, &letters.into_iter().collect::<String>(), surname)
            }
            Slip::Nickname => {
                let forms: Vec<&str> = nicknames_of(&normalise(first)).collect();
                if forms.is_empty() {
                    return None;
                }
                renamed(
                    d,
                    &capitalised(forms[rng.random_range(0..forms.len())]),
                    surname,
                )
            }
            Slip::DayMonthSwap => {
                let born = d.date_of_birth;
                let swapped = NaiveDate::from_ymd_opt(born.year(), born.day(), born.month())
                    .filter(|s| *s != born)?;
                let mut slipped = d.clone();
                slipped.date_of_birth = swapped;
                Some(slipped)
            }
            Slip::YearOut => {
                let born = d.date_of_birth;
                let year = born.year() + if rng.random_bool(0.5) { 1 } else { -1 };
                let mut slipped = d.clone();
                slipped.date_of_birth = born.with_year(year)?;
                Some(slipped)
            }
            Slip::NewSurname => {
                let other = rng.random_range(0..practice.len());
                let other = practice.records[other].1.name.surname();
                if normalise(other) == normalise(surname) {
                    return None;
                }
                renamed(d, first, other)
            }
        }
    }
}

/// `d` with another first name and surname; title and middle names kept.
fn renamed(d: &Demographics, first: &str, surname: &str) -> Option<Demographics> {
    let mut name = PersonName::new(first, surname).ok()?;
    if let Some(title) = d.name.title() {
        name = name.with_title(title).ok()?;
    }
    name = name.with_middle_names(d.name.middle_names()).ok()?;
    let mut renamed = d.clone();
    renamed.name = name;
    Some(renamed)
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One submission, and the patient it was made from.
struct Query {
    patient: u32,
    submission: Demographics,
    prepared: Prepared,
}

impl Query {
    fn new(patient: u32, submission: Demographics) -> Self {
        Self {
            patient,
            prepared: Prepared::new(&submission),
            submission,
        }
    }
}

struct Queries {
    /// Exact copies of registered patients, case and spacing changed, that
    /// auto-match (checked).
    exact: Vec<Query>,
    /// Patients drawn whose exact copy did not auto-match.
    exact_not_auto: usize,
    /// Per kind of slip, in [`Slip::ALL`]'s order.
    slips: Vec<(Slip, Vec<Query>)>,
}

impl Queries {
    fn new(practice: &Practice) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(QUERY_SEED);
        let config = MatchConfig::default();
        let mut exact = Vec::with_capacity(EXACT_QUERIES);
        let mut exact_not_auto = 0;
        while exact.len() < EXACT_QUERIES {
            let patient = random_patient(&mut rng, practice);
            let d = practice.demographics(patient);
            let Some(submission) = respelt(&mut rng, d) else {
                continue;
            };
            let query = Query::new(patient, submission);
            if practice
                .index
                .find(&query.submission, &config)
                .auto_matched()
                == Some(&&patient)
            {
                exact.push(query);
            } else {
                exact_not_auto += 1;
            }
        }
        let slips = Slip::ALL
            .iter()
            .map(|&slip| {
                let mut queries = Vec::with_capacity(SLIPS_PER_KIND);
                while queries.len() < SLIPS_PER_KIND {
                    let patient = random_patient(&mut rng, practice);
                    if let Some(submission) = slip.apply(&mut rng, practice, patient) {
                        queries.push(Query::new(patient, submission));
                    }
                }
                (slip, queries)
            })
            .collect();
        Self {
            exact,
            exact_not_auto,
            slips,
        }
    }
}

fn random_patient(rng: &mut ChaCha8Rng, practice: &Practice) -> u32 {
    u32::try_from(rng.random_range(0..practice.len())).unwrap_or_else(|e| panic!("{e}"))
}

/// `d` as a patient might type it: the first name in capitals or lower
/// case, the surname likewise, with stray spaces.
fn respelt(rng: &mut ChaCha8Rng, d: &Demographics) -> Option<Demographics> {
    let mut case = |text: &str| match rng.random_range(0..3) {
        0 => text.to_uppercase(),
        1 => text.to_lowercase(),
        _ => text.to_owned(),
    };
    let first = format!(" {} ", case(d.name.first_name()));
    let surname = case(d.name.surname()).replace(' ', "  ");
    renamed(d, &first, &surname)
}

/// Percentiles of individually timed calls.
struct Latency {
    count: usize,
    mean: Duration,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        let at = |q: f64| {
            let i = ((times.len().saturating_sub(1)) as f64 * q).round() as usize;
            times.get(i).copied().unwrap_or_default()
        };
        let total: Duration = times.iter().sum();
        Self {
            count: times.len(),
            mean: total / u32::try_from(times.len().max(1)).unwrap_or(u32::MAX),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: times.last().copied().unwrap_or_default(),
        }
    }

    fn line(&self) -> String {
        format!(
            "p50 {:>9}  p90 {:>9}  p99 {:>9}  max {:>9}  mean {:>9}  (n={})",
            human(self.p50),
            human(self.p90),
            human(self.p99),
            human(self.max),
            human(self.mean),
            thousands(self.count),
        )
    }
}

/// Times `call` once per item.
fn time_each<T>(items: &[T], mut call: impl FnMut(&T)) -> Vec<Duration> {
    items
        .iter()
        .map(|item| {
            let start = Instant::now();
            call(item);
            start.elapsed()
        })
        .collect()
}

/// The auto-match rules compared (`AutoMatchRule`): every slip, submitted
/// without its NHS number (most patients do not know it), must not
/// auto-match anyone, since a field of the four differs from its
/// patient's; an auto-match is another patient whose four fields the slip
/// happens to equal. And what the stricter rule costs: exact copies (with
/// postcode and telephone, without NHS number) it still auto-matches.
fn auto_match_rules(practice: &Practice, queries: &Queries, config: &MatchConfig) {
    let strict = config.with_auto_match_rule(AutoMatchRule::FourFieldsAndAnIdentifier);
    let without_nhs = |q: &Query| {
        let mut d = q.submission.clone();
        d.nhs_number = None;
        d
    };
    let (mut slips, mut four_fields, mut stricter) = (0, 0, 0);
    for (_, slipped) in &queries.slips {
        for q in slipped {
            let d = without_nhs(q);
            slips += 1;
            four_fields += usize::from(practice.index.find(&d, config).auto_matched().is_some());
            stricter += usize::from(practice.index.find(&d, &strict).auto_matched().is_some());
        }
    }
    let exact_kept = queries
        .exact
        .iter()
        .filter(|q| {
            practice.index.find(&without_nhs(q), &strict).auto_matched() == Some(&&q.patient)
        })
        .count();
    println!(
        "  auto-match rules, {} slips without their NHS number: the four-field rule auto-matched another patient {four_fields} times, four fields and an identifier {stricter} times; exact copies the stricter rule still auto-matches: {exact_kept} of {}",
        thousands(slips),
        thousands(queries.exact.len()),
    );
}

/// Where the patient a slip was made from ended up.
#[derive(Default)]
struct Recall {
    first: usize,
    listed: usize,
    not_listed: usize,
    no_results: usize,
    auto_matched_someone: usize,
}

impl Recall {
    fn add(&mut self, outcome: &MatchOutcome<&u32>, patient: u32) {
        match outcome {
            MatchOutcome::AutoMatched(_) => self.auto_matched_someone += 1,
            MatchOutcome::NoResults { .. } => self.no_results += 1,
            MatchOutcome::NotMatched { suggestions } => {
                match suggestions.iter().position(|s| *s.patient == patient) {
                    Some(0) => self.first += 1,
                    Some(_) => self.listed += 1,
                    None => self.not_listed += 1,
                }
            }
        }
    }
}

/// How many patients share each blocking key we can see from outside:
/// date of birth and telephone number. (The sound key is Double
/// Metaphone's, private to the matcher.)
struct Buckets {
    by_date: HashMap<NaiveDate, usize>,
    by_phone: HashMap<String, usize>,
    by_name: HashMap<(String, String), usize>,
}

impl Buckets {
    fn new(practice: &Practice) -> Self {
        let mut by_date = HashMap::new();
        let mut by_phone = HashMap::new();
        let mut by_name = HashMap::new();
        for (_, d) in &practice.records {
            *by_date.entry(d.date_of_birth).or_insert(0) += 1;
            for phone in phone_digits(d) {
                *by_phone.entry(phone).or_insert(0) += 1;
            }
            let name = (normalise(d.name.surname()), normalise(d.name.first_name()));
            *by_name.entry(name).or_insert(0) += 1;
        }
        Self {
            by_date,
            by_phone,
            by_name,
        }
    }

    /// Rows the date-of-birth lookups read (the date, day and month
    /// swapped, a year either side), before removing repeats.
    fn date_rows(&self, born: NaiveDate) -> usize {
        let swapped =
            NaiveDate::from_ymd_opt(born.year(), born.day(), born.month()).filter(|d| *d != born);
        [
            Some(born),
            swapped,
            born.with_year(born.year() - 1),
            born.with_year(born.year() + 1),
        ]
        .into_iter()
        .flatten()
        .map(|d| self.by_date.get(&d).copied().unwrap_or(0))
        .sum()
    }

    fn phone_rows(&self, d: &Demographics) -> usize {
        phone_digits(d)
            .iter()
            .map(|p| self.by_phone.get(p).copied().unwrap_or(0))
            .sum()
    }

    fn name_rows(&self, d: &Demographics) -> usize {
        let name = (normalise(d.name.surname()), normalise(d.name.first_name()));
        self.by_name.get(&name).copied().unwrap_or(0)
    }
}

/// A patient's distinct telephone numbers, as digits.
fn phone_digits(d: &Demographics) -> Vec<String> {
    let mut digits: Vec<String> = d.phones.iter().map(|p| p.number.digits()).collect();
    digits.sort_unstable();
    digits.dedup();
    digits
}

/// Sizes of a map's buckets: distinct keys, mean, p99 and largest.
fn bucket_line<K>(map: &HashMap<K, usize>) -> String {
    let mut sizes: Vec<usize> = map.values().copied().collect();
    sizes.sort_unstable();
    let total: usize = sizes.iter().sum();
    let p99 = sizes
        .get((sizes.len().saturating_sub(1)) * 99 / 100)
        .copied()
        .unwrap_or(0);
    format!(
        "{} keys, {:.1} patients per key on average, p99 {}, largest {}",
        thousands(sizes.len()),
        total as f64 / sizes.len().max(1) as f64,
        thousands(p99),
        thousands(sizes.last().copied().unwrap_or(0)),
    )
}

/// Mean, p99 and largest of some counts.
fn count_line(mut counts: Vec<usize>) -> String {
    counts.sort_unstable();
    let total: usize = counts.iter().sum();
    let p99 = counts
        .get((counts.len().saturating_sub(1)) * 99 / 100)
        .copied()
        .unwrap_or(0);
    format!(
        "mean {:.0}, p99 {}, max {}",
        total as f64 / counts.len().max(1) as f64,
        thousands(p99),
        thousands(counts.last().copied().unwrap_or(0)),
    )
}

/// Prints the figures: build, memory, and latency percentiles.
fn report(practice: &Practice, queries: &Queries, config: &MatchConfig) {
    let index = &practice.index;
    let stats = index.stats();
    let patients = practice.len();
    let per_patient = stats.bytes_per_patient();
    println!();
    println!(
        "==== matcher: {} patients (synthetic_patients(_, {PRACTICE_SEED})) ====",
        thousands(patients)
    );
    println!(
        "generate {}, to Demographics {}, PatientIndex::build {} (one build, cloning each record as it goes; criterion's matcher_build/build below excludes the clone)",
        human(practice.generated_in),
        human(practice.converted_in),
        human(practice.built_in),
    );
    println!(
        "memory: {} heap bytes by IndexStats = {per_patient:.1} bytes/patient",
        thousands(stats.heap_bytes),
    );
    let rss_per_patient = match (practice.rss_before_kib, practice.rss_after_kib) {
        (Some(before), Some(after)) => {
            let grown = after.saturating_sub(before) * 1024;
            let per = grown as f64 / patients.max(1) as f64;
            println!(
                "memory: resident set grew {} KiB across the build = {per:.1} bytes/patient (RSS {} -> {} KiB)",
                thousands(grown as usize / 1024),
                thousands(before as usize),
                thousands(after as usize),
            );
            Some(per)
        }
        _ => {
            println!("memory: /proc/self/status unreadable, no RSS cross-check");
            None
        }
    };
    if let (Some(peak), Some(before)) = (practice.peak_kib, practice.rss_before_kib) {
        println!(
            "memory: peak resident set during the build {} KiB, {:.1} bytes/patient above the start",
            thousands(peak as usize),
            peak.saturating_sub(before) as f64 * 1024.0 / patients.max(1) as f64,
        );
    }

    // Warm the caches and branch predictors before timing anything.
    for query in queries
        .exact
        .iter()
        .chain(queries.slips.iter().flat_map(|(_, q)| q))
    {
        black_box(index.find(&query.submission, config));
    }

    println!(
        "exact: {} submissions (case and spacing changed), each timed {EXACT_ROUNDS} times; {} drawn patients left out as they did not auto-match (namesakes with the same date of birth and sex)",
        thousands(queries.exact.len()),
        queries.exact_not_auto,
    );
    let buckets = Buckets::new(practice);
    let rounds = |call: &dyn Fn(&Query)| {
        let mut times = Vec::with_capacity(EXACT_QUERIES * EXACT_ROUNDS);
        for _ in 0..EXACT_ROUNDS {
            times.extend(time_each(&queries.exact, call));
        }
        times
    };
    let find_times = rounds(&|q| {
        black_box(index.find(black_box(&q.submission), config));
    });
    let prepared_times = rounds(&|q| {
        black_box(index.find_prepared(black_box(&q.prepared), config));
    });
    let prepare_times = rounds(&|q| {
        black_box(Prepared::new(black_box(&q.submission)));
    });
    // Each submission's mean time against the number of patients born on
    // its date: the exact path reads that whole bucket.
    let by_bucket = |times: &[Duration]| -> (f64, f64) {
        let n = queries.exact.len();
        let points: Vec<(f64, f64)> = queries
            .exact
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let born = q.submission.date_of_birth;
                let bucket = buckets.by_date.get(&born).copied().unwrap_or(0) as f64;
                let total: f64 = times.iter().skip(i).step_by(n.max(1)).map(nanos).sum();
                (bucket, total / EXACT_ROUNDS as f64)
            })
            .collect();
        fit(&points)
    };
    let (find_slope, find_fixed) = by_bucket(&find_times);
    let (prepared_slope, prepared_fixed) = by_bucket(&prepared_times);
    let exact_find = Latency::of(find_times);
    let exact_prepared = Latency::of(prepared_times);
    let prepare = Latency::of(prepare_times);
    println!("  find           {}", exact_find.line());
    println!("  find_prepared  {}", exact_prepared.line());
    println!("  Prepared::new  {}", prepare.line());
    println!(
        "  against the patients born on the submission's date (least squares, each submission's mean): find {find_slope:.0} ns per patient + {find_fixed:.0} ns; find_prepared {prepared_slope:.0} ns per patient + {prepared_fixed:.0} ns",
    );

    println!("blocking keys (seen from outside the index):");
    println!("  date of birth        {}", bucket_line(&buckets.by_date));
    println!("  telephone number     {}", bucket_line(&buckets.by_phone));
    println!(
        "  (surname, first name) {} (the sound key lumps more together)",
        bucket_line(&buckets.by_name)
    );

    // Every candidate compared is shown at threshold 0 with no limit, so
    // the suggestions count the candidates.
    let everyone = MatchConfig::default()
        .with_threshold(0)
        .with_max_suggestions(usize::MAX);
    let candidates = |submission: &Demographics| -> Option<usize> {
        match index.find(submission, &everyone) {
            MatchOutcome::AutoMatched(_) => None,
            other => Some(other.suggestions().len()),
        }
    };
    let mut all_full = Vec::new();
    let mut per_candidate = Vec::new();
    let mut all_without = Vec::new();
    let mut worst_p99 = Duration::ZERO;
    println!(
        "suggestions: {} submissions per slip, each timed once; with the full record (telephones, NHS number) and without telephone numbers",
        thousands(SLIPS_PER_KIND),
    );
    for (slip, slipped) in &queries.slips {
        let full = time_each(slipped, |q| {
            black_box(index.find(black_box(&q.submission), config));
        });
        let without: Vec<Demographics> = slipped
            .iter()
            .map(|q| {
                let mut d = q.submission.clone();
                d.phones.clear();
                d
            })
            .collect();
        let without_times = time_each(&without, |d| {
            black_box(index.find(black_box(d), config));
        });
        let mut recall = Recall::default();
        for q in slipped {
            recall.add(&index.find(&q.submission, config), q.patient);
        }
        let full_candidates: Vec<Option<usize>> =
            slipped.iter().map(|q| candidates(&q.submission)).collect();
        let without_candidates: Vec<Option<usize>> = without.iter().map(candidates).collect();
        for (count, time) in full_candidates
            .iter()
            .zip(&full)
            .chain(without_candidates.iter().zip(&without_times))
        {
            if let Some(count) = count {
                per_candidate.push((*count as f64, nanos(time)));
            }
        }
        let full_candidates: Vec<usize> = full_candidates.into_iter().flatten().collect();
        let without_candidates: Vec<usize> = without_candidates.into_iter().flatten().collect();
        let date_rows: Vec<usize> = slipped
            .iter()
            .map(|q| buckets.date_rows(q.submission.date_of_birth))
            .collect();
        let phone_rows: Vec<usize> = slipped
            .iter()
            .map(|q| buckets.phone_rows(&q.submission))
            .collect();
        let name_rows: Vec<usize> = slipped
            .iter()
            .map(|q| buckets.name_rows(&q.submission))
            .collect();
        all_full.extend_from_slice(&full);
        all_without.extend_from_slice(&without_times);
        let full = Latency::of(full);
        worst_p99 = worst_p99.max(full.p99);
        println!("  {}:", slip.name());
        println!("    full record    {}", full.line());
        println!("    no telephones  {}", Latency::of(without_times).line());
        println!(
            "    candidates compared: full record {}; no telephones {}",
            count_line(full_candidates),
            count_line(without_candidates),
        );
        println!(
            "    rows read before repeats are removed: date of birth {}; telephone {}; (a floor for the sound key's: same surname and first name {})",
            count_line(date_rows),
            count_line(phone_rows),
            count_line(name_rows),
        );
        println!(
            "    outcome: patient suggested first {}, suggested lower {}, not suggested {}, no results {}, auto-matched someone {}",
            recall.first,
            recall.listed,
            recall.not_listed,
            recall.no_results,
            recall.auto_matched_someone,
        );
    }
    auto_match_rules(practice, queries, config);
    let all_full = Latency::of(all_full);
    let all_without = Latency::of(all_without);
    println!("  every slip, full record    {}", all_full.line());
    println!("  every slip, no telephones  {}", all_without.line());
    let (slope, fixed) = fit(&per_candidate);
    println!(
        "  against the candidates compared (least squares, every submission timed): {slope:.0} ns per candidate + {:.1} µs",
        fixed / 1e3,
    );

    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "matcher: {} patients: build {} (cloning included), {per_patient:.1} bytes/patient (heap){}, exact find p50 {} p99 {}, find_prepared p50 {} p99 {}, suggestions p50 {} p90 {} p99 {} max {} (no telephones: p50 {} p99 {})",
        thousands(patients),
        human(practice.built_in),
        rss_per_patient.map_or(String::new(), |r| format!(" / {r:.1} (RSS growth)")),
        human(exact_find.p50),
        human(exact_find.p99),
        human(exact_prepared.p50),
        human(exact_prepared.p99),
        human(all_full.p50),
        human(all_full.p90),
        human(all_full.p99),
        human(all_full.max),
        human(all_without.p50),
        human(all_without.p99),
    );
    println!(
        "targets: exact <= {} (p99 of find): {}; suggestions p99 <= {} (worst slip): {}; <= {TARGET_BYTES_PER_PATIENT} bytes/patient: {}",
        human(TARGET_EXACT),
        verdict(exact_find.p99 <= TARGET_EXACT),
        human(TARGET_SUGGESTIONS_P99),
        verdict(worst_p99 <= TARGET_SUGGESTIONS_P99),
        verdict(per_patient <= TARGET_BYTES_PER_PATIENT),
    );
    println!("====");
    println!();
}

fn bench_build(c: &mut Criterion, practice: &Practice) {
    let mut group = c.benchmark_group("matcher_build");
    // Seconds per iteration: one iteration per sample, ten samples.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("clone_input", |b| {
        b.iter_with_large_drop(|| practice.records.clone());
    });
    // The clone is setup, not timed; the index is dropped untimed too.
    group.bench_function("build", |b| {
        b.iter_batched(
            || practice.records.clone(),
            |records| PatientIndex::build(records).unwrap_or_else(|e| panic!("{e}")),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn bench_exact(c: &mut Criterion, practice: &Practice, queries: &Queries, config: &MatchConfig) {
    let index = &practice.index;
    let mut group = c.benchmark_group("matcher_exact");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut cycle = queries.exact.iter().cycle();
    group.bench_function("find", |b| {
        b.iter(|| {
            let q = cycle.next().unwrap_or_else(|| unreachable!());
            index.find(black_box(&q.submission), config)
        });
    });
    group.bench_function("find_prepared", |b| {
        b.iter(|| {
            let q = cycle.next().unwrap_or_else(|| unreachable!());
            index.find_prepared(black_box(&q.prepared), config)
        });
    });
    group.bench_function("prepare", |b| {
        b.iter(|| {
            let q = cycle.next().unwrap_or_else(|| unreachable!());
            Prepared::new(black_box(&q.submission))
        });
    });
    group.finish();
}

fn bench_suggestions(
    c: &mut Criterion,
    practice: &Practice,
    queries: &Queries,
    config: &MatchConfig,
) {
    let index = &practice.index;
    let mut group = c.benchmark_group("matcher_suggestions");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (slip, slipped) in &queries.slips {
        let mut cycle = slipped.iter().cycle();
        group.bench_function(slip.name(), |b| {
            b.iter(|| {
                let q = cycle.next().unwrap_or_else(|| unreachable!());
                index.find(black_box(&q.submission), config)
            });
        });
    }
    group.finish();
}

/// The least-squares line through `points`: (slope, intercept).
fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len().max(1) as f64;
    let (sum_x, sum_y) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    let (covariance, variance) = points.iter().fold((0.0, 0.0), |(c, v), (x, y)| {
        let dx = x - mean_x;
        (c + dx * (y - mean_y), v + dx * dx)
    });
    let slope = if variance > 0.0 {
        covariance / variance
    } else {
        0.0
    };
    (slope, mean_y - slope * mean_x)
}

fn nanos(d: &Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

/// A duration in the unit that suits it.
fn human(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
