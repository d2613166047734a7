//! Matches a CSV file of submissions (the demographics patients declared on
//! eConsults) against a CSV file of patients with
//! `patient_matcher::PatientIndex`, and writes one CSV row per candidate
//! shown: auto-matched, suggested for a person to choose, or none.
//!
//! ```text
//! cargo run --release --example match_csv -- --patients P.csv --submissions S.csv > matches.csv
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
//! suggested and never auto-matched, an empty sex (read as `U`, which does
//! not auto-match a known sex), and a submission with no plausible patient.
//!
//! Both files have the header `id,first_name,surname,dob,sex,postcode,phone,nhs_number`;
//! the output has the header `submission_id,outcome,rank,patient_id,score`.
//! `HELP` (`--help`) documents every column and the error policy: any bad
//! row in either file is listed with its file, line number and column, and
//! nothing is written to stdout, because skipping a bad patient row could
//! turn two look-alike patients into an auto-match to the wrong one.
//!
//! The work is done by `run`, which reads from and writes to any
//! `Read`/`Write`, so the tests at the bottom exercise it without files or
//! a process.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use csv::{Position, StringRecord};
use econsult_model::{
    Demographics, NhsNumber, PersonName, Phone, PhoneKind, PhoneNumber, Postcode, Sex,
};
use patient_matcher::{IndexFull, MatchConfig, MatchOutcome, PatientIndex, Suggestion};

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

/// At most this many problems are printed; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 100;

/// Exit status for a mistake on the command line.
const EXIT_USAGE: u8 = 2;

const USAGE: &str = "\
usage: match_csv --patients PATIENTS.csv --submissions SUBMISSIONS.csv > matches.csv
       match_csv --help
";

const HELP: &str = "\
match_csv: match submissions (what patients declared on an eConsult) against a
patient list, both CSV files, and write the matches as CSV to stdout.

usage: match_csv --patients PATIENTS.csv --submissions SUBMISSIONS.csv > matches.csv
       match_csv --help

  --patients PATH      the patient list to match against
  --submissions PATH   the submissions to match, one per row
  -h, --help           show this help

  (from the SDK repository: cargo run --release --example match_csv -- ARGS)

Each submission is matched against the whole patient list by
patient_matcher::PatientIndex with the default MatchConfig: candidates scoring
at least 65 are suggested, at most 5 of them, except that patients matching
exactly are always all shown.

INPUT (both files)
  UTF-8 CSV (a byte-order mark is fine) whose first line is exactly the header
      id,first_name,surname,dob,sex,postcode,phone,nhs_number
  then one person per row. Values are trimmed of surrounding spaces; a value
  containing a comma must be in double quotes.

  id           required, unique within its file; copied to the output
  first_name   required
  surname      required
  dob          required, date of birth as YYYY-MM-DD (e.g. 1970-02-01)
  sex          M (male), F (female), I (indeterminate) or U (unknown); the
               words are accepted too, in any case. EMPTY MEANS U: U is
               SystmOne's code for 'not known or not recorded', which is
               what an empty cell says. An unknown sex never auto-matches a
               known one (it is only partial agreement), so a blank cannot
               cause a wrong auto-match; two U's agree.
  postcode     optional: a UK postcode, any case and spacing (zz991ab)
  phone        optional: one number, 7 to 15 digits; spaces, hyphens, dots,
               brackets and a leading + allowed (+44 7700 900123)
  nhs_number   optional: 10 digits with a valid Modulus 11 check digit;
               spaces and hyphens allowed (999 000 0018)

  An empty optional value means 'not known'. A value that is given must be
  valid: a mistyped NHS number, postcode or phone number is an error, not
  silently ignored.

OUTPUT (stdout)
      submission_id,outcome,rank,patient_id,score
  Submissions in file order; for each, one row per candidate shown:

  auto       one row, rank 1: exactly one patient has the same first name,
             surname, date of birth and sex (ignoring case and spacing), and
             no NHS number disagrees. This patient can be linked.
  suggested  one row per candidate, rank 1, 2, ... best first: a person must
             choose. Two or more patients who match exactly (twins with the
             same first name, duplicate registrations) are all suggested,
             never auto-matched.
  none       a single row with rank, patient_id and score empty: no patient
             is plausible.

  score      0 to 100: first name 20, surname 25, date of birth 35, sex 10,
             postcode 5, phone 5 when they agree (less for partial agreement:
             nicknames, typos, day and month swapped...); a matching NHS
             number adds 25, a different one takes 40 away.

ERRORS
  Every bad row in either file is reported on stderr, with its line number
  (the header is line 1; a quoted value spanning lines counts every line) and
  column:
      PATIENTS.csv:4: dob: \"1970-13-01\" is not a real date ...
  and then NOTHING is written to stdout: fix the rows and run again. Partial
  results are refused on purpose. A skipped patient row is a patient nobody
  can be matched to, and worse, skipping one of two look-alike patients
  would auto-match every submission to the other one, who may be the wrong
  person. A skipped submission would silently go unmatched.

  Exit status: 0 output written; 1 bad rows, an unreadable file or output
  that could not be written; 2 a mistake on the command line.
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
        }) => match_files(&patients, &submissions),
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
fn match_files(patients_path: &Path, submissions_path: &Path) -> ExitCode {
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
        Which::Patients => patients_path.display(),
        Which::Submissions => submissions_path.display(),
    };
    // csv::Writer buffers, so the locked stdout needs no BufWriter.
    match run(patients, submissions, io::stdout().lock()) {
        Ok(summary) => {
            let _ = writeln!(stderr, "match_csv: {summary}");
            return ExitCode::SUCCESS;
        }
        Err(Failure::Rows(problems)) => {
            for problem in problems.iter().take(MAX_PROBLEMS_SHOWN) {
                let _ = writeln!(stderr, "{}", problem.display(label(problem.file)));
            }
            if problems.len() > MAX_PROBLEMS_SHOWN {
                let _ = writeln!(
                    stderr,
                    "... and {} more problems not shown",
                    problems.len() - MAX_PROBLEMS_SHOWN
                );
            }
            let _ = writeln!(
                stderr,
                "match_csv: {} problem{} found; nothing was written: fix the rows above and run again",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
            );
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

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Match {
        patients: PathBuf,
        submissions: PathBuf,
    },
}

/// Parses the arguments (without the program name). `--flag PATH` and
/// `--flag=PATH` are both accepted.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut patients = None;
    let mut submissions = None;
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
        }),
        (None, _) => Err("--patients PATH is required".to_owned()),
        (_, None) => Err("--submissions PATH is required".to_owned()),
    }
}

/// Which input file a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Patients,
    Submissions,
}

/// Something wrong with an input file: a row, a value, or the whole file.
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

/// Why nothing (or not everything) was written.
#[derive(Debug)]
enum Failure {
    /// Bad rows or unreadable input; nothing was written.
    Rows(Vec<Problem>),
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

/// How many submissions had each outcome.
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    patients: usize,
    submissions: usize,
    auto: usize,
    suggested: usize,
    none: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} submissions matched against {} patients: {} auto, {} suggested, {} none",
            self.submissions, self.patients, self.auto, self.suggested, self.none
        )
    }
}

/// One checked row.
#[derive(Debug)]
struct Person {
    id: String,
    demographics: Demographics,
}

/// Reads both files, and only if every row of both is good, matches each
/// submission and writes the output CSV to `out`.
fn run(patients: impl Read, submissions: impl Read, out: impl Write) -> Result<Summary, Failure> {
    let (patients, mut problems) = read_people(Which::Patients, patients);
    let (submissions, more) = read_people(Which::Submissions, submissions);
    problems.extend(more);
    if !problems.is_empty() {
        return Err(Failure::Rows(problems));
    }
    let mut summary = Summary {
        patients: patients.len(),
        submissions: submissions.len(),
        ..Summary::default()
    };
    let index = PatientIndex::build(patients.into_iter().map(|p| (p.id, p.demographics)))
        .map_err(Failure::Index)?;
    let config = MatchConfig::default();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(OUTPUT_COLUMNS)?;
    for submission in &submissions {
        let outcome = index.find(&submission.demographics, &config);
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

/// Reads one file: its header, then every row, collecting every problem.
fn read_people(file: Which, input: impl Read) -> (Vec<Person>, Vec<Problem>) {
    // The header is read as a record so that its problems are reported like
    // any row's; `flexible` so that a row of the wrong width gets our
    // message (naming the header) rather than the csv crate's.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut people = Vec::new();
    let mut problems = Vec::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    let mut header_read = false;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                problems.push(Problem::from_csv(file, &error));
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
                problems.push(problem(None, header_problem(&record)));
                break;
            }
            continue;
        }
        match parse_row(&record) {
            Ok(person) => match seen_ids.get(&person.id) {
                Some(first) => problems.push(problem(
                    Some("id"),
                    format!(
                        "{:?} is already the id of line {first}: ids must be unique within a file, so that the output names one row",
                        excerpt(&person.id)
                    ),
                )),
                None => {
                    seen_ids.insert(person.id.clone(), line);
                    people.push(person);
                }
            },
            Err(row_problems) => problems.extend(
                row_problems
                    .into_iter()
                    .map(|(column, message)| problem(column, message)),
            ),
        }
    }
    if !header_read && problems.is_empty() {
        problems.push(Problem {
            file,
            line: Some(1),
            column: None,
            message: format!(
                "the file is empty: expected the header {}",
                COLUMNS.join(",")
            ),
        });
    }
    (people, problems)
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

/// What is wrong with a value (`Some(column)`) or the whole row (`None`).
type RowProblem = (Option<&'static str>, String);

/// Checks one data row, reporting every bad value, not just the first.
fn parse_row(record: &StringRecord) -> Result<Person, Vec<RowProblem>> {
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
        return Err(vec![(None, message)]);
    };
    let mut problems = Vec::new();
    if id.is_empty() {
        problems.push((
            Some("id"),
            "must not be empty: every row needs an id, which the output refers to".to_owned(),
        ));
    }
    let name = parse_name(first_name, surname, &mut problems);
    let dob = check(&mut problems, "dob", parse_dob(dob));
    // Empty means U: see HELP.
    let sex = check(
        &mut problems,
        "sex",
        if sex.is_empty() {
            Ok(Sex::Unknown)
        } else {
            sex.parse::<Sex>()
        },
    );
    let postcode = check(
        &mut problems,
        "postcode",
        optional(postcode, Postcode::parse),
    );
    let phone = check(&mut problems, "phone", optional(phone, PhoneNumber::parse));
    let nhs_number = check(
        &mut problems,
        "nhs_number",
        optional(nhs_number, NhsNumber::parse),
    );
    match (name, dob, sex, postcode, phone, nhs_number) {
        (Some(name), Some(dob), Some(sex), Some(postcode), Some(phone), Some(nhs_number))
            if problems.is_empty() =>
        {
            let mut demographics = Demographics::new(name, dob, sex);
            demographics.postcode = postcode;
            demographics.phones = phone
                .map(|number| Phone {
                    kind: PhoneKind::Mobile,
                    number,
                })
                .into_iter()
                .collect();
            demographics.nhs_number = nhs_number;
            Ok(Person {
                id: id.to_owned(),
                demographics,
            })
        }
        _ => Err(problems),
    }
}

/// The value, or its error (the library's own text) recorded against
/// `column`.
fn check<T, E: fmt::Display>(
    problems: &mut Vec<RowProblem>,
    column: &'static str,
    result: Result<T, E>,
) -> Option<T> {
    result
        .map_err(|error| problems.push((Some(column), error.to_string())))
        .ok()
}

/// An empty optional value is `None`; a given one must parse.
fn optional<T, E>(value: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Option<T>, E> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}

/// The name, or a problem for each bad part.
fn parse_name(
    first_name: &str,
    surname: &str,
    problems: &mut Vec<RowProblem>,
) -> Option<PersonName> {
    match PersonName::new(first_name, surname) {
        Ok(name) => Some(name),
        Err(error) => {
            problems.push((Some(error.part), error.problem.to_string()));
            // `PersonName::new` stops at the first bad part: check the
            // surname alone too, so that both are reported in one run.
            if error.part == "first_name"
                && let Err(error) = PersonName::new("-", surname)
            {
                problems.push((Some(error.part), error.problem.to_string()));
            }
            None
        }
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

    /// Runs on two CSV texts (the header is added), returning the output.
    fn match_text(patients: &str, submissions: &str) -> Result<String, Failure> {
        let patients = format!("{HEADER}{patients}");
        let submissions = format!("{HEADER}{submissions}");
        let mut out = Vec::new();
        run(patients.as_bytes(), submissions.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// The problems found in a patients file (the header is added), with
    /// an empty submissions file. Also checks nothing was written.
    fn patient_problems(patients: &str) -> Vec<Problem> {
        let patients = format!("{HEADER}{patients}");
        let mut out = Vec::new();
        let result = run(patients.as_bytes(), HEADER.as_bytes(), &mut out);
        assert!(out.is_empty(), "partial output: {out:?}");
        match result {
            Err(Failure::Rows(problems)) => problems,
            other => panic!("expected bad rows, got {other:?}"),
        }
    }

    /// `(line, column)` of each problem.
    fn places(problems: &[Problem]) -> Vec<(Option<u64>, Option<&'static str>)> {
        problems.iter().map(|p| (p.line, p.column)).collect()
    }

    fn record(fields: &[&str]) -> StringRecord {
        StringRecord::from(fields.to_vec())
    }

    const GOOD: &str = "P1,Alex,Testpatient,1970-02-01,F,ZZ99 1AB,07700 900123,9990000018\n";

    #[test]
    fn a_good_row_becomes_demographics() {
        let row = record(&[
            " P1 ",
            " Alex",
            "Testpatient ",
            "1970-02-01",
            "f",
            "zz991ab",
            "07700 900123",
            "999 000 0018",
        ]);
        let person = parse_row(&row).unwrap();
        assert_eq!(person.id, "P1");
        let mut expected = Demographics::new(
            PersonName::new("Alex", "Testpatient").unwrap(),
            NaiveDate::from_ymd_opt(1970, 2, 1).unwrap(),
            Sex::Female,
        );
        expected.postcode = Some("ZZ99 1AB".parse().unwrap());
        expected.phones = vec![Phone {
            kind: PhoneKind::Mobile,
            number: "07700 900123".parse().unwrap(),
        }];
        expected.nhs_number = NhsNumber::from_prefix(999_000_001);
        assert_eq!(person.demographics, expected);
    }

    #[test]
    fn empty_optional_values_are_absent_and_empty_sex_is_unknown() {
        let row = record(&["P1", "Alex", "Testpatient", "1970-02-01", " ", "", "", ""]);
        let person = parse_row(&row).unwrap();
        assert_eq!(person.demographics.sex, Sex::Unknown);
        assert_eq!(person.demographics.postcode, None);
        assert!(person.demographics.phones.is_empty());
        assert_eq!(person.demographics.nhs_number, None);
    }

    #[test]
    fn each_bad_value_is_reported_with_its_line_and_column() {
        let cases = [
            (
                ",Alex,Testpatient,1970-02-01,F,,,",
                "id",
                "must not be empty",
            ),
            (
                "P9,,Testpatient,1970-02-01,F,,,",
                "first_name",
                "must not be empty",
            ),
            ("P9,Alex,,1970-02-01,F,,,", "surname", "must not be empty"),
            ("P9,Alex,Testpatient,,F,,,", "dob", "must not be empty"),
            ("P9,Alex,Testpatient,01/02/1970,F,,,", "dob", "YYYY-MM-DD"),
            ("P9,Alex,Testpatient,1970-2-1,F,,,", "dob", "YYYY-MM-DD"),
            ("P9,Alex,Testpatient,1970-02-30,F,,,", "dob", "no such day"),
            ("P9,Alex,Testpatient,1970-02-01,X,,,", "sex", "not a sex"),
            (
                "P9,Alex,Testpatient,1970-02-01,F,ZZ99,,",
                "postcode",
                "5 to 7",
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,07700 9001x,",
                "phone",
                "\'x\'",
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,123,",
                "phone",
                "7 to 15 digits",
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,,9990000019",
                "nhs_number",
                "check digit",
            ),
            (
                "P9,Alex,Testpatient,1970-02-01,F,,,99900000",
                "nhs_number",
                "10 digits",
            ),
        ];
        for (row, column, text) in cases {
            // Two good rows first, so the bad one is line 4.
            let good = "P2,Sam,Exampleson,1980-01-01,M,,,\nP3,Jo,Exampleson,1981-01-01,F,,,\n";
            let problems = patient_problems(&format!("{good}{row}\n"));
            assert_eq!(places(&problems), [(Some(4), Some(column))], "{row}");
            assert!(
                problems[0].message.contains(text),
                "{row}: {:?} lacks {text:?}",
                problems[0].message
            );
        }
    }

    #[test]
    fn every_bad_value_of_a_row_and_every_bad_row_is_reported() {
        let problems = patient_problems(&format!(
            "{GOOD},,,1970-13-01,Q,ZZ,12,1\n{GOOD}P4,Alex,Testpatient,1970-02-01,F,,,\n"
        ));
        assert_eq!(
            places(&problems),
            [
                (Some(3), Some("id")),
                (Some(3), Some("first_name")),
                (Some(3), Some("surname")),
                (Some(3), Some("dob")),
                (Some(3), Some("sex")),
                (Some(3), Some("postcode")),
                (Some(3), Some("phone")),
                (Some(3), Some("nhs_number")),
                // The same id twice.
                (Some(4), Some("id")),
            ]
        );
        assert!(
            problems[8]
                .message
                .contains("\"P1\" is already the id of line 2")
        );
    }

    #[test]
    fn a_row_of_the_wrong_width_names_the_header() {
        let problems = patient_problems(&format!(
            "{GOOD}P2,Sam,Exampleson,1980-01-01,M,,\nP3,Jo,\"Exampleson, Jr\",1981-01-01,F,,,\nP4,Jo,Exampleson, Jr,1981-01-01,F,,,\n"
        ));
        assert_eq!(places(&problems), [(Some(3), None), (Some(5), None)]);
        assert_eq!(
            problems[0].message,
            "has 7 columns, but the header id,first_name,surname,dob,sex,postcode,phone,nhs_number has 8"
        );
        assert!(problems[1].message.contains("has 9 columns"));
        assert!(problems[1].message.contains("double quotes"));
    }

    #[test]
    fn lines_count_physical_lines_of_quoted_values() {
        // Row 2 spans lines 2 and 3 (a line break inside quotes: the name
        // is refused, on line 2); the bad date is on line 4.
        let problems = patient_problems(
            "P1,\"Alex\nAlexander\",Testpatient,1970-02-01,F,,,\nP2,Sam,Exampleson,1980-02-30,M,,,\n",
        );
        assert_eq!(
            places(&problems),
            [(Some(2), Some("first_name")), (Some(4), Some("dob"))]
        );
    }

    #[test]
    fn problems_in_both_files_are_all_reported_and_nothing_is_written() {
        let patients = format!("{HEADER}{GOOD}P2,Sam,Exampleson,1980-01-01,Z,,,\n");
        let submissions = format!(
            "{HEADER}S1,Alex,Testpatient,1970-02-01,F,,,\nS2,Alex,Testpatient,1970-02-01,F,,,99\n"
        );
        let mut out = Vec::new();
        let Err(Failure::Rows(problems)) =
            run(patients.as_bytes(), submissions.as_bytes(), &mut out)
        else {
            panic!("expected bad rows");
        };
        assert!(out.is_empty());
        let shown: Vec<String> = problems
            .iter()
            .map(|p| {
                p.display(match p.file {
                    Which::Patients => "P.csv",
                    Which::Submissions => "S.csv",
                })
            })
            .collect();
        assert_eq!(
            shown,
            [
                "P.csv:3: sex: \"Z\" is not a sex SystmOne knows: use M (male), F (female), I (indeterminate) or U (unknown)",
                "S.csv:3: nhs_number: an NHS number has 10 digits but 2 were given; check for a missing or extra digit",
            ]
        );
    }

    #[test]
    fn a_wrong_or_missing_header_is_refused_naming_the_header() {
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
            let Err(Failure::Rows(problems)) = run(text.as_bytes(), HEADER.as_bytes(), &mut out)
            else {
                panic!("expected a header problem for {text:?}");
            };
            assert_eq!(places(&problems), [(Some(1), None)], "{text}");
            assert_eq!(
                problems[0].message,
                format!(
                    "the first line must be the header id,first_name,surname,dob,sex,postcode,phone,nhs_number (exactly these 8 columns, in this order), but it is {found:?}"
                )
            );
        }
        let mut out = Vec::new();
        let Err(Failure::Rows(problems)) = run(&b""[..], HEADER.as_bytes(), &mut out) else {
            panic!("expected an empty-file problem");
        };
        assert_eq!(problems[0].line, Some(1));
        assert!(
            problems[0]
                .message
                .starts_with("the file is empty: expected the header id,first_name,")
        );
    }

    #[test]
    fn a_byte_order_mark_and_spaces_around_header_names_are_fine() {
        let patients =
            format!("\u{feff}id, first_name ,surname,dob,sex,postcode,phone,nhs_number\r\n{GOOD}");
        let mut out = Vec::new();
        run(patients.as_bytes(), HEADER.as_bytes(), &mut out).unwrap();
        assert_eq!(out, b"submission_id,outcome,rank,patient_id,score\n");
    }

    #[test]
    fn text_that_is_not_utf8_is_reported_on_its_line() {
        let mut patients = format!("{HEADER}{GOOD}").into_bytes();
        patients.extend_from_slice(b"P2,Zo\xEB,Exampleson,1980-01-01,F,,,\n");
        let mut out = Vec::new();
        let Err(Failure::Rows(problems)) = run(&patients[..], HEADER.as_bytes(), &mut out) else {
            panic!("expected bad UTF-8");
        };
        assert_eq!(places(&problems), [(Some(3), Some("first_name"))]);
        assert!(problems[0].message.contains("UTF-8"));
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
        assert_eq!(
            match_text(PRACTICE, submissions).unwrap(),
            "\
submission_id,outcome,rank,patient_id,score
S1,auto,1,P1,100
S2,suggested,1,P2,82
S3,suggested,1,P3,90
S3,suggested,2,P4,90
S4,none,,,
"
        );
    }

    #[test]
    fn suggestions_are_ranked_best_first() {
        let patients = "\
P1,Bill,Exampleson,1985-03-04,F,,,
P2,Bill,Exampleson,1985-04-03,M,,,
P3,William,Exampleson,1985-03-04,M,,,
";
        // Nickname 16+25+35+10; day and month swapped 20+25+26+10; a
        // different sex 20+25+35+0.
        assert_eq!(
            match_text(patients, "S1,Bill,Exampleson,1985-03-04,M,,,\n").unwrap(),
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P3,86
S1,suggested,2,P2,81
S1,suggested,3,P1,80
"
        );
    }

    #[test]
    fn an_unknown_sex_is_suggested_not_auto_matched() {
        assert_eq!(
            match_text(PRACTICE, "S1,Alex,Testpatient,1970-02-01,,,,\n").unwrap(),
            "\
submission_id,outcome,rank,patient_id,score
S1,suggested,1,P1,84
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
            .unwrap(),
            "\
submission_id,outcome,rank,patient_id,score
\"S \"\"1\"\"\",auto,1,\"P,1\",90
"
        );
    }

    #[test]
    fn no_patients_means_none_for_everyone() {
        assert_eq!(
            match_text("", "S1,Alex,Testpatient,1970-02-01,F,,,\n").unwrap(),
            "submission_id,outcome,rank,patient_id,score\nS1,none,,,\n"
        );
    }

    fn args(list: &[&str]) -> Result<Command, String> {
        parse_args(list.iter().map(OsString::from))
    }

    #[test]
    fn arguments() {
        let expected = Ok(Command::Match {
            patients: "p.csv".into(),
            submissions: "s.csv".into(),
        });
        assert_eq!(
            args(&["--patients", "p.csv", "--submissions", "s.csv"]),
            expected
        );
        assert_eq!(args(&["--submissions=s.csv", "--patients=p.csv"]), expected);
        assert_eq!(args(&["--help"]), Ok(Command::Help));
        assert_eq!(args(&["--patients", "p.csv", "-h"]), Ok(Command::Help));
        for (list, error) in [
            (
                &["--patients", "p.csv"][..],
                "--submissions PATH is required",
            ),
            (&[][..], "--patients PATH is required"),
            (&["--patients"][..], "--patients needs a path after it"),
            (
                &["--patients", "--submissions", "s.csv"][..],
                "--patients needs a path after it",
            ),
            (&["--patients="][..], "--patients needs a path after it"),
            (
                &["--patients", "a", "--patients", "b"][..],
                "--patients is given twice",
            ),
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
        ]) {
            assert!(HELP.contains(word), "--help does not mention {word}");
        }
        assert!(HELP.contains(&COLUMNS.join(",")));
        assert!(HELP.contains(&OUTPUT_COLUMNS.join(",")));
    }
}
