//! The conformance suite for Business Central's customerContacts API
//! (`suite`) and its reports (`report`). The suite talks to any server over
//! HTTP only: the reference server that passes it is another crate
//! (`bc-reference-server`), which this library does not depend on.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod report;
pub mod suite;

/// The README's examples, compiled as doc tests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
