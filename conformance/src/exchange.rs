//! The record of one request and its answer, token masked: what the suite
//! keeps of every exchange of a run (`suite::http` writes it) and what a
//! report shows beside a failure (`report` reads it).

use serde::Serialize;

/// One request and what came back, token masked.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// A command that sends the same request (`$BC_TOKEN` for the token).
    pub curl: String,
}
