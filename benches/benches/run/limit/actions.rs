//! The limit's actions: each send of the two journeys and their goals, written as JSON lines
//! into the output buffer and counted.

use std::io::Write as _;

use super::row::{cart_id_of, CONSENT_EMAIL, CONSENT_SMS, PHONE};
use super::{Limit, A, CART, DAY, JOURNEYS, W, WELCOME};

impl Limit {
    pub(super) fn deliver_welcome(&mut self, c: u32, step: W, now: i64) {
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

    pub(super) fn deliver_cart(&mut self, c: u32, step: A, now: i64) {
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

    pub(super) fn goal(&mut self, c: u32, journey: u8, now: i64, goal: &str) {
        let Limit { contacts, out, .. } = self;
        out.head(now, contacts.id(c), JOURNEYS[usize::from(journey)], "goal");
        out.buf.extend_from_slice(b",\"goal\":\"");
        out.buf.extend_from_slice(goal.as_bytes());
        out.buf.push(b'"');
        out.end();
        self.actions[usize::from(journey)] += 1;
    }
}
