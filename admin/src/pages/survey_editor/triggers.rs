//! One trigger of the survey's rules as an editable row (event, URL, delay, conditions).

use super::*;

pub(super) fn trigger_kind(t: &Trigger) -> &'static str {
    match t {
        Trigger::Event { .. } => "event",
        Trigger::PageView { .. } => "page_view",
        Trigger::Cadence { .. } => "cadence",
    }
}

pub(super) fn new_trigger(kind: &str) -> Trigger {
    match kind {
        "page_view" => Trigger::PageView { url: UrlRule { op: UrlOp::Prefix, value: String::new() }, delay_ms: None },
        "cadence" => Trigger::Cadence { every_days: 90 },
        _ => Trigger::Event { name: String::new(), conditions: Vec::new(), nth_occurrence: None, delay_ms: None },
    }
}

pub(super) fn update_trigger(form: Form, i: usize, f: impl FnOnce(&mut Trigger)) {
    form.update(|s| {
        if let Some(t) = s.rules.triggers.get_mut(i) {
            f(t);
        }
    });
}

pub(super) fn delay_of(t: &Trigger) -> String {
    match t {
        Trigger::Event { delay_ms: Some(d), .. } | Trigger::PageView { delay_ms: Some(d), .. } => format!("{}", *d as f64 / 1000.0),
        _ => String::new(),
    }
}

pub(super) fn trigger_row(form: Form, errors: Errors, parse_errors: ParseErrors, i: usize) -> impl IntoView {
    let kind = Memo::new(move |_| form.with(|f| f.rules.triggers.get(i).map(trigger_kind).unwrap_or("event")));
    let read = move |g: fn(&Trigger) -> String| read_trigger(form, i, g);
    let base = format!("rules.triggers[{i}]");
    let delay_path = format!("{base}.delay_ms");
    let set_delay = move |ev: web_sys::Event| {
        let text = event_target_value(&ev);
        let parsed = text.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0);
        let key = format!("rules.triggers[{i}].delay_ms");
        if text.trim().is_empty() || parsed.is_some() {
            parse_errors.update(|p| {
                p.remove(&key);
            });
            let ms = parsed.map(|s| (s * 1000.0).round() as u64);
            update_trigger(form, i, |t| match t {
                Trigger::Event { delay_ms, .. } | Trigger::PageView { delay_ms, .. } => *delay_ms = ms,
                Trigger::Cadence { .. } => {}
            });
        } else {
            parse_errors.update(|p| {
                p.insert(key.clone(), format!("{key} must be a number of seconds, 0 or more"));
            });
        }
    };
    let body = move || {
        let base = base.clone();
        let delay_path = delay_path.clone();
        let delay = view! {
            <label class="field small">
                <span>"Delay (seconds)"</span>
                <input type="number" min="0" step="0.5" name=delay_path.clone() prop:value=read(delay_of) on:change=set_delay />
            </label>
            <FieldErrors errors=errors path=delay_path.clone() />
        };
        match kind.get() {
            "event" => event_fields(form, errors, i, &base, delay).into_any(),
            "page_view" => page_view_fields(form, errors, i, &base, delay).into_any(),
            _ => cadence_fields(form, errors, i, &base).into_any(),
        }
    };
    view! {
        <fieldset class="trigger" data-testid=format!("trigger-{i}")>
            <legend>{format!("Trigger {}", i + 1)}</legend>
            <div class="row">
                <label class="field small">
                    <span>"Type"</span>
                    <select name=format!("rules.triggers[{i}].type") prop:value=move || kind.get()
                        on:change=move |ev| { let k = event_target_value(&ev); update_trigger(form, i, |t| *t = new_trigger(&k)); }>
                        {options(&[("event", "event"), ("page_view", "page view"), ("cadence", "cadence")])}
                    </select>
                </label>
                <button type="button" class="link danger" on:click=move |_| form.update(|f| { if i < f.rules.triggers.len() { f.rules.triggers.remove(i); } })>
                    "Remove trigger"
                </button>
            </div>
            {body}
        </fieldset>
    }
}

/// The triggers card: one row per trigger, and buttons to add one.
pub(super) fn triggers_card(form: Form, errors: Errors, parse_errors: ParseErrors) -> impl IntoView {
    let trigger_count = Memo::new(move |_| form.with(|f| f.rules.triggers.len()));
    view! {
        <Card title="Triggers">
            <p class="muted small">"When the survey may be shown; the first trigger that matches wins. No trigger = never shown by the widget."</p>
            {move || (0..trigger_count.get()).map(|i| trigger_row(form, errors, parse_errors, i)).collect_view()}
            <div class="row">
                <button type="button" class="secondary" on:click=move |_| form.update(|f| f.rules.triggers.push(new_trigger("event")))>"Add event trigger"</button>
                <button type="button" class="secondary" on:click=move |_| form.update(|f| f.rules.triggers.push(new_trigger("page_view")))>"Add page-view trigger"</button>
            </div>
        </Card>
    }
}

/// One field of trigger `i` as last committed (see `committed`).
fn read_trigger(form: Form, i: usize, g: fn(&Trigger) -> String) -> Memo<String> {
    committed(move || form.with(|f| f.rules.triggers.get(i).map(g).unwrap_or_default()))
}

/// An event trigger: the event, from which occurrence, after what delay.
fn event_fields(form: Form, errors: Errors, i: usize, base: &str, delay: impl IntoView) -> impl IntoView {
    let read = move |g: fn(&Trigger) -> String| read_trigger(form, i, g);
    view! {
        <label class="field">
            <span>"Event name"</span>
            <input type="text" name=format!("{base}.name") placeholder="e.g. report_exported"
                prop:value=read(|t| match t { Trigger::Event { name, .. } => name.clone(), _ => String::new() })
                on:input=move |ev| { let v = event_target_value(&ev); update_trigger(form, i, |t| if let Trigger::Event { name, .. } = t { *name = v; }); } />
        </label>
        <FieldErrors errors=errors path=format!("{base}.name") />
        <label class="field small">
            <span>"From the nth occurrence (1 = first)"</span>
            <input type="number" min="1" step="1" name=format!("{base}.nth_occurrence")
                prop:value=read(|t| match t { Trigger::Event { nth_occurrence: Some(n), .. } => n.to_string(), _ => String::new() })
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().parse::<u32>().ok();
                    update_trigger(form, i, |t| if let Trigger::Event { nth_occurrence, .. } = t { *nth_occurrence = v; });
                } />
        </label>
        <FieldErrors errors=errors path=format!("{base}.nth_occurrence") />
        {delay}
    }
}

/// A page-view trigger: the URL rule, after what delay.
fn page_view_fields(form: Form, errors: Errors, i: usize, base: &str, delay: impl IntoView) -> impl IntoView {
    let read = move |g: fn(&Trigger) -> String| read_trigger(form, i, g);
    view! {
        <div class="row">
            <label class="field small">
                <span>"URL"</span>
                <select name=format!("{base}.url.op")
                    prop:value=read(|t| match t { Trigger::PageView { url, .. } => enum_str(&url.op), _ => String::new() })
                    on:change=move |ev| {
                        if let Some(op) = parse_enum::<UrlOp>(&event_target_value(&ev)) {
                            update_trigger(form, i, |t| if let Trigger::PageView { url, .. } = t { url.op = op; });
                        }
                    }>
                    {options(&[("exact", "is exactly"), ("prefix", "starts with"), ("contains", "contains"), ("glob", "matches (* and ?)")])}
                </select>
            </label>
            <label class="field grow">
                <span>"Value"</span>
                <input type="text" name=format!("{base}.url.value") placeholder="https://app.example.com/billing"
                    prop:value=read(|t| match t { Trigger::PageView { url, .. } => url.value.clone(), _ => String::new() })
                    on:input=move |ev| { let v = event_target_value(&ev); update_trigger(form, i, |t| if let Trigger::PageView { url, .. } = t { url.value = v; }); } />
            </label>
        </div>
        <FieldErrors errors=errors path=format!("{base}.url") />
        {delay}
    }
}

/// A cadence trigger (relational NPS): every how many days.
fn cadence_fields(form: Form, errors: Errors, i: usize, base: &str) -> impl IntoView {
    let read = move |g: fn(&Trigger) -> String| read_trigger(form, i, g);
    view! {
        <label class="field small">
            <span>"Every (days)"</span>
            <input type="number" min="1" step="1" name=format!("{base}.every_days")
                prop:value=read(|t| match t { Trigger::Cadence { every_days } => every_days.to_string(), _ => String::new() })
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                    update_trigger(form, i, |t| if let Trigger::Cadence { every_days } = t { *every_days = v; });
                } />
        </label>
        <FieldErrors errors=errors path=format!("{base}.every_days") />
    }
}
