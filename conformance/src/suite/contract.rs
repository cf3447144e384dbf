//! The requirements of `CONTRACT.md` (at the repository root), one per id,
//! with their strength; `tests/contract.rs` keeps the two equal.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Strength {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Must => "MUST",
            Strength::Should => "SHOULD",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub id: &'static str,
    pub strength: Strength,
    pub summary: &'static str,
}

use Strength::{Must, Should};

/// Every requirement, in the contract's order.
pub const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        id: "AUTH-1",
        strength: Must,
        summary: "a request without a bearer token gets 401 and changes nothing",
    },
    Requirement {
        id: "AUTH-2",
        strength: Should,
        summary: "a bearer token the server does not accept gets 401",
    },
    Requirement {
        id: "REP-1",
        strength: Must,
        summary: "a customerContact has the documented properties, with GUID ids and string values",
    },
    Requirement {
        id: "REP-2",
        strength: Must,
        summary: "every entity carries @odata.etag; JSON responses are application/json",
    },
    Requirement {
        id: "REP-3",
        strength: Should,
        summary: "every top-level JSON response carries @odata.context",
    },
    Requirement {
        id: "REP-4",
        strength: Should,
        summary: "single-entity GET and PATCH send an ETag header equal to @odata.etag",
    },
    Requirement {
        id: "COMP-1",
        strength: Must,
        summary: "GET /companies lists companies; an unknown company gets 404",
    },
    Requirement {
        id: "COL-1",
        strength: Must,
        summary: "the list, following every nextLink, yields each contact exactly once",
    },
    Requirement {
        id: "COL-2",
        strength: Should,
        summary: "Prefer: odata.maxpagesize=N gives pages of at most N with a nextLink",
    },
    Requirement {
        id: "COL-3",
        strength: Should,
        summary: "$top, $skip, $select, $orderby and $filter eq behave as OData; unknown properties get 400",
    },
    Requirement {
        id: "COL-4",
        strength: Must,
        summary: "a contact in the list equals its single-entity GET, etag included",
    },
    Requirement {
        id: "GET-1",
        strength: Must,
        summary: "GET of an existing contact returns 200 and the contact",
    },
    Requirement {
        id: "GET-2",
        strength: Must,
        summary: "a well-formed id of no contact gets 404",
    },
    Requirement {
        id: "GET-3",
        strength: Must,
        summary: "a key that is not a GUID gets 400 or 404, never 5xx",
    },
    Requirement {
        id: "PATCH-1",
        strength: Must,
        summary: "PATCH with the current etag returns 200 and the updated contact",
    },
    Requirement {
        id: "PATCH-2",
        strength: Must,
        summary: "properties absent from the body keep their values (merge)",
    },
    Requirement {
        id: "PATCH-3",
        strength: Must,
        summary: "PATCH with a stale If-Match changes nothing",
    },
    Requirement {
        id: "PATCH-4",
        strength: Must,
        summary: "a stale PATCH gets 409 Request_EntityChanged",
    },
    Requirement {
        id: "PATCH-5",
        strength: Must,
        summary: "PATCH without If-Match changes nothing and gets 400 BadRequest_InvalidToken",
    },
    Requirement {
        id: "PATCH-6",
        strength: Must,
        summary: "If-Match: * matches any version",
    },
    Requirement {
        id: "PATCH-7",
        strength: Must,
        summary: "a successful PATCH changes the etag and the old one is stale",
    },
    Requirement {
        id: "PATCH-8",
        strength: Must,
        summary: "the PATCH response equals the GET right after it",
    },
    Requirement {
        id: "PATCH-9",
        strength: Must,
        summary: "id equal to the key is ignored; a different id gets 400 and changes nothing",
    },
    Requirement {
        id: "PATCH-10",
        strength: Must,
        summary: "a different customerName gets 400 and changes nothing",
    },
    Requirement {
        id: "PATCH-11",
        strength: Must,
        summary: "a body not JSON, not an object, with unknown properties or wrong types gets 400 and changes nothing",
    },
    Requirement {
        id: "PATCH-12",
        strength: Should,
        summary: "field limits are enforced with 400 and no change",
    },
    Requirement {
        id: "PATCH-13",
        strength: Should,
        summary: "customerId re-links the contact and customerName follows; an unknown customer gets 400",
    },
    Requirement {
        id: "CONC-1",
        strength: Must,
        summary: "of concurrent writes with the same etag exactly one succeeds; no update is lost",
    },
    Requirement {
        id: "DEL-1",
        strength: Must,
        summary: "DELETE with the current etag (or *) returns 204 with an empty body",
    },
    Requirement {
        id: "DEL-2",
        strength: Must,
        summary: "a deleted contact is gone from GET and from the list",
    },
    Requirement {
        id: "DEL-3",
        strength: Must,
        summary: "DELETE with a stale If-Match deletes nothing and gets 409 Request_EntityChanged",
    },
    Requirement {
        id: "DEL-4",
        strength: Should,
        summary: "DELETE without If-Match deletes nothing and gets 400 BadRequest_InvalidToken",
    },
    Requirement {
        id: "DEL-5",
        strength: Must,
        summary: "DELETE of an id of no contact gets 404",
    },
    Requirement {
        id: "METH-1",
        strength: Must,
        summary: "POST to the collection is refused with a 4xx and creates nothing",
    },
    Requirement {
        id: "PDF-1",
        strength: Must,
        summary: "pdfDocument returns one object with id, parentId, parentType and the media link",
    },
    Requirement {
        id: "PDF-2",
        strength: Must,
        summary: "pdfDocumentContent returns a PDF (application/pdf or octet-stream, starts with %PDF-)",
    },
    Requirement {
        id: "PDF-3",
        strength: Must,
        summary: "both pdfDocument paths of an unknown contact get 404",
    },
    Requirement {
        id: "ERR-1",
        strength: Must,
        summary: "every 4xx and 5xx has a JSON body {\"error\":{\"code\",\"message\"}}",
    },
    Requirement {
        id: "ERR-2",
        strength: Must,
        summary: "no request, however malformed, gets a 5xx or leaves a partial change",
    },
];

pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}
