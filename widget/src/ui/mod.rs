//! The survey card: leptos CSR mounted into a shadow root, styled by an adopted stylesheet.
//!
//! - `host`: the card's place in the host page (the `<nps-survey>` element in the top layer,
//!   show and close, the focus it takes and gives back, what it reports to the decider);
//! - `card`: the card's one view;
//! - `controls`: what its controls do (one handler per event type, by `data-a`);
//! - `steps`: score, follow-up and thanks, and moving between them;
//! - `form`: the scale's radios and the extra questions, read from the DOM;
//! - `keys`: the scale's arrow keys, Esc, and the focus trap of the centre modal.

use crate::i18n::{self, Strings};
use crate::payload::Shown;
use leptos::ev::{KeyboardEvent, MouseEvent};
use leptos::prelude::*;
use nps_core::wire::{ExtraQuestionKind, Placement, Theme};
use nps_core::{Band, NpsScore};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

mod card;
mod controls;
mod form;
mod host;
mod keys;
mod steps;

use card::*;
use controls::*;
use form::*;
use host::*;
use keys::*;
use steps::*;

pub use host::{close_now, show};
