//! The tables of the screens: column heads, optional caption and horizontal scroller, written
//! once, so that every list reads the same and stacks the same at phone width (`list` class,
//! `stacked_tables.rs`). The rows are each screen's own.

use leptos::prelude::*;

/// A column head, by what its cells hold.
#[derive(Clone, Copy)]
pub enum Col {
    Text(&'static str),
    /// Figures: right-aligned, tabular digits (`num`).
    Num(&'static str),
    /// A head drawn by the screen (e.g. `interval_bar::interval_head`); a function, so that
    /// only the screens with such a column bring its code.
    View(fn() -> AnyView),
}

impl Col {
    fn head(self) -> AnyView {
        let (text, class) = match self {
            Col::Text(text) => (text, None),
            Col::Num(text) => (text, Some("num")),
            Col::View(head) => return head(),
        };
        view! { <th scope="col" class=class>{text}</th> }.into_any()
    }
}

/// A table with its column heads; `children` are the body rows.
#[component]
pub fn ListTable(
    /// The table's `data-testid`.
    testid: &'static str,
    cols: &'static [Col],
    /// `list` tables stack their rows at phone width; `numbers` ones keep their grid.
    #[prop(default = "list")]
    class: &'static str,
    /// In a horizontal scroller, for tables too wide for a narrow screen (else in a plain
    /// `div`: one shape of markup for every table is less code than two).
    #[prop(optional)]
    scroll: bool,
    #[prop(optional, into)] caption: Option<String>,
    /// The caption is for assistive technology only (the card's title says it on screen).
    #[prop(optional)]
    hidden_caption: bool,
    children: Children,
) -> impl IntoView {
    let caption_class = hidden_caption.then_some("visually-hidden");
    view! {
        <div class=scroll.then_some("table-scroll")>
            <table class=class data-testid=testid>
                {caption.map(|text| view! { <caption class=caption_class>{text}</caption> })}
                <thead><tr>{cols.iter().map(|c| c.head()).collect_view()}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
