//! The limit: `abandoned_cart` and `welcome` (examples/abandoned_cart.journey,
//! examples/welcome.journey) written by hand, with no interpretation at all, over a compact
//! layout: an upper bound for what the runtime could reach on these two journeys.
//!
//! What it models, per line: the floor's decoding (the same structs, strings borrowed from the
//! line), then
//!
//! - **contacts** numbered densely in order of first appearance, each one [`Row`] of 64 bytes
//!   (one cache line, no heap block of its own) holding everything both journeys read: the
//!   profile fields they use, `last(page.viewed).referrer`, `last(cart.updated)`, the counters
//!   `since enter`, each journey's step, phase and timer generation, `abandoned`'s value and
//!   cart id (up to 13 bytes inline; longer ids go to a side table). Strings (first name,
//!   referrer) are interned: a `u32` in the row, the text once in a table;
//! - **ids** stored once, length-prefixed in one arena, and found through one
//!   `hashbrown::HashTable` of 8-byte entries (number, place of the id in the arena) hashed with
//!   foldhash (randomly seeded, as the engine's index is): a known contact is found from the
//!   borrowed `&str` with no allocation, its id compared in the arena while its row loads;
//! - **timers** as 12-byte entries (contact, journey, generation, link) in a timing wheel of
//!   one-second slots reaching six days ahead, with a bitmap of the slots that hold any: setting
//!   a timer is a push onto its slot's list, firing finds the next due second 64 slots a step
//!   and takes its timers in the order they were set; a timer made stale by a later step stays
//!   in its slot and is dropped when it comes due (its generation no longer matches);
//! - **both journeys**: entry conditions, `reenter after 1d` and `reenter never`, goals, exits,
//!   waits, `wait for … within` and its else branch, the `if`s, consent (a send without it is
//!   `suppressed`) and quiet hours (21:00–08:00 local, a send due then goes out at 08:00);
//! - **actions** rendered as JSON lines straight into one reused buffer (escaped; handed to
//!   nothing every 64 KiB).
//!
//! What it leaves out, and so what the engine pays for that it does not: the other six journeys,
//! scores, segments and the other history aggregates of `examples/`; caps (frequency limits);
//! every profile field the two journeys do not read; time zones with daylight saving time (it
//! uses the generator's zones at fixed standard offsets); type checks and rejects (a line that
//! does not decode is skipped); traces. Interning suits this stream's few distinct names and
//! referrers and would grow without bound on arbitrary ones; the `since enter` counters saturate
//! at 65,535 and timer generations wrap at 65,536 (a stale timer would have to outlive that many
//! restarts of its own journey); times are 32-bit seconds since 2020; ids are at most 64 KiB.

#[path = "limit/actions.rs"]
mod actions;
#[path = "limit/row.rs"]
mod row;
#[path = "limit/time.rs"]
mod time;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::compact::{Entry, Interner, Out, Wheel};
use super::floor::{Message, Properties, Str, Traits};
use super::input::Lines;

use row::{
    cart_id_of, Contacts, Row, CART_INLINE, CART_LONG, CONSENT_EMAIL, CONSENT_SMS, PHONE,
    WELCOME_ENTERED,
};
use time::{offset_of, parse_instant};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const WELCOME: u8 = 0;
const CART: u8 = 1;
const JOURNEYS: [&str; 2] = ["welcome", "abandoned_cart"];

/// The origin of 32-bit times: 2020-01-01T00:00:00Z.
const EPOCH: i64 = 1_577_836_800;
/// A 32-bit time that is not set.
const NEVER: u32 = u32::MAX;
/// The properties of a line that has none.
static NO_PROPERTIES: Properties<'static> = Properties {
    campaign: None,
    url: None,
    path: None,
    referrer: None,
    form: None,
    company_size: None,
    cart: None,
    value: None,
    items: None,
    order: None,
    coupon: None,
    plan: None,
    previous_plan: None,
    webinar: None,
    title: None,
    starts_at: None,
    join_url: None,
    minutes: None,
};

/// The steps of `welcome`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum W {
    Welcome1,
    Wait2d,
    IfNoOpen,
    Nudge,
    AwaitClick,
    Engaged,
    Tips,
    WaitAgain2d,
    Offer,
    Done,
}

/// The steps of `abandoned_cart`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum A {
    Wait1h,
    Reminder,
    AwaitClick,
    Wait1d,
    LastChance,
    Done,
}

/// Where a journey's current step is.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// To be run now.
    Ready,
    /// In a `wait`, until its timer.
    Sleeping,
    /// In a `wait for`, until the event or its timer.
    Awaiting,
    /// A send parked by quiet hours, until 08:00 local.
    Quiet,
}

struct Limit {
    contacts: Contacts,
    names: Interner,
    referrers: Interner,
    /// Cart ids longer than [`CART_INLINE`], by contact.
    long_carts: HashMap<u32, Box<str>>,
    timers: Wheel,
    /// The timers of the second being fired.
    firing: Vec<Entry>,
    out: Out,
    actions: [u64; 2],
    timers_fired: u64,
}

/// The result of a run.
pub(super) struct Run {
    pub(super) time: Duration,
    pub(super) lines: u64,
    pub(super) actions: [u64; 2],
    pub(super) timers_fired: u64,
    pub(super) timers_pending: usize,
    pub(super) bytes: u64,
    pub(super) contacts: usize,
    /// Bytes of the contacts' rows, ids and index.
    pub(super) state_bytes: usize,
    /// Bytes of the timing wheel (slots, bitmap and entries).
    pub(super) timer_bytes: usize,
}

pub(super) fn run(path: &Path) -> Run {
    let started = Instant::now();
    let mut limit = Limit {
        contacts: Contacts::new(),
        names: Interner::new(),
        referrers: Interner::new(),
        long_carts: HashMap::new(),
        timers: Wheel::new(),
        firing: Vec::new(),
        out: Out::new(),
        actions: [0; 2],
        timers_fired: 0,
    };
    let mut lines = Lines::open(path);
    let mut clock = i64::MIN;
    while let Some((_, line)) = lines.next_line() {
        let Ok(message) = serde_json::from_slice::<Message<'_>>(line) else {
            continue;
        };
        let Some(at) = parse_instant(message.timestamp.as_str().as_bytes()) else {
            continue;
        };
        let now = at.max(clock);
        clock = now;
        limit.fire_due(now);
        limit.handle(&message, now);
    }
    limit.fire_due(clock);
    limit.out.flush();
    Run {
        time: started.elapsed(),
        lines: lines.count(),
        actions: limit.actions,
        timers_fired: limit.timers_fired,
        timers_pending: limit.timers.pending,
        bytes: limit.out.bytes,
        contacts: limit.contacts.rows.len(),
        state_bytes: limit.contacts.bytes(),
        timer_bytes: limit.timers.bytes(),
    }
}

impl Limit {
    fn row(&mut self, c: u32) -> &mut Row {
        &mut self.contacts.rows[c as usize]
    }

    fn handle(&mut self, message: &Message<'_>, now: i64) {
        let Some(id) = message.user_id.as_ref().or(message.anonymous_id.as_ref()) else {
            return;
        };
        let c = self.contacts.number(id.as_str());
        let props = message.properties.as_ref().unwrap_or(&NO_PROPERTIES);
        match message.kind.as_str() {
            "identify" => {
                if let Some(traits) = &message.traits {
                    self.identify(c, traits);
                }
            }
            "page" => {
                let referrer = props
                    .referrer
                    .as_ref()
                    .map_or(0, |r| self.referrers.intern(r.as_str()));
                self.row(c).last_referrer = referrer;
            }
            "track" => match message.event.as_ref().map(Str::as_str) {
                Some("email.opened") => {
                    let row = self.row(c);
                    row.opened = row.opened.saturating_add(1);
                }
                Some("email.clicked") => self.clicked(c, props, now),
                Some("form.submitted")
                    if props.form.as_ref().map(Str::as_str) == Some("newsletter") =>
                {
                    self.enter_welcome(c, now);
                }
                Some("cart.updated") => self.cart_updated(c, props, now),
                Some("order.completed") => self.ordered(c, props, now),
                _ => {}
            },
            _ => {}
        }
    }

    fn identify(&mut self, c: u32, traits: &Traits<'_>) {
        let name = traits
            .first_name
            .as_ref()
            .map(|name| self.names.intern(name.as_str()));
        let row = self.row(c);
        if let Some(name) = name {
            row.first_name = name;
        }
        if let Some(consent) = traits.consent_email {
            row.set(CONSENT_EMAIL, consent);
        }
        if let Some(consent) = traits.consent_sms {
            row.set(CONSENT_SMS, consent);
        }
        if traits.phone.is_some() {
            row.set(PHONE, true);
        }
        if let Some(zone) = &traits.timezone {
            row.offset = (offset_of(zone.as_str()) / 900) as i8;
        }
    }

    fn clicked(&mut self, c: u32, props: &Properties<'_>, now: i64) {
        let row = self.row(c);
        row.clicked = row.clicked.saturating_add(1);
        if row.welcome.is_some() && row.welcome_phase == Phase::Awaiting {
            self.bump(c, WELCOME);
            let row = self.row(c);
            row.welcome = Some(W::Engaged);
            row.welcome_phase = Phase::Ready;
            self.run_welcome(c, now);
        }
        let url = props.url.as_ref().map_or("", Str::as_str);
        let row = &self.contacts.rows[c as usize];
        if row.cart.is_some() && row.cart_phase == Phase::Awaiting && url.contains(self.cart_id(c))
        {
            self.bump(c, CART);
            let row = self.row(c);
            row.cart = Some(A::Wait1d);
            row.cart_phase = Phase::Ready;
            self.run_cart(c, now);
        }
    }

    fn cart_updated(&mut self, c: u32, props: &Properties<'_>, now: i64) {
        let items = props.items.unwrap_or(0);
        let value = props.value.unwrap_or(0.0);
        let row = self.row(c);
        row.last_items = items.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        row.last_value = value;
        // exit on cart.updated where items == 0
        if row.cart.is_some() && items == 0 {
            self.leave_cart(c);
            return;
        }
        // enter on cart.updated as abandoned where value >= 20.0 and items > 0; reenter after 1d
        if row.cart.is_some() || value < 20.0 || items <= 0 {
            return;
        }
        if row.cart_entered != NEVER && now - (EPOCH + i64::from(row.cart_entered)) < DAY {
            return;
        }
        row.cart_entered = (now - EPOCH).clamp(0, i64::from(NEVER - 1)) as u32;
        row.cart = Some(A::Wait1h);
        row.cart_phase = Phase::Ready;
        row.cart_value = value;
        self.set_cart_id(c, props.cart.as_ref().map_or("", Str::as_str));
        self.bump(c, CART);
        self.run_cart(c, now);
    }

    fn ordered(&mut self, c: u32, props: &Properties<'_>, now: i64) {
        // goal recovered on order.completed where cart == abandoned.cart
        if self.contacts.rows[c as usize].cart.is_some()
            && props.cart.as_ref().map(Str::as_str) == Some(self.cart_id(c))
        {
            self.goal(c, CART, now, "recovered");
            self.leave_cart(c);
        }
        // goal first_purchase on order.completed
        if self.contacts.rows[c as usize].welcome.is_some() {
            self.goal(c, WELCOME, now, "first_purchase");
            self.row(c).welcome = None;
            self.bump(c, WELCOME);
        }
    }

    fn enter_welcome(&mut self, c: u32, now: i64) {
        let row = self.row(c);
        // reenter never (the default)
        if row.has(WELCOME_ENTERED) {
            return;
        }
        row.set(WELCOME_ENTERED, true);
        row.opened = 0;
        row.clicked = 0;
        row.welcome = Some(W::Welcome1);
        row.welcome_phase = Phase::Ready;
        self.bump(c, WELCOME);
        self.run_welcome(c, now);
    }

    // ---- abandoned.cart ---------------------------------------------------------------------

    fn cart_id(&self, c: u32) -> &str {
        cart_id_of(&self.contacts.rows[c as usize], &self.long_carts, c)
    }

    fn set_cart_id(&mut self, c: u32, id: &str) {
        let row = &mut self.contacts.rows[c as usize];
        if row.cart_len == CART_LONG {
            self.long_carts.remove(&c);
        }
        if id.len() <= CART_INLINE {
            row.cart_id[..id.len()].copy_from_slice(id.as_bytes());
            row.cart_len = id.len() as u8;
        } else {
            row.cart_len = CART_LONG;
            self.long_carts.insert(c, Box::from(id));
        }
    }

    /// Leaves `abandoned_cart`: no step, no pending timer, no long cart id kept.
    fn leave_cart(&mut self, c: u32) {
        let row = self.row(c);
        row.cart = None;
        if row.cart_len == CART_LONG {
            row.cart_len = 0;
            self.long_carts.remove(&c);
        }
        self.bump(c, CART);
    }

    // ---- steps ------------------------------------------------------------------------------

    fn run_welcome(&mut self, c: u32, now: i64) {
        loop {
            let row = &self.contacts.rows[c as usize];
            let Some(step) = row.welcome else {
                return;
            };
            if row.welcome_phase != Phase::Ready {
                return;
            }
            let next = match step {
                W::Welcome1 | W::Nudge | W::Engaged | W::Tips | W::Offer => {
                    if self.quiet(c, WELCOME, now) {
                        return;
                    }
                    self.deliver_welcome(c, step, now);
                    next_welcome(step)
                }
                W::Wait2d | W::WaitAgain2d => {
                    self.sleep(c, WELCOME, now + 2 * DAY, Phase::Sleeping);
                    return;
                }
                W::IfNoOpen => {
                    if row.opened == 0 {
                        W::Nudge
                    } else {
                        W::AwaitClick
                    }
                }
                W::AwaitClick => {
                    self.sleep(c, WELCOME, now + 3 * DAY, Phase::Awaiting);
                    return;
                }
                W::Done => {
                    self.row(c).welcome = None;
                    self.bump(c, WELCOME);
                    return;
                }
            };
            let row = self.row(c);
            if row.welcome.is_some() {
                row.welcome = Some(next);
            }
        }
    }

    fn run_cart(&mut self, c: u32, now: i64) {
        loop {
            let row = &self.contacts.rows[c as usize];
            let Some(step) = row.cart else {
                return;
            };
            if row.cart_phase != Phase::Ready {
                return;
            }
            let next = match step {
                A::Wait1h => {
                    self.sleep(c, CART, now + HOUR, Phase::Sleeping);
                    return;
                }
                A::Reminder | A::LastChance => {
                    if self.quiet(c, CART, now) {
                        return;
                    }
                    self.deliver_cart(c, step, now);
                    if step == A::Reminder {
                        A::AwaitClick
                    } else {
                        A::Done
                    }
                }
                A::AwaitClick => {
                    self.sleep(c, CART, now + DAY, Phase::Awaiting);
                    return;
                }
                A::Wait1d => {
                    self.sleep(c, CART, now + DAY, Phase::Sleeping);
                    return;
                }
                A::Done => {
                    self.leave_cart(c);
                    return;
                }
            };
            let row = self.row(c);
            if row.cart.is_some() {
                row.cart = Some(next);
            }
        }
    }

    /// Parks the current send until 08:00 local when `now` is in quiet hours (21:00–08:00).
    fn quiet(&mut self, c: u32, journey: u8, now: i64) -> bool {
        let offset = i64::from(self.contacts.rows[c as usize].offset) * 900;
        let local = (now + offset).rem_euclid(DAY);
        let wait = if local < 8 * HOUR {
            8 * HOUR - local
        } else if local >= 21 * HOUR {
            DAY - local + 8 * HOUR
        } else {
            return false;
        };
        self.sleep(c, journey, now + wait, Phase::Quiet);
        true
    }

    fn sleep(&mut self, c: u32, journey: u8, due: i64, phase: Phase) {
        let row = self.row(c);
        if journey == WELCOME {
            if row.welcome.is_some() {
                row.welcome_phase = phase;
            }
        } else if row.cart.is_some() {
            row.cart_phase = phase;
        }
        let generation = self.bump(c, journey);
        self.timers.push(due, c, generation, journey);
    }

    /// Invalidates the journey's pending timer; returns the new generation.
    fn bump(&mut self, c: u32, journey: u8) -> u16 {
        let generation = &mut self.row(c).generation[usize::from(journey)];
        *generation = generation.wrapping_add(1);
        *generation
    }

    fn fire_due(&mut self, now: i64) {
        let mut firing = std::mem::take(&mut self.firing);
        while let Some(second) = self.timers.next_due(now) {
            self.timers.take(second, &mut firing);
            for entry in &firing {
                self.fire(entry.contact, entry.journey, entry.generation, second);
            }
        }
        self.firing = firing;
    }

    fn fire(&mut self, c: u32, journey: u8, generation: u16, due: i64) {
        if self.contacts.rows[c as usize].generation[usize::from(journey)] != generation {
            return;
        }
        self.timers_fired += 1;
        let row = self.row(c);
        if journey == WELCOME {
            let Some(step) = row.welcome else {
                return;
            };
            match row.welcome_phase {
                Phase::Sleeping | Phase::Awaiting => {
                    row.welcome = Some(match step {
                        W::AwaitClick => W::Tips,
                        step => next_welcome(step),
                    });
                    row.welcome_phase = Phase::Ready;
                }
                Phase::Quiet => {
                    row.welcome_phase = Phase::Ready;
                    self.deliver_welcome(c, step, due);
                    let row = self.row(c);
                    if row.welcome.is_some() {
                        row.welcome = Some(next_welcome(step));
                    }
                }
                Phase::Ready => {}
            }
            self.run_welcome(c, due);
        } else {
            let Some(step) = row.cart else {
                return;
            };
            match row.cart_phase {
                Phase::Sleeping => {
                    row.cart = Some(if step == A::Wait1h {
                        A::Reminder
                    } else {
                        A::LastChance
                    });
                    row.cart_phase = Phase::Ready;
                }
                Phase::Awaiting => {
                    row.cart = Some(A::LastChance);
                    row.cart_phase = Phase::Ready;
                }
                Phase::Quiet => {
                    row.cart_phase = Phase::Ready;
                    self.deliver_cart(c, step, due);
                    let row = self.row(c);
                    if row.cart.is_some() {
                        row.cart = Some(if step == A::Reminder {
                            A::AwaitClick
                        } else {
                            A::Done
                        });
                    }
                }
                Phase::Ready => {}
            }
            self.run_cart(c, due);
        }
    }
}

fn next_welcome(step: W) -> W {
    match step {
        W::Welcome1 => W::Wait2d,
        W::Wait2d => W::IfNoOpen,
        W::IfNoOpen | W::Nudge => W::AwaitClick,
        W::AwaitClick => W::Engaged,
        W::Engaged | W::Tips => W::WaitAgain2d,
        W::WaitAgain2d => W::Offer,
        W::Offer | W::Done => W::Done,
    }
}
