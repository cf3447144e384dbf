//! The client the build script generated, against the reference server
//! started in-process on a free loopback port.

use bc_reference_server::{self as server, ServerConfig};
use build_script_example::{bc, last_names};

const TOKEN: &str = "build-script-token";

#[tokio::test]
async fn the_generated_module_calls_the_reference_server() {
    let s = server::start("127.0.0.1:0".parse().expect("addr"), ServerConfig::new(TOKEN))
        .await
        .expect("server");
    let client = bc::Client::builder(&s.base_url)
        .bearer_token(TOKEN)
        .build()
        .expect("client");
    let companies = client.list_companies().await.expect("companies").into_body();
    let company = companies
        .value
        .first()
        .and_then(|c| c.id)
        .expect("a company with an id");
    let names = last_names(&client, company).await.expect("contacts");
    assert!(names.iter().any(|n| n == "Smith"), "{names:?}");

    // A typed error comes through the module's paths too.
    let missing = client
        .get_customer_contact(company, uuid::Uuid::nil())
        .await
        .expect_err("no such contact");
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404), "{missing}");
}
