//! Bearer authentication: one token, compared in constant time, never logged.

use axum::http::{HeaderMap, header};

use crate::error::ODataError;

/// Compares in time independent of where the strings differ.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
    }
    diff == 0
}

/// `Authorization: Bearer <token>` with the server's token, or a 401.
pub(crate) fn authorize(headers: &HeaderMap, token: &str) -> Result<(), ODataError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(ODataError::unauthorized)?;
    let value = value.to_str().map_err(|_| ODataError::unauthorized())?;
    let (scheme, presented) = value.split_once(' ').ok_or_else(ODataError::unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !same_secret(presented.trim().as_bytes(), token.as_bytes()) {
        return Err(ODataError::unauthorized());
    }
    Ok(())
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
