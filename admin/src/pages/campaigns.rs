//! Link / e-mail campaigns of a survey (employee and partner NPS, or any survey sent by link):
//! the survey's campaigns, create one with its anonymity and group thresholds, import recipients as CSV, and see
//! their personal links and the per-wave delivery and answer counts.

use crate::api::{self, CampaignStatus};
use crate::components::ErrorBox;
use crate::pages::campaign_delivery::DeliveryCard;
use crate::pages::report::SurveyTabs;
use crate::{Route, fmt, navigate};
use leptos::prelude::*;
use nps_core::wire::{Anonymity, Campaign, CampaignInput, RecipientLink};

/// The campaigns tab of a survey: its campaigns and the form that creates one.
#[component]
pub fn NewCampaign(survey_id: i64) -> impl IntoView {
    let survey = crate::pages::report::survey_of(survey_id);
    let list = LocalResource::new(move || async move { api::campaigns(survey_id).await.map_err(|e| e.message) });
    view! {
        <SurveyTabs survey_id=survey_id current=Route::NewCampaign(survey_id) survey=survey />
        <SurveyCampaignsCard list=list />
        <NewCampaignCard survey_id=survey_id />
    }
}

/// The "Campaigns of this survey" card: each campaign with its anonymity, creation and expiry.
#[component]
fn SurveyCampaignsCard(list: LocalResource<Result<Vec<Campaign>, String>>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Campaigns of this survey"</h2>
            <Transition fallback=crate::components::loading>{move || match list.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted">"None yet."</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <table class="list" data-testid="campaigns-table">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Anonymity"</th><th scope="col">"Created (UTC)"</th><th scope="col">"Links expire (UTC)"</th></tr></thead>
                        <tbody>
                            {items.into_iter().map(|c| view! {
                                <tr>
                                    <td><crate::Link route=Route::Campaign(c.id)>{c.name.clone()}</crate::Link></td>
                                    <td>{c.anonymity.as_str()}</td>
                                    <td>{fmt::date_time(c.created_at)}</td>
                                    <td>{fmt::date_time(c.expires_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}</Transition>
        </section>
    }
}

/// The anonymity chosen in the form (`confidential` unless another one is named).
fn anonymity_of(value: &str) -> Anonymity {
    match value {
        "anonymous" => Anonymity::Anonymous,
        "identified" => Anonymity::Identified,
        _ => Anonymity::Confidential,
    }
}

/// The "New campaign" card: name, anonymity, smallest group, link expiry and group attributes.
#[component]
fn NewCampaignCard(survey_id: i64) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let anonymity = RwSignal::new("confidential".to_owned());
    let min_group = RwSignal::new(5_u32);
    let days = RwSignal::new(30_u32);
    let groups = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = crate::actions::write(
        |input: &CampaignInput| {
            let input = input.clone();
            async move { api::create_campaign(&input).await }
        },
        move |answer| match answer {
            Ok(c) => navigate(Route::Campaign(c.id)),
            Err(e) => error.set(Some(e.message)),
        },
    );
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CampaignInput {
            survey_id,
            name: name.get_untracked().trim().to_owned(),
            anonymity: anonymity_of(&anonymity.get_untracked()),
            min_group: min_group.get_untracked(),
            verbatim_min_group: min_group.get_untracked(),
            group_attributes: groups.get_untracked().split(',').map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect(),
            expires_in_days: days.get_untracked(),
        });
    };
    view! {
        <section class="card">
            <h2>"New campaign (personal links by e-mail or any channel)"</h2>
            <form on:submit=submit aria-label="New campaign" novalidate>
                <label class="field"><span>"Campaign name"</span>
                    <input type="text" name="campaign_name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <div class="row">
                    <label class="field inline"><span>"Anonymity"</span>
                        <select name="anonymity" prop:value=move || anonymity.get() on:change=move |ev| anonymity.set(event_target_value(&ev))>
                            <option value="anonymous">"anonymous (only group attributes kept)"</option>
                            <option value="confidential">"confidential (identity never shown to HR)"</option>
                            <option value="identified">"identified (partner contacts)"</option>
                        </select>
                    </label>
                    <label class="field inline"><span>"Smallest group shown"</span>
                        <input type="number" name="min_group" min="3" prop:value=move || min_group.get().to_string() on:change=move |ev| min_group.set(event_target_value(&ev).parse().unwrap_or(5)) />
                    </label>
                    <label class="field inline"><span>"Links expire after (days)"</span>
                        <input type="number" name="expires_in_days" min="1" max="365" prop:value=move || days.get().to_string() on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(30)) />
                    </label>
                </div>
                <label class="field"><span>"Group attributes kept with anonymous answers (comma-separated)"</span>
                    <input type="text" name="group_attributes" placeholder="department, location" prop:value=move || groups.get() on:input=move |ev| groups.set(event_target_value(&ev)) />
                </label>
                <button type="submit">"Create campaign"</button>
            </form>
            <ErrorBox error=error.into() />
        </section>
    }
}

/// One campaign: its settings, status and delivery, adding recipients, and its personal links.
#[component]
pub fn CampaignPage(id: i64) -> impl IntoView {
    let campaign = RwSignal::new(None::<Result<Campaign, String>>);
    let links = RwSignal::new(None::<Result<Vec<RecipientLink>, String>>);
    let status = RwSignal::new(None::<Result<CampaignStatus, String>>);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Loads fill signals: the status feeds two cards and the campaign decides which cards
    // show (resources read outside a `Transition` would hold up the whole screen).
    let load_links = crate::actions::write(move |_: &()| async move { api::campaign_links(id).await.map_err(|e| e.message) }, move |l| links.set(Some(l)));
    let load_status = crate::actions::write(move |_: &()| async move { api::campaign_status(id).await.map_err(|e| e.message) }, move |s| status.set(Some(s)));
    let load_campaign = crate::actions::write(
        move |_: &()| async move { api::campaign(id).await.map_err(|e| e.message) },
        move |loaded: Result<Campaign, String>| {
            // Links of anonymous and confidential campaigns reach the recipients by e-mail
            // only: the collector refuses to show them, so the page does not ask.
            let identified = loaded.as_ref().is_ok_and(|c| c.anonymity == Anonymity::Identified);
            campaign.set(Some(loaded));
            if identified {
                load_links.dispatch(());
            }
        },
    );
    let load = move || {
        load_campaign.dispatch(());
        load_status.dispatch(());
    };
    let identified = move || campaign.get().and_then(Result::ok).is_some_and(|c| c.anonymity == Anonymity::Identified);
    load();
    let reload = Callback::new(move |()| load());
    view! {
        <CampaignFacts campaign=campaign />
        <CampaignStatusCard status=status />
        <DeliveryCard id=id status=status />
        <AddRecipientsCard id=id notice=notice error=error on_added=reload />
        <Show when=move || !identified() && campaign.get().is_some_and(|c| c.is_ok())>
            <SendInvitationsCard id=id notice=notice error=error on_sent=reload />
        </Show>
        <Show when=identified>
            <LinksCard id=id links=links />
        </Show>
    }
}

/// The campaign's name and settings (anonymity, group thresholds, attributes, link expiry), or its load error.
#[component]
fn CampaignFacts(campaign: RwSignal<Option<Result<Campaign, String>>>) -> impl IntoView {
    view! {
        {move || campaign.get().map(|c| match c {
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Ok(c) => view! {
                <p class="crumbs"><crate::Link route=Route::Report(c.survey_id)>"Survey report"</crate::Link></p>
                <h1 data-testid="campaign-name">{c.name.clone()}</h1>
                <dl class="facts card">
                    <dt>"Anonymity"</dt><dd>{c.anonymity.as_str()}</dd>
                    <dt>"Smallest group shown"</dt><dd>{c.min_group}</dd>
                    <dt>"Comments shown from a group of"</dt><dd>{c.verbatim_min_group}</dd>
                    <dt>"Group attributes"</dt><dd>{if c.group_attributes.is_empty() { "-".to_owned() } else { c.group_attributes.join(", ") }}</dd>
                    <dt>"Links expire"</dt><dd>{format!("{} UTC", fmt::date_time(c.expires_at))}</dd>
                </dl>
            }.into_any(),
        })}
    }
}

/// The "Add recipients (CSV)" card, with the page's notice and error (also those of sending).
#[component]
fn AddRecipientsCard(id: i64, notice: RwSignal<Option<String>>, error: RwSignal<Option<String>>, on_added: Callback<()>) -> impl IntoView {
    let csv = RwSignal::new("email,name,department\n".to_owned());
    let add = crate::actions::write(
        move |text: &String| {
            let text = text.clone();
            async move { api::add_recipients_csv(id, &text).await }
        },
        move |answer| match answer {
            Ok(r) => {
                error.set(None);
                notice.set(Some(format!("{} recipient(s) added.", r.received)));
                on_added.run(());
            }
            Err(e) => error.set(Some(e.message)),
        },
    );
    let import = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(csv.get_untracked());
    };
    view! {
        <section class="card">
            <h2>"Add recipients (CSV)"</h2>
            <form on:submit=import aria-label="Import recipients">
                <label class="field"><span>"CSV with an email column (name, language, other columns become attributes)"</span>
                    <textarea name="recipients_csv" rows="5" prop:value=move || csv.get() on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit">"Add recipients"</button>
            </form>
            {move || notice.get().map(|n| view! { <p class="muted" role="status">{n}</p> })}
            <ErrorBox error=error.into() />
        </section>
    }
}

/// The "Personal links" card of anonymous and confidential campaigns: links hidden, sent by e-mail.
#[component]
fn SendInvitationsCard(id: i64, notice: RwSignal<Option<String>>, error: RwSignal<Option<String>>, on_sent: Callback<()>) -> impl IntoView {
    let send_all = crate::actions::write(
        move |_: &()| api::campaign_send(id),
        move |answer| match answer {
            Ok(_) => {
                error.set(None);
                notice.set(Some("Invitations handed to the outbox; each recipient gets their own link by e-mail.".to_owned()));
                on_sent.run(());
            }
            Err(e) => error.set(Some(e.message)),
        },
    );
    let send = move |_| {
        send_all.dispatch(());
    };
    view! {
        <section class="card" data-testid="private-links">
            <h2>"Personal links"</h2>
            <p>"Each recipient gets their own single-use link by e-mail. To keep answers anonymous, links are never shown here or exported: whoever holds a link can see whether it was used."</p>
            <button type="button" on:click=send>"Send invitations by e-mail"</button>
        </section>
    }
}

#[component]
fn CampaignStatusCard(status: RwSignal<Option<Result<CampaignStatus, String>>>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Status"</h2>
            {move || status.get().map(|s| match s {
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                Ok(s) => view! {
                    <p data-testid="campaign-recipients">{format!("{} recipient(s); e-mail delivery {}.", s.recipients, if s.delivery_active { "active" } else { "not started" })}</p>
                    <table class="list numbers" data-testid="waves-table">
                        <thead><tr><th scope="col">"Wave"</th><th scope="col" class="num">"Invitations sent"</th><th scope="col" class="num">"delivered"</th><th scope="col" class="num">"Reminders sent"</th><th scope="col" class="num">"delivered"</th><th scope="col" class="num">"Answered"</th><th scope="col" class="num">"Response rate"</th></tr></thead>
                        <tbody>
                            {s.waves.into_iter().map(|w| view! {
                                <tr>
                                    <th scope="row">{w.wave.wave}</th>
                                    <td>{w.invitations_sent}</td><td>{w.invitations_delivered}</td>
                                    <td>{w.reminders_sent}</td><td>{w.reminders_delivered}</td>
                                    <td>{w.answered}</td>
                                    <td>{fmt::percent(w.answered, s.recipients)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn LinksCard(
    id: i64,
    links: RwSignal<Option<Result<Vec<RecipientLink>, String>>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Personal links"</h2>
                <a class="button secondary" href=format!("/api/admin/campaigns/{id}/links?format=csv") download="links.csv">"Export links (CSV)"</a>
            </div>
            {move || match links.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No recipients yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="list" data-testid="links-table">
                        <thead><tr><th scope="col">"E-mail"</th><th scope="col">"Personal link"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|l| view! {
                                <tr data-recipient=l.email.clone()><td>{l.email.clone()}</td><td><input type="text" readonly class="link-field" aria-label=format!("Link for {}", l.email) prop:value=l.url.clone() /></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
