//! The OASIS vocabularies the converter reads (Core, Capabilities,
//! Validation): their terms, so that a misspelt one is reported; terms of
//! every other vocabulary are ignored without a word.

use super::Found;
use super::model::Pos;

pub(crate) const CORE: &str = "Org.OData.Core.V1";
pub(crate) const CAPABILITIES: &str = "Org.OData.Capabilities.V1";
pub(crate) const VALIDATION: &str = "Org.OData.Validation.V1";

const CORE_TERMS: &[&str] = &[
    "ODataVersions",
    "SchemaVersion",
    "Revisions",
    "Description",
    "LongDescription",
    "Links",
    "Example",
    "Messages",
    "ValueException",
    "ResourceException",
    "DataModificationException",
    "IsLanguageDependent",
    "RequiresType",
    "ResourcePath",
    "DereferenceableIDs",
    "ConventionalIDs",
    "Permissions",
    "ContentID",
    "DefaultNamespace",
    "Immutable",
    "Computed",
    "ComputedDefaultValue",
    "IsURL",
    "AcceptableMediaTypes",
    "MediaType",
    "IsMediaType",
    "OptimisticConcurrency",
    "AdditionalProperties",
    "AutoExpand",
    "AutoExpandReferences",
    "MayImplement",
    "Ordered",
    "PositionalInsert",
    "AlternateKeys",
    "OptionalParameter",
    "OperationAvailable",
    "RequiresExplicitBinding",
    "ExplicitOperationBindings",
    "SymbolicName",
    "GeometryFeature",
    "AnyStructure",
    "Tag",
];

const CAPABILITIES_TERMS: &[&str] = &[
    "ConformanceLevel",
    "SupportedFormats",
    "SupportedMetadataFormats",
    "AcceptableEncodings",
    "AsynchronousRequestsSupported",
    "BatchContinueOnErrorSupported",
    "IsolationSupported",
    "CrossJoinSupported",
    "CallbackSupported",
    "ChangeTracking",
    "CountRestrictions",
    "NavigationRestrictions",
    "IndexableByKey",
    "TopSupported",
    "SkipSupported",
    "ComputeSupported",
    "SelectSupport",
    "BatchSupported",
    "BatchSupport",
    "FilterFunctions",
    "FilterRestrictions",
    "SortRestrictions",
    "ExpandRestrictions",
    "SearchRestrictions",
    "KeyAsSegmentSupported",
    "QuerySegmentSupported",
    "AnnotationValuesInQuerySupported",
    "InsertRestrictions",
    "DeepInsertSupport",
    "UpdateRestrictions",
    "DeepUpdateSupport",
    "DeleteRestrictions",
    "CollectionPropertyRestrictions",
    "OperationRestrictions",
    "ModelingRestrictions",
    "ReadRestrictions",
    "CustomHeaders",
    "CustomQueryOptions",
    "MediaLocationUpdateSupported",
    "DefaultCapabilities",
    "ChangeTrackingRestrictions",
    "ReadByKeyRestrictions",
    "PermissionRestrictions",
];

const VALIDATION_TERMS: &[&str] = &[
    "Pattern",
    "Minimum",
    "Maximum",
    "Exclusive",
    "AllowedValues",
    "MultipleOf",
    "Constraint",
    "ItemsOf",
    "OpenPropertyTypeConstraint",
    "DerivedTypeConstraint",
    "AllowedTerms",
    "ApplicableTerms",
    "MaxItems",
    "MinItems",
    "SequentialOnUpdate",
];

/// Warns, located, when `term` is in one of the three vocabularies but is
/// none of its terms.
pub(crate) fn check_term(term: &str, pos: impl FnOnce() -> Pos, found: &mut Found) {
    let Some((ns, name)) = term.rsplit_once('.') else {
        return;
    };
    let terms = match ns {
        CORE => CORE_TERMS,
        CAPABILITIES => CAPABILITIES_TERMS,
        VALIDATION => VALIDATION_TERMS,
        _ => return,
    };
    if !terms.contains(&name) {
        found.warning(
            pos(),
            format!("`{term}` is not a term of the {ns} vocabulary; the annotation is ignored"),
        );
    }
}

/// A term of Core.
pub(crate) fn core(name: &str) -> String {
    format!("{CORE}.{name}")
}

pub(crate) fn capabilities(name: &str) -> String {
    format!("{CAPABILITIES}.{name}")
}

pub(crate) fn validation(name: &str) -> String {
    format!("{VALIDATION}.{name}")
}
