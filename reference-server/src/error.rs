//! Every refusal of the server is an [`ODataError`]: a status, Business
//! Central's error code and a message, rendered as
//! `{"error":{"code":…,"message":…}}`. Handlers return `Result<_, ODataError>`
//! and use `?`; the response is built in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::store::{StoreError, WriteError};

/// An OData error response waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ODataError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// `Allow` for a 405.
    pub allow: Option<&'static str>,
    /// `Retry-After` seconds for a 503 or a 429.
    pub retry_after: Option<u32>,
    /// Close the connection after the answer (a request body was left
    /// unread).
    pub close: bool,
}

impl ODataError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ODataError {
        ODataError {
            status,
            code,
            message: message.into(),
            allow: None,
            retry_after: None,
            close: false,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ODataError {
        ODataError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A malformed URL: path or query.
    pub fn syntax() -> ODataError {
        ODataError::bad_request("BadRequest_NotFound", "Bad Request - Error in query syntax.")
    }

    pub fn unauthorized() -> ODataError {
        ODataError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication_InvalidCredentials",
            "The server has rejected the client credentials.",
        )
    }

    pub fn not_found(what: &str, id: Uuid) -> ODataError {
        ODataError::new(
            StatusCode::NOT_FOUND,
            "Internal_RecordNotFound",
            format!("The {what} does not exist. Identification fields and values: Id='{id}'"),
        )
    }

    pub fn method_not_allowed(method: &str, set: &str, kind: &str, allow: &'static str) -> ODataError {
        let mut e = ODataError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest_MethodNotAllowed",
            format!(
                "'{method}' requests for '{set}' of EdmType '{kind}' are not allowed within Dynamics 365 Business Central OData web services."
            ),
        );
        e.allow = Some(allow);
        e
    }

    /// The database is locked by another process: try again shortly.
    pub fn busy() -> ODataError {
        let mut e = ODataError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Internal_ServiceUnavailable",
            "The database is busy. Retry the request in a moment.",
        );
        e.retry_after = Some(1);
        e
    }

    pub fn internal(e: impl std::fmt::Display) -> ODataError {
        tracing::error!(error = %e, "internal error");
        ODataError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal_ServerError",
            "An unexpected error occurred on the server.",
        )
    }

    /// The body, as Business Central words it (with a correlation id).
    pub fn body(&self) -> Vec<u8> {
        let body = bc_api::OdataError {
            error: bc_api::OdataErrorDetail {
                code: self.code.to_owned(),
                message: format!("{}  CorrelationId:  {}.", self.message, Uuid::new_v4()),
                target: None,
            },
        };
        serde_json::to_vec(&body)
            .unwrap_or_else(|_| b"{\"error\":{\"code\":\"Internal_ServerError\",\"message\":\"\"}}".to_vec())
    }
}

impl std::fmt::Display for ODataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

/// The content type of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json; odata.metadata=minimal; odata.streaming=true";

impl IntoResponse for ODataError {
    fn into_response(self) -> Response {
        let mut r = (self.status, self.body()).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        h.insert("odata-version", HeaderValue::from_static("4.0"));
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(allow) = self.allow {
            h.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.close {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    }
}

impl From<StoreError> for ODataError {
    fn from(e: StoreError) -> ODataError {
        if e.is_busy() {
            tracing::warn!(error = %e, "database busy");
            ODataError::busy()
        } else {
            ODataError::internal(e)
        }
    }
}

impl From<crate::odata::QueryError> for ODataError {
    fn from(e: crate::odata::QueryError) -> ODataError {
        ODataError::bad_request("BadRequest", e.0)
    }
}

/// A failed write of the contact `id`.
pub fn write_error(e: WriteError, id: Uuid) -> ODataError {
    match e {
        WriteError::NotFound => ODataError::not_found("Contact", id),
        WriteError::Stale => ODataError::new(
            StatusCode::CONFLICT,
            "Request_EntityChanged",
            "Another user has already changed the record.",
        ),
        WriteError::UnknownCustomer(_) => ODataError::bad_request(
            "Application_DialogException",
            "Customer with provided id - does not exist",
        ),
        WriteError::ReadOnlyCustomerName => {
            ODataError::bad_request("BadRequest_InvalidOperation", "Control 'customerName' is read-only.")
        }
        WriteError::Store(e) => e.into(),
    }
}
