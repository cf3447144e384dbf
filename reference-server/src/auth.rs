//! Bearer authentication: the static token, compared in constant time, or
//! a token the sign-in endpoint issued and that has not expired. Tokens are
//! never logged.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};

use crate::error::ODataError;
use crate::sign_in::{Presented, Tokens};

/// Compares in time independent of where the strings differ.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
    }
    diff == 0
}

/// `Authorization: Bearer <token>` with the server's static token or a
/// live issued one: the principal the request counts against (the limits
/// are per principal), or a 401.
pub(crate) fn authorize(
    headers: &HeaderMap,
    token: &str,
    static_principal: &Arc<str>,
    issued: Option<&Tokens>,
) -> Result<Arc<str>, ODataError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(ODataError::unauthorized)?;
    let value = value.to_str().map_err(|_| ODataError::unauthorized())?;
    let (scheme, presented) = value.split_once(' ').ok_or_else(ODataError::unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ODataError::unauthorized());
    }
    let presented = presented.trim();
    if same_secret(presented.as_bytes(), token.as_bytes()) {
        return Ok(Arc::clone(static_principal));
    }
    match issued.map(|t| t.check(presented)) {
        Some(Presented::Valid(principal)) => Ok(principal),
        Some(Presented::Expired) => Err(ODataError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication_InvalidCredentials",
            "The access token has expired. Sign in again for a new one.",
        )),
        _ => Err(ODataError::unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
