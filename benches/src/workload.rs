//! A deterministic generator of Segment-spec NDJSON for the program in `examples/`, for
//! benchmarking the runtime.
//!
//! The stream models a shop with a website, a newsletter, a webinar programme and a sales team:
//! [`Config::contacts`] contacts produce [`Config::events`] lines in time order over
//! [`Config::days`] days from 2026-01-05. The first time a contact shows up it is often through
//! an `identify` with a full profile (email, first name, time zone, consent flags, sometimes a
//! birthday, a plan, a company size, a phone number, a push token); later lines are drawn from a
//! fixed mix (see [`Kind`] and `WEIGHTS`): page views (a fifth of them on `/pricing`), email
//! opens and clicks, text-message clicks, forms (newsletter, demo request, meeting booking),
//! carts and orders that refer to them, webinar registrations, attendance and cancellations,
//! plan changes and partial `identify` updates. A third of the traffic comes from the most
//! active tenth of the contacts. Every property and trait has the type `examples/schema.journey`
//! declares, so no line is rejected.
//!
//! A fixed-seed xorshift generator drives every choice: the same [`Config`] always gives
//! byte-identical output.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::rng::Rng;

/// Size of the generated stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Number of distinct contacts.
    pub contacts: usize,
    /// Number of lines.
    pub events: usize,
    /// Days the stream spans (its first instant is 2026-01-05T00:00:00Z).
    pub days: u32,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            contacts: 1_000_000,
            events: 10_000_000,
            days: 90,
            seed: 0x006A_6F75_726E_6579,
        }
    }
}

impl Config {
    /// The default size, scaled by `JOURNEY_BENCH_EVENTS` and `JOURNEY_BENCH_CONTACTS` when they
    /// are set (a number, `_` separators allowed).
    pub fn from_env() -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(events) = env_count("JOURNEY_BENCH_EVENTS")? {
            config.events = events;
        }
        if let Some(contacts) = env_count("JOURNEY_BENCH_CONTACTS")? {
            config.contacts = contacts;
        }
        config.contacts = config.contacts.max(1);
        Ok(config)
    }
}

fn env_count(name: &str) -> Result<Option<usize>, String> {
    match std::env::var(name) {
        Ok(text) => text
            .replace('_', "")
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={text} is not a number")),
        Err(_) => Ok(None),
    }
}

/// What one generated line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `identify` with a full profile, the first line of a contact.
    IdentifyFull,
    /// `identify` changing one or two traits.
    IdentifyUpdate,
    /// `page` (the event `page.viewed`) on any path but pricing.
    Page,
    /// `page` on a `/pricing` path.
    PagePricing,
    /// `email.opened`.
    EmailOpened,
    /// `email.clicked`.
    EmailClicked,
    /// `sms.clicked`.
    SmsClicked,
    /// `form.submitted` with form `newsletter`.
    FormNewsletter,
    /// `form.submitted` with form `demo_request`.
    FormDemo,
    /// `form.submitted` with form `book_meeting`.
    FormMeeting,
    /// `form.submitted` with another form (contact, download).
    FormOther,
    /// `cart.updated`, including emptied carts.
    CartUpdated,
    /// `order.completed`.
    OrderCompleted,
    /// `subscription.changed`.
    SubscriptionChanged,
    /// `webinar.registered`.
    WebinarRegistered,
    /// `webinar.attended`.
    WebinarAttended,
    /// `webinar.cancelled`.
    WebinarCancelled,
}

impl Kind {
    /// Every kind, in the order of [`Mix::counts`].
    pub const ALL: [Kind; 17] = [
        Kind::IdentifyFull,
        Kind::IdentifyUpdate,
        Kind::Page,
        Kind::PagePricing,
        Kind::EmailOpened,
        Kind::EmailClicked,
        Kind::SmsClicked,
        Kind::FormNewsletter,
        Kind::FormDemo,
        Kind::FormMeeting,
        Kind::FormOther,
        Kind::CartUpdated,
        Kind::OrderCompleted,
        Kind::SubscriptionChanged,
        Kind::WebinarRegistered,
        Kind::WebinarAttended,
        Kind::WebinarCancelled,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::IdentifyFull => "identify (first, full profile)",
            Kind::IdentifyUpdate => "identify (update)",
            Kind::Page => "page.viewed",
            Kind::PagePricing => "page.viewed /pricing",
            Kind::EmailOpened => "email.opened",
            Kind::EmailClicked => "email.clicked",
            Kind::SmsClicked => "sms.clicked",
            Kind::FormNewsletter => "form.submitted newsletter",
            Kind::FormDemo => "form.submitted demo_request",
            Kind::FormMeeting => "form.submitted book_meeting",
            Kind::FormOther => "form.submitted other",
            Kind::CartUpdated => "cart.updated",
            Kind::OrderCompleted => "order.completed",
            Kind::SubscriptionChanged => "subscription.changed",
            Kind::WebinarRegistered => "webinar.registered",
            Kind::WebinarAttended => "webinar.attended",
            Kind::WebinarCancelled => "webinar.cancelled",
        }
    }

    fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Weights (per mille) of the kinds after a contact's first line.
const WEIGHTS: [(Kind, u32); 16] = [
    (Kind::IdentifyUpdate, 30),
    (Kind::Page, 330),
    (Kind::PagePricing, 80),
    (Kind::EmailOpened, 200),
    (Kind::EmailClicked, 80),
    (Kind::SmsClicked, 20),
    (Kind::FormNewsletter, 25),
    (Kind::FormDemo, 8),
    (Kind::FormMeeting, 5),
    (Kind::FormOther, 12),
    (Kind::CartUpdated, 100),
    (Kind::OrderCompleted, 50),
    (Kind::SubscriptionChanged, 15),
    (Kind::WebinarRegistered, 25),
    (Kind::WebinarAttended, 15),
    (Kind::WebinarCancelled, 5),
];

/// Share of contacts whose first line is an `identify` with a full profile (per mille).
const FIRST_IDENTIFY: u64 = 500;

/// How many lines of each kind a stream has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mix {
    /// Lines per kind, in the order of [`Kind::ALL`].
    pub counts: [u64; 17],
    /// Lines in all.
    pub lines: u64,
    /// Bytes in all, newlines included.
    pub bytes: u64,
    /// Contacts that appear at least once.
    pub contacts_seen: u64,
}

impl Mix {
    /// Lines of one kind.
    pub fn count(&self, kind: Kind) -> u64 {
        self.counts[kind.index()]
    }
}

/// The first instant of every stream: 2026-01-05T00:00:00Z, a Monday.
pub const START: i64 = 1_767_571_200;

const FIRST_NAMES: [&str; 16] = [
    "Ada", "Ben", "Chris", "Dana", "Eve", "Femi", "Grace", "Haruto", "Ines", "Jo", "Kim", "Lupe",
    "Maya", "Noor", "Priya", "Ravi",
];
const ZONES: [&str; 8] = [
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
];
const PLANS: [&str; 3] = ["basic", "team", "enterprise"];
const COMPANIES: [&str; 8] = [
    "Acme",
    "Globex",
    "Initech",
    "Hooli",
    "Northwind",
    "Umbrella",
    "Stark",
    "Wonka",
];
const PAGES: [&str; 12] = [
    "/",
    "/product",
    "/product/integrations",
    "/blog/lifecycle-101",
    "/blog/segmentation",
    "/docs/getting-started",
    "/customers",
    "/account",
    "/webinars",
    "/cart",
    "/shop/summer",
    "/about",
];
const PRICING: [&str; 4] = [
    "/pricing",
    "/pricing",
    "/pricing/teams",
    "/pricing/enterprise",
];
const REFERRERS: [&str; 4] = [
    "https://www.google.com/",
    "https://news.example/launch",
    "https://www.linkedin.com/",
    "https://t.co/x1",
];
const CAMPAIGNS: [&str; 10] = [
    "welcome_1",
    "welcome_1_nudge",
    "welcome_2_tips",
    "cart_reminder",
    "cart_last_chance",
    "newsletter_2026_01",
    "newsletter_2026_02",
    "newsletter_2026_03",
    "product_update",
    "webinar_confirmation",
];
const SMS_CAMPAIGNS: [&str; 3] = ["cart_last_chance", "webinar_starting_soon", "birthday_vip"];
const OTHER_FORMS: [&str; 3] = ["contact", "ebook_download", "newsletter_preferences"];
const COUPONS: [&str; 4] = ["CART5", "WELCOME10", "BDAY15", "COMEBACK20"];
const WEBINAR_TITLES: [&str; 4] = [
    "Lifecycle marketing 101",
    "Segmentation deep dive",
    "Scoring leads that sales will call",
    "Black Friday playbook",
];
/// A webinar starts every `WEBINAR_EVERY` seconds (3.5 days), at 16:00 UTC or 04:00 UTC.
const WEBINAR_EVERY: i64 = 302_400;
const WEBINAR_FIRST: i64 = START + 16 * 3600;

/// Writes the stream `config` describes to `out`, one line per event, and returns its mix.
pub fn generate(config: &Config, out: &mut dyn Write) -> io::Result<Mix> {
    let mut generator = Generator::new(config);
    let mut line = String::with_capacity(512);
    for i in 0..config.events {
        line.clear();
        generator.line(i, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
        generator.mix.bytes += line.len() as u64;
    }
    generator.mix.lines = config.events as u64;
    Ok(generator.mix)
}

/// The stream `config` describes, in memory, and its mix.
pub fn generate_vec(config: &Config) -> (Vec<u8>, Mix) {
    // About 190 bytes a line.
    let mut out = Vec::with_capacity(config.events.saturating_mul(200));
    // Writing to a `Vec` cannot fail.
    let mix = generate(config, &mut out).unwrap_or_default();
    (out, mix)
}

struct Generator {
    rng: Rng,
    contacts: u64,
    active: u64,
    span: i64,
    events: u64,
    /// One bit per contact: seen before.
    seen: Vec<u64>,
    mix: Mix,
}

impl Generator {
    fn new(config: &Config) -> Generator {
        let contacts = config.contacts.max(1) as u64;
        Generator {
            rng: Rng::new(config.seed),
            contacts,
            active: (contacts / 10).max(1),
            span: i64::from(config.days.max(1)) * 86_400,
            events: config.events.max(1) as u64,
            seen: vec![0; (contacts as usize).div_ceil(64)],
            mix: Mix::default(),
        }
    }

    /// Line `i` (from 0), without its newline.
    fn line(&mut self, i: usize, out: &mut String) {
        // Spread evenly over the span, so that time never goes back.
        let at = START + ((i as u128 * self.span as u128) / self.events as u128) as i64;
        let contact = if self.rng.below(1000) < 333 {
            self.rng.below(self.active)
        } else {
            self.rng.below(self.contacts)
        };
        let (word, bit) = ((contact / 64) as usize, contact % 64);
        let first = self.seen[word] & (1 << bit) == 0;
        self.seen[word] |= 1 << bit;
        if first {
            self.mix.contacts_seen += 1;
        }
        let kind = if first && self.rng.below(1000) < FIRST_IDENTIFY {
            Kind::IdentifyFull
        } else {
            self.pick_kind()
        };
        self.mix.counts[kind.index()] += 1;
        self.write(kind, i, contact, at, out);
    }

    fn pick_kind(&mut self) -> Kind {
        let mut roll = self.rng.below(1000) as u32;
        for (kind, weight) in WEIGHTS {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        Kind::Page
    }

    fn write(&mut self, kind: Kind, i: usize, contact: u64, at: i64, out: &mut String) {
        let rng = &mut self.rng;
        let kind_word = match kind {
            Kind::IdentifyFull | Kind::IdentifyUpdate => "identify",
            Kind::Page | Kind::PagePricing => "page",
            _ => "track",
        };
        let _ = write!(out, "{{\"type\":\"{kind_word}\"");
        let event = match kind {
            Kind::EmailOpened => Some("email.opened"),
            Kind::EmailClicked => Some("email.clicked"),
            Kind::SmsClicked => Some("sms.clicked"),
            Kind::FormNewsletter | Kind::FormDemo | Kind::FormMeeting | Kind::FormOther => {
                Some("form.submitted")
            }
            Kind::CartUpdated => Some("cart.updated"),
            Kind::OrderCompleted => Some("order.completed"),
            Kind::SubscriptionChanged => Some("subscription.changed"),
            Kind::WebinarRegistered => Some("webinar.registered"),
            Kind::WebinarAttended => Some("webinar.attended"),
            Kind::WebinarCancelled => Some("webinar.cancelled"),
            _ => None,
        };
        if let Some(event) = event {
            let _ = write!(out, ",\"event\":\"{event}\"");
        }
        let _ = write!(
            out,
            ",\"userId\":\"u{contact}\",\"messageId\":\"m-{i:x}\",\"timestamp\":\""
        );
        push_instant(out, at);
        out.push('"');
        match kind {
            Kind::IdentifyFull => {
                out.push_str(",\"traits\":{");
                let name = rng.pick(&FIRST_NAMES);
                let _ = write!(
                    out,
                    "\"email\":\"{}{contact}@example.com\",\"first_name\":\"{name}\"",
                    name.to_lowercase()
                );
                // Most contacts keep the default zone; the rest spread over a few.
                let zone = if rng.below(100) < 40 {
                    "UTC"
                } else {
                    rng.pick(&ZONES)
                };
                let _ = write!(out, ",\"timezone\":\"{zone}\"");
                let consent_email = rng.below(100) < 80;
                let _ = write!(out, ",\"consent_email\":{consent_email}");
                if rng.below(100) < 30 {
                    let _ = write!(
                        out,
                        ",\"phone\":\"+1555{:07}\",\"consent_sms\":true",
                        contact % 10_000_000
                    );
                }
                if rng.below(100) < 15 {
                    let _ = write!(out, ",\"push_token\":\"tok-{contact:x}\"");
                }
                if rng.below(100) < 40 {
                    let _ = write!(
                        out,
                        ",\"birthday\":\"{}-{:02}-{:02}\"",
                        1960 + rng.below(45),
                        1 + rng.below(12),
                        1 + rng.below(28)
                    );
                }
                if rng.below(100) < 30 {
                    let _ = write!(out, ",\"plan\":\"{}\"", rng.pick(&PLANS));
                }
                if rng.below(100) < 50 {
                    let _ = write!(
                        out,
                        ",\"company\":\"{}\",\"company_size\":{}",
                        rng.pick(&COMPANIES),
                        company_size(rng)
                    );
                }
                out.push('}');
            }
            Kind::IdentifyUpdate => {
                out.push_str(",\"traits\":{");
                match rng.below(6) {
                    0 => {
                        let _ = write!(out, "\"consent_email\":{}", rng.below(100) < 85);
                    }
                    1 => {
                        let _ = write!(out, "\"plan\":\"{}\"", rng.pick(&PLANS));
                    }
                    2 => {
                        let _ = write!(out, "\"company_size\":{}", company_size(rng));
                    }
                    3 => {
                        let _ = write!(out, "\"timezone\":\"{}\"", rng.pick(&ZONES));
                    }
                    4 => {
                        let _ = write!(
                            out,
                            "\"phone\":\"+1555{:07}\",\"consent_sms\":{}",
                            contact % 10_000_000,
                            rng.below(100) < 70
                        );
                    }
                    _ => {
                        let _ = write!(
                            out,
                            "\"first_name\":\"{}\",\"email\":\"c{contact}@example.org\"",
                            rng.pick(&FIRST_NAMES)
                        );
                    }
                }
                out.push('}');
            }
            Kind::Page | Kind::PagePricing => {
                let path = if kind == Kind::PagePricing {
                    rng.pick(&PRICING)
                } else {
                    rng.pick(&PAGES)
                };
                let _ = write!(
                    out,
                    ",\"properties\":{{\"path\":\"{path}\",\"url\":\"https://shop.example{path}\""
                );
                if rng.below(100) < 35 {
                    let _ = write!(out, ",\"referrer\":\"{}\"", rng.pick(&REFERRERS));
                }
                out.push('}');
            }
            Kind::EmailOpened => {
                let _ = write!(
                    out,
                    ",\"properties\":{{\"campaign\":\"{}\"}}",
                    rng.pick(&CAMPAIGNS)
                );
            }
            Kind::EmailClicked | Kind::SmsClicked => {
                let campaign = if kind == Kind::SmsClicked {
                    rng.pick(&SMS_CAMPAIGNS)
                } else {
                    rng.pick(&CAMPAIGNS)
                };
                let _ = write!(
                    out,
                    ",\"properties\":{{\"campaign\":\"{campaign}\",\"url\":\""
                );
                if campaign.starts_with("cart") || rng.below(100) < 20 {
                    let _ = write!(out, "https://shop.example/cart/{}", cart_id(contact, at));
                } else {
                    let _ = write!(out, "https://shop.example{}", rng.pick(&PAGES));
                }
                out.push_str("\"}");
            }
            Kind::FormNewsletter | Kind::FormDemo | Kind::FormMeeting | Kind::FormOther => {
                let form = match kind {
                    Kind::FormNewsletter => "newsletter",
                    Kind::FormDemo => "demo_request",
                    Kind::FormMeeting => "book_meeting",
                    _ => rng.pick(&OTHER_FORMS),
                };
                let _ = write!(out, ",\"properties\":{{\"form\":\"{form}\"");
                if kind == Kind::FormDemo || rng.below(100) < 10 {
                    let _ = write!(out, ",\"company_size\":{}", company_size(rng));
                }
                out.push('}');
            }
            Kind::CartUpdated => {
                let items = if rng.below(100) < 12 {
                    0
                } else {
                    1 + rng.below(6)
                };
                let value = if items == 0 { 0.0 } else { money(rng, items) };
                let _ = write!(
                    out,
                    ",\"properties\":{{\"cart\":\"{}\",\"value\":{value:.2},\"items\":{items}}}",
                    cart_id(contact, at)
                );
            }
            Kind::OrderCompleted => {
                let items = 1 + rng.below(4);
                let value = if rng.below(100) < 8 {
                    500.0 + money(rng, items)
                } else {
                    money(rng, items)
                };
                let _ = write!(
                    out,
                    ",\"properties\":{{\"order\":\"o-{i:x}\",\"value\":{value:.2}"
                );
                if rng.below(100) < 60 {
                    let _ = write!(out, ",\"cart\":\"{}\"", cart_id(contact, at));
                }
                if rng.below(100) < 15 {
                    let _ = write!(out, ",\"coupon\":\"{}\"", rng.pick(&COUPONS));
                }
                out.push('}');
            }
            Kind::SubscriptionChanged => {
                let plan = rng.pick(&PLANS);
                let _ = write!(out, ",\"properties\":{{\"plan\":\"{plan}\"");
                if rng.below(100) < 70 {
                    let _ = write!(out, ",\"previous_plan\":\"{}\"", rng.pick(&PLANS));
                }
                out.push('}');
            }
            Kind::WebinarRegistered => {
                // One of the next three webinars.
                let next = next_webinar(at) + rng.below(3) as i64;
                let starts = WEBINAR_FIRST + next * WEBINAR_EVERY;
                let _ = write!(
                    out,
                    ",\"properties\":{{\"webinar\":\"w-{next}\",\"title\":\"{}\",\"starts_at\":\"",
                    WEBINAR_TITLES[(next % 4) as usize]
                );
                push_instant(out, starts);
                let _ = write!(out, "\",\"join_url\":\"https://meet.example/w-{next}\"}}");
            }
            Kind::WebinarAttended => {
                let last = (next_webinar(at) - 1).max(0);
                let _ = write!(
                    out,
                    ",\"properties\":{{\"webinar\":\"w-{last}\",\"minutes\":{}}}",
                    5 + rng.below(86)
                );
            }
            Kind::WebinarCancelled => {
                let next = next_webinar(at) + rng.below(2) as i64;
                let _ = write!(out, ",\"properties\":{{\"webinar\":\"w-{next}\"}}");
            }
        }
        out.push('}');
    }
}

/// The number of the first webinar starting after `at`.
fn next_webinar(at: i64) -> i64 {
    if at < WEBINAR_FIRST {
        0
    } else {
        (at - WEBINAR_FIRST) / WEBINAR_EVERY + 1
    }
}

/// A contact's cart: a new one every four days, so that carts and orders refer to each other.
fn cart_id(contact: u64, at: i64) -> String {
    format!("k-{contact:x}-{}", (at - START) / (4 * 86_400))
}

fn company_size(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=4 => 1 + rng.below(50),
        5..=7 => 50 + rng.below(450),
        _ => 500 + rng.below(5_000),
    }
}

fn money(rng: &mut Rng, items: u64) -> f64 {
    let cents = items * (500 + rng.below(9_500));
    cents as f64 / 100.0
}

/// Writes `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn push_instant(out: &mut String, seconds: i64) {
    let days = seconds.div_euclid(86_400);
    let time = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time / 60 % 60,
        time % 60
    );
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian date.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn small() -> Config {
        Config {
            contacts: 500,
            events: 5_000,
            ..Config::default()
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate_vec(&small()), generate_vec(&small()));
    }

    #[test]
    fn instants_are_rfc3339() {
        let mut out = String::new();
        push_instant(&mut out, START);
        assert_eq!(out, "2026-01-05T00:00:00Z");
        out.clear();
        push_instant(&mut out, 951_782_400 + 86_399);
        assert_eq!(out, "2000-02-29T23:59:59Z");
    }

    #[test]
    fn the_mix_is_roughly_as_described() {
        let (bytes, mix) = generate_vec(&small());
        assert_eq!(mix.lines, 5_000);
        assert_eq!(mix.bytes, bytes.len() as u64);
        assert_eq!(mix.counts.iter().sum::<u64>(), 5_000);
        let share =
            |kinds: &[Kind]| kinds.iter().map(|k| mix.count(*k)).sum::<u64>() as f64 / 5_000.0;
        let pages = share(&[Kind::Page, Kind::PagePricing]);
        assert!((0.33..0.47).contains(&pages), "{pages}");
        let opens = share(&[Kind::EmailOpened]);
        assert!((0.14..0.24).contains(&opens), "{opens}");
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json::Value = serde_json::from_slice(line).unwrap();
            assert!(value["timestamp"].is_string());
        }
    }

    /// A sink that keeps the rejects' reasons.
    #[derive(Default)]
    struct Rejects(Vec<String>);

    impl journey_runtime::Sink for Rejects {
        fn action(&mut self, _: &journey_ir::Program, _: &journey_runtime::output::Action<'_>) {}

        fn reject(&mut self, reject: &journey_runtime::Reject) {
            self.0
                .push(format!("line {}: {}", reject.line, reject.reason));
        }
    }

    #[test]
    fn the_runtime_accepts_every_line() {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join("examples");
        let found = journey_cli::sources::find(&[examples]).unwrap();
        let sources = journey_cli::sources::load(&found).unwrap();
        let program = journey_ir::lower(&journey_check::check(&sources)).unwrap();
        let interpreter = journey_ir::eval::Interpreter::new(&program);
        let mut engine = journey_runtime::Engine::new(
            &program,
            &interpreter,
            journey_runtime::Options::default(),
        );
        let mut sink = Rejects::default();
        let (bytes, _) = generate_vec(&small());
        for (i, line) in bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            engine.handle_line(i as u64 + 1, line, &mut sink);
        }
        engine.finish(None, &mut sink);
        assert!(sink.0.is_empty(), "{}", sink.0.join("\n"));
        assert!(engine.stats().actions.iter().sum::<u64>() > 0);
    }
}
