//! Congress data in and out of files: the delegate import (CSV and XLSX as Vietnamese
//! organisers keep them), badge PDFs with sign-in QR codes, and the generated demo congress.
//! Pure functions over bytes and domain types: no HTTP, no storage, no clock.

pub mod badges;
pub mod credentials;
pub mod demo;
pub mod demo_docs;
pub mod import;
pub mod minutes;
