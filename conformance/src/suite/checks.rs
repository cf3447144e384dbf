//! The registry of checks: each one names the contract ids it verifies and
//! what it needs (writes, deletes, listed contacts), in the order the run
//! takes them. `--only` runs the checks that name one of its ids (and the
//! listing, when one of them needs a contact); a check that cannot run
//! records a skip for each of its ids, with the flag or the data it lacks.

use std::future::Future;
use std::pin::Pin;

use super::{Checked, Ctx, deletes, reads, writes};
use crate::contract::Id::{self, *};

/// What a check needs before it can run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// It changes values (`--allow-writes`; every value is put back).
    pub writes: bool,
    /// It deletes contacts (`--allow-delete`).
    pub deletes: bool,
    /// How many listed contacts it needs.
    pub contacts: usize,
}

/// A check's body: what it does with the run's shared state.
pub type Run = for<'a> fn(&'a mut Ctx) -> Pin<Box<dyn Future<Output = Checked> + Send + 'a>>;

/// One registered check.
pub struct Check {
    /// What it checks, for the outcomes of a skip.
    pub name: &'static str,
    /// Every id it records an outcome for.
    pub ids: &'static [Id],
    pub needs: Needs,
    /// The listing of contacts, which also finds the contacts other checks
    /// need: it runs whenever one of those does.
    pub listing: bool,
    pub(crate) run: Run,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("ids", &self.ids)
            .field("needs", &self.needs)
            .finish_non_exhaustive()
    }
}

impl Check {
    /// Why it cannot run in this run, if it cannot.
    pub(crate) fn cannot_run(&self, ctx: &Ctx) -> Option<String> {
        if self.needs.writes && !ctx.opts.allow_writes {
            return Some("skipped: it writes; run with --allow-writes (every changed value is put back)".to_owned());
        }
        if self.needs.deletes && !ctx.opts.allow_delete {
            return Some("skipped: it deletes contacts; run with --allow-delete".to_owned());
        }
        let (need, have) = (self.needs.contacts, ctx.listed.len());
        (have < need).then(|| match need {
            1 => "skipped: it needs a listed contact, and the list has none".to_owned(),
            n => format!("skipped: it needs at least {n} listed contacts, and the list has {have}"),
        })
    }
}

const READS: Needs = Needs {
    writes: false,
    deletes: false,
    contacts: 0,
};

const ONE_CONTACT: Needs = Needs { contacts: 1, ..READS };

const WRITES: Needs = Needs {
    writes: true,
    contacts: 1,
    ..READS
};

const DELETES: Needs = Needs {
    deletes: true,
    contacts: 1,
    ..READS
};

macro_rules! check {
    ($name:literal, [$($id:ident),+], $needs:expr, $run:path) => {
        Check {
            name: $name,
            ids: &[$($id),+],
            needs: $needs,
            listing: false,
            run: |ctx| Box::pin($run(ctx)),
        }
    };
}

/// Every check, in the order they run: reads, writes, deletes, then the
/// checks over every exchange of the run.
pub fn registry() -> &'static [Check] {
    &CHECKS
}

static CHECKS: [Check; 25] = [
    Check {
        name: "the list, following every nextLink",
        ids: &[Col1, Rep1, Rep2, Rep3],
        needs: READS,
        listing: true,
        run: |ctx| Box::pin(reads::list(ctx)),
    },
    check!(
        "any path under an unknown company",
        [Comp1],
        READS,
        reads::unknown_company
    ),
    check!(
        "requests without a token or with a bogus one",
        [Auth1, Auth2],
        READS,
        reads::auth
    ),
    check!(
        "single-entity GET",
        [Get1, Col4, Rep1, Rep2, Rep3, Rep4],
        ONE_CONTACT,
        reads::single
    ),
    check!(
        "keys of no contact and keys that are not GUIDs",
        [Get2, Get3],
        READS,
        reads::keys
    ),
    check!(
        "Prefer: odata.maxpagesize",
        [Col2],
        Needs { contacts: 2, ..READS },
        reads::paging
    ),
    check!("query options", [Col3], ONE_CONTACT, reads::options),
    check!("pdfDocument of a contact", [Pdf1, Pdf2], ONE_CONTACT, reads::pdf),
    check!("pdfDocument of an unknown contact", [Pdf3], READS, reads::pdf_unknown),
    check!("malformed reads", [Err1, Err2], READS, reads::malformed),
    check!("PATCH without a token", [Auth1], WRITES, writes::no_token),
    check!("PATCH without If-Match", [Patch5], WRITES, writes::no_if_match),
    check!(
        "the documented PATCH exchange, then the etag it made stale",
        [Patch1, Patch2, Patch3, Patch4, Patch7, Patch8, Patch9, Rep1, Rep2, Rep4],
        WRITES,
        writes::documented_then_stale
    ),
    check!("PATCH with If-Match: *", [Patch6], WRITES, writes::any_version),
    check!(
        "PATCH of read-only properties",
        [Patch9, Patch10],
        WRITES,
        writes::read_only
    ),
    check!(
        "PATCH bodies that are not a contact's",
        [Patch11],
        WRITES,
        writes::bad_bodies
    ),
    check!("PATCH past the field limits", [Patch12], WRITES, writes::limits),
    check!("PATCH of customerId", [Patch13], WRITES, writes::relink),
    check!("concurrent PATCHes", [Conc1], WRITES, writes::concurrent),
    check!("POST to the collection", [Meth1], WRITES, writes::post_refused),
    check!(
        "DELETE of an unknown contact",
        [Del5],
        Needs { deletes: true, ..READS },
        deletes::unknown
    ),
    check!(
        "DELETE with a stale or no If-Match",
        [Del3, Del4],
        DELETES,
        deletes::refused
    ),
    check!(
        "the documented DELETE exchange",
        [Del1, Del2],
        DELETES,
        deletes::documented
    ),
    check!(
        "concurrent DELETEs",
        [Conc1],
        Needs { contacts: 2, ..DELETES },
        deletes::concurrent
    ),
    check!("every exchange of the run", [Err1, Err2], READS, reads::aggregate),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id of the contract has a check that names it.
    #[test]
    fn every_requirement_has_a_check() {
        for id in Id::ALL {
            assert!(CHECKS.iter().any(|c| c.ids.contains(id)), "no check names {id}");
        }
    }
}
