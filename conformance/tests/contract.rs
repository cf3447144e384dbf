//! `CONTRACT.md` is the suite's source of truth: every id, strength and
//! statement the suite reports is the table's, in the table's order.

use bc_conformance::contract::{REQUIREMENTS, Strength};

const CONTRACT: &str = include_str!("../../CONTRACT.md");

/// The rows of the requirements table: id, strength, statement.
fn table() -> Vec<(String, String, String)> {
    CONTRACT
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.strip_prefix('|')?.split('|').map(str::trim).collect();
            let id = *cells.first()?;
            let (prefix, number) = id.split_once('-')?;
            let is_id =
                !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_uppercase()) && number.parse::<u32>().is_ok();
            if !is_id {
                return None;
            }
            Some((id.to_owned(), cells.get(1)?.to_string(), cells.get(3)?.to_string()))
        })
        .collect()
}

#[test]
fn the_suite_reports_the_contracts_requirements() {
    let table = table();
    assert_eq!(table.len(), 39, "the contract's table has 39 requirements");
    let suite: Vec<(String, String, String)> = REQUIREMENTS
        .iter()
        .map(|r| {
            let strength = match r.strength {
                Strength::Must => "MUST",
                Strength::Should => "SHOULD",
            };
            (r.id.as_str().to_owned(), strength.to_owned(), r.summary.to_owned())
        })
        .collect();
    for (a, b) in table.iter().zip(&suite) {
        assert_eq!(a, b, "CONTRACT.md and conformance/src/contract.rs differ");
    }
    assert_eq!(table.len(), suite.len());
}
