//! The text the generator stamps out, one template per declaration group.
//!
//! `#name#` marks a placeholder that [`crate::fill`] replaces: `#b#` is the brand (the file's
//! namespace), `#n#` the next brand (for cross-file references), `#k#` the instance number of a
//! journey, and the other names are parameters drawn per instance from the generator's PRNG.

/// The shared file: shared channel events, the profile, the policy, a shared score and segments.
pub const SHARED: &str = r##"// Shared schema of the multi-brand workspace: channel engagement events that every brand's
// messages produce, the one contact profile (synced from the CRM), the delivery policy that
// every journey obeys, and the cross-brand engagement score.

/// A contact opened an email from any brand.
event email.opened { campaign: string }

/// A contact clicked a link in an email from any brand.
event email.clicked { campaign: string  url: string }

/// A contact tapped a link in a text message.
event sms.clicked { campaign: string  url: string }

/// A push notification was opened.
event push.opened { campaign: string }

/// A push notification's action button was tapped.
event push.clicked { campaign: string  action: string }

/// An in-app message was clicked.
event in_app.clicked { campaign: string  screen: string? }

profile {
  email: string?
  phone: string?
  push_token: string?
  first_name: string?
  last_name: string?
  company: string?
  company_size: int?
  seats: int?
  country: string?
  language: string = "en"
  plan: string?
  mrr: float?
  nps: int?
  timezone: string = "UTC" // IANA zone; every `local` time uses it
  birthday: date?
  signup_date: date?
  renewal_at: time?
  consent_email: bool = false
  consent_sms: bool = false
  consent_push: bool = false
  consent_mail: bool = false
  lifecycle: enum { subscriber, lead, mql, sql, customer, churned } = subscriber
  tier: enum { free, bronze, silver, gold } = free
  tags: list<string> = []
}

policy {
  quiet hours 21:00 to 08:00 local
  cap email 4 per 7d
  cap sms 2 per 7d
  cap push 1 per 1d
  cap in_app 3 per 1d
  cap mail 1 per 30d
  consent email when profile.consent_email
  consent sms when profile.consent_sms and profile.phone is set
  consent push when profile.consent_push and profile.push_token is set
  consent in_app when profile.lifecycle != churned
  consent webhook when profile.company is set
  consent mail when profile.consent_mail and profile.country is set
}

/// Attention a contact pays to messages of any brand; fades over two weeks.
score engagement {
  on email.opened => +1
  on email.clicked => +3
  on sms.clicked => +3
  on push.opened => +1 cap 5 per 1d
  on push.clicked where action != "dismiss" => +3
  on in_app.clicked => +2
  decay 25% every 14d
}

/// Pays attention to us, whatever the brand.
segment globally_engaged = engagement >= 10

/// Accounts that the enterprise team handles.
segment enterprise_account = (profile.company_size ?? 0) >= 500 or (profile.seats ?? 0) >= 100
"##;

/// The head of a brand file: its comment block and events.
pub const BRAND_HEAD: &str = r##"// #title#: events, scores, segments and journeys of the #b# brand.
//
// #blurb#
// Owned by the #team# team; reviewed by marketing operations before every release.

// ---------------------------------------------------------------------------------------------
// Events

/// A page view on the #b# site.
event #b#.page.viewed { path: string  referrer: string? }

/// A form on the #b# site was sent.
event #b#.form.submitted { form: string  company_size: int? }

/// The #b# shop saw the cart change; `items` is 0 once it is emptied.
event #b#.cart.updated { cart: string  value: float  items: int }

/// A paid #b# order.
event #b#.order.completed {
  order: string
  cart: string?
  value: float
  coupon: string?
}

/// A #b# product trial started.
event #b#.trial.started { plan: string  seats: int }

/// Daily usage roll-up of one #b# feature.
event #b#.feature.used { feature: string  uses: int }

/// A #b# support ticket was opened; priority 1 (low) to 4 (outage).
event #b#.ticket.opened { ticket: string  priority: int }

/// A #b# support ticket was solved; satisfaction 1 to 5 when the contact answered the survey.
event #b#.ticket.solved { ticket: string  satisfaction: int? }

/// A registration for a #b# webinar.
event #b#.webinar.registered { webinar: string  starts_at: time }

/// Attendance report of a #b# webinar.
event #b#.webinar.attended { webinar: string  minutes: int }

/// A #b# webinar registration was cancelled.
event #b#.webinar.cancelled { webinar: string }

/// A #b# subscription renewed.
event #b#.subscription.renewed { plan: string  amount: float  renews_at: time }

/// A review of a #b# product.
event #b#.review.posted { rating: int  text: string? }

// ---------------------------------------------------------------------------------------------
// Scores and segments

/// Fit and intent of a #b# prospect.
score #b#_lead {
  on email.opened => +1 cap 10 per 30d
  on email.clicked => +3
  on #b#.page.viewed where path starts_with "/pricing" => +10 cap 30 per 7d
  on #b#.form.submitted where form == "demo_request" => +40
  on #b#.form.submitted where (company_size ?? 0) >= 200 => +20
  on #b#.webinar.attended where minutes >= 20 => +15
  on #b#.trial.started => +25
  while #b#_pricing_curious => +5
  while profile.lifecycle == customer => -100
  decay 20% every 30d
}

/// Product health of a #b# customer: usage up, problems down.
score #b#_health {
  on #b#.feature.used => +1 cap 20 per 7d
  on #b#.ticket.opened where priority >= 3 => -5
  on #b#.review.posted where rating >= 4 => +10
  on #b#.review.posted where rating <= 2 => -15
  while #b#_unhappy => -20
  while profile.tier == gold => +10
  decay 10% every 30d
}

/// Active on the #b# site or reading its emails.
segment #b#_engaged = count(#b#.page.viewed within 7d) >= #views# or count(email.opened within 14d) >= 2

/// Spent 500 or more with #b# in a year.
segment #b#_big_spender = sum(#b#.order.completed.value within 365d) >= 500.0

/// In a #b# trial and not yet paying.
segment #b#_trialing = count(#b#.trial.started within 14d) > 0 and count(#b#.order.completed within 14d) == 0

/// Left a bad #b# review lately.
segment #b#_unhappy = (min(#b#.review.posted.rating within 90d) ?? 5) <= 2

/// Heavy #b# product usage.
segment #b#_power_user = sum(#b#.feature.used.uses within 30d) >= #power#

/// Came back to the #b# pricing pages.
segment #b#_pricing_curious = count(#b#.page.viewed where path starts_with "/pricing" within 14d) >= 2

/// Big spender with sales intent.
segment #b#_vip = #b#_big_spender and #b#_lead >= 50

// ---------------------------------------------------------------------------------------------
// Journeys
"##;

/// The test at the end of a brand file.
pub const BRAND_TEST: &str = r##"
test "#b#: a newsletter sign-up gets the first welcome email at once" {
  given #b#_t1 { consent_email: true, first_name: "Ada" }
  at 2026-01-05T10:17:00Z #b#_t1 #b#.form.submitted { form: "newsletter_0" }
  expect 2026-01-05T10:17:00Z #b#_t1 send email "#b#_welcome_1"
}
"##;

/// Journey templates, instantiated in this order, round after round, until a file is full.
pub const JOURNEYS: &[&str] = &[
    // enter on .. as .. where; goal on .. where; wait; if; wait for .. as .. where .. else; tag
    r##"
/// Welcome series for #b# newsletter sign-ups (list #k#).
journey #b#_welcome_#k# {
  enter on #b#.form.submitted as signup where form == "newsletter_#k#"
  goal #b#_welcome_#k#_purchased on #b#.order.completed where value > 0.0

  send email "#b#_welcome_1" with {
    name: profile.first_name ?? "there",
    form: signup.form,
    company_size: signup.company_size ?? 0,
    account: signup.account ?? "none",
  }
  wait #wait#
  if count(email.opened since enter) == 0 {
    send email "#b#_welcome_nudge" with { name: profile.first_name ?? "there" }
  }
  wait for email.clicked as click where campaign starts_with "#b#_welcome" within 3d {
    tag "#b#_welcomed"
    send email "#b#_welcome_2_engaged" with { url: click.url }
  } else {
    send email "#b#_welcome_2_tips"
  }
  wait 2d
  send email "#b#_welcome_3_offer" with { code: "WELCOME#k#", expires: now + 7d }
}
"##,
    // reenter after; exit on .. where; wait for without else; else if; sms and push
    r##"
/// Win back #b# carts left behind for an hour (carts from #amount#).
journey #b#_cart_#k# {
  enter on #b#.cart.updated as abandoned where value >= #amount# and items > 0
  reenter after 1d
  goal #b#_cart_#k#_recovered on #b#.order.completed where cart == abandoned.cart
  exit on #b#.cart.updated where items == 0

  wait 1h
  send email "#b#_cart_reminder" with {
    cart: abandoned.cart,
    items: last(#b#.cart.updated).items ?? abandoned.items,
    value: last(#b#.cart.updated).value ?? abandoned.value,
  }
  wait for email.clicked where url contains abandoned.cart within 1d {
    wait 12h
  }
  if abandoned.value >= 150.0 and profile.consent_sms {
    send sms "#b#_cart_last_chance" with { cart: abandoned.cart }
  } else if abandoned.items > 3 {
    send push "#b#_cart_many_items" with { items: abandoned.items }
  } else {
    send email "#b#_cart_last_chance" with { cart: abandoned.cart, code: "CART5" }
  }
}
"##,
    // set; wait until local time; split; send at local time; score +=; best_channel; notify;
    // wait until an instant expression; send at best_time
    r##"
/// Onboard #b# trial users until they buy.
journey #b#_trial_#k# {
  enter on #b#.trial.started as trial where seats >= #seats#
  reenter after 180d
  goal #b#_trial_#k#_converted on #b#.order.completed where value >= 10.0
  exit on #b#.subscription.renewed

  set profile.plan = trial.plan
  set profile.seats = trial.seats
  send email "#b#_trial_day_0" with { plan: trial.plan, seats: trial.seats, language: profile.language }
  wait until 09:00 local
  split {
    #pa# #b#_trial_#k#_guided {
      send in_app "#b#_trial_tour" with { step: 1 }
    }
    #pb# #b#_trial_#k#_self_serve {
      send email "#b#_trial_tips" at #hour# local
    }
  }
  wait 3d
  if sum(#b#.feature.used.uses since enter) >= #uses# {
    score #b#_lead += 15
    send email "#b#_trial_power_tips" with { uses: sum(#b#.feature.used.uses since enter) }
  } else if count(#b#.feature.used since enter) == 0 {
    send best_channel(email, sms, push) "#b#_trial_stuck" with { name: profile.first_name ?? "there" }
    notify success "#b#_trial_stuck" with { email: profile.email ?? "unknown", plan: trial.plan }
  } else {
    send email "#b#_trial_keep_going"
  }
  wait until trial.at + 12d
  send email "#b#_trial_ending" with { plan: profile.plan ?? trial.plan } at best_time
}
"##,
    // enter when a score threshold; set an enum; notify; goal step; score -=
    r##"
/// Hand #b# marketing-qualified leads to sales (threshold #t#).
journey #b#_mql_#k# {
  enter when #b#_lead >= #t# and profile.lifecycle != customer

  set profile.lifecycle = mql
  tag "#b#_mql"
  notify sales "#b#_new_mql" with {
    email: profile.email ?? "unknown",
    name: profile.last_name ?? "unknown",
    score: #b#_lead,
    pricing_views: count(#b#.page.viewed where path starts_with "/pricing" within 30d),
    last_page: last(#b#.page.viewed).path ?? "none",
  }
  wait for #b#.form.submitted where form == "book_meeting" within 5d {
    goal #b#_mql_#k#_meeting
    set profile.lifecycle = sql
  } else {
    notify sales "#b#_mql_stalled" with { score: #b#_lead }
    score #b#_lead -= 10
  }
}
"##,
    // enter when inactive; exit step; untag
    r##"
/// Bring back #b# contacts inactive for #inactive#.
journey #b#_winback_#k# {
  enter when inactive #inactive#
  reenter after 180d
  goal #b#_winback_#k#_won on #b#.order.completed

  if profile.lifecycle == churned {
    exit
  }
  if count(#b#.order.completed within 365d) > 0 {
    send email "#b#_winback_customer" with {
      last_value: last(#b#.order.completed).value ?? 0.0,
      gap: since(#b#.order.completed) ?? 365d,
      average: avg(#b#.order.completed.value within 365d) ?? 0.0,
    }
  } else {
    send email "#b#_winback_subscriber" with { name: profile.first_name ?? "there" }
  }
  wait for email.clicked within 7d {
    untag "#b#_dormant"
    send email "#b#_winback_offer" with { code: "BACK20" }
  } else {
    tag "#b#_dormant"
    set profile.lifecycle = churned
  }
}
"##,
    // enter yearly on a date field; reenter always
    r##"
/// Birthday greetings for #b# customers.
journey #b#_birthday_#k# {
  enter yearly on profile.birthday at #hour# local where #b#_vip or profile.tier != free
  reenter always

  send email "#b#_birthday" with { name: profile.first_name ?? "friend", code: "BDAY#k#" }
  wait for #b#.order.completed where coupon == "BDAY#k#" within 7d {
    goal #b#_birthday_#k#_redeemed
  } else {
    if #b#_big_spender {
      send sms "#b#_birthday_reminder" with { code: "BDAY#k#" }
    }
  }
}
"##,
    // yearly on another date field; mail and webhook channels
    r##"
/// A card on the anniversary of signing up with #b#.
journey #b#_anniversary_#k# {
  enter yearly on profile.signup_date at #hour# local where profile.lifecycle == customer
  reenter always

  send mail "#b#_anniversary_card" with { name: profile.first_name ?? "friend", country: profile.country ?? "US" }
  send webhook "#b#_crm_anniversary" with { company: profile.company ?? "", seats: profile.seats ?? 0 }
}
"##,
    // enter monthly; three-arm split; unicode escape
    r##"
/// The #b# monthly newsletter with a subject-line test.
journey #b#_newsletter_#k# {
  enter monthly on day #dom# at #hour# local where profile.consent_email and (#b#_engaged or (since(email.opened) ?? 365d) <= 90d) and not (profile.tags contains "#b#_dormant")
  reenter always

  split {
    34% #b#_newsletter_#k#_plain {
      send email "#b#_newsletter" with { subject: "This month at #b#" }
    }
    33% #b#_newsletter_#k#_question {
      send email "#b#_newsletter" with { subject: "Did you see what \"we\" shipped?" }
    }
    33% #b#_newsletter_#k#_emoji {
      send email "#b#_newsletter" with { subject: "\u{1F680} New this month" }
    }
  }
  wait for email.clicked where campaign starts_with "#b#_newsletter" within 3d {
    goal #b#_newsletter_#k#_clicked
  }
}
"##,
    // enter weekly
    r##"
/// Weekly #b# digest for active readers and power users.
journey #b#_digest_#k# {
  enter weekly on #weekday# at #hour# local where #b#_engaged or #b#_power_user
  reenter always

  send email "#b#_weekly_digest" with {
    views: count(#b#.page.viewed within 7d),
    uses: sum(#b#.feature.used.uses within 7d),
  }
  if #b#_power_user and profile.consent_push {
    send push "#b#_power_tip" at #hour2# local
  }
}
"##,
    // enter daily; exit on without where; in_app
    r##"
/// Nudge #b# users who stopped using the product.
journey #b#_reactivation_#k# {
  enter daily at #hour# local where (since(#b#.feature.used) ?? 30d) > #gap# and profile.plan is set and globally_engaged
  reenter after 7d
  exit on #b#.feature.used

  send push "#b#_we_saved_your_work" with { plan: profile.plan ?? "free" }
  wait 2d
  send in_app "#b#_whats_new"
}
"##,
    // enter once; reenter never; wait until an instant literal
    r##"
/// #b# Black Friday early access (edition #k#).
journey #b#_black_friday_#k# {
  enter once at #instant# where #b#_engaged or #b#_big_spender
  reenter never

  send email "#b#_bf_early_access" with { code: "BF#k#" } at 10:00 local
  wait until #instant2#
  if count(#b#.order.completed within 4d) == 0 {
    send sms "#b#_cyber_monday" with { code: "CM#k#" }
  }
}
"##,
    // exit on .. where binding; `now`; nested if inside wait for
    r##"
/// From registration to follow-up for #b# webinars of series #k#.
journey #b#_webinar_#k# {
  enter on #b#.webinar.registered as reg where webinar starts_with "#b#-#k#-"
  reenter always
  exit on #b#.webinar.cancelled where webinar == reg.webinar

  send email "#b#_webinar_confirmation" with { webinar: reg.webinar, starts_at: reg.starts_at }
  if reg.starts_at - now > 1d {
    wait until reg.starts_at - 1d
    send email "#b#_webinar_tomorrow" with { webinar: reg.webinar }
  }
  wait until reg.starts_at - 1h
  send best_channel(sms, email) "#b#_webinar_starting" with { webinar: reg.webinar }
  wait for #b#.webinar.attended as visit where webinar == reg.webinar within 1d {
    if visit.minutes >= 30 {
      score #b#_lead += 10
      send email "#b#_webinar_thanks" with { minutes: visit.minutes }
    } else {
      send email "#b#_webinar_short_visit"
    }
  } else {
    send email "#b#_webinar_recording" with { webinar: reg.webinar }
  }
}
"##,
    // notify support; wait for with two bindings in scope
    r##"
/// Follow #b# priority tickets to a satisfied customer.
journey #b#_support_#k# {
  enter on #b#.ticket.opened as case_opened where priority >= #prio#
  reenter always

  notify support "#b#_priority_ticket" with {
    ticket: case_opened.ticket,
    priority: case_opened.priority,
    company: profile.company ?? "unknown",
  }
  wait for #b#.ticket.solved as solved where ticket == case_opened.ticket within 2d {
    wait 1d
    send email "#b#_csat_survey" with { ticket: solved.ticket }
    if (solved.satisfaction ?? 5) <= 2 {
      notify success "#b#_unhappy_customer" with { ticket: solved.ticket, health: #b#_health }
      tag "#b#_at_risk"
    }
  } else {
    notify support "#b#_ticket_escalation" with { ticket: case_opened.ticket }
  }
}
"##,
    // set time and float fields; `in` a list; send at an expression; goal step at the end
    r##"
/// Prepare #b# renewals a month ahead.
journey #b#_renewal_#k# {
  enter on #b#.subscription.renewed as renewal where amount >= #amount#
  reenter always
  exit on #b#.ticket.opened where priority >= 4

  set profile.renewal_at = renewal.renews_at
  set profile.mrr = renewal.amount / 12.0
  send webhook "#b#_crm_renewal" with { plan: renewal.plan, amount: renewal.amount }
  wait until renewal.renews_at - 30d
  if #b#_health < 0 {
    notify success "#b#_renewal_risk" with { health: #b#_health, plan: renewal.plan }
  } else if (profile.country ?? "") in ["DE", "AT", "CH"] {
    send mail "#b#_renewal_letter_de" with { plan: renewal.plan }
  } else {
    send email "#b#_renewal_reminder" with { plan: renewal.plan } at renewal.renews_at - 21d
  }
  wait until renewal.renews_at
  goal #b#_renewal_#k#_renewed
}
"##,
    // best_time; cross-brand segment; time arithmetic on the implicit `at`
    r##"
/// Offer #b# customers the next plan two weeks after a mid-sized order.
journey #b#_upsell_#k# {
  enter on #b#.order.completed as purchase where value >= #amount# and value < 500.0
  reenter after 90d
  goal #b#_upsell_#k#_upgraded on #b#.subscription.renewed where plan != "basic"
  exit on #b#.order.completed where value >= 500.0

  wait 14d
  if #b#_pricing_curious or enterprise_account {
    send email "#b#_upgrade_offer" with { order: purchase.order, value: purchase.value } at best_time
  } else if not #n#_big_spender {
    send email "#n#_cross_sell" with { from_brand: "#b#" } at best_time
  }
  wait until purchase.at + 30d
  send in_app "#b#_review_prompt" with { order: purchase.order }
}
"##,
    // enter when a segment; is not set
    r##"
/// Nurture #b# pricing-page visitors who have not started a trial.
journey #b#_nurture_#k# {
  enter when #b#_pricing_curious and not #b#_trialing
  reenter after 30d
  goal #b#_nurture_#k#_trial on #b#.trial.started

  send email "#b#_pricing_guide" with {
    views: count(#b#.page.viewed where path starts_with "/pricing" within 14d),
  }
  wait 2d
  if profile.company_size is not set {
    send email "#b#_tell_us_more"
  } else if (profile.company_size ?? 0) >= 200 {
    notify sales "#b#_pricing_interest" with { size: profile.company_size ?? 0 }
  }
  wait 5d
  send email "#b#_case_study"
}
"##,
    // is set on an event field; ends_with; wait for the entry event again
    r##"
/// Answer bad #b# reviews.
journey #b#_review_#k# {
  enter on #b#.review.posted as review where rating <= #rating#
  reenter always

  set profile.nps = review.rating
  notify support "#b#_bad_review" with { rating: review.rating, text: review.text ?? "" }
  if review.text is set and (profile.email ?? "") ends_with ".edu" {
    tag "#b#_edu_reviewer"
  }
  wait 1d
  send email "#b#_sorry" with { rating: review.rating }
  wait for #b#.review.posted as update where rating > review.rating within 30d {
    set profile.nps = update.rating
    untag "#b#_detractor"
    goal #b#_review_#k#_recovered
  } else {
    tag "#b#_detractor"
  }
}
"##,
    // enter when a negative score threshold
    r##"
/// Catch #b# customers whose product health drops.
journey #b#_churn_risk_#k# {
  enter when #b#_health <= -#t2# and profile.lifecycle == customer
  reenter after 60d
  exit on #b#.subscription.renewed

  notify success "#b#_churn_risk" with { health: #b#_health, mrr: profile.mrr ?? 0.0 }
  send email "#b#_check_in" with { name: profile.first_name ?? "there" }
  wait 7d
  if #b#_health > -#t2# {
    goal #b#_churn_risk_#k#_saved
  } else {
    notify success "#b#_churn_risk_escalation" with { health: #b#_health }
    score #b#_health -= 5
  }
}
"##,
];
