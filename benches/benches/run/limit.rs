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

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::compact::{Entry, Interner, Out, Wheel};
use super::floor::{Message, Properties, Str, Traits};
use super::input::Lines;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const WELCOME: u8 = 0;
const CART: u8 = 1;
const JOURNEYS: [&str; 2] = ["welcome", "abandoned_cart"];

/// The origin of 32-bit times: 2020-01-01T00:00:00Z.
const EPOCH: i64 = 1_577_836_800;
/// A 32-bit time that is not set.
const NEVER: u32 = u32::MAX;

/// Bytes of a cart id held in the row.
const CART_INLINE: usize = 13;
/// `Row::cart_len` of a cart id held in `Limit::long_carts`.
const CART_LONG: u8 = u8::MAX;

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

/// `Row::flags`.
const CONSENT_EMAIL: u8 = 1;
const CONSENT_SMS: u8 = 2;
const PHONE: u8 = 4;
const WELCOME_ENTERED: u8 = 8;

/// A contact's whole state for the two journeys: one cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug)]
struct Row {
    /// Where the contact's id is in `Contacts::ids`.
    id_at: u32,
    /// `profile.first_name`, interned (0: none).
    first_name: u32,
    /// `last(page.viewed).referrer`, interned (0: none).
    last_referrer: u32,
    /// When `abandoned_cart` was last entered, in seconds since [`EPOCH`] ([`NEVER`]: never).
    cart_entered: u32,
    /// `last(cart.updated).items` (saturated to 32 bits). The journey reads `last(cart.updated)`
    /// only after entering on a `cart.updated`, so it is never absent when read.
    last_items: i32,
    /// Timer generation of each journey: a timer fires only if it is still the current one.
    generation: [u16; 2],
    /// `last(cart.updated).value`.
    last_value: f64,
    /// `abandoned.value`.
    cart_value: f64,
    /// `count(email.opened since enter)` and `count(email.clicked since enter)` of `welcome`.
    opened: u16,
    clicked: u16,
    /// [`CONSENT_EMAIL`], [`CONSENT_SMS`], [`PHONE`], [`WELCOME_ENTERED`].
    flags: u8,
    /// Offset of the contact's zone from UTC, in quarter hours.
    offset: i8,
    welcome: Option<W>,
    welcome_phase: Phase,
    cart: Option<A>,
    cart_phase: Phase,
    /// Length of `abandoned.cart` in `cart_id`, or [`CART_LONG`].
    cart_len: u8,
    cart_id: [u8; CART_INLINE],
}

const _: () = assert!(std::mem::size_of::<Row>() == 64);

impl Row {
    fn new(id_at: u32) -> Row {
        Row {
            id_at,
            first_name: 0,
            last_referrer: 0,
            cart_entered: NEVER,
            last_items: 0,
            generation: [0; 2],
            last_value: 0.0,
            cart_value: 0.0,
            opened: 0,
            clicked: 0,
            flags: 0,
            offset: 0,
            welcome: None,
            welcome_phase: Phase::Ready,
            cart: None,
            cart_phase: Phase::Ready,
            cart_len: 0,
            cart_id: [0; CART_INLINE],
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }
}

/// The contacts: rows, their ids in one arena, and the index id → number.
struct Contacts {
    rows: Vec<Row>,
    /// Every contact's id, back to back, each after its length (2 bytes).
    ids: Vec<u8>,
    /// `(number, where its id is in ids)`, hashed by the id: finding a contact reads its id
    /// straight from the arena, while its row is loaded at the same time.
    index: HashTable<(u32, u32)>,
    hasher: RandomState,
}

/// The id at `at` in the arena.
fn id_at(ids: &[u8], at: u32) -> &[u8] {
    let at = at as usize;
    let len = usize::from(u16::from_le_bytes([ids[at], ids[at + 1]]));
    &ids[at + 2..at + 2 + len]
}

/// `a == b`, for short ids, without a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut chunks = a.chunks_exact(8).zip(b.chunks_exact(8));
    if !chunks.all(|(x, y)| x == y) {
        return false;
    }
    let tail = a.len() / 8 * 8;
    a[tail..].iter().zip(&b[tail..]).all(|(x, y)| x == y)
}

impl Contacts {
    /// The number of the contact `id`, a new one if it is new.
    fn number(&mut self, id: &str) -> u32 {
        let id = id.as_bytes();
        let hash = self.hasher.hash_one(id);
        let Contacts {
            rows,
            ids,
            index,
            hasher,
        } = self;
        let entry = index.entry(
            hash,
            |&(_, at)| same(id_at(ids, at), id),
            |&(_, at)| hasher.hash_one(id_at(ids, at)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => found.get().0,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let c = u32::try_from(rows.len()).expect("fewer than 2^32 contacts");
                let at = u32::try_from(ids.len()).expect("under 4 GiB of ids");
                let len = u16::try_from(id.len()).expect("ids under 64 KiB");
                rows.push(Row::new(at));
                ids.extend_from_slice(&len.to_le_bytes());
                ids.extend_from_slice(id);
                vacant.insert((c, at));
                c
            }
        }
    }

    fn id(&self, c: u32) -> &[u8] {
        id_at(&self.ids, self.rows[c as usize].id_at)
    }

    /// Bytes held: rows, ids and index (its buckets and control bytes).
    fn bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.ids.capacity()
            + self.index.allocation_size()
    }
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
        contacts: Contacts {
            rows: Vec::new(),
            ids: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
        },
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

    fn deliver_welcome(&mut self, c: u32, step: W, now: i64) {
        let Limit {
            contacts,
            names,
            referrers,
            out,
            actions,
            ..
        } = self;
        let row = &contacts.rows[c as usize];
        let name = names.get(row.first_name).unwrap_or("there");
        let consent = row.has(CONSENT_EMAIL);
        let template = match step {
            W::Welcome1 => "welcome_1",
            W::Nudge => "welcome_1_nudge",
            W::Engaged => "welcome_2_engaged",
            W::Tips => "welcome_2_tips",
            _ => "welcome_3_offer",
        };
        out.send(now, contacts.id(c), JOURNEYS[0], consent, "email", template);
        match step {
            W::Welcome1 => {
                let from = referrers.get(row.last_referrer).unwrap_or("direct");
                out.buf.extend_from_slice(b"{\"name\":\"");
                out.escaped(name.as_bytes());
                out.buf
                    .extend_from_slice(b"\",\"form\":\"newsletter\",\"came_from\":\"");
                out.escaped(from.as_bytes());
                out.buf.extend_from_slice(b"\"}");
            }
            W::Nudge => {
                out.buf.extend_from_slice(b"{\"name\":\"");
                out.escaped(name.as_bytes());
                out.buf.extend_from_slice(b"\"}");
            }
            W::Engaged => {
                let _ = write!(out.buf, "{{\"clicked\":{}}}", row.clicked);
            }
            W::Tips => out.buf.extend_from_slice(b"{}"),
            _ => {
                out.buf
                    .extend_from_slice(b"{\"code\":\"WELCOME10\",\"expires\":\"");
                out.instant(now + 7 * DAY);
                out.buf.extend_from_slice(b"\"}");
            }
        }
        out.send_end(consent);
        actions[usize::from(WELCOME)] += 1;
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

    fn deliver_cart(&mut self, c: u32, step: A, now: i64) {
        let row = self.contacts.rows[c as usize];
        if row.cart.is_none() {
            return;
        }
        let Limit {
            contacts,
            names,
            long_carts,
            out,
            actions,
            ..
        } = self;
        let cart = cart_id_of(&row, long_carts, c);
        let id = contacts.id(c);
        if step == A::Reminder {
            let consent = row.has(CONSENT_EMAIL);
            out.send(now, id, JOURNEYS[1], consent, "email", "cart_reminder");
            out.buf.extend_from_slice(b"{\"cart\":\"");
            out.escaped(cart.as_bytes());
            let _ = write!(
                out.buf,
                "\",\"items\":{},\"value\":{:?}}}",
                row.last_items, row.last_value
            );
            out.send_end(consent);
        } else if row.cart_value >= 150.0 && row.has(CONSENT_SMS) {
            let consent = row.has(CONSENT_SMS) && row.has(PHONE);
            out.send(now, id, JOURNEYS[1], consent, "sms", "cart_last_chance");
            out.buf.extend_from_slice(b"{\"cart\":\"");
            out.escaped(cart.as_bytes());
            out.buf.extend_from_slice(b"\",\"name\":\"");
            out.escaped(names.get(row.first_name).unwrap_or("").as_bytes());
            out.buf.extend_from_slice(b"\"}");
            out.send_end(consent);
        } else {
            let consent = row.has(CONSENT_EMAIL);
            out.send(now, id, JOURNEYS[1], consent, "email", "cart_last_chance");
            out.buf.extend_from_slice(b"{\"cart\":\"");
            out.escaped(cart.as_bytes());
            out.buf.extend_from_slice(b"\",\"code\":\"CART5\"}");
            out.send_end(consent);
        }
        actions[usize::from(CART)] += 1;
    }

    fn goal(&mut self, c: u32, journey: u8, now: i64, goal: &str) {
        let Limit { contacts, out, .. } = self;
        out.head(now, contacts.id(c), JOURNEYS[usize::from(journey)], "goal");
        out.buf.extend_from_slice(b",\"goal\":\"");
        out.buf.extend_from_slice(goal.as_bytes());
        out.buf.push(b'"');
        out.end();
        self.actions[usize::from(journey)] += 1;
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

/// `abandoned.cart` of contact `c`, whose row is `row`.
fn cart_id_of<'a>(row: &'a Row, long_carts: &'a HashMap<u32, Box<str>>, c: u32) -> &'a str {
    if row.cart_len == CART_LONG {
        return long_carts.get(&c).map_or("", |id| id);
    }
    // Copied whole from a `&str`, so it is UTF-8.
    std::str::from_utf8(&row.cart_id[..usize::from(row.cart_len)]).unwrap_or("")
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

/// Standard-time offsets of the generator's zones (daylight saving time is ignored).
fn offset_of(zone: &str) -> i64 {
    match zone {
        "America/New_York" => -5 * HOUR,
        "America/Chicago" => -6 * HOUR,
        "America/Los_Angeles" => -8 * HOUR,
        "Europe/Berlin" => HOUR,
        "Asia/Tokyo" => 9 * HOUR,
        "Australia/Sydney" => 11 * HOUR,
        _ => 0,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch.
fn parse_instant(b: &[u8]) -> Option<i64> {
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY + hh * HOUR + mm * 60 + ss)
}
