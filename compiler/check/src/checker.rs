//! The checking pass over declarations: profile defaults, segments, scores and the policy.
//! Journeys and tests have modules of their own; expressions are in `expr`.

use std::collections::HashMap;

use journey_syntax::ast::{BinaryOp, DeclKind, Module, PolicyRuleKind, ScoreRuleKind};
use journey_syntax::Span;

use crate::diagnostic::Diagnostic;
use crate::messages;
use crate::program::{Program, Reference, Symbol};
use crate::types::{Type, TypeDisplay};

/// An `as` binding in scope.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The bound name.
    pub name: String,
    /// The event it stands for.
    pub event: String,
    /// Where it was bound.
    pub span: Span,
}

/// What names an expression can see.
#[derive(Clone, Debug, Default)]
pub struct Scope<'s> {
    /// The event whose fields are in scope bare (inside `where`).
    pub event: Option<&'s str>,
    /// `as` bindings visible here, innermost last.
    pub bindings: Vec<Binding>,
    /// Inside a journey's steps or clauses, where `since enter` means something.
    pub in_journey: bool,
    /// Inside a `test` block.
    pub in_test: bool,
}

impl<'s> Scope<'s> {
    /// The binding with this name, innermost first.
    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.bindings.iter().rev().find(|b| b.name == name)
    }

    /// This scope with an event's fields in scope bare.
    pub fn with_event<'e>(&self, event: &'e str) -> Scope<'e>
    where
        's: 'e,
    {
        Scope {
            event: Some(event),
            bindings: self.bindings.clone(),
            in_journey: self.in_journey,
            in_test: self.in_test,
        }
    }
}

/// A node of the dependency graph between segments and scores' `while` rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepNode {
    /// A segment.
    Segment(String),
    /// A score.
    Score(String),
}

/// State of the checking passes.
pub struct Checker<'a> {
    /// The global tables.
    pub program: &'a mut Program,
    /// Diagnostics found so far.
    pub diagnostics: Vec<Diagnostic>,
    /// Where dependencies of the segment or score being checked are recorded.
    pub dependencies: Option<Vec<(DepNode, Span)>>,
    /// Every `score OP int` comparison, for the unreachable-threshold lint.
    pub score_comparisons: Vec<(String, BinaryOp, i64, Span)>,
}

impl<'a> Checker<'a> {
    /// A checker over collected tables.
    pub fn new(program: &'a mut Program) -> Self {
        Checker {
            program,
            diagnostics: Vec::new(),
            dependencies: None,
            score_comparisons: Vec::new(),
        }
    }

    /// Shows a type as the user writes it.
    pub fn show(&self, ty: &Type) -> String {
        TypeDisplay {
            ty,
            enums: &self.program.enums,
        }
        .to_string()
    }

    /// Records a use of a symbol.
    pub fn reference(&mut self, symbol: Symbol, span: Span, scope: &Scope) {
        self.program.references.push(Reference {
            symbol,
            span,
            in_test: scope.in_test,
        });
    }

    /// Records that the definition being checked depends on a segment or score.
    pub fn depend(&mut self, node: DepNode, span: Span) {
        if let Some(deps) = &mut self.dependencies {
            deps.push((node, span));
        }
    }

    /// Checks everything but journeys and tests; returns the dependency graph.
    pub fn declarations(&mut self, modules: &[Module]) -> HashMap<DepNode, Vec<(DepNode, Span)>> {
        let mut graph = HashMap::new();
        let global = Scope::default();
        let mut conversions = HashMap::new();
        for module in modules {
            for decl in &module.decls {
                match &decl.kind {
                    DeclKind::Conversion(conversion) => {
                        self.conversion(conversion, &mut conversions);
                    }
                    DeclKind::Profile(profile) => {
                        if self
                            .program
                            .profile_decl
                            .and_then(|d| self.program.decl(modules, d))
                            .map(|d| d.span.range())
                            != Some(decl.span.range())
                        {
                            continue;
                        }
                        for field in &profile.fields {
                            let Some(default) = &field.default else {
                                continue;
                            };
                            let Some(ty) = self
                                .program
                                .profile_field(&field.name.name)
                                .map(|f| f.ty.clone())
                            else {
                                continue;
                            };
                            self.expect_type(default, &global, &ty);
                            if field.name.name == "timezone" {
                                if let journey_syntax::ast::ExprKind::Literal(
                                    journey_syntax::ast::Literal::String(zone),
                                ) = &default.kind
                                {
                                    self.check_zone(zone, default.span);
                                }
                            }
                        }
                    }
                    DeclKind::Segment(segment) => {
                        self.dependencies = Some(Vec::new());
                        self.condition(&segment.condition, &global);
                        let deps = self.dependencies.take().unwrap_or_default();
                        // A duplicate is checked too, but only the first declaration defines
                        // the name.
                        if self.owns_name(&segment.name.name, segment.name.span) {
                            graph.insert(DepNode::Segment(segment.name.name.clone()), deps);
                        }
                    }
                    DeclKind::Score(score) => {
                        let mut deps = Vec::new();
                        for rule in &score.rules {
                            match &rule.kind {
                                ScoreRuleKind::On {
                                    event, filter, cap, ..
                                } => {
                                    let resolved = self.resolve_event(event, &global);
                                    if let (Some(event_name), Some(filter)) = (resolved, filter) {
                                        let scope = global.with_event(&event_name);
                                        self.condition(filter, &scope);
                                    }
                                    if let Some(cap) = cap {
                                        if cap.limit.value <= 0 {
                                            self.diagnostics.push(messages::non_positive(
                                                cap.limit.span,
                                                "a cap",
                                            ));
                                        }
                                        if cap.per.value.amount == 0 {
                                            self.diagnostics
                                                .push(messages::zero_window(cap.per.span));
                                        }
                                    }
                                }
                                ScoreRuleKind::While { condition, .. } => {
                                    self.dependencies = Some(Vec::new());
                                    self.condition(condition, &global);
                                    deps.extend(self.dependencies.take().unwrap_or_default());
                                }
                                ScoreRuleKind::Decay { percent, every } => {
                                    if percent.value <= 0.0 || percent.value > 100.0 {
                                        self.diagnostics.push(messages::percent_out_of_range(
                                            percent.span,
                                            &percent.text,
                                        ));
                                    }
                                    if every.value.amount == 0 {
                                        self.diagnostics.push(messages::zero_window(every.span));
                                    }
                                }
                            }
                        }
                        if self.owns_name(&score.name.name, score.name.span) {
                            graph.insert(DepNode::Score(score.name.name.clone()), deps);
                        }
                    }
                    DeclKind::Policy(policy) => {
                        if self
                            .program
                            .policy_decl
                            .and_then(|d| self.program.decl(modules, d))
                            .map(|d| d.span.range())
                            != Some(decl.span.range())
                        {
                            continue;
                        }
                        self.policy(&policy.rules, &global);
                    }
                    _ => {}
                }
            }
        }
        graph
    }

    /// Whether this declaration is the one that owns its name (not a reported duplicate).
    fn owns_name(&self, name: &str, span: Span) -> bool {
        self.program
            .global(name)
            .is_some_and(|(_, owner)| owner.range() == span.range())
    }

    fn policy(&mut self, rules: &[journey_syntax::ast::PolicyRule], scope: &Scope) {
        let mut quiet: Option<Span> = None;
        let mut caps: HashMap<String, Span> = HashMap::new();
        let mut consents: HashMap<String, Span> = HashMap::new();
        for rule in rules {
            match &rule.kind {
                PolicyRuleKind::QuietHours { from, to, .. } => {
                    if let Some(first) = quiet {
                        self.diagnostics.push(messages::duplicate_policy_rule(
                            rule.span,
                            first,
                            "quiet hours",
                        ));
                    }
                    quiet.get_or_insert(rule.span);
                    if from.hour == to.hour && from.minute == to.minute {
                        self.diagnostics
                            .push(messages::empty_quiet_hours(rule.span));
                    }
                }
                PolicyRuleKind::Cap {
                    channel,
                    limit,
                    per,
                } => {
                    self.channel(channel);
                    if let Some(first) = caps.get(&channel.name) {
                        self.diagnostics.push(messages::duplicate_policy_rule(
                            rule.span,
                            *first,
                            &format!("cap on `{}`", channel.name),
                        ));
                    } else {
                        caps.insert(channel.name.clone(), rule.span);
                    }
                    if limit.value <= 0 {
                        self.diagnostics
                            .push(messages::non_positive(limit.span, "a cap"));
                    }
                    if per.value.amount == 0 {
                        self.diagnostics.push(messages::zero_window(per.span));
                    }
                }
                PolicyRuleKind::Consent { channel, condition } => {
                    self.channel(channel);
                    if let Some(first) = consents.get(&channel.name) {
                        self.diagnostics.push(messages::duplicate_policy_rule(
                            rule.span,
                            *first,
                            &format!("consent rule for `{}`", channel.name),
                        ));
                    } else {
                        consents.insert(channel.name.clone(), rule.span);
                    }
                    self.condition(condition, scope);
                }
            }
        }
    }

    /// Checks a channel name.
    pub fn channel(&mut self, channel: &journey_syntax::ast::Ident) -> bool {
        if CHANNELS.contains(&channel.name.as_str()) {
            return true;
        }
        let suggestion = crate::suggest::did_you_mean(&channel.name, CHANNELS);
        self.diagnostics
            .push(messages::unknown_channel(channel, suggestion));
        false
    }
}

/// The delivery channels.
pub const CHANNELS: [&str; 6] = ["email", "sms", "push", "in_app", "webhook", "mail"];
