//! Link / e-mail campaigns of a survey (employee and partner NPS, or any survey sent by link):
//! the survey's campaigns, create one with its anonymity and group thresholds, import recipients as CSV, and see
//! their personal links and the per-wave delivery and answer counts.

use crate::api::{self, CampaignStatus};
use crate::components::fields::{LinkField, NumberField, SelectField, TextField};
use crate::components::page::{Card, StatusNote};
use crate::components::table::{Col, ListTable};
use crate::components::{ErrorBox, list_view, loaded, loaded_list, on_submit};
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
        <Card title="Campaigns of this survey">
            {list_view(list, "None yet.", |items| view! {
                <ListTable testid="campaigns-table" cols=&[Col::Text("Name"), Col::Text("Anonymity"), Col::Text("Created (UTC)"), Col::Text("Links expire (UTC)")]>
                    {items.into_iter().map(|c| view! {
                        <tr>
                            <td><crate::Link route=Route::Campaign(c.id)>{c.name.clone()}</crate::Link></td>
                            <td>{c.anonymity.as_str()}</td>
                            <td>{fmt::date_time(c.created_at)}</td>
                            <td>{fmt::date_time(c.expires_at)}</td>
                        </tr>
                    }).collect_view()}
                </ListTable>
            })}
        </Card>
    }
}

/// The anonymity choices of a new campaign, by wire name.
const ANONYMITY: &[(&str, &str)] = &[
    ("anonymous", "anonymous (only group attributes kept)"),
    ("confidential", "confidential (identity never shown to HR)"),
    ("identified", "identified (partner contacts)"),
];

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
    let create = crate::actions::write_or_error(
        |input: CampaignInput| async move { api::create_campaign(&input).await },
        error,
        |c| navigate(Route::Campaign(c.id)),
    );
    let submit = on_submit(move || {
        create.dispatch(CampaignInput {
            survey_id,
            name: name.get_untracked().trim().to_owned(),
            anonymity: anonymity_of(&anonymity.get_untracked()),
            min_group: min_group.get_untracked(),
            verbatim_min_group: min_group.get_untracked(),
            group_attributes: groups.get_untracked().split(',').map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect(),
            expires_in_days: days.get_untracked(),
        });
    });
    view! {
        <Card title="New campaign (personal links by e-mail or any channel)">
            <form on:submit=submit aria-label="New campaign" novalidate>
                <TextField label="Campaign name" name="campaign_name" value=name />
                <div class="row">
                    <SelectField label="Anonymity" name="anonymity" value=anonymity options=ANONYMITY />
                    <NumberField label="Smallest group shown" name="min_group" value=min_group fallback=5 min="3" />
                    <NumberField label="Links expire after (days)" name="expires_in_days" value=days fallback=30 min="1" max="365" />
                </div>
                <TextField label="Group attributes kept with anonymous answers (comma-separated)" name="group_attributes" value=groups placeholder="department, location" />
                <button type="submit">"Create campaign"</button>
            </form>
            <ErrorBox error=error.into() />
        </Card>
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
    let load_links = crate::actions::write(move |()| async move { api::campaign_links(id).await.map_err(|e| e.message) }, move |l| links.set(Some(l)));
    let load_status = crate::actions::write(move |()| async move { api::campaign_status(id).await.map_err(|e| e.message) }, move |s| status.set(Some(s)));
    let load_campaign = crate::actions::write(
        move |()| async move { api::campaign(id).await.map_err(|e| e.message) },
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
            Err(e) => crate::components::alert(e),
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
    let add = crate::actions::write_or_error(
        move |text: String| async move { api::add_recipients_csv(id, &text).await },
        error,
        move |r| {
            notice.set(Some(format!("{} recipient(s) added.", r.received)));
            on_added.run(());
        },
    );
    let import = on_submit(move || {
        add.dispatch(csv.get_untracked());
    });
    view! {
        <Card title="Add recipients (CSV)">
            <form on:submit=import aria-label="Import recipients">
                <label class="field"><span>"CSV with an email column (name, language, other columns become attributes)"</span>
                    <textarea name="recipients_csv" rows="5" prop:value=move || csv.get() on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit">"Add recipients"</button>
            </form>
            <StatusNote text=notice />
            <ErrorBox error=error.into() />
        </Card>
    }
}

/// The "Personal links" card of anonymous and confidential campaigns: links hidden, sent by e-mail.
#[component]
fn SendInvitationsCard(id: i64, notice: RwSignal<Option<String>>, error: RwSignal<Option<String>>, on_sent: Callback<()>) -> impl IntoView {
    let send_all = crate::actions::write_or_error(move |()| api::campaign_send(id), error, move |_| {
        notice.set(Some("Invitations handed to the outbox; each recipient gets their own link by e-mail.".to_owned()));
        on_sent.run(());
    });
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

/// A participation count, or why it is not shown (employee and anonymous partner campaigns).
fn withheld(count: Option<u64>) -> String {
    count.map_or_else(|| "withheld".to_owned(), |n| n.to_string())
}

const WAVE_COLS: &[Col] = &[Col::Text("Wave"), Col::Num("Invitations sent"), Col::Num("delivered"), Col::Num("Reminders sent"),
    Col::Num("delivered"), Col::Num("Answered"), Col::Num("Response rate")];

/// Recipients, whether e-mail delivery runs, and invitations, reminders and answers per wave.
#[component]
fn CampaignStatusCard(status: RwSignal<Option<Result<CampaignStatus, String>>>) -> impl IntoView {
    view! {
        <Card title="Status">
            {move || loaded(status.get(), |s| { let note = s.waves.iter().any(|w| w.answered.is_none() || w.reminders_sent.is_none()); view! {
                <p data-testid="campaign-recipients">{format!("{} recipient(s); e-mail delivery {}.", s.recipients, if s.delivery_active { "active" } else { "not started" })}</p>
                <ListTable testid="waves-table" class="list numbers" cols=WAVE_COLS>
                    {s.waves.into_iter().map(|w| view! {
                        <tr>
                            <th scope="row">{w.wave.wave}</th>
                            <td>{w.invitations_sent}</td><td>{w.invitations_delivered}</td>
                            <td>{withheld(w.reminders_sent)}</td><td>{withheld(w.reminders_delivered)}</td>
                            <td>{withheld(w.answered)}</td>
                            <td>{w.answered.map_or_else(|| "-".to_owned(), |a| fmt::percent(a, s.recipients))}</td>
                        </tr>
                    }).collect_view()}
                </ListTable>
                {note.then(|| view! {
                    <p class="muted small" data-testid="participation-withheld">
                        "Participation of an anonymous or confidential campaign is shown only while those who answered and those who did not are each at least its smallest group; reminders are not counted, as they go only to those who have not answered."
                    </p>
                })}
            }})}
        </Card>
    }
}

/// The personal links of an identified campaign (partner contacts), and their CSV.
#[component]
fn LinksCard(id: i64, links: RwSignal<Option<Result<Vec<RecipientLink>, String>>>) -> impl IntoView {
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Personal links"</h2>
                <a class="button secondary" href=format!("/api/admin/campaigns/{id}/links?format=csv") download="links.csv">"Export links (CSV)"</a>
            </div>
            {move || loaded_list(links.get(), "No recipients yet.", |list| view! {
                <ListTable testid="links-table" cols=&[Col::Text("E-mail"), Col::Text("Personal link")]>
                    {list.into_iter().map(|l| view! {
                        <tr data-recipient=l.email.clone()><td>{l.email.clone()}</td><td><LinkField label=format!("Link for {}", l.email) value=l.url /></td></tr>
                    }).collect_view()}
                </ListTable>
            })}
        </section>
    }
}
