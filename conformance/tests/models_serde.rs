//! The generated models' serde impls are written out (`runtime/src/object.rs`
//! and the emitter's `serde_impls`) rather than derived, to compile faster.
//! Here each of `bc-api`'s field kinds is checked against a twin that
//! derives exactly what the emitter used to write: every input below must
//! decode to the same value, or fail with the same message, and every value
//! must encode to the same text.

use bc_api::Nullable;
use bc_api::models::{Company, CompanyCollection, CustomerContactUpdateRequest, OdataError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The twins, named as the models are (the names are in the messages).
mod derived {
    use bc_api::Nullable;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    pub(crate) struct Company {
        #[serde(rename = "@odata.etag")]
        pub(crate) odata_etag: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) id: Option<uuid::Uuid>,
        #[serde(rename = "systemVersion")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) system_version: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) name: Option<String>,
        #[serde(rename = "displayName")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) display_name: Option<String>,
        #[serde(rename = "businessProfileId")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) business_profile_id: Option<String>,
        #[serde(rename = "systemCreatedAt")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) system_created_at: Option<chrono::DateTime<chrono::FixedOffset>>,
        #[serde(rename = "systemModifiedAt")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) system_modified_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(crate) struct CompanyCollection {
        #[serde(rename = "@odata.context")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) odata_context: Option<String>,
        pub(crate) value: Vec<Company>,
        #[serde(rename = "@odata.nextLink")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) odata_next_link: Option<String>,
    }

    #[derive(Debug, Default, Serialize, Deserialize)]
    pub(crate) struct CustomerContactUpdateRequest {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) email: Nullable<String>,
        #[serde(rename = "firstName")]
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) first_name: Nullable<String>,
        #[serde(rename = "lastName")]
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) last_name: Nullable<String>,
        #[serde(rename = "professionalTitle")]
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) professional_title: Nullable<String>,
        #[serde(rename = "customerId")]
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) customer_id: Nullable<uuid::Uuid>,
        #[serde(rename = "primaryPhoneNumber")]
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub(crate) primary_phone_number: Nullable<String>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(crate) struct OdataError {
        pub(crate) error: OdataErrorDetail,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(crate) struct OdataErrorDetail {
        pub(crate) code: String,
        pub(crate) message: String,
    }
}

/// Decodes `input` as both types: the same outcome, and the same text
/// when each decoded value is encoded again.
fn same<Ours: DeserializeOwned + Serialize, Derived: DeserializeOwned + Serialize>(input: &str) -> bool {
    let ours = serde_json::from_str::<Ours>(input);
    let derived = serde_json::from_str::<Derived>(input);
    match (ours, derived) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (
                serde_json::to_string(&a).expect("encodes"),
                serde_json::to_string(&b).expect("encodes"),
            );
            assert_eq!(a, b, "{input}: encoded differently");
            true
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{input}: different errors");
            false
        }
        (a, b) => panic!("{input}: ours {:?}, the derive's {:?}", a.map(|_| ()), b.map(|_| ())),
    }
}

const COMPANY: &str = r#"{"@odata.etag":"W/\"1\"","id":"5d115c9c-44e3-ea11-bb43-000d3a2feca1","systemVersion":"24.0","name":"CRONUS","displayName":"CRONUS USA, Inc.","businessProfileId":"","systemCreatedAt":"2024-01-02T03:04:05Z","systemModifiedAt":"2024-01-02T03:04:05.5+02:00"}"#;

#[test]
fn a_struct_with_required_and_optional_members_decodes_and_fails_as_the_derive_does() {
    let decodes = [
        COMPANY.to_owned(),
        r#"{"@odata.etag":"x"}"#.to_owned(),
        r#"{"@odata.etag":"x","name":null}"#.to_owned(),
        r#"{"@odata.etag":"x","unknown":{"deep":[1,2,{"a":null}]},"name":"n"}"#.to_owned(),
        // An escaped member name is still the member.
        r#"{"@odata.etag":"x","na\u006de":"escaped"}"#.to_owned(),
        r#"  {  "name" : "n" , "@odata.etag" : "x"  }  "#.to_owned(),
    ];
    for input in &decodes {
        assert!(same::<Company, derived::Company>(input), "{input} should decode");
    }
    let fails = [
        "{}",
        r#"{"name":"n"}"#,
        r#"{"@odata.etag":null}"#,
        r#"{"@odata.etag":"x","@odata.etag":"y"}"#,
        r#"{"@odata.etag":"x","name":"a","name":"b"}"#,
        r#"{"@odata.etag":"x","id":"not-a-guid"}"#,
        r#"{"@odata.etag":"x","name":5}"#,
        r#"{"@odata.etag":"x","systemCreatedAt":"yesterday"}"#,
        r#"{"@odata.etag":"x","name":"n""#,
        r#"{"@odata.etag":"x",}"#,
        "null",
        "5",
        r#""company""#,
        "[]",
    ];
    for input in &fails {
        // The derive also reads a struct from an array of its fields in
        // order; the written-out impl refuses arrays (an object schema).
        if input.starts_with('[') {
            let e = serde_json::from_str::<Company>(input).expect_err("an array is not a company");
            assert_eq!(
                e.to_string(),
                "invalid type: sequence, expected struct Company at line 1 column 0"
            );
            continue;
        }
        assert!(!same::<Company, derived::Company>(input), "{input} should fail");
    }
}

#[test]
fn a_collection_decodes_its_items_as_the_derive_does() {
    let decodes = [
        format!(r#"{{"@odata.context":"c","value":[{COMPANY},{COMPANY}],"@odata.nextLink":"n"}}"#),
        r#"{"value":[]}"#.to_owned(),
    ];
    for input in &decodes {
        assert!(
            same::<CompanyCollection, derived::CompanyCollection>(input),
            "{input} should decode"
        );
    }
    for input in [
        r#"{"@odata.context":"c"}"#,
        r#"{"value":[{"name":"no etag"}]}"#,
        r#"{"value":{}}"#,
        r#"{"value":[],"value":[]}"#,
    ] {
        assert!(
            !same::<CompanyCollection, derived::CompanyCollection>(input),
            "{input} should fail"
        );
    }
}

#[test]
fn a_tri_state_request_sends_only_what_was_set() {
    for input in [
        "{}",
        r#"{"email":null}"#,
        r#"{"email":"a@b.c","customerId":null,"firstName":"F"}"#,
        r#"{"customerId":"f4b6d1c2-1042-4e7f-8a21-3b4c5d6e7f80","primaryPhoneNumber":"+1 425"}"#,
    ] {
        assert!(
            same::<CustomerContactUpdateRequest, derived::CustomerContactUpdateRequest>(input),
            "{input} should decode"
        );
    }
    for input in [r#"{"email":1}"#, r#"{"email":null,"email":"x"}"#] {
        assert!(
            !same::<CustomerContactUpdateRequest, derived::CustomerContactUpdateRequest>(input),
            "{input} should fail"
        );
    }
    // Built through the setters: absent members are left out, null is sent.
    let ours = CustomerContactUpdateRequest::default().email("a@b.c").last_name("L");
    let ours = CustomerContactUpdateRequest {
        customer_id: Nullable::Null,
        ..ours
    };
    let derived = derived::CustomerContactUpdateRequest {
        email: Nullable::Value("a@b.c".to_owned()),
        last_name: Nullable::Value("L".to_owned()),
        customer_id: Nullable::Null,
        ..derived::CustomerContactUpdateRequest::default()
    };
    assert_eq!(
        serde_json::to_string(&ours).expect("encodes"),
        serde_json::to_string(&derived).expect("encodes")
    );
    assert_eq!(
        serde_json::to_string(&ours).expect("encodes"),
        r#"{"email":"a@b.c","lastName":"L","customerId":null}"#
    );
}

#[test]
fn a_nested_error_body_decodes_as_the_derive_does() {
    assert!(same::<OdataError, derived::OdataError>(
        r#"{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record."}}"#
    ));
    for input in [
        r#"{"error":{"code":"x"}}"#,
        r#"{"error":null}"#,
        r#"{"error":{"code":"x","message":"m","code":"y"}}"#,
    ] {
        assert!(!same::<OdataError, derived::OdataError>(input), "{input} should fail");
    }
}
