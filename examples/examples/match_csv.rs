//! Matches a CSV file of submissions (the demographics patients declared on
//! eConsults) against a CSV file of patients with
//! `patient_matcher::PatientIndex`, and writes one CSV row per candidate
//! shown: auto-matched, suggested for a person to choose, or none.
//!
//! ```text
//! cargo run --release --example match_csv -- --patients P.csv --submissions S.csv > matches.csv
//! cargo run --release --example match_csv -- --strict --patients P.csv --submissions S.csv > matches.csv
//! cargo run --release --example match_csv -- --help
//! ```
//!
//! On the synthetic sample files (from the repository root):
//!
//! ```text
//! cargo run --release --example match_csv -- --patients examples/data/match_csv/patients.csv --submissions examples/data/match_csv/submissions.csv
//! ```
//!
//! The samples show an auto-match, a suggestion (Bill for William, with the
//! day and month of birth swapped), two identical patients who are both
//! suggested and never auto-matched, an empty sex (read as `U`: never
//! auto-matched), and a submission with no plausible patient; and the messy
//! rows real lists have, each reported as a warning while every row is
//! used: a patient whose postcode is not a UK one (read as not known, the
//! patient still auto-matched), a submission with an NHS number that fails
//! its check digit (likewise), a submission without a first name (matched,
//! only suggested), and a patient row without a date of birth that looks
//! like another patient (kept: both are suggested, neither auto-matched).
//!
//! Both files have the header `id,first_name,surname,dob,sex,postcode,phone,nhs_number`;
//! the output has the header `submission_id,outcome,rank,patient_id,score`.
//! `HELP` (`--help`) documents every column and the error policy:
//!
//! - a bad *value* is a warning (on stderr, with its file, line number and
//!   column) and the row is still used: a bad postcode, phone number, NHS
//!   number or sex is read as not known, a missing or unreadable first
//!   name, surname or date of birth as missing. A patient row missing one
//!   is kept as an *incomplete patient* rather than skipped, because
//!   skipping one of two look-alike patients would turn the other into an
//!   auto-match that may be the wrong person; an incomplete submission is
//!   matched but never auto-matched;
//! - a row that cannot be read safely (the wrong number of columns, text
//!   that is not UTF-8), an empty or repeated id, a wrong header or an
//!   unreadable file is an *error*: every error is listed and nothing is
//!   written to stdout;
//! - `--strict` makes every warning an error, as it was before warnings
//!   existed.
//!
//! A summary on stderr closes every run that wrote output: rows read per
//! file, warnings by kind, and the outcomes.
//!
//! The work is done by `run`, which reads from and writes to any
//! `Read`/`Write` and returns the summary with the warnings, so the tests
//! at the bottom exercise it without files or a process.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use csv::{Position, StringRecord};
use econsult_model::{NhsNumber, PersonName, PhoneNumber, Postcode, Sex};
use patient_matcher::{
    IndexFull, MatchConfig, MatchOutcome, PatientIndex, PersonDetails, Suggestion,
};

/// The header both input files must start with, exactly.
const COLUMNS: [&str; 8] = [
    "id",
    "first_name",
    "surname",
    "dob",
    "sex",
    "postcode",
    "phone",
    "nhs_number",
];

/// The header of the output.
const OUTPUT_COLUMNS: [&str; 5] = ["submission_id", "outcome", "rank", "patient_id", "score"];

/// At most this many errors, and this many warnings, are printed; the rest
/// are counted.
const MAX_PROBLEMS_SHOWN: usize = 100;

/// Exit status for a mistake on the command line.
const EXIT_USAGE: u8 = 2;

const USAGE: &str = "\
usage: match_csv [--strict] --patients PATIENTS.csv --submissions SUBMISSIONS.csv > matches.csv
       match_csv --help
";

const HELP: &str = "\
match_csv: match submissions (what patients declared on an eConsult) against a
patient list, both CSV files, and write the matches as CSV to stdout.

usage: match_csv [--strict] --patients PATIENTS.csv --submissions SUBMISSIONS.csv > matches.csv
       match_csv --help

  --patients PATH      the patient list to match against
  --submissions PATH   the submissions to match, one per row
  --strict             refuse both files if any value in them is bad
                       (see ERRORS AND WARNINGS)
  -h, --help           show this help

  (from the SDK repository: cargo run --release --example match_csv -- ARGS)

Each submission is matched against the whole patient list by
patient_matcher::PatientIndex with the default MatchConfig: candidates scoring
at least 65 are suggested, at most 5 of them, except that patients who could
be the person (see OUTPUT) are always all shown.

INPUT (both files)
  UTF-8 CSV (a byte-order mark is fine) whose first line is exactly the header
      id,first_name,surname,dob,sex,postcode,phone,nhs_number
  then one person per row, every row with exactly these 8 columns. Values are
  trimmed of surrounding spaces; a value containing a comma must be in double
  quotes.

  id           required, unique within its file; copied to the output
  first_name   needed for an auto-match (see MISSING VALUES)
  surname      needed for an auto-match
  dob          needed for an auto-match: date of birth as YYYY-MM-DD
               (e.g. 1970-02-01); 01/02/1970 is refused, not guessed
  sex          M (male), F (female), I (indeterminate) or U (unknown); the
               words are accepted too, in any case. EMPTY MEANS U: U is
               SystmOne's code for 'not known or not recorded', which is
               what an empty cell says. See SEX for what U and I do.
  postcode     optional: a UK postcode, any case and spacing (zz991ab)
  phone        optional: one number, 7 to 15 digits; spaces, hyphens, dots,
               brackets and a leading + allowed (+44 7700 900123)
  nhs_number   optional: 10 digits with a valid Modulus 11 check digit;
               spaces and hyphens allowed (999 000 0018)

  An empty optional value means 'not known'; so does one that is not valid
  (a mistyped NHS number, postcode or phone number), with a warning.

MISSING VALUES
  A first name, surname or date of birth that is empty, or that cannot be
  read (a date that is not YYYY-MM-DD or not a real day, a name holding a
  line break or control character), is missing, with a warning.
  A submission missing one is still matched, on what it has, but never
  auto-matched: its candidates are suggested.
  A patient row missing one is kept as an INCOMPLETE PATIENT: it is compared
  on what it has, can be suggested, and blocks the auto-match of anyone it
  could be (nothing disagrees, and at least two of first name, surname and
  date of birth are the same). It is kept rather than skipped on purpose:
  skipping one of two look-alike patients would auto-match every submission
  like them to the other one, who may be the wrong person.

SEX
  A submission of sex U (unknown) or I (indeterminate) is never
  auto-matched: the patients matching it exactly are suggested. A patient
  with the same first name, surname and date of birth whose sex is U or I
  (an empty cell included) may be the same person as an M or F submission:
  it blocks that submission's auto-match and is shown among its
  suggestions. So a blank or unknown sex never causes a wrong auto-match.

OUTPUT (stdout)
      submission_id,outcome,rank,patient_id,score
  Submissions in file order; for each, one row per candidate shown:

  auto       one row, rank 1: the submission has a first name, surname,
             date of birth and sex M or F; exactly one patient has the same
             four (ignoring case and spacing), no other patient could be the
             person (an incomplete patient or one of sex U or I, as above),
             and no NHS number disagrees. This patient can be linked.
  suggested  one row per candidate, rank 1, 2, ...: exact matches first,
             then best score first. A person must choose. Every patient who
             could be the person is shown, even beyond 5, and when there are
             several none is auto-matched: two or more exact matches (twins
             with the same first name, duplicate registrations), incomplete
             patients, patients of sex U or I.
  none       a single row with rank, patient_id and score empty: no patient
             is plausible.

  score      0 to 100: the share of the points that the fields known on both
             sides could earn. A field earns, when it agrees: first name 20,
             surname 25, date of birth 35, sex 10, postcode 5, phone 5 (less
             for partial agreement: nicknames, typos, day and month swapped,
             sex U or I on one side...). A field not known on one side or
             both is left out of both the points earned and the points
             possible, so a row is not marked down for what it does not say;
             but when fewer than 55 points of names and date of birth can be
             compared, the points missing up to 55 count as not agreeing.
             The share is rounded to a whole percentage; then a matching NHS
             number adds 25, a different one takes 40 away, and the score is
             kept within 0 to 100. Bill for William
             (16), the same surname (25), day and month of birth swapped
             (26), the same sex (10) and postcode (5), no phone on one side:
             82 of 95, score 86.

ERRORS AND WARNINGS
  By default every row that can be read is used, and everything wrong is
  reported on stderr with its file, line number (the header is line 1; a
  quoted value spanning lines counts every line) and column.

  Warnings: the row is used, and the line says how the value was read:
      PATIENTS.csv:4: postcode: \"ZZ99\" has 4 letters and digits, ... (read as not known)
    - a postcode, phone or NHS number that is not valid: read as not known;
    - a sex that is not one of the codes or words above: read as U;
    - a first name, surname or date of birth that is empty or cannot be
      read: missing (see MISSING VALUES).

  Errors: NOTHING is written to stdout; fix them and run again:
    - a file that cannot be read, is empty, or holds text that is not UTF-8;
    - a first line that is not the header above;
    - a row with more or fewer than 8 columns: a comma in an unquoted value
      shifts every value after it into the wrong column, so no value of the
      row can be trusted;
    - an empty id, or an id already used in the same file: the output could
      not say which row it means.

  At most 100 errors and 100 warnings are printed; the rest are counted.

  --strict makes every warning an error: any bad value in either file is
  listed and NOTHING is written, for those who would rather fix their lists
  than have values read as not known.

  When output was written, stderr ends with a summary: the rows read from
  each file, how many were incomplete, the warnings by kind, and how many
  submissions had each outcome:
      match_csv: PATIENTS.csv: 9 rows read, 1 incomplete patient; 2 warnings: 1 missing date of birth, 1 invalid postcode
      match_csv: SUBMISSIONS.csv: 8 rows read, 1 incomplete submission; 2 warnings: 1 missing first name, 1 invalid NHS number
      match_csv: 8 submissions matched against 9 patients: 2 auto, 5 suggested, 1 none

  Exit status: 0 output written, with or without warnings; 1 errors (with
  --strict, any bad value), an unreadable file or output that could not be
  written; 2 a mistake on the command line.
";

fn main() -> ExitCode {
    match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Help) => match io::stdout().lock().write_all(HELP.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        },
        Ok(Command::Match {
            patients,
            submissions,
            options,
        }) => match_files(&patients, &submissions, options),
        Err(message) => {
            // Nothing useful can be done if stderr itself is closed.
            let _ = writeln!(
                io::stderr().lock(),
                "match_csv: {message}\n\n{USAGE}Run with --help for the file formats."
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Opens both files, matches, and reports on stderr.
fn match_files(patients_path: &Path, submissions_path: &Path, options: Options) -> ExitCode {
    let mut stderr = io::stderr().lock();
    let open =
        |path: &Path| File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()));
    let (patients, submissions) = match (open(patients_path), open(submissions_path)) {
        (Ok(patients), Ok(submissions)) => (patients, submissions),
        (patients, submissions) => {
            for message in [patients.err(), submissions.err()].into_iter().flatten() {
                let _ = writeln!(stderr, "match_csv: {message}");
            }
            return ExitCode::FAILURE;
        }
    };
    let label = |file: Which| match file {
        Which::Patients => patients_path.display().to_string(),
        Which::Submissions => submissions_path.display().to_string(),
    };
    // Nothing useful can be done if stderr itself is closed, hence the
    // ignored results below.
    // csv::Writer buffers, so the locked stdout needs no BufWriter.
    match run(patients, submissions, io::stdout().lock(), options) {
        Ok(summary) => {
            let _ = write_problems(
                &mut stderr,
                summary.warnings.iter().map(|w| &w.problem),
                "warning",
                &label,
            );
            for line in summary.lines(&label) {
                let _ = writeln!(stderr, "match_csv: {line}");
            }
            return ExitCode::SUCCESS;
        }
        Err(Failure::Rows { errors, warnings }) => {
            let _ = write_problems(&mut stderr, errors.iter(), "error", &label);
            let _ = write_problems(
                &mut stderr,
                warnings.iter().map(|w| &w.problem),
                "warning",
                &label,
            );
            let _ = writeln!(stderr, "match_csv: {}", failure_line(&errors, &warnings));
        }
        Err(Failure::Index(full)) => {
            let _ = writeln!(stderr, "match_csv: {full}");
        }
        Err(Failure::Output(error)) => {
            let _ = writeln!(stderr, "match_csv: cannot write the output: {error}");
        }
    }
    ExitCode::FAILURE
}

/// Writes each problem in the `FILE:LINE: COLUMN: message` form, at most
/// [`MAX_PROBLEMS_SHOWN`] of them, then how many more there were.
fn write_problems<'a>(
    out: &mut impl Write,
    problems: impl ExactSizeIterator<Item = &'a Problem>,
    noun: &str,
    label: &dyn Fn(Which) -> String,
) -> io::Result<()> {
    let total = problems.len();
    for problem in problems.take(MAX_PROBLEMS_SHOWN) {
        writeln!(out, "{}", problem.display(label(problem.file)))?;
    }
    if total > MAX_PROBLEMS_SHOWN {
        writeln!(
            out,
            "... and {} more {noun}s not shown",
            total - MAX_PROBLEMS_SHOWN
        )?;
    }
    Ok(())
}

/// The last line of a run that wrote nothing because of bad rows.
fn failure_line(errors: &[Problem], warnings: &[Warning]) -> String {
    let warnings = if warnings.is_empty() {
        String::new()
    } else {
        format!(" (and {})", counted(warnings.len(), "warning", "warnings"))
    };
    format!(
        "{}{warnings} found; nothing was written: fix the errors above and run again",
        counted(errors.len(), "error", "errors")
    )
}

/// `1 row`, `2 rows`.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Match {
        patients: PathBuf,
        submissions: PathBuf,
        options: Options,
    },
}

/// How a run treats bad values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Options {
    /// Every bad value in either file is an error and nothing is written
    /// (`--strict`); by default a bad value is a warning and the row is
    /// used.
    strict: bool,
}

/// Parses the arguments (without the program name). `--flag PATH` and
/// `--flag=PATH` are both accepted; `--strict` may come anywhere.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut patients = None;
    let mut submissions = None;
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (text, None),
        };
        let slot = match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--strict" if inline.is_some() => return Err(format!("{flag} takes no value")),
            "--strict" if options.strict => return Err(format!("{flag} is given twice")),
            "--strict" => {
                options.strict = true;
                continue;
            }
            "--patients" => &mut patients,
            "--submissions" => &mut submissions,
            _ => return Err(format!("unexpected argument {text:?}")),
        };
        if slot.is_some() {
            return Err(format!("{flag} is given twice"));
        }
        let value = match inline {
            Some(value) => OsString::from(value),
            None => match args.next() {
                Some(value) if !value.to_string_lossy().starts_with('-') => value,
                _ => return Err(format!("{flag} needs a path after it")),
            },
        };
        if value.is_empty() {
            return Err(format!("{flag} needs a path after it"));
        }
        *slot = Some(PathBuf::from(value));
    }
    match (patients, submissions) {
        (Some(patients), Some(submissions)) => Ok(Command::Match {
            patients,
            submissions,
            options,
        }),
        (None, _) => Err("--patients PATH is required".to_owned()),
        (_, None) => Err("--submissions PATH is required".to_owned()),
    }
}

/// Which input file a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Which {
    Patients,
    Submissions,
}

/// Something wrong with an input file: a row, a value, or the whole file.
/// An error, or the text of a [`Warning`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    file: Which,
    /// The line the row starts on (the header is line 1); none when the
    /// file itself could not be read.
    line: Option<u64>,
    /// The column, when the problem is one value.
    column: Option<&'static str>,
    message: String,
}

impl Problem {
    /// `FILE:LINE: COLUMN: message`, the form editors and `grep` know.
    fn display(&self, file: impl fmt::Display) -> String {
        let mut out = file.to_string();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        if let Some(column) = self.column {
            out.push_str(&format!(": {column}"));
        }
        out.push_str(&format!(": {}", self.message));
        out
    }

    /// A CSV-level error: text that is not UTF-8, or a failed read.
    fn from_csv(file: Which, error: &csv::Error) -> Self {
        let line = error.position().map(Position::line);
        match error.kind() {
            csv::ErrorKind::Utf8 { err, .. } => Problem {
                file,
                line,
                column: COLUMNS.get(err.field()).copied(),
                message: "is not valid UTF-8 text: save the file as UTF-8 (in Excel, 'CSV UTF-8')"
                    .to_owned(),
            },
            csv::ErrorKind::Io(io) => Problem {
                file,
                line,
                column: None,
                message: format!("cannot read the file: {io}"),
            },
            _ => Problem {
                file,
                line,
                column: None,
                message: error.to_string(),
            },
        }
    }
}

/// A bad value read around: the row is used, the value read as not known
/// (or, for a required value, as missing). Under `--strict` it is an error
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Warning {
    /// Where, what, and how the value was read.
    problem: Problem,
    kind: WarningKind,
}

/// What the summary counts a warning as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct WarningKind {
    file: Which,
    /// The position of the column in [`COLUMNS`], so that kinds sort in
    /// column order.
    column: usize,
    fault: Fault,
}

/// Whether a value was empty or could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Fault {
    /// Empty (a warning only for first name, surname and date of birth:
    /// an empty optional value is simply not known).
    Missing,
    /// Given, but not valid.
    Invalid,
}

impl WarningKind {
    /// What a default run does with the value.
    fn consequence(self) -> &'static str {
        let required = matches!(COLUMNS[self.column], "first_name" | "surname" | "dob");
        match (self.file, required, self.fault) {
            (Which::Patients, true, Fault::Missing) => {
                "kept as an incomplete patient: can be suggested, and blocks the auto-match of anyone it could be"
            }
            (Which::Patients, true, Fault::Invalid) => {
                "read as missing: kept as an incomplete patient, who can be suggested, and blocks the auto-match of anyone it could be"
            }
            (Which::Submissions, true, Fault::Missing) => "matched, but never auto-matched",
            (Which::Submissions, true, Fault::Invalid) => {
                "read as missing: matched, but never auto-matched"
            }
            (Which::Patients, false, _) if COLUMNS[self.column] == "sex" => "read as U",
            (Which::Submissions, false, _) if COLUMNS[self.column] == "sex" => {
                "read as U: suggested, never auto-matched"
            }
            (_, false, _) => "read as not known",
        }
    }

    /// `2 invalid postcodes`, `1 missing date of birth`.
    fn describe(self, count: usize) -> String {
        let (one, many) = match COLUMNS[self.column] {
            "first_name" => ("first name", "first names"),
            "surname" => ("surname", "surnames"),
            "dob" => ("date of birth", "dates of birth"),
            "sex" => ("sex code", "sex codes"),
            "postcode" => ("postcode", "postcodes"),
            "phone" => ("phone number", "phone numbers"),
            "nhs_number" => ("NHS number", "NHS numbers"),
            other => (other, other),
        };
        let fault = match self.fault {
            Fault::Missing => "missing",
            Fault::Invalid => "invalid",
        };
        format!("{count} {fault} {}", if count == 1 { one } else { many })
    }
}

/// Why nothing (or not everything) was written.
#[derive(Debug)]
enum Failure {
    /// Errors in the input (and the warnings found with them); nothing
    /// was written.
    Rows {
        errors: Vec<Problem>,
        warnings: Vec<Warning>,
    },
    /// The patient list does not fit one index; nothing was written.
    Index(IndexFull),
    /// Writing the output failed part-way.
    Output(io::Error),
}

impl From<csv::Error> for Failure {
    fn from(error: csv::Error) -> Self {
        Failure::Output(error.into())
    }
}

/// The rows read from one file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Rows {
    /// Data rows read (the header aside).
    read: usize,
    /// Rows missing a first name, surname or date of birth.
    incomplete: usize,
}

/// What a run that wrote output did: rows read, warnings, and how many
/// submissions had each outcome.
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    patients: Rows,
    submissions: Rows,
    /// Every warning, in file and line order.
    warnings: Vec<Warning>,
    auto: usize,
    suggested: usize,
    none: usize,
}

impl Summary {
    /// How many warnings of each kind, by file, then column, then fault.
    fn warning_counts(&self) -> Vec<(WarningKind, usize)> {
        let mut counts = BTreeMap::new();
        for warning in &self.warnings {
            *counts.entry(warning.kind).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }

    /// The closing summary: one line per file, then the outcomes.
    fn lines(&self, label: &dyn Fn(Which) -> String) -> [String; 3] {
        let counts = self.warning_counts();
        let file_line = |file: Which, rows: &Rows, noun: (&str, &str)| {
            let mut line = format!(
                "{}: {} read",
                label(file),
                counted(rows.read, "row", "rows")
            );
            if rows.incomplete > 0 {
                line.push_str(&format!(
                    ", {}",
                    counted(
                        rows.incomplete,
                        &format!("incomplete {}", noun.0),
                        &format!("incomplete {}", noun.1)
                    )
                ));
            }
            let kinds: Vec<String> = counts
                .iter()
                .filter(|(kind, _)| kind.file == file)
                .map(|(kind, count)| kind.describe(*count))
                .collect();
            let total: usize = counts
                .iter()
                .filter(|(kind, _)| kind.file == file)
                .map(|(_, count)| count)
                .sum();
            if total == 0 {
                line.push_str("; no warnings");
            } else {
                line.push_str(&format!(
                    "; {}: {}",
                    counted(total, "warning", "warnings"),
                    kinds.join(", ")
                ));
            }
            line
        };
        [
            file_line(Which::Patients, &self.patients, ("patient", "patients")),
            file_line(
                Which::Submissions,
                &self.submissions,
                ("submission", "submissions"),
            ),
            format!(
                "{} matched against {}: {} auto, {} suggested, {} none",
                counted(self.submissions.read, "submission", "submissions"),
                counted(self.patients.read, "patient", "patients"),
                self.auto,
                self.suggested,
                self.none
            ),
        ]
    }
}

/// One row as read: everything that could be read of it.
#[derive(Debug)]
struct Person {
    id: String,
    details: PersonDetails,
}

impl Person {
    /// Whether first name, surname and date of birth are all known.
    fn is_complete(&self) -> bool {
        self.details.first_name.is_some()
            && self.details.surname.is_some()
            && self.details.date_of_birth.is_some()
    }
}

/// Reads both files and, unless either has an error (with
/// `options.strict`, any bad value), matches each submission and writes the
/// output CSV to `out`. Nothing is written when there is an error.
fn run(
    patients: impl Read,
    submissions: impl Read,
    out: impl Write,
    options: Options,
) -> Result<Summary, Failure> {
    let patients = read_people(Which::Patients, patients, options);
    let submissions = read_people(Which::Submissions, submissions, options);
    let mut errors = patients.errors;
    errors.extend(submissions.errors);
    let mut warnings = patients.warnings;
    warnings.extend(submissions.warnings);
    if !errors.is_empty() {
        return Err(Failure::Rows { errors, warnings });
    }
    let rows = |people: &[Person]| Rows {
        read: people.len(),
        incomplete: people.iter().filter(|p| !p.is_complete()).count(),
    };
    let mut summary = Summary {
        patients: rows(&patients.people),
        submissions: rows(&submissions.people),
        warnings,
        ..Summary::default()
    };
    let index = PatientIndex::from_details(patients.people.into_iter().map(|p| (p.id, p.details)))
        .map_err(Failure::Index)?;
    let config = MatchConfig::default();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(OUTPUT_COLUMNS)?;
    for submission in &submissions.people {
        // An incomplete submission is never auto-matched (the library's
        // rule): its candidates come back as suggestions.
        let outcome = index.find_details(&submission.details, &config);
        let id = submission.id.as_str();
        let row = |kind: &str, rank: usize, suggestion: &Suggestion<&String>| {
            [
                id.to_owned(),
                kind.to_owned(),
                rank.to_string(),
                suggestion.patient.to_string(),
                suggestion.score.value().to_string(),
            ]
        };
        match &outcome {
            MatchOutcome::AutoMatched(only) => {
                summary.auto += 1;
                writer.write_record(row("auto", 1, only))?;
            }
            MatchOutcome::NotMatched { suggestions } if !suggestions.is_empty() => {
                summary.suggested += 1;
                for (rank, suggestion) in (1..).zip(suggestions) {
                    writer.write_record(row("suggested", rank, suggestion))?;
                }
            }
            MatchOutcome::NotMatched { .. } | MatchOutcome::NoResults { .. } => {
                summary.none += 1;
                writer.write_record([id, "none", "", "", ""])?;
            }
        }
    }
    writer.flush().map_err(Failure::Output)?;
    Ok(summary)
}

/// One file as read.
#[derive(Debug, Default)]
struct Contents {
    /// Every row that could be read, bad values read as not known.
    people: Vec<Person>,
    errors: Vec<Problem>,
    warnings: Vec<Warning>,
}

/// Reads one file: its header, then every row, collecting every error and
/// warning.
fn read_people(file: Which, input: impl Read, options: Options) -> Contents {
    // The header is read as a record so that its problems are reported like
    // any row's; `flexible` so that a row of the wrong width gets our
    // message (naming the header) rather than the csv crate's.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut read = Contents::default();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    let mut header_read = false;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                read.errors.push(Problem::from_csv(file, &error));
                // A bad row (bad UTF-8) has been read past; after a failed
                // read, or without a header, the rest cannot be trusted.
                if error.position().is_none() || !header_read {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(1, Position::line);
        let problem = |column, message| Problem {
            file,
            line: Some(line),
            column,
            message,
        };
        if !header_read {
            header_read = true;
            if !record.iter().map(str::trim).eq(COLUMNS) {
                read.errors.push(problem(None, header_problem(&record)));
                break;
            }
            continue;
        }
        let row = match parse_row(&record) {
            Ok(row) => row,
            Err(message) => {
                read.errors.push(problem(None, message));
                continue;
            }
        };
        if row.id.is_empty() {
            read.errors.push(problem(
                Some("id"),
                "must not be empty: every row needs an id, which the output refers to".to_owned(),
            ));
        } else if let Some(first) = seen_ids.get(&row.id) {
            read.errors.push(problem(
                Some("id"),
                format!(
                    "{:?} is already the id of line {first}: ids must be unique within a file, so that the output names one row",
                    excerpt(&row.id)
                ),
            ));
        } else {
            seen_ids.insert(row.id.clone(), line);
        }
        for bad in row.problems {
            if options.strict {
                read.errors.push(problem(Some(bad.column), bad.message));
                continue;
            }
            let kind = WarningKind {
                file,
                column: COLUMNS.iter().position(|c| *c == bad.column).unwrap_or(0),
                fault: bad.fault,
            };
            let said = match bad.fault {
                Fault::Missing => "is empty".to_owned(),
                Fault::Invalid => bad.message,
            };
            read.warnings.push(Warning {
                problem: problem(Some(bad.column), format!("{said} ({})", kind.consequence())),
                kind,
            });
        }
        read.people.push(Person {
            id: row.id,
            details: row.details,
        });
    }
    if !header_read && read.errors.is_empty() {
        read.errors.push(Problem {
            file,
            line: Some(1),
            column: None,
            message: format!(
                "the file is empty: expected the header {}",
                COLUMNS.join(",")
            ),
        });
    }
    read
}

fn header_problem(record: &StringRecord) -> String {
    let found: Vec<&str> = record.iter().collect();
    format!(
        "the first line must be the header {} (exactly these {} columns, in this order), but it is {:?}",
        COLUMNS.join(","),
        COLUMNS.len(),
        excerpt_of(&found.join(","), 200),
    )
}

/// A row of the right width: its id (checked by the caller), what could be
/// read, and what could not.
#[derive(Debug)]
struct Row {
    id: String,
    details: PersonDetails,
    problems: Vec<BadValue>,
}

/// One value that is missing or not valid: a warning by default, an error
/// under `--strict`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BadValue {
    column: &'static str,
    fault: Fault,
    /// What is wrong, as an error says it.
    message: String,
}

/// Reads one data row, reporting every bad value, not just the first. The
/// only error is a row of the wrong width: its values cannot be trusted to
/// be in their columns.
fn parse_row(record: &StringRecord) -> Result<Row, String> {
    let fields: Vec<&str> = record.iter().map(str::trim).collect();
    let Ok(
        [
            id,
            first_name,
            surname,
            dob,
            sex,
            postcode,
            phone,
            nhs_number,
        ],
    ) = <[&str; 8]>::try_from(fields)
    else {
        let mut message = format!(
            "has {} columns, but the header {} has {}",
            record.len(),
            COLUMNS.join(","),
            COLUMNS.len()
        );
        if record.len() > COLUMNS.len() {
            message.push_str(": a value containing a comma must be in double quotes");
        }
        return Err(message);
    };
    let mut problems = Vec::new();
    let mut details = PersonDetails::default();
    // `PersonName` checks the two parts together: each is checked with a
    // stand-in for the other, so that both are reported in one run.
    details.first_name = value(&mut problems, "first_name", first_name, |text| {
        PersonName::new(text, "-")
            .map(|name| name.first_name().to_owned())
            .map_err(|error| error.problem)
    });
    details.surname = value(&mut problems, "surname", surname, |text| {
        PersonName::new("-", text)
            .map(|name| name.surname().to_owned())
            .map_err(|error| error.problem)
    });
    details.date_of_birth = value(&mut problems, "dob", dob, parse_dob);
    // Empty means U: see HELP. So does a sex that cannot be read, with a
    // warning.
    details.sex = if sex.is_empty() {
        Sex::Unknown
    } else {
        value(&mut problems, "sex", sex, str::parse).unwrap_or(Sex::Unknown)
    };
    details.postcode = optional(&mut problems, "postcode", postcode, Postcode::parse);
    details.phones = optional(&mut problems, "phone", phone, PhoneNumber::parse)
        .into_iter()
        .collect();
    details.nhs_number = optional(&mut problems, "nhs_number", nhs_number, NhsNumber::parse);
    Ok(Row {
        id: id.to_owned(),
        details,
        problems,
    })
}

/// The value, or `None` with its error (the library's own text) recorded
/// against `column`.
fn value<T, E: fmt::Display>(
    problems: &mut Vec<BadValue>,
    column: &'static str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    parse(text)
        .map_err(|error| {
            problems.push(BadValue {
                column,
                fault: if text.is_empty() {
                    Fault::Missing
                } else {
                    Fault::Invalid
                },
                message: error.to_string(),
            });
        })
        .ok()
}

/// An empty optional value is `None` and no problem; a given one must
/// parse.
fn optional<T, E: fmt::Display>(
    problems: &mut Vec<BadValue>,
    column: &'static str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    if text.is_empty() {
        None
    } else {
        value(problems, column, text, parse)
    }
}

/// A date of birth, strictly `YYYY-MM-DD`: `03/04/1970` could be either
/// day first or month first, so it is refused rather than guessed.
fn parse_dob(text: &str) -> Result<NaiveDate, String> {
    const FORM: &str = "YYYY-MM-DD, e.g. 1970-02-01";
    if text.is_empty() {
        return Err(format!(
            "must not be empty; give the date of birth as {FORM}"
        ));
    }
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, byte)| match i {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        let why = if text.contains('/') {
            " (with slashes the day and month could be either way round, so it is not guessed)"
        } else {
            ""
        };
        return Err(format!(
            "{:?} is not a date of the form {FORM}{why}",
            excerpt(text)
        ));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a real date: there is no such day"))
}

/// At most 40 characters of a value, for an error message.
fn excerpt(text: &str) -> String {
    excerpt_of(text, 40)
}

/// At most `max` characters of `text`.
fn excerpt_of(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,first_name,surname,dob,sex,postcode,phone,nhs_number\n";

    const STRICT: Options = Options { strict: true };

    /// Runs on two CSV texts (the header is added): the result, and what
    /// was written.
    fn run_text(
        patients: &str,
        submissions: &str,
        options: Options,
    ) -> (Result<Summary, Failure>, String) {
        let patients = format!("{HEADER}{patients}");
        let submissions = format!("{HEADER}{submissions}");
        let mut out = Vec::new();
        let result = run(
            patients.as_bytes(),
            submissions.as_bytes(),
            &mut out,
            options,
        );
        (result, String::from_utf8(out).unwrap())
    }

    /// Runs without `--strict`, expecting output: the output and the
    /// summary.
    fn match_text(patients: &str, submissions: &str) -> (String, Summary) {
        match run_text(patients, submissions, Options::default()) {
            (Ok(summary), out) => (out, summary),
            (Err(failure), _) => panic!("expected output, got {failure:?}"),
        }
    }

    /// Runs expecting errors: checks that nothing was written, and returns
    /// the errors and the warnings found with them.
    fn failure(
        patients: &str,
        submissions: &str,
        options: Options,
    ) -> (Vec<Problem>, Vec<Warning>) {
        let (result, out) = run_text(patients, submissions, options);
        assert!(out.is_empty(), "partial output: {out:?}");
        match result {
            Err(Failure::Rows { errors, warnings }) => (errors, warnings),
            other => panic!("expected bad rows, got {other:?}"),
        }
    }

    /// The errors in a patients file (with an empty submissions file).
    fn patient_errors(patients: &str, options: Options) -> Vec<Problem> {
        failure(patients, "", options).0
    }

    /// `(line, column)` of each problem.
    fn places<'a>(
        problems: impl IntoIterator<Item = &'a Problem>,
    ) -> Vec<(Option<u64>, Option<&'static str>)> {
        problems.into_iter().map(|p| (p.line, p.column)).collect()
    }

    /// The problems of warnings.
    fn texts(warnings: &[Warning]) -> impl Iterator<Item = &Problem> {
        warnings.iter().map(|w| &w.problem)
    }

    /// As printed, with the files called `P.csv` and `S.csv`.
    fn shown<'a>(problems: impl IntoIterator<Item = &'a Problem>) -> Vec<String> {
        problems
            .into_iter()
            .map(|p| p.display(label(p.file)))
            .collect()
    }

    fn label(file: Which) -> String {
        match file {
            Which::Patients => "P.csv".to_owned(),
            Which::Submissions => "S.csv".to_owned(),
        }
    }

    fn kind(file: Which, column: &str, fault: Fault) -> WarningKind {
        WarningKind {
            file,
            column: COLUMNS.iter().position(|c| *c == column).unwrap(),
            fault,
        }
    }

    fn record(fields: &[&str]) -> StringRecord {
        StringRecord::from(fields.to_vec())
    }

    const GOOD: &str = "P1,Alex,Testpatient,1970-02-01,F,ZZ99 1AB,07700 900123,9990000018\n";

    #[test]
    fn a_good_row_becomes_details() {
        let row = parse_row(&record(&[
            " P1 ",
            " Alex",
            "Testpatient ",
            "1970-02-01",
            "f",
            "zz991ab",
            "07700 900123",
            "999 000 0018",
        ]))
        .unwrap();
        assert_eq!(row.id, "P1");
        assert_eq!(row.problems, []);
        let mut expected = PersonDetails::default();
        expected.first_name = Some("Alex".to_owned());
        expected.surname = Some("Testpatient".to_owned());
        expected.date_of_birth = NaiveDate::from_ymd_opt(1970, 2, 1);
        expected.sex = Sex::Female;
        expected.postcode = Some("ZZ99 1AB".parse().unwrap());
        expected.phones = vec!["07700 900123".parse().unwrap()];
        expected.nhs_number = NhsNumber::from_prefix(999_000_001);
        assert_eq!(row.details, expected);
    }

    #[test]
    fn empty_optional_values_are_absent_and_empty_sex_is_unknown() {
        let row = parse_row(&record(&[
            "P1",
            "Alex",
            "Testpatient",
            "1970-02-01",
            " ",
            "",
            "",
            "",
        ]))
        .unwrap();
        assert_eq!(row.problems, [], "an empty optional value is no problem");
        assert_eq!(row.details.sex, Sex::Unknown);
        assert_eq!(row.details.postcode, None);
        assert!(row.details.phones.is_empty());
        assert_eq!(row.details.nhs_number, None);
    }

    #[test]
    fn each_bad_value_is_a_warning_by_default_and_an_error_when_strict() {
        const INCOMPLETE: &str = "(kept as an incomplete patient: can be suggested, and blocks the auto-match of anyone it could be)";
        const READ_AS_MISSING: &str = "(read as missing: kept as an incomplete patient, who can be suggested, and blocks the auto-match of anyone it could be)";
        const NOT_KNOWN: &str = "(read as not known)";
        // The row, its bad column, what the error says under --strict, and
        // what the warning says by default.
        let cases = [
            (
                "P9,,Testpatient,1970-02-01,F,,,",
                "first_name",
                "must not be empty",
                format!("is empty {INCOMPLETE}"),
            ),
            (
                "P9,Al\u{7}ex,Testpatient,1970-02-01,F,,,",
                "first_name",
                "control character U+0007",
                format!("control character U+0007; remove it {READ_AS_MISSING}"),
            ),
            (
                "P9,Alex,,1970-02-01,F,,,",
                "surname",
                "must not be empty",
                format!("is empty {INCOMPLETE}"),
            ),
            (
                "P9,Alex,Testpatient,,F,,,",
                "dob",
                "must not be empty",
                format!("is empty {INCOMPLETE}"),
            ),
            (
                "P9,Alex,Testpatient,01/02/1970,F,,,",
                "dob",
                "YYYY-MM-DD",
                format!("so it is not guessed) {READ_AS_MISSING}"),
            ),
            (
                "P9,Alex,Testpatient,1970-2-1,F,,,",
                "dob",
                "YYYY-MM-DD",
                format!("YYYY-MM-DD, e.g. 1970-02-01 {READ_AS_MISSING}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-30,F,,,",
                "dob",
                "no such day",
                format!("no such day {READ_AS_MISSING}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,X,,,",
                "sex",
                "not a sex",
                "or U (unknown) (read as U)".to_owned(),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,ZZ99,,",
                "postcode",
                "5 to 7",
                format!("5 to 7 {NOT_KNOWN}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,90210,,",
                "postcode",
                "not shaped like a UK postcode",
                format!("(e.g. ZZ99 1AB) {NOT_KNOWN}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,07700 9001x,",
                "phone",
                "\'x\'",
                format!("\'x\' was found {NOT_KNOWN}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,123,",
                "phone",
                "7 to 15 digits",
                format!("3 were given {NOT_KNOWN}"),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,,9990000019",
                "nhs_number",
                "check digit",
                NOT_KNOWN.to_owned(),
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,,99900000",
                "nhs_number",
                "10 digits",
                NOT_KNOWN.to_owned(),
            ),
        ];
        for (row, column, error, warning) in cases {
            // Two good rows first, so the bad one is line 4.
            let good = "P2,Sam,Exampleson,1980-01-01,M,,,\nP3,Jo,Exampleson,1981-01-01,F,,,\n";
            let patients = format!("{good}{row}\n");

            let errors = patient_errors(&patients, STRICT);
            assert_eq!(places(&errors), [(Some(4), Some(column))], "{row}");
            assert!(
                errors[0].message.contains(error),
                "{row}: {:?} lacks {error:?}",
                errors[0].message
            );

            let (out, summary) = match_text(&patients, "");
            assert_eq!(out, "submission_id,outcome,rank,patient_id,score\n");
            assert_eq!(
                places(texts(&summary.warnings)),
                [(Some(4), Some(column))],
                "{row}"
            );
            let message = &summary.warnings[0].problem.message;
            assert!(
                message.ends_with(&warning),
                "{row}: {message:?} does not end with {warning:?}"
            );
            let required = ["first_name", "surname", "dob"].contains(&column);
            assert_eq!(
                summary.patients,
                Rows {
                    read: 3,
                    incomplete: usize::from(required),
                },
                "{row}: the row is used"
            );
        }
    }

    #[test]
    fn every_bad_value_of_a_row_and_every_bad_row_is_reported() {
        let patients =
            format!("{GOOD},,,1970-13-01,Q,ZZ,12,1\n{GOOD}P4,Alex,Testpatient,1970-02-01,F,,,\n");
        let values = [
            (Some(3), Some("first_name")),
            (Some(3), Some("surname")),
            (Some(3), Some("dob")),
            (Some(3), Some("sex")),
            (Some(3), Some("postcode")),
            (Some(3), Some("phone")),
            (Some(3), Some("nhs_number")),
        ];
        let empty_id = (Some(3), Some("id"));
        // The same id twice.
        let repeated_id = (Some(4), Some("id"));

        let errors = patient_errors(&patients, STRICT);
        let mut expected = vec![empty_id];
        expected.extend(values);
        expected.push(repeated_id);
        assert_eq!(places(&errors), expected);
        assert!(
            errors[8]
                .message
                .contains("\"P1\" is already the id of line 2")
        );

        // By default the ids are still errors, and the values warnings.
        let (errors, warnings) = failure(&patients, "", Options::default());
        assert_eq!(places(&errors), [empty_id, repeated_id]);
        assert_eq!(places(texts(&warnings)), values);
    }

    #[test]
    fn empty_and_repeated_ids_are_errors_without_strict() {
        for options in [Options::default(), STRICT] {
            let (errors, warnings) = failure(
                &format!("{GOOD}{GOOD}"),
                "S1,Alex,Testpatient,1970-02-01,F,,,\n,Alex,Testpatient,1970-02-01,F,,,\nS1,Alex,Testpatient,1970-02-01,F,,,\n",
                options,
            );
            assert_eq!(
                shown(&errors),
                [
                    "P.csv:3: id: \"P1\" is already the id of line 2: ids must be unique within a file, so that the output names one row",
                    "S.csv:3: id: must not be empty: every row needs an id, which the output refers to",
                    "S.csv:4: id: \"S1\" is already the id of line 2: ids must be unique within a file, so that the output names one row",
                ],
                "{options:?}"
            );
            assert_eq!(warnings, []);
            assert_eq!(
                failure_line(&errors, &warnings),
                "3 errors found; nothing was written: fix the errors above and run again"
            );
        }
        // Warnings found with an error are listed and counted too.
        let (errors, warnings) = failure(
            &format!("{GOOD}{GOOD}P2,Sam,Exampleson,1980-01-01,M,ZZ99,,\n"),
            "",
            Options::default(),
        );
        assert_eq!(places(&errors), [(Some(3), Some("id"))]);
        assert_eq!(places(texts(&warnings)), [(Some(4), Some("postcode"))]);
        assert_eq!(
            failure_line(&errors, &warnings),
            "1 error (and 1 warning) found; nothing was written: fix the errors above and run again"
        );
    }

    #[test]
    fn a_row_of_the_wrong_width_names_the_header() {
        for options in [Options::default(), STRICT] {
            let errors = patient_errors(
                &format!(
                    "{GOOD}P2,Sam,Exampleson,1980-01-01,M,,\nP3,Jo,\"Exampleson, Jr\",1981-01-01,F,,,\nP4,Jo,Exampleson, Jr,1981-01-01,F,,,\n"
                ),
                options,
            );
            assert_eq!(places(&errors), [(Some(3), None), (Some(5), None)]);
            assert_eq!(
                errors[0].message,
                "has 7 columns, but the header id,first_name,surname,dob,sex,postcode,phone,nhs_number has 8"
            );
            assert!(errors[1].message.contains("has 9 columns"));
            assert!(errors[1].message.contains("double quotes"));
        }
    }

    #[test]
    fn lines_count_physical_lines_of_quoted_values() {
        // Row 2 spans lines 2 and 3 (a line break inside quotes: the name
        // is refused, on line 2); the bad date is on line 4.
        let patients = "P1,\"Alex\nAlexander\",Testpatient,1970-02-01,F,,,\nP2,Sam,Exampleson,1980-02-30,M,,,\n";
        let expected = [(Some(2), Some("first_name")), (Some(4), Some("dob"))];
        assert_eq!(places(&patient_errors(patients, STRICT)), expected);
        let (_, summary) = match_text(patients, "");
        assert_eq!(places(texts(&summary.warnings)), expected);
    }

    #[test]
    fn strict_reports_every_bad_value_in_both_files_and_writes_nothing() {
        let patients = format!("{GOOD}P2,Sam,Exampleson,1980-01-01,Z,,,\n");
        let submissions =
            "S1,Alex,Testpatient,1970-02-01,F,,,\nS2,Alex,Testpatient,1970-02-01,F,,,99\n";
        let (errors, warnings) = failure(&patients, submissions, STRICT);
        assert_eq!(
            shown(&errors),
            [
                "P.csv:3: sex: \"Z\" is not a sex SystmOne knows: use M (male), F (female), I (indeterminate) or U (unknown)",
                "S.csv:3: nhs_number: an NHS number has 10 digits but 2 were given; check for a missing or extra digit",
            ]
        );
        assert_eq!(warnings, [], "under --strict every warning is an error");
    }

    #[test]
    fn by_default_bad_values_in_both_files_are_warnings_and_every_row_is_used() {
        let patients = format!("{GOOD}P2,Sam,Exampleson,1980-01-01,Z,,,\n");
        let submissions =
            "S1,Alex,Testpatient,1970-02-01,F,,,\nS2,Alex,Testpatient,1970-02-01,F,,,99\n";
        let (out, summary) = match_text(&patients, submissions);
        assert_eq!(
            shown(texts(&summary.warnings)),
            [
                "P.csv:3: sex: \"Z\" is not a sex SystmOne knows: use M (male), F (female), I (indeterminate) or U (unknown) (read as U)",
                "S.csv:3: nhs_number: an NHS number has 10 digits but 2 were given; check for a missing or extra digit (read as not known)",
            ]
        );
        // S2's NHS number is read as not known, so it cannot disagree.
        assert_eq!(
            out,
            "\
submission_id,outcome,rank,patient_id,score
S1,auto,1,P1,100
S2,auto,1,P1,100
"
        );
    }

    #[test]
    fn a_wrong_or_missing_header_is_refused_naming_the_header() {
        for options in [Options::default(), STRICT] {
            for (text, found) in [
                (
                    "P1,Alex,Testpatient,1970-02-01,F,,,\n",
                    "P1,Alex,Testpatient,1970-02-01,F,,,",
                ),
                (
                    "id,first_name,surname,dob,sex\n",
                    "id,first_name,surname,dob,sex",
                ),
                (
                    "id,surname,first_name,dob,sex,postcode,phone,nhs_number\n",
                    "id,surname,first_name,dob,sex,postcode,phone,nhs_number",
                ),
            ] {
                let mut out = Vec::new();
                let Err(Failure::Rows { errors, .. }) =
                    run(text.as_bytes(), HEADER.as_bytes(), &mut out, options)
                else {
                    panic!("expected a header problem for {text:?}");
                };
                assert!(out.is_empty());
                assert_eq!(places(&errors), [(Some(1), None)], "{text}");
                assert_eq!(
                    errors[0].message,
                    format!(
                        "the first line must be the header id,first_name,surname,dob,sex,postcode,phone,nhs_number (exactly these 8 columns, in this order), but it is {found:?}"
                    )
                );
            }
            let mut out = Vec::new();
            let Err(Failure::Rows { errors, .. }) =
                run(&b""[..], HEADER.as_bytes(), &mut out, options)
            else {
                panic!("expected an empty-file problem");
            };
            assert_eq!(errors[0].line, Some(1));
            assert!(
                errors[0]
                    .message
                    .starts_with("the file is empty: expected the header id,first_name,")
            );
        }
    }

    #[test]
    fn a_byte_order_mark_and_spaces_around_header_names_are_fine() {
        let patients =
            format!("\u{feff}id, first_name ,surname,dob,sex,postcode,phone,nhs_number\r\n{GOOD}");
        let mut out = Vec::new();
        run(patients.as_bytes(), HEADER.as_bytes(), &mut out, STRICT).unwrap();
        assert_eq!(out, b"submission_id,outcome,rank,patient_id,score\n");
    }

    #[test]
    fn text_that_is_not_utf8_is_reported_on_its_line() {
        let mut patients = format!("{HEADER}{GOOD}").into_bytes();
        patients.extend_from_slice(b"P2,Zo\xEB,Exampleson,1980-01-01,F,,,\n");
        for options in [Options::default(), STRICT] {
            let mut out = Vec::new();
            let Err(Failure::Rows { errors, .. }) =
                run(&patients[..], HEADER.as_bytes(), &mut out, options)
            else {
                panic!("expected bad UTF-8");
            };
            assert!(out.is_empty());
            assert_eq!(places(&errors), [(Some(3), Some("first_name"))]);
            assert!(errors[0].message.contains("UTF-8"));
        }
    }

    /// The sample practice: an exact match for `S1`, William for `Bill`,
    /// two identical patients, and nobody like `S4`.
    const PRACTICE: &str = "\
P1,Alex,Testpatient,1970-02-01,F,ZZ99 1AB,07700 900123,9990000018
P2,William,Exampleson,1985-03-04,M,ZZ99 2CD,07700 900234,
P3,Robin,Twinexample,2001-06-15,M,ZZ99 3EF,,
P4,Robin,Twinexample,2001-06-15,M,ZZ99 3EF,,
";

    #[test]
    fn outcomes_are_written_one_row_per_candidate() {
        let submissions = "\
S1,alex,TESTPATIENT,1970-02-01,F,zz991ab,+44 7700 900123,999 000 0018
S2,Bill,Exampleson,1985-04-03,M,ZZ99 2CD,,
S3,Robin,Twinexample,2001-06-15,M,,,
S4,Quinn,Nomatchperson,1999-09-09,F,,,
";
        // S1: all six fields agree, 100 of 100, and the NHS number's 25
        // cannot lift it past 100. S2: nickname 16 + surname 25 + day and
        // month swapped 26 + sex 10 + postcode 5 = 82 of 95 (no phone on
        // S2): 86. S3: names, date and sex 90 of 90 (no postcode or phone
        // on S3): 100, twice.
        let (out, summary) = match_text(PRACTICE, submissions);
        assert_eq!(
            out,
            "\
submission_id,outcome,rank,patient_id,score
S1,auto,1,P1,100
S2,suggested,1,P2,86
S3,suggested,1,P3,100
S3,suggested,2,P4,100
S4,none,,,
"
        );
        assert_eq!((summary.auto, summary.suggested, summary.none), (1, 2, 1));
        assert_eq!(summary.warnings, []);
    }

    #[test]
    fn suggestions_are_ranked_best_first() {
        let patients = "\
P1,Bill,Exampleson,1985-03-04,F,,,
P2,Bill,Exampleson,1985-04-03,M,,,
P3,William,Exampleson,1985-03-04,M,,,
";
        // Of the 90 points names, date of birth and sex could earn: a
        // nickname 16+25+35+10 = 86 (96); day and month swapped
        // 20+25+26+10 = 81 (90); a different sex 20+25+35+0 = 80 (89).
        assert_eq!(
            match_text(patients, "S1,Bill,Exampleson,1985-03-04,M,,,\n").0,
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P3,96
S1,suggested,2,P2,90
S1,suggested,3,P1,89
"
        );
    }

    #[test]
    fn an_unknown_or_indeterminate_sex_is_suggested_not_auto_matched() {
        // Sex unknown on one side earns 4 of 10: 20+25+35+4 = 84 of 90 (93).
        for sex in ["", "U", "unknown"] {
            assert_eq!(
                match_text(
                    PRACTICE,
                    &format!("S1,Alex,Testpatient,1970-02-01,{sex},,,\n")
                )
                .0,
                "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,93
",
                "{sex:?}"
            );
        }
        // Indeterminate on both sides agrees (90 of 90), but is never
        // auto-matched either.
        assert_eq!(
            match_text(
                "P1,Alex,Testpatient,1970-02-01,I,,,\n",
                "S1,Alex,Testpatient,1970-02-01,I,,,\n"
            )
            .0,
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,100
"
        );
    }

    #[test]
    fn ids_that_need_quoting_are_quoted() {
        assert_eq!(
            match_text(
                "\"P,1\",Alex,Testpatient,1970-02-01,F,,,\n",
                "\"S \"\"1\"\"\",Alex,Testpatient,1970-02-01,F,,,\n"
            )
            .0,
            "\
submission_id,outcome,rank,patient_id,score
\"S \"\"1\"\"\",auto,1,\"P,1\",100
"
        );
    }

    #[test]
    fn no_patients_means_none_for_everyone() {
        assert_eq!(
            match_text("", "S1,Alex,Testpatient,1970-02-01,F,,,\n").0,
            "submission_id,outcome,rank,patient_id,score\nS1,none,,,\n"
        );
    }

    #[test]
    fn a_non_uk_postcode_in_a_patient_row_is_a_warning_and_the_row_is_used() {
        let patients = format!("{PRACTICE}P5,Sam,Exampleson,1980-01-01,M,90210,07700 900777,\n");
        let (out, summary) = match_text(
            &patients,
            "S1,Sam,Exampleson,1980-01-01,M,ZZ99 1AB,07700 900777,\n",
        );
        assert_eq!(
            shown(texts(&summary.warnings)),
            [
                "P.csv:6: postcode: \"90210\" is not shaped like a UK postcode: expected an outward code such as SW1A, M1 or ZZ99, then a digit and two letters (e.g. ZZ99 1AB) (read as not known)"
            ]
        );
        // P5 is matched without its postcode: names, date, sex and phone
        // earn 95 of 95.
        assert_eq!(
            out,
            "submission_id,outcome,rank,patient_id,score\nS1,auto,1,P5,100\n"
        );
        assert_eq!(
            summary.patients,
            Rows {
                read: 5,
                incomplete: 0
            }
        );
    }

    #[test]
    fn a_submission_missing_a_first_name_is_suggested_never_auto_matched() {
        // S2's surname holds a control character: unreadable, so missing.
        let (out, summary) = match_text(
            PRACTICE,
            "S1,,Testpatient,1970-02-01,F,,,\nS2,Alex,\"Test\u{7}patient\",1970-02-01,F,,,\n",
        );
        // S1: surname 25 + date 35 + sex 10 = 70 of 70; S2: first name 20 +
        // date 35 + sex 10 = 65 of 65. Both reach 100, and are still only
        // suggested.
        assert_eq!(
            out,
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,100
S2,suggested,1,P1,100
"
        );
        assert_eq!(
            shown(texts(&summary.warnings)),
            [
                "S.csv:2: first_name: is empty (matched, but never auto-matched)",
                "S.csv:3: surname: contains the control character U+0007; remove it (read as missing: matched, but never auto-matched)",
            ]
        );
        assert_eq!(
            summary.submissions,
            Rows {
                read: 2,
                incomplete: 2
            }
        );
        assert_eq!((summary.auto, summary.suggested, summary.none), (0, 2, 0));
    }

    #[test]
    fn a_patient_missing_a_date_of_birth_blocks_the_auto_match_of_its_look_alike() {
        let alex = "S1,Alex,Testpatient,1970-02-01,F,,,\n";
        // Without the incomplete row, Alex is auto-matched.
        assert_eq!(
            match_text(PRACTICE, alex).0,
            "submission_id,outcome,rank,patient_id,score\nS1,auto,1,P1,100\n"
        );
        let (out, summary) = match_text(&format!("{PRACTICE}P5,Alex,Testpatient,,F,,,\n"), alex);
        // P5: names and sex 55 of 55, and 10 short of the 55 points of
        // names and date of birth a score needs: 55 of 65 (85).
        assert_eq!(
            out,
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,100
S1,suggested,2,P5,85
"
        );
        assert_eq!(
            shown(texts(&summary.warnings)),
            [
                "P.csv:6: dob: is empty (kept as an incomplete patient: can be suggested, and blocks the auto-match of anyone it could be)"
            ]
        );
        assert_eq!(
            summary.patients,
            Rows {
                read: 5,
                incomplete: 1
            }
        );
    }

    #[test]
    fn a_patient_of_unknown_sex_blocks_the_auto_match_of_a_female_submission() {
        // An empty cell, U, I, and a value that is not a sex (read as U).
        for sex in ["", "U", "I", "X"] {
            let patients = format!("{PRACTICE}P5,Alex,Testpatient,1970-02-01,{sex},,,\n");
            let (out, summary) = match_text(&patients, "S1,Alex,Testpatient,1970-02-01,F,,,\n");
            // P5: sex unknown or indeterminate on one side earns 4 of 10:
            // 84 of 90 (93).
            assert_eq!(
                out,
                "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,100
S1,suggested,2,P5,93
",
                "{sex:?}"
            );
            let warned: Vec<_> = places(texts(&summary.warnings));
            if sex == "X" {
                assert_eq!(warned, [(Some(6), Some("sex"))]);
            } else {
                assert_eq!(warned, [], "{sex:?}");
            }
        }
    }

    #[test]
    fn strict_refuses_a_file_with_one_bad_postcode_and_writes_nothing() {
        let patients = format!("{PRACTICE}P5,Sam,Exampleson,1980-01-01,M,ZZ99,,\n");
        let submissions = "S1,Alex,Testpatient,1970-02-01,F,,,\n";
        let (errors, warnings) = failure(&patients, submissions, STRICT);
        assert_eq!(
            shown(&errors),
            ["P.csv:6: postcode: \"ZZ99\" has 4 letters and digits, but a UK postcode has 5 to 7"]
        );
        assert_eq!(warnings, []);
        // Without --strict the same files are matched.
        let (out, summary) = match_text(&patients, submissions);
        assert_eq!(
            out,
            "submission_id,outcome,rank,patient_id,score\nS1,auto,1,P1,100\n"
        );
        assert_eq!(summary.warnings.len(), 1);
    }

    #[test]
    fn the_summary_counts_rows_warnings_by_kind_and_outcomes() {
        let patients = "\
P1,Alex,Testpatient,1970-02-01,F,ZZ99 1AB,07700 900123,9990000018
P2,William,Exampleson,1985-03-04,M,90210,,
P3,Robin,Twinexample,2001-06-15,M,ZZ99,,
P4,Jordan,Sampleton,,F,,,
P5,Sam,Exampleson,1990-07-21,X,,,
";
        let submissions = "\
S1,Alex,Testpatient,1970-02-01,F,,,
S2,,Exampleson,1985-03-04,M,,,
S3,Quinn,Nomatchperson,1999-09-09,F,,,12
";
        let (out, summary) = match_text(patients, submissions);
        // S1: 90 of 90. S2: surname, date and sex 70 of 70; P5 (surname 25
        // and sex 4 of 70: 41) is below the threshold.
        assert_eq!(
            out,
            "\
submission_id,outcome,rank,patient_id,score
S1,auto,1,P1,100
S2,suggested,1,P2,100
S3,none,,,
"
        );
        assert_eq!(
            summary.warning_counts(),
            [
                (kind(Which::Patients, "dob", Fault::Missing), 1),
                (kind(Which::Patients, "sex", Fault::Invalid), 1),
                (kind(Which::Patients, "postcode", Fault::Invalid), 2),
                (kind(Which::Submissions, "first_name", Fault::Missing), 1),
                (kind(Which::Submissions, "nhs_number", Fault::Invalid), 1),
            ]
        );
        assert_eq!(
            summary.lines(&label),
            [
                "P.csv: 5 rows read, 1 incomplete patient; 4 warnings: 1 missing date of birth, 1 invalid sex code, 2 invalid postcodes",
                "S.csv: 3 rows read, 1 incomplete submission; 2 warnings: 1 missing first name, 1 invalid NHS number",
                "3 submissions matched against 5 patients: 1 auto, 1 suggested, 1 none",
            ]
        );
        // A clean run says so.
        let (_, summary) = match_text(GOOD, "S1,Alex,Testpatient,1970-02-01,F,,,\n");
        assert_eq!(
            summary.lines(&label),
            [
                "P.csv: 1 row read; no warnings",
                "S.csv: 1 row read; no warnings",
                "1 submission matched against 1 patient: 1 auto, 0 suggested, 0 none",
            ]
        );
    }

    #[test]
    fn at_most_max_problems_shown_are_printed_and_the_rest_counted() {
        let patients: String = (0..MAX_PROBLEMS_SHOWN + 2)
            .map(|i| format!("P{i},Alex,Testpatient,1970-02-01,F,ZZ,,\n"))
            .collect();
        let (_, summary) = match_text(&patients, "");
        assert_eq!(
            summary.warning_counts(),
            [(
                kind(Which::Patients, "postcode", Fault::Invalid),
                MAX_PROBLEMS_SHOWN + 2
            )]
        );
        let mut printed = Vec::new();
        write_problems(
            &mut printed,
            summary.warnings.iter().map(|w| &w.problem),
            "warning",
            &label,
        )
        .unwrap();
        let printed = String::from_utf8(printed).unwrap();
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), MAX_PROBLEMS_SHOWN + 1);
        assert!(
            lines[0].starts_with("P.csv:2: postcode: \"ZZ\""),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[MAX_PROBLEMS_SHOWN],
            "... and 2 more warnings not shown"
        );
        assert!(HELP.contains(&format!(
            "At most {MAX_PROBLEMS_SHOWN} errors and {MAX_PROBLEMS_SHOWN} warnings are printed"
        )));
    }

    #[test]
    fn the_sample_files_match_as_the_docs_say() {
        let patients = include_str!("../data/match_csv/patients.csv");
        let submissions = include_str!("../data/match_csv/submissions.csv");
        let mut out = Vec::new();
        let summary = run(
            patients.as_bytes(),
            submissions.as_bytes(),
            &mut out,
            Options::default(),
        )
        .unwrap();
        // S002: Bill for William 16 + surname 25 + day and month swapped 26
        // + sex 10 + postcode 5 + phone 5 = 87 of 100. S004: sex unknown
        // on one side 4, so 20+25+35+4+5 = 89 of 95 (94). S006: P007's
        // postcode and S006's NHS number are read as not known: 95 of 95.
        // S007: no first name, 75 of 75. S008: P009 has no date of birth,
        // 55 of 65 (85), and blocks the auto-match to P008.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
submission_id,outcome,rank,patient_id,score
S001,auto,1,P001,100
S002,suggested,1,P002,87
S003,suggested,1,P003,100
S003,suggested,2,P004,100
S004,suggested,1,P005,94
S005,none,,,
S006,auto,1,P007,100
S007,suggested,1,P005,100
S008,suggested,1,P008,100
S008,suggested,2,P009,85
"
        );
        // HELP shows this run's summary.
        let label = |file| match file {
            Which::Patients => "PATIENTS.csv".to_owned(),
            Which::Submissions => "SUBMISSIONS.csv".to_owned(),
        };
        for line in summary.lines(&label) {
            assert!(
                HELP.contains(&format!("      match_csv: {line}\n")),
                "HELP lacks {line:?}"
            );
        }
        // --strict refuses them.
        let mut out = Vec::new();
        let Err(Failure::Rows { errors, .. }) = run(
            patients.as_bytes(),
            submissions.as_bytes(),
            &mut out,
            STRICT,
        ) else {
            panic!("--strict accepted the sample files");
        };
        assert!(out.is_empty());
        assert_eq!(errors.len(), 4);
    }

    fn args(list: &[&str]) -> Result<Command, String> {
        parse_args(list.iter().map(OsString::from))
    }

    #[test]
    fn arguments() {
        let with = |strict| {
            Ok(Command::Match {
                patients: "p.csv".into(),
                submissions: "s.csv".into(),
                options: Options { strict },
            })
        };
        assert_eq!(
            args(&["--patients", "p.csv", "--submissions", "s.csv"]),
            with(false)
        );
        assert_eq!(
            args(&["--submissions=s.csv", "--patients=p.csv"]),
            with(false)
        );
        for list in [
            &["--strict", "--patients", "p.csv", "--submissions", "s.csv"][..],
            &["--patients", "p.csv", "--strict", "--submissions=s.csv"][..],
            &["--patients=p.csv", "--submissions", "s.csv", "--strict"][..],
        ] {
            assert_eq!(args(list), with(true), "{list:?}");
        }
        assert_eq!(args(&["--help"]), Ok(Command::Help));
        assert_eq!(args(&["--patients", "p.csv", "-h"]), Ok(Command::Help));
        for (list, error) in [
            (
                &["--patients", "p.csv"][..],
                "--submissions PATH is required",
            ),
            (&[][..], "--patients PATH is required"),
            (&["--strict"][..], "--patients PATH is required"),
            (&["--patients"][..], "--patients needs a path after it"),
            (
                &["--patients", "--submissions", "s.csv"][..],
                "--patients needs a path after it",
            ),
            (
                &["--patients", "--strict", "--submissions", "s.csv"][..],
                "--patients needs a path after it",
            ),
            (&["--patients="][..], "--patients needs a path after it"),
            (
                &["--patients", "a", "--patients", "b"][..],
                "--patients is given twice",
            ),
            (
                &["--strict", "--patients", "a", "--strict"][..],
                "--strict is given twice",
            ),
            (&["--strict=yes"][..], "--strict takes no value"),
            (&["p.csv"][..], "unexpected argument \"p.csv\""),
            (&["--verbose"][..], "unexpected argument \"--verbose\""),
        ] {
            assert_eq!(args(list), Err(error.to_owned()), "{list:?}");
        }
    }

    #[test]
    fn the_help_documents_every_column_and_outcome() {
        for word in COLUMNS.iter().chain(&OUTPUT_COLUMNS).chain(&[
            "auto",
            "suggested",
            "none",
            "EMPTY MEANS U",
            "NOTHING is written",
            "--strict",
            "INCOMPLETE PATIENT",
            "U (unknown) or I (indeterminate) is never",
            "skipping one of two look-alike patients",
            "Warnings: the row is used",
            "Errors: NOTHING is written",
            "Exit status: 0 output written",
        ]) {
            assert!(HELP.contains(word), "--help does not mention {word}");
        }
        assert!(HELP.contains(&COLUMNS.join(",")));
        assert!(HELP.contains(&OUTPUT_COLUMNS.join(",")));
        assert!(USAGE.contains("[--strict]"));
    }
}
