//! The conformance suite for Business Central's customerContacts API
//! (`suite`), its reports (`report`), and the reference server that passes
//! it (`server`). The suite talks to any server over HTTP only; it never
//! reaches into the reference server.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod report;
pub mod server;
pub mod suite;

/// The README's examples, compiled as doc tests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
