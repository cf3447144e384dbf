//! Reading facts off a spec's text, for tests and benchmarks.

/// The operations a spec declares: every method of every path item.
pub fn declared_operations(text: &str) -> usize {
    let doc: serde_json::Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).unwrap_or_default()
    } else {
        serde_yaml::from_str(text).unwrap_or_default()
    };
    let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    doc.get("paths")
        .and_then(|p| p.as_object())
        .map(|paths| {
            paths
                .values()
                .filter_map(|item| item.as_object())
                .map(|item| item.keys().filter(|k| methods.contains(&k.as_str())).count())
                .sum()
        })
        .unwrap_or(0)
}
