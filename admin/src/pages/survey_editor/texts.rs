//! The texts card: the languages of the survey and, per language, the question, the follow-up
//! questions and the thank-you messages per band.

use super::*;

pub(super) fn texts_card(form: Form, errors: Errors, parse_errors: ParseErrors, lang: RwSignal<String>) -> impl IntoView {
    let languages = Memo::new(move |_| form.with(|f| f.definition.texts.keys().cloned().collect::<Vec<_>>()));
    let texts_block = move || {
        let l = lang.get();
        // One field per band, in `Band::ALL`'s order, labelled from `labels`.
        let per_band = |labels: [&'static str; 3], which: fn(Band) -> Text| {
            Band::ALL.into_iter().zip(labels).map(|(band, label)| texts_field(form, errors, l.clone(), label, which(band))).collect_view()
        };
        view! {
            {texts_field(form, errors, l.clone(), "Question (0-10)", Text::Question)}
            <fieldset>
                <legend>"Follow-up question per band"</legend>
                {per_band(["Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)"], Text::FollowUp)}
            </fieldset>
            <fieldset>
                <legend>"Thank-you message per band"</legend>
                {per_band(["Detractors", "Passives", "Promoters"], Text::ThankYou)}
            </fieldset>
        }
    };

    view! {
        <Card title="Texts">
            <div class="row">
                <label class="field small">
                    <span>"Default language"</span>
                    <select name="definition.default_language" prop:value=committed(move || form.with(|f| f.definition.default_language.clone()))
                        on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.default_language = v); }>
                        {move || languages.get().into_iter().map(|l| view! { <option value=l.clone()>{l.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <div class="lang-tabs" role="group" aria-label="Language being edited">
                    {move || languages.get().into_iter().map(|l| {
                        let (code, pressed, click) = (l.clone(), l.clone(), l.clone());
                        view! {
                            <button type="button" class="tab" class:current=move || lang.get() == code aria-pressed=move || (lang.get() == pressed).to_string()
                                on:click=move |_| lang.set(click.clone())>{l}</button>
                        }
                    }).collect_view()}
                </div>
            </div>
            <FieldErrors errors=errors path="definition.texts" />
            {language_adder(form, parse_errors, lang)}
            {texts_block}
        </Card>
    }
}

/// Adds a language (a copy of the default language's texts to translate) or removes the one
/// being edited.
fn language_adder(form: Form, parse_errors: ParseErrors, lang: RwSignal<String>) -> impl IntoView {
    let new_lang = RwSignal::new(String::new());
    let add_language = move |_| {
        let code = new_lang.get_untracked().trim().to_lowercase();
        if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            parse_errors.update(|p| {
                p.insert("definition.texts".to_owned(), "definition.texts: a language code looks like `fr` or `pt-br`".to_owned());
            });
            return;
        }
        parse_errors.update(|p| {
            p.remove("definition.texts");
        });
        form.update(|f| {
            let template = f.definition.texts.get(&f.definition.default_language).cloned().unwrap_or_default();
            f.definition.texts.entry(code.clone()).or_insert(template);
        });
        lang.set(code);
        new_lang.set(String::new());
    };
    let remove_language = move |_| {
        let l = lang.get_untracked();
        form.update(|f| {
            if l != f.definition.default_language {
                f.definition.texts.remove(&l);
            }
        });
        lang.set(form.with_untracked(|f| f.definition.default_language.clone()));
    };
    view! {
    <div class="row">
        <label class="field small">
            <span>"Add a language (code)"</span>
            <input type="text" name="new_language" placeholder="fr" prop:value=move || new_lang.get() on:input=move |ev| new_lang.set(event_target_value(&ev)) />
        </label>
        <button type="button" class="secondary" on:click=add_language>"Add language"</button>
        <Show when=move || form.with(|f| lang.get() != f.definition.default_language)>
            <button type="button" class="link danger" on:click=remove_language>"Remove this language"</button>
        </Show>
    </div>
    }
}
