//! The functions about SystmOne itself rather than one record: functions,
//! organisation, what is on screen, reference data, schemas, extracts and
//! launching SystmOne's own screens.

use super::{Ctx, existing_dir, read_file};
use crate::mock::failure::Failure;
use crate::mock::practice::OpenRecord;
use crate::proto::xml::Decimal;
use crate::proto::{
    CurrentSelection, DataExtract, DataExtractResponse, FUNCTION_NAMES, GetCurrentActivityResponse,
    GetCurrentSelectionResponse, GetFunctionsResponse, GetOrganisationMetaData,
    GetOrganisationMetaDataResponse, GetReferenceDataResponse, GetXsdFiles, GetXsdFilesResponse,
    IsPatientRetrievedResponse, LaunchFunctionality, LaunchFunctionalityResponse,
    NumericReadCodeUnits, SupportedFunction, XsdFile,
};

pub(super) fn get_functions() -> GetFunctionsResponse {
    GetFunctionsResponse {
        supported_functions: FUNCTION_NAMES
            .iter()
            .map(|name| SupportedFunction {
                function: (*name).to_owned(),
                versions: Decimal::new("1.0").into_iter().collect(),
            })
            .collect(),
    }
}

pub(super) fn organisation(
    ctx: &Ctx<'_>,
    request: &GetOrganisationMetaData,
) -> GetOrganisationMetaDataResponse {
    let organisation = &ctx.practice.organisation;
    let mut sites = organisation.sites.clone();
    // Exactly one site is current and one primary: the ones marked, or
    // else the first.
    let current = sites.iter().position(|s| s.current_site).unwrap_or(0);
    let primary = sites.iter().position(|s| s.primary_site).unwrap_or(0);
    for (i, site) in sites.iter_mut().enumerate() {
        site.current_site = i == current;
        site.primary_site = i == primary;
    }
    if request.logged_on_user_only {
        // Only the site the logged-on user is at (PROTOCOL.md §9.2).
        sites.retain(|s| s.current_site);
    }
    let users = organisation
        .users
        .iter()
        .map(|u| {
            let mut user = u.clone();
            user.current_user = user.user_name == organisation.logged_on_user;
            user
        })
        .filter(|u| !request.logged_on_user_only || u.current_user)
        .collect();
    GetOrganisationMetaDataResponse {
        sites,
        users,
        slot_types: organisation.slot_types.clone(),
        clinic_types: organisation.clinic_types.clone(),
        other: Vec::new(),
        other_attributes: Vec::new(),
    }
}

fn open_identity(ctx: &Ctx<'_>) -> Option<crate::proto::Identity> {
    ctx.practice
        .open
        .as_ref()
        .map(|o| ctx.practice.patient(o.patient).identity())
}

pub(super) fn current_activity(ctx: &Ctx<'_>) -> GetCurrentActivityResponse {
    let screen = &ctx.practice.screen;
    GetCurrentActivityResponse {
        identity: open_identity(ctx),
        activities: screen.activities.clone(),
        current_selection: (screen.selection != CurrentSelection::default())
            .then(|| screen.selection.clone()),
    }
}

pub(super) fn current_selection(ctx: &Ctx<'_>) -> GetCurrentSelectionResponse {
    GetCurrentSelectionResponse {
        identity: open_identity(ctx),
        current_selection: ctx.practice.screen.selection.clone(),
    }
}

pub(super) fn is_patient_retrieved(ctx: &Ctx<'_>) -> IsPatientRetrievedResponse {
    IsPatientRetrievedResponse {
        is_patient_retrieved: ctx.practice.open.is_some(),
    }
}

pub(super) fn reference_data() -> GetReferenceDataResponse {
    let units = [
        ("22A..", "kg"),
        ("229..", "cm"),
        ("22K..", "kg/m2"),
        ("246..", "mmHg"),
        ("242..", "/min"),
        ("44J3.", "mmol/L"),
        ("42W5.", "mmol/mol"),
    ];
    GetReferenceDataResponse {
        units: units
            .iter()
            .map(|(code, unit)| NumericReadCodeUnits {
                code: (*code).into(),
                units: (*unit).into(),
                created_date: chrono::NaiveDate::from_ymd_opt(2010, 4, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0)),
            })
            .collect(),
    }
}

/// A schema for one function: the envelope with the function's name fixed
/// and its parameters left open (the mock does not ship TPP's XSDs).
fn schema(function: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:element name="ClientIntegrationRequest">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="APIKey" type="xs:string"/>
        <xs:element name="DeviceID" type="xs:string"/>
        <xs:element name="DeviceVersion" type="xs:string"/>
        <xs:element name="RequestUID" type="xs:string"/>
        <xs:element name="Function" type="xs:string" fixed="{function}"/>
        <xs:element name="FunctionVersion" type="xs:decimal" fixed="1"/>
        <xs:element name="FunctionParameters" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"#
    )
}

pub(super) fn xsd_files(
    ctx: &Ctx<'_>,
    request: &GetXsdFiles,
) -> Result<GetXsdFilesResponse, Failure> {
    let dir = match request
        .path
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(path) => existing_dir(path)?,
        None => ctx.settings.temp_dir.clone(),
    };
    let mut files = Vec::new();
    for function in FUNCTION_NAMES {
        let path = dir.join(format!("{function}_1.0.xsd"));
        std::fs::write(&path, schema(function))
            .map_err(|_| Failure::directory(&dir.display().to_string()))?;
        files.push(XsdFile {
            function: (*function).to_owned(),
            version: "1.0".into(),
            result: format!("Successfully written to {}", path.display()),
        });
    }
    Ok(GetXsdFilesResponse { files })
}

pub(super) fn data_extract(
    ctx: &mut Ctx<'_>,
    request: &DataExtract,
) -> Result<DataExtractResponse, Failure> {
    let dir = existing_dir(&request.directory)?;
    let name = request.name.trim();
    let extract = ctx
        .practice
        .extracts
        .get(name)
        .ok_or_else(|| Failure::invalid(format!("Unknown data extract {name}")))?;
    let mut manifest = String::new();
    for (file, contents) in &extract.files {
        manifest.push_str(&format!(
            "{file}\t{}\t{:08x}\n",
            contents.len(),
            crc32fast::hash(contents)
        ));
    }
    let crc = u64::from(crc32fast::hash(manifest.as_bytes()));
    if request.sr_manifest_crc != Some(crc) {
        for (file, contents) in &extract.files {
            std::fs::write(dir.join(file), contents)
                .map_err(|_| Failure::directory(&request.directory))?;
        }
        std::fs::write(dir.join("Manifest.txt"), &manifest)
            .map_err(|_| Failure::directory(&request.directory))?;
    }
    Ok(DataExtractResponse {
        sr_manifest_crc: Some(crc),
    })
}

pub(super) fn launch(
    ctx: &mut Ctx<'_>,
    request: &LaunchFunctionality,
) -> Result<LaunchFunctionalityResponse, Failure> {
    let launched = [
        request.medication.is_some(),
        request.clinical_code.is_some(),
        request.attachment.is_some(),
    ];
    if launched.iter().filter(|l| **l).count() > 1 {
        return Err(Failure::invalid(
            "Only one of Medication, ClinicalCode or Attachment may be launched at a time",
        ));
    }
    let patient = ctx.practice.find(&request.identity)?;
    if let Some(attachment) = &request.attachment {
        read_file(&attachment.document_path)?;
    }
    if let Some(open) = &ctx.practice.open
        && open.patient != patient
        && open.before.is_some()
    {
        return Err(Failure::record_in_use());
    }
    match &mut ctx.practice.open {
        // Launching shows the record: one open in the background becomes
        // displayable.
        Some(open) if open.patient == patient => open.displayable = true,
        open => {
            *open = Some(OpenRecord {
                patient,
                displayable: true,
                before: None,
            });
        }
    }
    let screen = &mut ctx.practice.screen;
    screen.activities = vec![
        match launched {
            [true, _, _] => "Add Medication",
            [_, true, _] => "Add Clinical Code",
            [_, _, true] => "Add Attachment",
            _ => "Patient Record",
        }
        .to_owned(),
    ];
    screen.selection = CurrentSelection {
        drugs: request.medication.iter().map(|m| m.drug.clone()).collect(),
        codes: request
            .clinical_code
            .iter()
            .map(|c| c.code.clone())
            .collect(),
    };
    Ok(LaunchFunctionalityResponse {
        identity: ctx.practice.patient(patient).identity(),
    })
}
