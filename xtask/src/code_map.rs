//! The code map in `CONTRIBUTING.md` must match the tree: every file or folder it names in
//! backticks exists. A rename or a removal that forgets the map fails here.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every file and folder of ours, as `/`-separated paths from the root, folders ending in `/`.
    fn tree(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending = vec![PathBuf::new()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(root.join(&dir)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || matches!(name.as_str(), "target" | "node_modules" | "dist") {
                    continue;
                }
                let path = dir.join(&name);
                let text = path.to_string_lossy().replace('\\', "/");
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    out.push(format!("{text}/"));
                    pending.push(path);
                } else {
                    out.push(text);
                }
            }
        }
        out
    }

    /// Backticked names that are paths: a source file of ours, or a folder (`x/`). A settings
    /// file the user writes (`nps.toml`) is not in the tree.
    fn named_paths(map: &str) -> Vec<&str> {
        const EXTENSIONS: [&str; 5] = [".rs", ".mjs", ".md", ".sql", ".py"];
        map.split('`')
            .skip(1)
            .step_by(2)
            .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c)))
            .filter(|name| EXTENSIONS.iter().any(|e| name.ends_with(e)) || (name.ends_with('/') && name.len() > 1))
            .collect()
    }

    #[test]
    fn every_path_the_code_map_names_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let map = std::fs::read_to_string(root.join("CONTRIBUTING.md")).expect("CONTRIBUTING.md");
        let tree = tree(&root);
        let named = named_paths(&map);
        assert!(named.len() > 50, "found only {} paths in the map", named.len());
        let missing: Vec<&str> =
            named.into_iter().filter(|name| !tree.iter().any(|p| p == name || p.ends_with(&format!("/{name}")))).collect();
        assert!(missing.is_empty(), "CONTRIBUTING.md names paths that are not in the tree: {missing:?}");
    }

    #[test]
    fn only_backticked_paths_are_taken() {
        let names = named_paths("see `collector/src/startup.rs`, `pages/` and `a b` or `x` or `nps.toml`");
        assert_eq!(names, ["collector/src/startup.rs", "pages/"]);
    }
}
