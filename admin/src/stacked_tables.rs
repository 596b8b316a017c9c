//! At phone width the list tables stack: each row becomes a block and each cell shows its
//! column's name before its value (`admin.css`, `td[data-label]::before`). The names are the
//! table's own header, copied onto its body cells here whenever rows appear. One observer for
//! the whole app, so no screen repeats its headers in every row and no table can be left out.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, MutationObserver, MutationObserverInit};

/// Labels the body cells of every table under `root` now and whenever nodes are added.
pub fn label_cells_under(root: &Element) {
    let watched = root.clone();
    let on_change = Closure::<dyn Fn()>::new(move || label_tables(&watched));
    let Ok(observer) = MutationObserver::new(on_change.as_ref().unchecked_ref()) else { return };
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    // Only added and removed nodes are watched: the labels written below are attributes, so
    // writing them cannot wake the observer again.
    let _ = observer.observe_with_options(root, &options);
    on_change.forget();
    label_tables(root);
}

fn elements(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}

fn label_tables(root: &Element) {
    for table in elements(root, "table.list") {
        label_table(&table);
    }
}

/// The column names in order, a header spanning several columns counted once per column.
fn column_names(table: &Element) -> Vec<String> {
    let mut names = Vec::new();
    for header in elements(table, ":scope > thead > tr:last-child > th") {
        let span = header.get_attribute("colspan").and_then(|s| s.parse::<usize>().ok()).unwrap_or(1).clamp(1, 32);
        let name = header.text_content().unwrap_or_default().trim().to_owned();
        names.extend(std::iter::repeat_n(name, span));
    }
    names
}

fn label_table(table: &Element) {
    let names = column_names(table);
    if names.is_empty() {
        return;
    }
    for row in elements(table, ":scope > tbody > tr") {
        let cells = row.children();
        for (index, cell) in (0..cells.length()).filter_map(|i| cells.item(i)).enumerate() {
            // Row headers (`th scope="row"`) title the stacked row; cells spanning columns
            // (a row's own message) have no one column to name.
            let spans = cell.get_attribute("colspan").is_some_and(|s| s != "1");
            if cell.tag_name() != "TD" || spans {
                continue;
            }
            let Some(name) = names.get(index) else { continue };
            if cell.get_attribute("data-label").as_deref() != Some(name.as_str()) {
                let _ = cell.set_attribute("data-label", name);
            }
        }
    }
}
