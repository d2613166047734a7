//! PatientSearch with the mock's precise matching rules (PROTOCOL.md §9.5).

use super::Ctx;
use crate::mock::failure::Failure;
use crate::mock::practice::SearchView;
use crate::proto::{PatientSearch, PatientSearchResponse, PatientSearchResult, Sex};

/// The criteria, normalised once.
struct Query {
    first_name: Option<String>,
    surname: Option<String>,
    date_of_birth: Option<chrono::NaiveDate>,
    postcode: Option<Postcode>,
    telephone: Option<String>,
    sex: Option<Sex>,
}

enum Postcode {
    Full(String),
    Outward(String),
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Digits only: telephone numbers compare without spaces or punctuation.
fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

fn starts_with_ignoring_case(name: &str, prefix: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .flat_map(char::to_lowercase)
        .all(|p| name.next() == Some(p))
}

impl Query {
    fn new(request: &PatientSearch) -> Result<Self, Failure> {
        let sex = match request.gender {
            None => None,
            Some(Sex::Male) => Some(Sex::Male),
            Some(Sex::Female) => Some(Sex::Female),
            Some(_) => return Err(Failure::invalid("Invalid gender")),
        };
        let postcode = given(&request.post_code).map(|p| {
            let upper = p.to_ascii_uppercase();
            if upper.contains(' ') {
                Postcode::Full(upper.split_whitespace().collect::<Vec<_>>().join(" "))
            } else {
                Postcode::Outward(upper)
            }
        });
        let query = Self {
            first_name: given(&request.first_name).map(str::to_owned),
            surname: given(&request.surname).map(str::to_owned),
            date_of_birth: request.date_of_birth,
            postcode,
            // A number without digits still counts as a criterion, and
            // matches nobody.
            telephone: given(&request.telephone).map(digits),
            sex,
        };
        let criteria = [
            query.first_name.is_some(),
            query.surname.is_some(),
            query.date_of_birth.is_some(),
            query.postcode.is_some(),
            given(&request.telephone).is_some(),
            query.sex.is_some(),
        ];
        if criteria.iter().filter(|c| **c).count() < 2 {
            return Err(Failure::too_few_search_criteria());
        }
        Ok(query)
    }

    fn matches(&self, patient: &SearchView<'_>) -> bool {
        self.date_of_birth
            .is_none_or(|d| d == patient.date_of_birth)
            && self.sex.as_ref().is_none_or(|s| *s == patient.sex)
            && self
                .surname
                .as_deref()
                .is_none_or(|s| starts_with_ignoring_case(patient.surname, s))
            && self
                .first_name
                .as_deref()
                .is_none_or(|f| starts_with_ignoring_case(patient.first_name, f))
            && self.postcode.as_ref().is_none_or(|query| {
                let Some(stored) = patient.postcode else {
                    return false;
                };
                let stored = stored.trim().to_ascii_uppercase();
                match query {
                    Postcode::Full(full) => {
                        stored.split_whitespace().collect::<Vec<_>>().join(" ") == *full
                    }
                    Postcode::Outward(outward) => {
                        stored.split_whitespace().next() == Some(outward.as_str())
                    }
                }
            })
            && self.telephone.as_deref().is_none_or(|wanted| {
                patient
                    .telephones
                    .iter()
                    .any(|t| !t.is_empty() && digits(t) == wanted)
            })
    }
}

pub(super) fn patient_search(
    ctx: &mut Ctx<'_>,
    request: &PatientSearch,
) -> Result<PatientSearchResponse, Failure> {
    let query = Query::new(request)?;
    let mut found: Vec<usize> = ctx
        .practice
        .patients()
        .iter()
        .enumerate()
        .filter(|(_, p)| query.matches(&p.search_view()))
        .map(|(i, _)| i)
        .collect();
    let practice = &*ctx.practice;
    found.sort_by_cached_key(|&i| {
        let v = practice.patient(i).search_view();
        (
            v.surname.to_lowercase(),
            v.first_name.to_lowercase(),
            v.date_of_birth,
        )
    });
    let results = found
        .into_iter()
        .map(|i| {
            let patient = practice.patient(i);
            let d = patient.demographics(&practice.organisation);
            let telephone = [&d.mobile_telephone, &d.home_telephone]
                .into_iter()
                .find(|t| !t.trim().is_empty())
                .cloned();
            PatientSearchResult {
                identity: patient.identity(),
                first_name: d.first_name,
                surname: d.surname,
                date_of_birth: d.date_of_birth,
                sex: d.sex,
                telephone,
                address: d.address,
                other: Vec::new(),
                other_attributes: Vec::new(),
            }
        })
        .collect();
    Ok(PatientSearchResponse { results })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_ignore_case_beyond_ascii() {
        assert!(starts_with_ignoring_case("Zoë", "zo"));
        assert!(starts_with_ignoring_case("Zoë", "ZOË"));
        assert!(starts_with_ignoring_case("O'Brien", "o'b"));
        assert!(!starts_with_ignoring_case("Da", "Dav"));
        assert!(starts_with_ignoring_case("David", ""));
    }

    #[test]
    fn telephone_digits_ignore_punctuation() {
        assert_eq!(digits("(0113) 496-0000"), "01134960000");
    }
}
