//! The explanation for a support agent: plain sentences, one decision a line, grouped under the
//! input (or the timer) that caused them, times in RFC 3339.

use std::fmt::Write as _;

use super::model::{Decision, Explanation, Read, Waiting, What};

/// The whole explanation as text, ending with a newline.
pub fn render(explanation: &Explanation) -> String {
    let mut out = String::new();
    let inputs = explanation
        .decisions
        .iter()
        .filter(|d| matches!(d.what, What::Input { .. }))
        .count();
    let actions = explanation
        .decisions
        .iter()
        .filter(|d| matches!(d.what, What::Action { .. }))
        .count();
    let _ = writeln!(
        out,
        "contact {}: {inputs} input{}, {actions} action{}",
        explanation.contact,
        plural(inputs),
        plural(actions)
    );
    for decision in &explanation.decisions {
        // Waits, branches, splits and exits say what they did on their own line.
        if let What::Step {
            step_kind: "wait" | "wait until" | "wait for" | "if" | "split" | "exit",
            ..
        } = decision.what
        {
            continue;
        }
        if let Some(heading) = heading(decision) {
            let _ = writeln!(out, "\n{heading}");
        } else {
            let _ = writeln!(out, "  {}", sentence(&decision.what));
        }
    }
    let end = explanation.end.as_deref().unwrap_or("the end");
    if explanation.pending.is_empty() {
        let _ = writeln!(out, "\nat {end}: nothing pending");
    } else {
        let _ = writeln!(out, "\nat {end}, still pending:");
        for waiting in &explanation.pending {
            let _ = writeln!(out, "  {}", pending(waiting));
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The line that opens a group: an input or a timer.
fn heading(decision: &Decision) -> Option<String> {
    let at = &decision.at;
    Some(match &decision.what {
        What::Input {
            line,
            input,
            event,
            sent_at,
        } => {
            let line = line.map_or(String::new(), |l| format!("line {l}, "));
            let what = match (input, event) {
                (_, Some(event)) => format!("event {event}"),
                _ => "identify".to_string(),
            };
            let late = if sent_at != at {
                format!(" (sent at {sent_at}, handled late at the run's clock)")
            } else {
                String::new()
            };
            format!("{line}{at}: {what}{late}")
        }
        What::Timer {
            journey,
            timer,
            step,
        } => {
            let step = step.map_or(String::new(), |s| format!(" at s{s}"));
            let what = match *timer {
                "wait" => format!("the wait{step} ended"),
                "deadline" => format!("the deadline of the `wait for`{step} passed"),
                "send_at" => format!("the time of the send{step} came"),
                "quiet_hours" => format!("quiet hours ended for the send{step}"),
                "schedule" => "the scheduled entry came".to_string(),
                "inactive" => "the inactivity deadline came".to_string(),
                "once" => "the `enter once` instant came".to_string(),
                other => format!("timer {other}{step}"),
            };
            format!("{at}: timer of {journey}: {what}")
        }
        _ => return None,
    })
}

fn reads(reads: &[Read]) -> String {
    let parts: Vec<String> = reads
        .iter()
        .map(|r| format!("{} = {}", r.expr, r.value))
        .collect();
    parts.join(", ")
}

fn cause(cause: &str, event: Option<&String>) -> String {
    match (cause, event) {
        ("on", Some(event)) => format!("enter on {event}"),
        ("when", _) => "enter when".to_string(),
        ("inactive", _) => "enter when inactive".to_string(),
        ("schedule", _) => "scheduled entry".to_string(),
        ("once", _) => "enter once".to_string(),
        (other, _) => other.to_string(),
    }
}

/// One decision inside a group.
fn sentence(what: &What) -> String {
    match what {
        What::Input { .. } | What::Timer { .. } => String::new(),
        What::History { history } => format!("added to history `{history}`"),
        What::Score {
            score,
            rule,
            event,
            points,
            awarded,
            capped,
            total,
        } => {
            let cap = if *capped {
                format!(" (capped: the rule gives {points:+})")
            } else {
                String::new()
            };
            format!(
                "score {score}: rule {rule} (on {event}) awarded {awarded:+}{cap}; event points now {total}"
            )
        }
        What::Decay {
            score,
            periods,
            before,
            after,
        } => format!(
            "score {score} decayed over {periods} period{}: {before} -> {after} event points",
            plural(*periods as usize)
        ),
        What::Profile {
            field,
            value,
            changed,
        } => {
            let unchanged = if *changed { "" } else { " (unchanged)" };
            format!("profile.{field} set to {value}{unchanged}")
        }
        What::Entered {
            journey,
            entry,
            cause: c,
            event,
        } => format!(
            "entered {journey} ({}), entry {entry}",
            cause(c, event.as_ref())
        ),
        What::NotEntered {
            journey,
            cause: c,
            event,
            reason,
            filter,
            reads: r,
            reenter,
            last_entry,
        } => {
            let why = match *reason {
                "filter" => format!(
                    "the filter `{}` was false, reading {}",
                    filter.as_deref().unwrap_or("?"),
                    reads(r)
                ),
                "reenter" => format!(
                    "`reenter {}` refused (last entry {})",
                    reenter.as_deref().unwrap_or("?"),
                    last_entry.as_deref().unwrap_or("?")
                ),
                _ => "already inside".to_string(),
            };
            format!(
                "did not enter {journey} ({}): {why}",
                cause(c, event.as_ref())
            )
        }
        What::Step {
            journey,
            step,
            step_kind,
        } => format!("{journey} s{step}: {step_kind}"),
        What::Wait {
            journey,
            step,
            waits_for,
            event,
            until,
        } => match *waits_for {
            "event" => format!(
                "{journey} s{step}: waits for {} until {until}",
                event.as_deref().unwrap_or("?")
            ),
            "send_at" => format!("{journey} s{step}: the send waits for its time, {until}"),
            "quiet_hours" => {
                format!("{journey} s{step}: quiet hours, the send is deferred to {until}")
            }
            _ => format!("{journey} s{step}: waits until {until}"),
        },
        What::Matched {
            journey,
            step,
            event,
        } => format!("{journey} s{step}: {event} came, the wait is over"),
        What::Branch {
            journey,
            step,
            held,
            condition,
            reads: r,
        } => {
            let branch = if *held { "true" } else { "false" };
            let read = if r.is_empty() {
                String::new()
            } else {
                format!(", reading {}", reads(r))
            };
            format!("{journey} s{step}: `{condition}` is {branch}{read}")
        }
        What::Split {
            journey,
            step,
            arm,
            arm_name,
            percent,
        } => format!("{journey} s{step}: split arm {arm} `{arm_name}` ({percent}%)"),
        What::NoConsent {
            journey,
            step,
            channel,
            reads: r,
        } => format!(
            "{journey} s{step}: no consent for {channel}, reading {}",
            reads(r)
        ),
        What::Action {
            journey,
            action,
            id,
            record,
        } => {
            let field = |key: &str| record.get(key).and_then(|v| v.as_str()).unwrap_or("?");
            let what = match *action {
                "send" => format!("sent {} \"{}\"", field("channel"), field("template")),
                "suppressed" => format!(
                    "suppressed {} \"{}\" ({})",
                    field("channel"),
                    field("template"),
                    field("reason")
                ),
                "notify" => format!("notified {} \"{}\"", field("team"), field("template")),
                "goal" => format!("goal {} reached", field("goal")),
                "set" => format!(
                    "set profile.{} to {}",
                    field("field"),
                    record.get("value").map_or("null".into(), |v| v.to_string())
                ),
                "tag" => format!("tagged \"{}\"", field("tag")),
                _ => format!("untagged \"{}\"", field("tag")),
            };
            format!("{journey}: {what} [id {id}]")
        }
        What::Left {
            journey,
            reason,
            rule,
            step,
        } => {
            let why = match *reason {
                "goal" => format!("goal {} reached", rule.as_deref().unwrap_or("?")),
                "exit_rule" => format!("`{}` matched", rule.as_deref().unwrap_or("exit")),
                "no_arm" => format!("the split at s{} has no arm", step.unwrap_or(0)),
                _ => format!("exit at s{}", step.unwrap_or(0)),
            };
            format!("left {journey}: {why}")
        }
    }
}

fn pending(waiting: &Waiting) -> String {
    let Waiting {
        journey,
        due,
        waits_for,
        step,
        event,
    } = waiting;
    let step = step.map_or(String::new(), |s| format!(" s{s}"));
    match *waits_for {
        "event" => format!(
            "{journey}{step} waits for {} until {due}",
            event.as_deref().unwrap_or("?")
        ),
        "send_at" => format!("{journey}{step}: a send due at {due}"),
        "quiet_hours" => format!("{journey}{step}: a send deferred by quiet hours to {due}"),
        "schedule" => format!("{journey}: the next scheduled entry at {due}"),
        "inactive" => format!("{journey}: enters at {due} if no input comes before"),
        "once" => format!("{journey}: `enter once` at {due}"),
        _ => format!("{journey}{step} waits until {due}"),
    }
}
