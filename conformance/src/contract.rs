//! The requirements of `CONTRACT.md` (at the repository root), one per id,
//! with their strength: the one list of them. A requirement's id is an
//! [`Id`], never a string, so a check cannot name one that does not exist;
//! `tests/contract.rs` keeps the list equal to the contract's table.

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

/// One requirement of the contract.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub id: Id,
    pub strength: Strength,
    pub summary: &'static str,
}

/// The requirements: the `Id` enum (variant and how the contract writes
/// it), and `REQUIREMENTS` in the contract's order.
macro_rules! requirements {
    ($($variant:ident => $id:literal, $strength:ident, $summary:literal;)*) => {
        /// A requirement of the contract, by its id (`PATCH-4`).
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Id {
            $($variant,)*
        }

        impl Id {
            /// Every id, in the contract's order.
            pub const ALL: &'static [Id] = &[$(Id::$variant,)*];

            /// The id as the contract writes it: `PATCH-4`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Id::$variant => $id,)*
                }
            }
        }

        /// Every requirement, in the contract's order.
        pub const REQUIREMENTS: &[Requirement] = &[
            $(Requirement { id: Id::$variant, strength: Strength::$strength, summary: $summary },)*
        ];
    };
}

requirements! {
    Auth1 => "AUTH-1", Must, "a request without a bearer token gets 401 and changes nothing";
    Auth2 => "AUTH-2", Should, "a bearer token the server does not accept gets 401";
    Rep1 => "REP-1", Must, "a customerContact has the documented properties, with GUID ids and string values";
    Rep2 => "REP-2", Must, "every entity carries @odata.etag; JSON responses are application/json";
    Rep3 => "REP-3", Should, "every top-level JSON response carries @odata.context";
    Rep4 => "REP-4", Should, "single-entity GET and PATCH send an ETag header equal to @odata.etag";
    Comp1 => "COMP-1", Must, "GET /companies lists companies; an unknown company gets 404";
    Col1 => "COL-1", Must, "the list, following every nextLink, yields each contact exactly once";
    Col2 => "COL-2", Should, "Prefer: odata.maxpagesize=N gives pages of at most N with a nextLink";
    Col3 => "COL-3", Should, "$top, $skip, $select, $orderby and $filter eq behave as OData; unknown properties get 400";
    Col4 => "COL-4", Must, "a contact in the list equals its single-entity GET, etag included";
    Get1 => "GET-1", Must, "GET of an existing contact returns 200 and the contact";
    Get2 => "GET-2", Must, "a well-formed id of no contact gets 404";
    Get3 => "GET-3", Must, "a key that is not a GUID gets 400 or 404, never 5xx";
    Patch1 => "PATCH-1", Must, "PATCH with the current etag returns 200 and the updated contact";
    Patch2 => "PATCH-2", Must, "properties absent from the body keep their values (merge)";
    Patch3 => "PATCH-3", Must, "PATCH with a stale If-Match changes nothing";
    Patch4 => "PATCH-4", Must, "a stale PATCH gets 409 Request_EntityChanged";
    Patch5 => "PATCH-5", Must, "PATCH without If-Match changes nothing and gets 400 BadRequest_InvalidToken";
    Patch6 => "PATCH-6", Must, "If-Match: * matches any version";
    Patch7 => "PATCH-7", Must, "a successful PATCH changes the etag and the old one is stale";
    Patch8 => "PATCH-8", Must, "the PATCH response equals the GET right after it";
    Patch9 => "PATCH-9", Must, "id equal to the key is ignored; a different id gets 400 and changes nothing";
    Patch10 => "PATCH-10", Must, "a different customerName gets 400 and changes nothing";
    Patch11 => "PATCH-11", Must, "a body not JSON, not an object, with unknown properties or wrong types gets 400 and changes nothing";
    Patch12 => "PATCH-12", Should, "field limits are enforced with 400 and no change";
    Patch13 => "PATCH-13", Should, "customerId re-links the contact and customerName follows; an unknown customer gets 400";
    Conc1 => "CONC-1", Must, "of concurrent writes with the same etag exactly one succeeds; no update is lost";
    Del1 => "DEL-1", Must, "DELETE with the current etag (or *) returns 204 with an empty body";
    Del2 => "DEL-2", Must, "a deleted contact is gone from GET and from the list";
    Del3 => "DEL-3", Must, "DELETE with a stale If-Match deletes nothing and gets 409 Request_EntityChanged";
    Del4 => "DEL-4", Should, "DELETE without If-Match deletes nothing and gets 400 BadRequest_InvalidToken";
    Del5 => "DEL-5", Must, "DELETE of an id of no contact gets 404";
    Meth1 => "METH-1", Must, "POST to the collection is refused with a 4xx and creates nothing";
    Pdf1 => "PDF-1", Must, "pdfDocument returns one object with id, parentId, parentType and the media link";
    Pdf2 => "PDF-2", Must, "pdfDocumentContent returns a PDF (application/pdf or octet-stream, starts with %PDF-)";
    Pdf3 => "PDF-3", Must, "both pdfDocument paths of an unknown contact get 404";
    Err1 => "ERR-1", Must, "every 4xx and 5xx has a JSON body {\"error\":{\"code\",\"message\"}}";
    Err2 => "ERR-2", Must, "no request, however malformed, gets a 5xx or leaves a partial change";
}

impl Id {
    pub fn requirement(self) -> &'static Requirement {
        // `REQUIREMENTS` lists every id in the enum's order.
        &REQUIREMENTS[self as usize]
    }

    pub fn strength(self) -> Strength {
        self.requirement().strength
    }

    pub fn summary(self) -> &'static str {
        self.requirement().summary
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An id the contract does not have; it says which ones it has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{found}` is not a requirement of CONTRACT.md; its ids are {}", known())]
pub struct UnknownId {
    pub found: String,
}

fn known() -> String {
    Id::ALL.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
}

impl std::str::FromStr for Id {
    type Err = UnknownId;

    /// An id as the contract writes it, in any case and with spaces
    /// around: ` patch-4` is `PATCH-4`.
    fn from_str(s: &str) -> Result<Id, UnknownId> {
        let wanted = s.trim();
        Id::ALL
            .iter()
            .copied()
            .find(|i| i.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownId {
                found: wanted.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_and_the_table_follows_the_enum() {
        for (i, id) in Id::ALL.iter().enumerate() {
            assert_eq!(REQUIREMENTS[i].id, *id);
            assert_eq!(id.as_str().parse::<Id>(), Ok(*id));
            assert_eq!(id.as_str().to_lowercase().parse::<Id>(), Ok(*id));
        }
        let e = "PATCH-99".parse::<Id>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("`PATCH-99` is not a requirement of CONTRACT.md; its ids are AUTH-1, AUTH-2,")
        );
    }
}
