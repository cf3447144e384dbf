//! The conformance suite for Business Central's customerContacts API
//! (`suite`) and its reports (`report`), both over the contract's
//! requirements (`contract`) and the record of each exchange (`exchange`).
//! The suite talks to any server over HTTP only: the reference server that
//! passes it is another crate (`bc-reference-server`), which this library
//! does not depend on.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod contract;
pub mod exchange;
pub mod report;
pub mod suite;

/// The README's examples, compiled as doc tests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
