//! A project's "Comment themes" tool (owners and admins): the taxonomy the themes report reads
//! comments with, edited in the app. Each theme is a name and its keywords; the collector
//! checks them (a `*` only ends a prefix of three letters or more, every keyword has a letter
//! or digit), merges themes named alike and drops keywords that repeat one of their theme, and
//! answers the taxonomy as stored, which fills the form again.

use crate::actions::StoredSettings;
use crate::api;
use crate::components::ErrorBox;
use crate::components::page::{Card, ProjectCrumbs, StatusNote};
use leptos::prelude::*;
use nps_core::text::{Taxonomy, Theme};

/// One theme being edited: its keywords as typed (separated by commas or new lines).
#[derive(Clone, Copy)]
struct Draft {
    key: usize,
    name: RwSignal<String>,
    keywords: RwSignal<String>,
}

impl Draft {
    fn of(key: usize, theme: &Theme) -> Self {
        Self { key, name: RwSignal::new(theme.name.clone()), keywords: RwSignal::new(theme.keywords.join(", ")) }
    }

    fn theme(&self) -> Theme {
        let keywords = crate::fmt::list_items(&self.keywords.get_untracked());
        Theme { name: self.name.get_untracked(), keywords }
    }
}

/// The collector's problems named as the form shows them: `themes[1].keywords[0]` becomes
/// "theme 2: keyword 1".
fn numbered(message: &str) -> String {
    renumber(&renumber(message, "themes", "theme"), "keywords", "keyword")
}

/// Every `list[i]` of `text` as `label i+1`, followed by ": " where the path went on with ".".
fn renumber(text: &str, list: &str, label: &str) -> String {
    let opening = format!("{list}[");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&opening) {
        let after = &rest[at + opening.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let index = after[..digits].parse::<usize>().ok().filter(|_| after[digits..].starts_with(']'));
        out.push_str(&rest[..at]);
        match index {
            Some(i) => {
                out.push_str(&format!("{label} {}", i + 1));
                let tail = &after[digits + 1..];
                rest = match tail.strip_prefix('.') {
                    Some(path) => {
                        out.push_str(": ");
                        path
                    }
                    None => tail,
                };
            }
            None => {
                out.push_str(&opening);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a save did: how many themes and keywords are stored, and whether some were merged or
/// dropped on the way.
fn saved_note(sent: (usize, usize), stored: &Taxonomy) -> String {
    let (themes, keywords) = counts(stored);
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut note = format!("Saved: {}, {}.", plural(themes, "theme", "themes"), plural(keywords, "keyword", "keywords"));
    if sent != (themes, keywords) {
        note.push_str(" Themes named alike were merged and repeated keywords dropped.");
    }
    note
}

/// How many themes and keywords `taxonomy` holds.
fn counts(taxonomy: &Taxonomy) -> (usize, usize) {
    (taxonomy.themes.len(), taxonomy.themes.iter().map(|t| t.keywords.len()).sum())
}

#[component]
pub fn TaxonomyEditor(project_id: i64) -> impl IntoView {
    let drafts = RwSignal::new(Vec::<Draft>::new());
    let next_key = StoredValue::new(0usize);
    let fresh_key = move || {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        key
    };
    let show = move |taxonomy: Taxonomy| drafts.set(taxonomy.themes.iter().map(|t| Draft::of(fresh_key(), t)).collect());
    let sent = StoredValue::new((0usize, 0usize));
    let StoredSettings { save, status, error } = crate::actions::stored_settings(
        move || api::taxonomy(project_id),
        move |taxonomy: Taxonomy| async move {
            api::set_taxonomy(project_id, &taxonomy).await.map_err(|e| api::ApiError { message: numbered(&e.message), ..e })
        },
        show,
        move |stored| saved_note(sent.get_value(), stored),
    );
    let on_save = crate::components::on_submit(move || {
        let taxonomy = Taxonomy { themes: drafts.get_untracked().iter().map(Draft::theme).collect() };
        sent.set_value(counts(&taxonomy));
        save.dispatch(taxonomy);
    });
    let add = move |_| drafts.update(|list| list.push(Draft::of(fresh_key(), &Theme { name: String::new(), keywords: Vec::new() })));
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Comment themes"</h1>
        <Card title="Themes and their keywords" title_id="taxonomy-title">
            <p class="muted small">
                "A comment mentions a theme when it contains one of the theme's keywords: words or phrases as people write them (\"load time\"), "
                "whatever their ending (\"crash\" also finds \"crashes\"), or a prefix ending in * (\"integrat*\"). Separate keywords with commas. "
                "The report's Comment themes card reads every comment with the themes saved here."
            </p>
            <form on:submit=on_save aria-label="Comment themes">
                <ol class="themes-editor">
                    <For each=move || drafts.get() key=|d| d.key let:draft>
                        <ThemeRowEditor draft=draft drafts=drafts />
                    </For>
                </ol>
                <div class="row">
                    <button type="button" class="secondary" on:click=add>"Add a theme"</button>
                    <button type="submit" disabled=move || save.pending().get()>"Save themes"</button>
                </div>
            </form>
            <StatusNote text=status testid="taxonomy-status" />
            <ErrorBox error=error.into() />
        </Card>
    }
}

/// One theme's name and keywords, with a button that takes it out of the list.
#[component]
fn ThemeRowEditor(draft: Draft, drafts: RwSignal<Vec<Draft>>) -> impl IntoView {
    let position = move || drafts.with(|list| list.iter().position(|d| d.key == draft.key).map_or(0, |i| i + 1));
    let remove = move |_| drafts.update(|list| list.retain(|d| d.key != draft.key));
    view! {
        <li class="row" data-testid="taxonomy-theme">
            <label class="field inline">
                <span>{move || format!("Theme {}", position())}</span>
                <input type="text" name="theme_name" prop:value=move || draft.name.get() on:input=move |ev| draft.name.set(event_target_value(&ev)) />
            </label>
            <label class="field grow">
                <span>"Keywords"</span>
                <textarea name="theme_keywords" rows="2" prop:value=move || draft.keywords.get() on:input=move |ev| draft.keywords.set(event_target_value(&ev))></textarea>
            </label>
            <button type="button" class="secondary danger" aria-label=move || format!("Remove theme {}", position()) on:click=remove>"Remove"</button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_the_theme_as_numbered_in_the_form() {
        let message = "the taxonomy has problems: themes[0].name must not be empty; themes[10].keywords[2] must contain a letter or digit; \
                       themes[3].keywords must contain at least one keyword";
        assert_eq!(
            numbered(message),
            "the taxonomy has problems: theme 1: name must not be empty; theme 11: keyword 3 must contain a letter or digit; \
             theme 4: keywords must contain at least one keyword"
        );
        assert_eq!(numbered("themes[x] and themes[2"), "themes[x] and themes[2");
    }

    #[test]
    fn a_save_says_when_the_collector_merged_or_dropped() {
        let stored = Taxonomy { themes: vec![Theme { name: "Billing".into(), keywords: vec!["invoice".into(), "refund*".into()] }] };
        assert_eq!(saved_note((1, 2), &stored), "Saved: 1 theme, 2 keywords.");
        assert_eq!(saved_note((2, 3), &stored), "Saved: 1 theme, 2 keywords. Themes named alike were merged and repeated keywords dropped.");
    }
}
