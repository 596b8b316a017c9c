//! Every type that gives the OpenAPI document a schema has a name of its own. utoipa files
//! schemas under the type's name, and a second type of the same name silently replaces the
//! first: a `Comment` row of the comments report once replaced the client's comment type, and
//! the document lost the comment's 5,000-character limit.

#[cfg(test)]
mod tests {
    use crate::sources::rust_files;
    use std::collections::BTreeMap;

    fn identifier(text: &str) -> Option<String> {
        let name: String = text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (!name.is_empty()).then_some(name)
    }

    /// The name of the struct or enum a line declares.
    fn item_name(line: &str) -> Option<String> {
        let line = line.strip_prefix("pub(crate) ").or_else(|| line.strip_prefix("pub ")).unwrap_or(line);
        identifier(line.strip_prefix("struct ").or_else(|| line.strip_prefix("enum "))?)
    }

    /// The name an attribute gives the schema instead of the type's (`schema(as = Name)`).
    fn renamed(line: &str) -> Option<String> {
        let at = line.find("schema(as = ")?;
        identifier(&line[at + "schema(as = ".len()..])
    }

    /// The schema names a source file gives: of types derived (`derive(.. ToSchema ..)` on a
    /// struct or enum, or the `schema(as = ..)` name), implemented by hand (`impl .. ToSchema
    /// for X`), or made by `bounded_text!` (`Name { min: .., max: .., visible: .. }`).
    fn schema_names(source: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut derived = false;
        let mut rename = None;
        for line in source.lines().map(str::trim) {
            if line.starts_with("#[") {
                derived |= line.contains("derive(") && line.contains("ToSchema");
                rename = renamed(line).or(rename);
                continue;
            }
            if derived && !line.starts_with("//") {
                names.extend(rename.take().or_else(|| item_name(line)));
                derived = false;
            }
            if !line.starts_with("//") {
                rename = None;
            }
            if let Some(at) = line.find("ToSchema for ").filter(|_| line.starts_with("impl")) {
                names.extend(identifier(&line[at + "ToSchema for ".len()..]));
            }
            if line.contains(" { min: ") && line.contains(", max: ") {
                names.extend(identifier(line));
            }
        }
        names
    }

    #[test]
    fn every_schema_has_a_name_of_its_own() {
        let root = crate::sources::root();
        let mut files = Vec::new();
        for part in ["core/src", "collector/src"] {
            rust_files(&root.join(part), &mut files);
        }
        let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in &files {
            let source = std::fs::read_to_string(file).expect("readable source");
            for name in schema_names(&source) {
                owners.entry(name).or_default().push(file.strip_prefix(&root).unwrap_or(file).display().to_string());
            }
        }
        assert!(owners.len() > 100, "found only {} schema types", owners.len());
        let shared: Vec<_> = owners.iter().filter(|(_, files)| files.len() > 1).collect();
        assert!(shared.is_empty(), "schema names given by more than one type: {shared:?}");
    }

    #[test]
    fn names_come_from_derives_impls_and_the_text_macro() {
        let source = r#"
            #[derive(Debug, Clone, Serialize)]
            #[cfg_attr(feature = "openapi", derive(ToSchema))]
            /// A row.
            #[serde(rename_all = "snake_case")]
            pub struct Row {
            #[derive(utoipa::ToSchema)]
            enum Kind { A }
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TaxonomyTheme))]
            pub struct Theme {
            #[derive(Debug)]
            pub struct Plain;
            impl utoipa::ToSchema for ByHand {}
            ClientId { min: 1, max: super::MAX_ID_CHARS, visible: true }
        "#;
        assert_eq!(schema_names(source), ["Row", "Kind", "TaxonomyTheme", "ByHand", "ClientId"]);
    }
}
