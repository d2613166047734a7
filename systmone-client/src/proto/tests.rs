//! Round trips of whole documents for every function, and the leniency
//! PROTOCOL.md asks of decoders.

use proptest::prelude::*;

use super::strategy::{XmlArbitrary, xml_text};
use super::*;

fn header() -> impl Strategy<Value = RequestHeader> {
    (
        "[0-9a-f]{16}",
        "([0-9a-f]{16})?",
        xml_text(),
        xml_text(),
        proptest::option::of(OutputScheme::xml_strategy()),
    )
        .prop_map(
            |(api_key, device_id, device_version, request_uid, output_scheme)| RequestHeader {
                api_key,
                device_id,
                device_version,
                request_uid,
                function_version: "1.0".into(),
                output_scheme,
            },
        )
}

fn response_header(function: &str) -> ResponseHeader {
    ResponseHeader {
        device_id: "8e7d6c5b4a392817".into(),
        request_uid: "3f2a9c1e-7b44-4d0a-9e61-5c2b8f7d1a90".into(),
        function: function.into(),
        function_version: "1.0".into(),
        response_uid: "6C1F0E2A-91B3-4F57-A8D2-0B9E4C3D2A11".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn every_request_round_trips(header in header(), parameters in AnyRequest::xml_strategy()) {
        let request = Request::any(header, parameters);
        let bytes = encode_request(&request, EncodeOptions::default()).unwrap();
        prop_assert!(!bytes.contains(&b'\n') && !bytes.contains(&b'\r'));
        let back = decode_request(&bytes).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        prop_assert_eq!(back, request);
    }

    #[test]
    fn every_response_round_trips(answer in AnyResponse::xml_strategy(), raw_breaks in any::<bool>()) {
        let response = Response {
            header: response_header(answer.function_name()),
            body: Ok(answer),
        };
        let options = EncodeOptions { raw_line_breaks: raw_breaks, ..EncodeOptions::default() };
        let bytes = encode_response(&response, options).unwrap();
        let back = decode_any_response(&bytes).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
        prop_assert_eq!(back, response);
    }

    #[test]
    fn error_responses_round_trip(error in ErrorResponse::xml_strategy()) {
        let response: Response<AnyResponse> = Response {
            header: response_header("PatientSearch"),
            body: Err(error),
        };
        let bytes = encode_response(&response, EncodeOptions::default()).unwrap();
        prop_assert_eq!(decode_any_response(&bytes).unwrap(), response);
    }

    /// The client's quick look agrees with the full decode on every
    /// answer and error: the envelope it pairs by, and whether it is an
    /// error.
    #[test]
    fn peeking_agrees_with_decoding(
        body in prop_oneof![
            AnyResponse::xml_strategy().prop_map(Ok),
            ErrorResponse::xml_strategy().prop_map(Err),
        ],
        raw_breaks in any::<bool>(),
    ) {
        let function = match &body {
            Ok(answer) => answer.function_name(),
            Err(_) => "PatientSearch",
        };
        let response = Response { header: response_header(function), body };
        let options = EncodeOptions { raw_line_breaks: raw_breaks, ..EncodeOptions::default() };
        let bytes = encode_response(&response, options).unwrap();
        let peek = peek_response(&bytes).unwrap();
        prop_assert_eq!(&peek.request_uid, &response.header.request_uid);
        prop_assert_eq!(&peek.function, &response.header.function);
        prop_assert_eq!(&peek.device_id, &response.header.device_id);
        prop_assert_eq!(peek.error.as_ref(), response.body.as_ref().err());
    }
}

#[test]
fn peeking_finds_the_envelope_in_any_order_and_misses_nothing_required() {
    let reordered = "<ClientIntegrationResponse><Response><ErrorMessage>x</ErrorMessage>\
        <PermanentError>0</PermanentError></Response><Function> GetDiary </Function>\
        <ResponseUID>R</ResponseUID><RequestUID> u1 </RequestUID><DeviceID>d</DeviceID>\
        </ClientIntegrationResponse>";
    let peek = peek_response(reordered.as_bytes()).unwrap();
    // RequestUID is compared byte for byte (§3.1), so it is not trimmed.
    assert_eq!(peek.request_uid, " u1 ");
    assert_eq!(peek.function, "GetDiary");
    assert_eq!(peek.device_id, "d");
    assert_eq!(peek.error.unwrap().permanent, Some(false));
    for (document, missing) in [
        (
            "<ClientIntegrationResponse><Function>F</Function><Response/></ClientIntegrationResponse>",
            "RequestUID",
        ),
        (
            "<ClientIntegrationResponse><RequestUID>u</RequestUID><Response/></ClientIntegrationResponse>",
            "Function",
        ),
        (
            "<ClientIntegrationResponse><RequestUID>u</RequestUID><Function>F</Function></ClientIntegrationResponse>",
            "Response",
        ),
    ] {
        let error = peek_response(document.as_bytes()).unwrap_err();
        assert!(
            matches!(error.kind, DecodeErrorKind::Missing { name } if name == missing),
            "{error}"
        );
    }
    assert!(peek_response(b"<ClientIntegrationRequest/>").is_err());
    assert!(peek_response(b"not xml").is_err());
}

#[test]
fn only_reads_are_safe_to_resend() {
    macro_rules! flags {
        ($($f:ty),*) => { [$((<$f>::NAME, <$f>::SAFE_TO_RESEND)),*] };
    }
    let all = flags!(
        GetFunctions,
        GetOrganisationMetaData,
        GetCurrentActivity,
        GetCurrentSelection,
        PatientSearch,
        GetPatientRecord,
        UpdatePatientRecord,
        GetDocument,
        DeletePatientRecord,
        GetAppointmentSlots,
        GetDiary,
        ExitClient,
        DataExtract,
        LaunchFunctionality,
        GetXsdFiles,
        GetReferenceData,
        IsPatientRetrieved
    );
    assert_eq!(all.len(), FUNCTION_NAMES.len());
    let not_safe: Vec<&str> = all
        .iter()
        .filter(|(_, safe)| !safe)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        not_safe,
        [
            "UpdatePatientRecord",
            "DeletePatientRecord",
            "ExitClient",
            "LaunchFunctionality"
        ]
    );
}

#[test]
fn typed_decoding_pairs_a_request_with_its_answer() {
    let doc = b"<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
        <Function>IsPatientRetrieved</Function><FunctionVersion>1.0</FunctionVersion>\
        <ResponseUID>u</ResponseUID><Response><IsPatientRetrieved>true</IsPatientRetrieved></Response>\
        </ClientIntegrationResponse>";
    let response = decode_response::<IsPatientRetrieved>(doc).unwrap();
    assert!(response.body.unwrap().is_patient_retrieved);
}

#[test]
fn an_error_response_is_recognised_whatever_the_function() {
    let doc = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
        <Function>PatientSearch</Function><FunctionVersion>1.0</FunctionVersion><ResponseUID>u</ResponseUID>\
        <Response><ErrorMessage>At least two search parameters must be specified</ErrorMessage>\
        <PermanentError>TRUE</PermanentError></Response></ClientIntegrationResponse>";
    let error = decode_response::<PatientSearch>(doc.as_bytes())
        .unwrap()
        .body
        .unwrap_err();
    assert_eq!(
        error.message,
        "At least two search parameters must be specified"
    );
    assert!(error.is_permanent());
    let doc = doc.replace(
        "<PermanentError>TRUE</PermanentError>",
        "<PermanentError>false</PermanentError>",
    );
    assert!(
        !decode_response::<GetPatientRecord>(doc.as_bytes())
            .unwrap()
            .body
            .unwrap_err()
            .is_permanent()
    );
}

#[test]
fn requests_are_read_leniently() {
    // TPP template style: declaration, CRLF, tabs, shuffled envelope with
    // odd casing, parameters before the function, NhsNumber casing,
    // SrManifestCrc casing is tested below.
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ClientIntegrationRequest>\r\n\
        \t<requestuid>abc</requestuid>\r\n\
        \t<FunctionParameters>\r\n\t\t<Identity><NhsNumber> 9990000018 </NhsNumber></Identity>\r\n\
        \t\t<Filter><demographics/><NUMERIC>229..</NUMERIC></Filter>\r\n\t</FunctionParameters>\r\n\
        \t<Function>GetPatientRecord</Function>\r\n\t<apikey>k</apikey>\r\n\t<DeviceID/>\r\n\
        \t<DeviceVersion></DeviceVersion>\r\n\t<FunctionVersion>1</FunctionVersion>\r\n\
        </ClientIntegrationRequest>\r\n";
    let request = decode_request(doc.as_bytes()).unwrap();
    assert_eq!(request.header.request_uid, "abc");
    assert_eq!(request.header.device_id, "");
    assert_eq!(request.header.function_version, "1");
    let AnyRequest::GetPatientRecord(get) = request.into_parameters() else {
        panic!("wrong function");
    };
    assert_eq!(
        get.identity.unwrap().nhs_number.as_deref(),
        Some("9990000018")
    );
    let filter = get.filter.unwrap();
    assert!(filter.demographics);
    assert_eq!(filter.numeric, ["229.."]);
    let noon = "2031-05-14T12:00:00".parse().unwrap();
    assert!(!filter.is_exempt_at(noon));
}

#[test]
fn casing_variants_and_aliases_are_accepted() {
    let doc = b"<ClientIntegrationRequest><APIKey>k</APIKey><DeviceID>d</DeviceID><DeviceVersion>v</DeviceVersion>\
        <RequestUID>r</RequestUID><Function>DeleteFromPatientRecord</Function><FunctionVersion>1.0</FunctionVersion>\
        <FunctionParameters><Reason>dup</Reason><EventUID>a41f7c0000000000</EventUID></FunctionParameters>\
        </ClientIntegrationRequest>";
    let request = decode_request(doc).unwrap();
    assert_eq!(
        request.function(),
        "DeleteFromPatientRecord",
        "kept as received, for the echo"
    );
    assert!(
        matches!(request.parameters(), AnyRequest::DeletePatientRecord(d) if d.reason == "dup")
    );

    let doc = b"<ClientIntegrationRequest><APIKey>k</APIKey><DeviceID>d</DeviceID><DeviceVersion>v</DeviceVersion>\
        <RequestUID>r</RequestUID><Function>dataextract</Function><FunctionVersion>1.0</FunctionVersion>\
        <FunctionParameters><SrManifestCrc>1350912244</SrManifestCrc><Directory>C:\\sr</Directory><Name>W</Name>\
        </FunctionParameters></ClientIntegrationRequest>";
    let AnyRequest::DataExtract(extract) = decode_request(doc).unwrap().into_parameters() else {
        panic!("wrong function");
    };
    assert_eq!(extract.sr_manifest_crc, Some(1_350_912_244));
}

#[test]
fn undecodable_requests_keep_what_a_server_needs_to_answer() {
    let doc = b"<ClientIntegrationRequest><ApplicationKey>k</ApplicationKey><RequestUID>r-1</RequestUID>\
        <Function>GetFunctions</Function><FunctionVersion>1.0</FunctionVersion></ClientIntegrationRequest>";
    let err = decode_request(doc).unwrap_err();
    assert_eq!(err.error.kind, DecodeErrorKind::Missing { name: "APIKey" });
    assert_eq!(err.request_uid.as_deref(), Some("r-1"));
    assert_eq!(err.function.as_deref(), Some("GetFunctions"));

    let doc = b"<ClientIntegrationRequest><APIKey>k</APIKey><DeviceID/><DeviceVersion/><RequestUID>r</RequestUID>\
        <Function>SomeFunction</Function><FunctionVersion>1.0</FunctionVersion></ClientIntegrationRequest>";
    let err = decode_request(doc).unwrap_err();
    assert!(
        matches!(err.error.kind, DecodeErrorKind::UnknownFunction { ref name } if name == "SomeFunction")
    );

    let err = decode_request(b"<WrongClientIntegrationRequest/>").unwrap_err();
    assert!(matches!(
        err.error.kind,
        DecodeErrorKind::UnexpectedRoot { .. }
    ));
}

#[test]
fn responses_are_read_leniently() {
    // Pretty-printed, a date-time with a fraction and Z, empty optional
    // elements, a duration as a decimal, raw line breaks in task content,
    // unknown elements kept.
    let doc = "<ClientIntegrationResponse>\n  <DeviceID>d</DeviceID>\n  <RequestUID>r</RequestUID>\n\
        <Function>GetPatientRecord</Function>\n  <FunctionVersion>1.0</FunctionVersion>\n  <ResponseUID>u</ResponseUID>\n\
        <Response>\n    <Identity><NHSNumber>9990000042</NHSNumber><StrategicReportingIdentifier>504</StrategicReportingIdentifier></Identity>\n\
        <Demographics><Title/><FirstName>Jordan</FirstName><MiddleNames/><Surname>Sample</Surname>\
        <DateOfBirth>1985-11-23</DateOfBirth><Sex>U</Sex><MaritalStatus/><HomeTelephone/></Demographics>\n\
        <Clinical><Event DateTime=\"2031-03-02T12:45:12.0Z\" DoneBy=\"EXAMPLE, Sam (GP) \" EventUID=\"5e01c20000000000\">\
        <Narrative><Line> indented line</Line></Narrative><Mystery a=\"1\"><Inner>x</Inner></Mystery></Event></Clinical>\n\
        <NonClinical><Appointment><DateTime>2031-04-10T14:20:00</DateTime><Duration>10.0</Duration>\
        <AppointmentUID>19b6e40000000000</AppointmentUID></Appointment>\
        <Task><TaskUID>t</TaskUID><Content>line one\nline two</Content></Task></NonClinical>\n\
        <RecordState>Closed</RecordState>\n  </Response>\n</ClientIntegrationResponse>";
    let record = decode_response::<GetPatientRecord>(doc.as_bytes())
        .unwrap()
        .body
        .unwrap();
    let demographics = record.demographics.unwrap();
    assert_eq!(
        (
            demographics.title.as_str(),
            demographics.first_name.as_str()
        ),
        ("", "Jordan")
    );
    assert_eq!(demographics.marital_status, Some(CodedValue::default()));
    assert_eq!(demographics.telephones().count(), 0);
    let event = &record.clinical.unwrap().events[0];
    assert_eq!(event.date_time.unwrap().to_string(), "2031-03-02 12:45:12");
    assert_eq!(
        event.done_by.as_deref(),
        Some("EXAMPLE, Sam (GP) "),
        "free text is not trimmed"
    );
    assert_eq!(event.narratives[0].lines, [" indented line"]);
    assert_eq!(event.other[0].name, "Mystery", "unknown items are kept");
    assert_eq!(event.other[0].child("Inner").unwrap().text(), "x");
    let non_clinical = record.non_clinical.unwrap();
    assert_eq!(
        non_clinical.appointments[0].length(),
        Some(xml::Minutes(10))
    );
    assert_eq!(
        non_clinical.tasks[0].content.as_deref(),
        Some("line one\nline two")
    );
    assert_eq!(record.record_state, Some(RecordState::Closed));
}

#[test]
fn text_xml_cannot_carry_is_refused_with_the_element_named() {
    let request = Request::new(
        RequestHeader::default(),
        UpdatePatientRecord {
            clinical: Some(Clinical {
                events: vec![Event::narrative(
                    "2031-05-14T09:30:00".parse().unwrap(),
                    ["a bell \u{7} here".to_owned()],
                )],
                other: vec![],
                other_attributes: vec![],
            }),
            ..UpdatePatientRecord::default()
        },
    );
    let err = encode_request(&request, EncodeOptions::default()).unwrap_err();
    assert_eq!(
        err.element,
        "ClientIntegrationRequest/FunctionParameters/Clinical/Event/Narrative/Line"
    );
    assert_eq!(err.character, '\u{7}');
}

#[test]
fn hostile_but_legal_text_round_trips_exactly() {
    let hostile = "<b>&amp;</b> \"q\" 'a' ]]> <!-- c --> \r\n\ttab 😀 עברית";
    let request = Request::new(
        RequestHeader::default(),
        PatientSearch {
            surname: Some(hostile.into()),
            first_name: Some("  spaced  ".into()),
            ..PatientSearch::default()
        },
    );
    let bytes = encode_request(&request, EncodeOptions::default()).unwrap();
    assert!(!bytes.contains(&b'\n'));
    assert_eq!(
        decode_request(&bytes).unwrap(),
        Request::any(
            request.header.clone(),
            request.parameters().clone().into_any()
        )
    );
}

#[test]
fn appointment_shapes_read_the_same() {
    let nested = "<A><Clinic><UserName>sexample01</UserName><SiteName>Riverside</SiteName><ClinicType>Minor</ClinicType>\
        <Slot><SlotType>Routine</SlotType><DateTimeStart>2031-04-10T14:20:00</DateTimeStart><Duration>10</Duration></Slot></Clinic></A>";
    let sibling = "<A><Clinic><UserName>sexample01</UserName><SiteName>Riverside</SiteName><ClinicType>Minor</ClinicType></Clinic>\
        <Slot><SlotType>Routine</SlotType><DateTimeStart>2031-04-10T14:20:00</DateTimeStart><Duration>10</Duration></Slot></A>";
    let flat = "<A><DateTime>2031-04-10T14:20:00</DateTime><Duration>10.0</Duration><UserName>sexample01</UserName>\
        <Site>Riverside</Site></A>";
    for doc in [nested, sibling, flat] {
        let a: Appointment = xml::decode_document(doc, "A").unwrap();
        assert_eq!(
            a.start().unwrap().to_string(),
            "2031-04-10 14:20:00",
            "{doc}"
        );
        assert_eq!(a.length(), Some(xml::Minutes(10)));
        assert_eq!(a.clinician_user_name(), Some("sexample01"));
        assert_eq!(a.site_name(), Some("Riverside"));
    }
}

#[test]
fn invalid_utf8_is_an_error_not_a_panic() {
    let mut doc = b"<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r\xFF\xFE</RequestUID></ClientIntegrationResponse>".to_vec();
    assert!(decode_any_response(&doc).is_err());
    doc.insert(30, 0xC3);
    assert!(decode_document(&doc).is_err());
    assert!(
        decode_request(b"\xEF\xBB\xBF<ClientIntegrationRequest>\xF0</ClientIntegrationRequest>")
            .is_err()
    );
}

/// Documents of several functions, requests and responses, joined by the
/// separators peers use (none, LF, CRLF, blank lines, a declaration).
fn stream() -> impl Strategy<Value = (Vec<Request<AnyRequest>>, Vec<u8>)> {
    let separator = prop_oneof![
        Just(""),
        Just("\n"),
        Just("\r\n"),
        Just("\r\n\r\n\t "),
        Just("\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"),
    ];
    proptest::collection::vec((header(), AnyRequest::xml_strategy(), separator), 1..5).prop_map(
        |parts| {
            let mut requests = Vec::new();
            let mut bytes = Vec::new();
            for (header, parameters, separator) in parts {
                let request = Request::any(header, parameters);
                bytes.extend_from_slice(
                    &encode_request(&request, EncodeOptions::default()).unwrap(),
                );
                bytes.extend_from_slice(separator.as_bytes());
                requests.push(request);
            }
            (requests, bytes)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_stream_of_different_functions_splits_the_same_anywhere(
        (requests, bytes) in stream(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..16),
    ) {
        use tokio_util::codec::Decoder;
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut codec = DocumentCodec::new();
        let mut buf = bytes::BytesMut::new();
        let mut decoded = Vec::new();
        let mut last = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            buf.extend_from_slice(&bytes[last..cut]);
            last = cut;
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                decoded.push(decode_request(&frame).unwrap());
            }
        }
        prop_assert!(codec.decode_eof(&mut buf).unwrap().is_none());
        prop_assert_eq!(decoded, requests);
    }
}

#[test]
fn empty_typed_elements_and_attributes_are_no_value() {
    let doc = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
        <Function>GetPatientRecord</Function><Response><Identity/>\
        <Demographics><FirstName>A</FirstName><Surname>B</Surname><DateOfBirth>1970-02-01</DateOfBirth><Sex>U</Sex>\
        <CareStartDate/><EnglishSpeaker></EnglishSpeaker></Demographics>\
        <Clinical><Event DateTime=\"\" EventUID=\"e\"><Medication><Drug Scheme=\"Multilex\" ProductID=\"1\" PackID=\"\"/>\
        <EndDate/><StartDate> </StartDate></Medication><ClinicalCode><Code Scheme=\"CTV3\" Code=\"22A..\"/><Value></Value></ClinicalCode>\
        </Event></Clinical><RecordState>Closed</RecordState></Response></ClientIntegrationResponse>";
    let record = decode_response::<GetPatientRecord>(doc.as_bytes())
        .unwrap()
        .body
        .unwrap();
    let demographics = record.demographics.unwrap();
    assert_eq!(
        (demographics.care_start_date, demographics.english_speaker),
        (None, None)
    );
    let event = &record.clinical.unwrap().events[0];
    assert_eq!(event.date_time, None);
    assert_eq!(event.medications[0].drug.pack_id, None);
    assert_eq!(
        (
            event.medications[0].start_date,
            event.medications[0].end_date
        ),
        (None, None)
    );
    assert_eq!(event.clinical_codes[0].value, None);
    // A value that is present but wrong is still an error.
    let bad = doc.replace(
        "<CareStartDate/>",
        "<CareStartDate>01/02/2004</CareStartDate>",
    );
    let err = decode_response::<GetPatientRecord>(bad.as_bytes()).unwrap_err();
    assert!(err.path.ends_with("CareStartDate"), "{err}");
}

#[test]
fn an_unreadable_permanent_flag_never_loses_the_error() {
    for (flag, permanent) in [
        ("<PermanentError/>", None),
        ("<PermanentError>Yes</PermanentError>", Some(true)),
        ("<PermanentError> FALSE </PermanentError>", Some(false)),
        ("<PermanentError>maybe</PermanentError>", None),
        ("", None),
    ] {
        let doc = format!(
            "<ClientIntegrationResponse><DeviceID/><RequestUID>r</RequestUID><Function>PatientSearch</Function>\
             <Response><ErrorMessage>Busy</ErrorMessage>{flag}</Response></ClientIntegrationResponse>"
        );
        let error = decode_response::<PatientSearch>(doc.as_bytes())
            .unwrap()
            .body
            .unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.permanent),
            ("Busy", permanent),
            "{flag}"
        );
        assert_eq!(error.is_permanent(), permanent.unwrap_or(true));
    }
}

#[test]
fn strategic_reporting_identifier_is_never_sent_in_a_request() {
    let identity = Identity {
        nhs_number: Some("9990000034".into()),
        strategic_reporting_identifier: Some("503".into()),
        ..Identity::default()
    };
    let request = Request::new(
        RequestHeader::default(),
        GetPatientRecord {
            identity: Some(identity.clone()),
            ..GetPatientRecord::default()
        },
    );
    let bytes = encode_request(&request, EncodeOptions::default()).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("StrategicReportingIdentifier"));
    let response = Response {
        header: response_header("LaunchFunctionality"),
        body: Ok(LaunchFunctionalityResponse { identity }),
    };
    let bytes = encode_response(&response, EncodeOptions::default()).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes)
            .contains("<StrategicReportingIdentifier>503</StrategicReportingIdentifier>")
    );
}

#[test]
fn identifiers_and_codes_are_trimmed_but_free_text_is_not() {
    let doc = "<ClientIntegrationRequest><APIKey>k</APIKey><DeviceID/><DeviceVersion/><RequestUID>r</RequestUID>\
        <Function>GetPatientRecord</Function><FunctionVersion>1.0</FunctionVersion><FunctionParameters>\
        <Filter><ClinicalCode>\r\n  229..\r\n</ClinicalCode><UserNameDoneBy> sexample01 </UserNameDoneBy>\
        <Numeric> 22A.. </Numeric></Filter></FunctionParameters></ClientIntegrationRequest>";
    let AnyRequest::GetPatientRecord(get) =
        decode_request(doc.as_bytes()).unwrap().into_parameters()
    else {
        panic!("wrong function");
    };
    let filter = get.filter.unwrap();
    assert_eq!(filter.clinical_code, ["229.."]);
    assert_eq!(filter.user_name_done_by, ["sexample01"]);
    assert_eq!(filter.numeric, ["22A.."]);

    let code: Code = xml::decode_document(
        "<Code Scheme=\"CTV3\" Code=\" XE0Ub \" Term=\" spaced term \"/>",
        "Code",
    )
    .unwrap();
    assert_eq!(code.code, "XE0Ub");
    assert_eq!(
        code.term.as_deref(),
        Some(" spaced term "),
        "a term is free text"
    );

    let slot: Clinic = xml::decode_document(
        "<Clinic><UserName>\n  sexample01\n</UserName><SiteName> Riverside </SiteName><ClinicType>Minor</ClinicType></Clinic>",
        "Clinic",
    )
    .unwrap();
    assert_eq!(
        (slot.user_name.as_str(), slot.site_name.as_str()),
        ("sexample01", "Riverside")
    );

    let narrative: Narrative =
        xml::decode_document("<N><Line>  indented </Line></N>", "N").unwrap();
    assert_eq!(narrative.lines, ["  indented "]);
    let task: Task =
        xml::decode_document("<T><Status>   </Status><Content> keep </Content></T>", "T").unwrap();
    assert_eq!(task.status, None, "a blank token is no value");
    assert_eq!(task.content.as_deref(), Some(" keep "));
}

#[test]
fn a_response_to_an_unknown_function_is_kept_for_tools() {
    let doc = b"<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
        <Function>GetSomethingNew</Function><FunctionVersion>2.0</FunctionVersion><ResponseUID>u</ResponseUID>\
        <Response><Thing a=\"1\">value</Thing></Response></ClientIntegrationResponse>";
    let response = decode_any_response(doc).unwrap();
    assert_eq!(response.header.function, "GetSomethingNew");
    let Ok(AnyResponse::Unknown(element)) = &response.body else {
        panic!("kept as an unknown answer: {response:?}");
    };
    assert_eq!(element.child("Thing").unwrap().text(), "value");
    let again = encode_response(&response, EncodeOptions::default()).unwrap();
    assert_eq!(decode_any_response(&again).unwrap(), response);
}

#[test]
fn unknown_attributes_are_kept_and_written_back() {
    let doc = "<Event DateTime=\"2031-03-02T10:15:00\" NewAttr=\"keep &amp; me\" EventUID=\"e\">\
        <Narrative Confidential=\"true\"><Line>x</Line></Narrative></Event>";
    let event: Event = xml::decode_document(doc, "Event").unwrap();
    assert_eq!(
        event.other_attributes,
        [("NewAttr".to_owned(), "keep & me".to_owned())]
    );
    assert_eq!(
        event.narratives[0].other_attributes,
        [("Confidential".to_owned(), "true".to_owned())]
    );
    let bytes = xml::encode_document(&event, "Event", EncodeOptions::default()).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("NewAttr=\"keep &amp; me\"") && text.contains("Confidential=\"true\""),
        "{text}"
    );
    assert_eq!(
        xml::decode_document::<Event>(&text, "Event").unwrap(),
        event
    );
}

#[test]
fn an_appointment_update_is_written_in_the_specification_order() {
    let mut update =
        Appointment::update_status(AppointmentUid::from("19b6e40000000000"), "Arrived");
    update.comments = Some("Checked in at kiosk".into());
    let bytes = xml::encode_document(&update, "Appointment", EncodeOptions::default()).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "<Appointment><AppointmentUID>19b6e40000000000</AppointmentUID><Status>Arrived</Status>\
         <Comments>Checked in at kiosk</Comments></Appointment>"
    );
}
