//! The tables of the screens: column heads, optional caption and horizontal scroller, written
//! once, so that every list reads the same and stacks the same at phone width (`list` class,
//! `stacked_tables.rs`). The rows are each screen's own.

use crate::components::interval_bar::IntervalScale;
use leptos::prelude::*;

/// A column head, by what its cells hold.
#[derive(Clone, Copy)]
pub enum Col {
    Text(&'static str),
    /// Figures: right-aligned, tabular digits (`num`).
    Num(&'static str),
    /// An NPS and its interval drawn on the shared -100..100 scale, shown under the head.
    Interval(&'static str),
}

impl Col {
    fn head(self) -> AnyView {
        match self {
            Col::Text(text) => view! { <th scope="col">{text}</th> }.into_any(),
            Col::Num(text) => view! { <th scope="col" class="num">{text}</th> }.into_any(),
            Col::Interval(text) => view! { <th scope="col">{text} <IntervalScale /></th> }.into_any(),
        }
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
    /// In a horizontal scroller, for tables too wide for a narrow screen.
    #[prop(optional)]
    scroll: bool,
    #[prop(optional, into)] caption: Option<String>,
    /// The caption is for assistive technology only (the card's title says it on screen).
    #[prop(optional)]
    hidden_caption: bool,
    children: Children,
) -> impl IntoView {
    let caption = caption.map(|text| match hidden_caption {
        true => view! { <caption class="visually-hidden">{text}</caption> }.into_any(),
        false => view! { <caption>{text}</caption> }.into_any(),
    });
    let table = view! {
        <table class=class data-testid=testid>
            {caption}
            <thead><tr>{cols.iter().map(|c| c.head()).collect_view()}</tr></thead>
            <tbody>{children()}</tbody>
        </table>
    };
    match scroll {
        true => view! { <div class="table-scroll">{table}</div> }.into_any(),
        false => table.into_any(),
    }
}
