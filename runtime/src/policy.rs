//! The policy of sends: quiet hours, channel choice (`best_channel`), consent, frequency caps,
//! and the engagement counters behind `best_time` and `best_channel`.

use journey_ir::{Channel, EventId, JourneyId, Send, StepId};

use crate::clock;
use crate::engine::{Handler, Sink};
use crate::output::{ActionKind, ActionSource, SuppressReason};
use crate::store::contact::drop_expired;
use crate::store::{Engagement, Phase, Sent};

impl<'p> Handler<'_, 'p> {
    /// Delivers a send now, or parks it until quiet hours end; `true` when it was delivered.
    pub(crate) fn send_unless_quiet(
        &mut self,
        c: usize,
        j: JourneyId,
        step: StepId,
        send: &Send,
        now: i64,
        sink: &mut dyn Sink,
    ) -> bool {
        if let Some(quiet) = self.t.program.policy.quiet_hours {
            if let Some(end) = clock::quiet_until(now, quiet, &self.zone(c)) {
                self.sleep(c, j, end, Phase::SendQuiet, sink);
                return false;
            }
        }
        self.deliver(c, j, step, send, now, sink);
        self.advance(c, j, send.next);
        true
    }

    /// The send itself: channel, consent, caps, record.
    pub(crate) fn deliver(
        &mut self,
        c: usize,
        j: JourneyId,
        step: StepId,
        send: &Send,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let policy = &self.t.program.policy;
        let channel = if send.best_channel {
            self.best_channel(c, &send.channels, now)
        } else {
            send.channels.first().copied().unwrap_or(Channel::Email)
        };
        let data = self.payload(c, j, &send.payload, now);
        let reason = if !self.consents(c, channel, now) {
            if self.traced() {
                self.trace_no_consent(c, j, step, channel, now, sink);
            }
            Some(SuppressReason::Consent)
        } else {
            let has_cap = policy.caps.iter().any(|(capped, _, _)| *capped == channel);
            let capped = has_cap && {
                let sends = &mut self.state.contacts.side_mut(c).sends;
                policy
                    .caps
                    .iter()
                    .enumerate()
                    .filter(|(_, (capped, _, _))| *capped == channel)
                    .any(|(cap, (_, limit, window))| {
                        let cap = cap as u32;
                        drop_expired(sends, |s| s.cap == cap, |s| s.at <= now - window);
                        sends.iter().filter(|s| s.cap == cap).count() as i64 >= *limit
                    })
            };
            capped.then_some(SuppressReason::Cap)
        };
        let template = send.template.as_str();
        let kind = match reason {
            Some(reason) => ActionKind::Suppressed {
                channel,
                template,
                data,
                reason,
            },
            None => {
                if policy.caps.iter().any(|(capped, _, _)| *capped == channel) {
                    let sends = &mut self.state.contacts.side_mut(c).sends;
                    for (cap, (capped, _, _)) in policy.caps.iter().enumerate() {
                        if *capped == channel {
                            sends.push(Sent {
                                at: now,
                                cap: cap as u32,
                            });
                        }
                    }
                }
                if self.t.plan.uses_engagement {
                    let side = self.state.contacts.side_mut(c);
                    side.engagement.get_or_insert_with(Box::default).sent
                        [channel_index(channel)] += 1;
                }
                ActionKind::Send {
                    channel,
                    template,
                    data,
                }
            }
        };
        self.emit(c, j, ActionSource::Step(step.0), now, kind, sink);
    }

    /// Whether every consent rule of `channel` holds.
    pub(crate) fn consents(&self, c: usize, channel: Channel, now: i64) -> bool {
        self.t
            .program
            .policy
            .consent
            .iter()
            .filter(|(ch, _)| *ch == channel)
            .all(|(_, condition)| self.t.evaluator.eval_bool(*condition, &self.scope(c, now)))
    }

    /// `best_channel(...)`: the consented channel with the most engagement per send.
    pub(crate) fn best_channel(&self, c: usize, channels: &[Channel], now: i64) -> Channel {
        let first = channels.first().copied().unwrap_or(Channel::Email);
        let empty = Engagement::default();
        let engagement = self
            .state
            .contacts
            .side(c)
            .and_then(|side| side.engagement.as_deref())
            .unwrap_or(&empty);
        // Ratios compared as cross products: engaged_a / sent_a > engaged_b / sent_b.
        let ratio = |ch: Channel| {
            let i = channel_index(ch);
            (
                u64::from(engagement.engaged[i]),
                u64::from(engagement.sent[i].max(1)),
            )
        };
        let mut best: Option<(Channel, (u64, u64))> = None;
        for &channel in channels {
            if !self.consents(c, channel, now) {
                continue;
            }
            let (engaged, sent) = ratio(channel);
            match best {
                Some((_, (best_engaged, best_sent)))
                    if engaged * best_sent <= best_engaged * sent => {}
                _ => best = Some((channel, (engaged, sent))),
            }
        }
        best.map_or(first, |(channel, _)| channel)
    }

    /// Counts an open or click for `best_time` and `best_channel`.
    pub(crate) fn count_engagement(&mut self, c: usize, event: EventId, now: i64) {
        let plan = &self.t.plan;
        if let (Some(channel), true) =
            (plan.engagement_channel[event.index()], plan.uses_engagement)
        {
            let hour = clock::local_hour(now, &self.zone(c));
            let engagement = self
                .state
                .contacts
                .side_mut(c)
                .engagement
                .get_or_insert_with(Box::default);
            engagement.engaged[channel_index(channel)] += 1;
            engagement.hours[usize::from(hour) % 24] += 1;
        }
    }
}

/// The best hour without a clear favourite (reference §5).
pub(crate) const DEFAULT_BEST_HOUR: u8 = 10;

/// The single most frequent hour of opens and clicks, or the default on a tie or no history.
pub(crate) fn best_hour(engagement: &Engagement) -> u8 {
    let most = engagement.hours.iter().copied().max().unwrap_or(0);
    let mut at_most = engagement
        .hours
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == most);
    match (most, at_most.next(), at_most.next()) {
        (1.., Some((hour, _)), None) => hour as u8,
        _ => DEFAULT_BEST_HOUR,
    }
}

fn channel_index(channel: Channel) -> usize {
    match channel {
        Channel::Email => 0,
        Channel::Sms => 1,
        Channel::Push => 2,
        Channel::InApp => 3,
        Channel::Webhook => 4,
        Channel::Mail => 5,
    }
}
