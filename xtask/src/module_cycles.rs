//! No import circles between the top-level modules of a crate: each module's `crate::x` paths
//! name only modules below it, so the layers read one way (CONTRIBUTING.md, "The layers").
//! Child modules are counted with their top-level module; comments are not read.

#[cfg(test)]
mod tests {
    use crate::sources::rust_files;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    type Graph = BTreeMap<String, BTreeSet<String>>;

    /// The top-level module a source file belongs to (`store` for `src/store/sql/people.rs`),
    /// or `None` for the crate root.
    fn top_module(src: &Path, file: &Path) -> Option<String> {
        let relative = file.strip_prefix(src).ok()?;
        let first = relative.components().next()?.as_os_str().to_string_lossy().into_owned();
        let name = first.trim_end_matches(".rs").to_owned();
        (!matches!(name.as_str(), "lib" | "main")).then_some(name)
    }

    /// The `crate::x` names in `code`, outside `//` comments.
    fn crate_paths(code: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for line in code.lines() {
            let line = line.split("//").next().unwrap_or("");
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let whole_word = at == 0 || !line[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
                if whole_word && !name.is_empty() {
                    out.insert(name);
                }
            }
        }
        out
    }

    fn import_graph(src: &Path) -> Graph {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let mut graph = Graph::new();
        for file in files {
            let Some(module) = top_module(src, &file) else { continue };
            let code = std::fs::read_to_string(&file).unwrap_or_default();
            let targets: Vec<String> = crate_paths(&code).into_iter().filter(|t| *t != module).collect();
            graph.entry(module).or_default().extend(targets);
        }
        graph
    }

    /// One circle of `graph`, if it has any (depth-first search for a back edge).
    fn a_circle(graph: &Graph) -> Option<Vec<String>> {
        fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
            if let Some(start) = path.iter().position(|n| n == node) {
                let mut circle = path[start..].to_vec();
                circle.push(node.to_owned());
                return Some(circle);
            }
            if done.contains(node) {
                return None;
            }
            path.push(node.to_owned());
            for next in graph.get(node).into_iter().flatten() {
                if let Some(circle) = visit(next, graph, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            done.insert(node.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
    }

    #[test]
    fn no_crate_of_ours_has_an_import_circle() {
        let root = crate::sources::root();
        for krate in ["core", "collector", "widget", "admin", "xtask", "tests"] {
            let graph = import_graph(&root.join(krate).join("src"));
            assert!(graph.len() > 2, "{krate}: found only {} modules", graph.len());
            if let Some(circle) = a_circle(&graph) {
                panic!("{krate}: the modules import each other in a circle: {}", circle.join(" -> "));
            }
        }
    }

    #[test]
    fn a_circle_is_found_and_comments_are_not_read() {
        let edges = |pairs: &[(&str, &str)]| {
            let mut graph = Graph::new();
            for (from, to) in pairs {
                graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
            }
            graph
        };
        assert_eq!(a_circle(&edges(&[("a", "b"), ("b", "c")])), None);
        assert_eq!(a_circle(&edges(&[("a", "b"), ("b", "c"), ("c", "a")])), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
        let found = crate_paths("use crate::store::X; // crate::routes\nlet y = crate::clock::now_ms(); nps_crate::z");
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["clock", "store"]);
    }
}
