//! The collect pass: gathers every global name and the types of event and profile fields into a
//! [`Program`], reporting duplicates and bad types.

use journey_syntax::ast::{DeclKind, Module, TypeExpr, TypeExprKind};
use journey_syntax::Span;

use crate::diagnostic::Diagnostic;
use crate::messages;
use crate::program::{global_name, DeclId, EventInfo, FieldInfo, Named, Program};
use crate::suggest::did_you_mean;
use crate::types::Type;

/// The names of the built-in types.
pub const TYPE_NAMES: [&str; 7] = ["bool", "int", "float", "string", "duration", "time", "date"];

/// Builds the program's global tables.
pub fn collect(modules: &[Module], diagnostics: &mut Vec<Diagnostic>) -> Program {
    let mut program = Program::default();
    for (module_index, module) in modules.iter().enumerate() {
        for (decl_index, decl) in module.decls.iter().enumerate() {
            let id = DeclId {
                module: u32::try_from(module_index).unwrap_or(u32::MAX),
                decl: u32::try_from(decl_index).unwrap_or(u32::MAX),
            };
            if let Some((name, span, _)) = global_name(decl) {
                if let Some((_, first)) = program.global(name) {
                    diagnostics.push(messages::duplicate_declaration(name, span, first));
                    continue;
                }
                let named = Named {
                    name: name.to_string(),
                    span,
                    decl: id,
                    doc: decl.doc.clone(),
                };
                match &decl.kind {
                    DeclKind::Event(event) => {
                        let fields = event_fields(&mut program, &event.fields, span, diagnostics);
                        program.events.insert(
                            name.to_string(),
                            EventInfo {
                                name: name.to_string(),
                                span,
                                decl: id,
                                fields,
                                doc: decl.doc.clone(),
                            },
                        );
                    }
                    DeclKind::Segment(_) => {
                        program.segments.insert(name.to_string(), named);
                    }
                    DeclKind::Score(_) => {
                        program.scores.insert(name.to_string(), named);
                    }
                    _ => {
                        program.journeys.insert(name.to_string(), named);
                    }
                }
                continue;
            }
            match &decl.kind {
                DeclKind::Profile(profile) => {
                    if let Some(first) = program.profile_decl.and_then(|d| program.decl(modules, d))
                    {
                        diagnostics.push(messages::duplicate_block(
                            "profile",
                            decl_keyword_span(decl.span, 7),
                            first.span,
                        ));
                        continue;
                    }
                    program.profile_decl = Some(id);
                    for field in &profile.fields {
                        if program.profile.iter().any(|f| f.name == field.name.name) {
                            diagnostics
                                .push(messages::duplicate_field(&field.name.name, field.name.span));
                            continue;
                        }
                        let ty = resolve_type(&mut program, &field.ty, diagnostics);
                        if field.default.is_none() && !ty.is_optional() && ty != Type::Error {
                            diagnostics.push(messages::profile_field_needs_default(
                                &field.name.name,
                                field.name.span,
                                &field.ty,
                            ));
                        }
                        program.profile.push(FieldInfo {
                            name: field.name.name.clone(),
                            ty,
                            span: field.name.span,
                            has_default: field.default.is_some(),
                            implicit: false,
                        });
                    }
                }
                DeclKind::Policy(_) => {
                    if let Some(first) = program.policy_decl.and_then(|d| program.decl(modules, d))
                    {
                        diagnostics.push(messages::duplicate_block(
                            "policy",
                            decl_keyword_span(decl.span, 6),
                            first.span,
                        ));
                        continue;
                    }
                    program.policy_decl = Some(id);
                }
                DeclKind::Broken(broken) => {
                    if let Some(name) = &broken.name {
                        program.broken_names.insert(name.name.clone());
                    }
                }
                _ => {}
            }
        }
    }
    program
}

fn decl_keyword_span(span: Span, len: u32) -> Span {
    Span {
        end: span.start + len,
        ..span
    }
}

fn event_fields(
    program: &mut Program,
    fields: &[journey_syntax::ast::FieldDecl],
    event_span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FieldInfo> {
    let mut out: Vec<FieldInfo> = Vec::new();
    for field in fields {
        if IMPLICIT_FIELDS
            .iter()
            .any(|(name, _)| *name == field.name.name)
        {
            diagnostics.push(messages::implicit_field_redeclared(
                &field.name.name,
                field.name.span,
            ));
            continue;
        }
        if out.iter().any(|f| f.name == field.name.name) {
            diagnostics.push(messages::duplicate_field(&field.name.name, field.name.span));
            continue;
        }
        let ty = resolve_type(program, &field.ty, diagnostics);
        out.push(FieldInfo {
            name: field.name.name.clone(),
            ty,
            span: field.name.span,
            has_default: false,
            implicit: false,
        });
    }
    for (name, ty) in IMPLICIT_FIELDS {
        out.push(FieldInfo {
            name: name.to_string(),
            ty: ty(),
            span: event_span,
            has_default: false,
            implicit: true,
        });
    }
    out
}

/// Makes the type of an implicit field.
pub type ImplicitType = fn() -> Type;

/// The fields every event has without declaring them.
pub const IMPLICIT_FIELDS: [(&str, ImplicitType); 3] = [
    ("at", || Type::Time),
    ("contact", || Type::String),
    ("account", || Type::Optional(Box::new(Type::String))),
];

/// Resolves a written type.
pub fn resolve_type(
    program: &mut Program,
    ty: &TypeExpr,
    diagnostics: &mut Vec<Diagnostic>,
) -> Type {
    let base = match &ty.kind {
        TypeExprKind::Named(name) => match name.name.as_str() {
            "bool" => Type::Bool,
            "int" => Type::Int,
            "float" => Type::Float,
            "string" => Type::String,
            "duration" => Type::Duration,
            "time" => Type::Time,
            "date" => Type::Date,
            other => {
                let suggestion =
                    did_you_mean(other, TYPE_NAMES.iter().copied().chain(["enum", "list"]));
                diagnostics.push(messages::unknown_type(other, name.span, suggestion));
                return Type::Error;
            }
        },
        TypeExprKind::Enum(variants) => {
            let mut names: Vec<String> = Vec::new();
            for variant in variants {
                if names.contains(&variant.name) {
                    diagnostics.push(messages::duplicate_field(&variant.name, variant.span));
                } else {
                    names.push(variant.name.clone());
                }
            }
            Type::Enum(program.add_enum(names))
        }
        TypeExprKind::List(element) => {
            let element_type = resolve_type(program, element, diagnostics);
            if element.optional {
                diagnostics.push(messages::optional_list_element(element.span));
            }
            Type::List(Box::new(element_type))
        }
    };
    if ty.optional {
        base.optional()
    } else {
        base
    }
}
