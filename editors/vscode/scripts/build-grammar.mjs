// Generates syntaxes/journey.tmLanguage.json, the TextMate grammar of the journey language.
//
// The grammar is written here, in JavaScript, so that the regular expressions can share their
// pieces (identifiers, dotted event names, instants, channel names, ...) instead of repeating
// them in hand-escaped JSON. The generated file is committed; `test.sh` regenerates it and fails
// when the committed copy is stale.
//
//   node scripts/build-grammar.mjs           write the JSON file
//   node scripts/build-grammar.mjs --check   exit 1 when the JSON file is not up to date
//
// The language is defined by grammar/journey.pest and docs/reference.md at the repository root;
// the scope names are documented in README.md next to this package.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, "..", "syntaxes", "journey.tmLanguage.json");

// ---------------------------------------------------------------------------------------------
// Shared pieces of regular expressions (Oniguruma syntax, as vscode-textmate runs them)

const r = String.raw;
const ID = r`[A-Za-z_][A-Za-z0-9_]*`;
const EVENT = r`${ID}(?:\.${ID})*`;
const INSTANT = r`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})`;
const STRING = r`"(?:[^"\\]|\\.)*"`;
const CHANNELS = ["email", "sms", "push", "in_app", "webhook", "mail"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const PRIMITIVE_TYPES = ["bool", "int", "float", "string", "duration", "time", "date"];
const alt = (words) => words.join("|");
const word = (words) => r`\b(?:${alt(words)})\b`;

// A line that begins, in its first column, a declaration: where the parser resumes after a
// syntax error. Every region inside a declaration also ends there, so that an unclosed brace
// while typing never colours the rest of the file.
const DECL_START = r`^(?=(?:(?:event|profile|policy|segment|score|journey|conversion|test)\b|///))`;
const DECL_END = r`(?<=\})|${DECL_START}`;

// The reserved keywords of the language (docs/reference.md section 1), grouped by scope.
const DECLARATION_KEYWORDS = [
  "event", "profile", "policy", "segment", "score", "journey", "conversion",
];
const CONTROL_KEYWORDS = [
  "if", "else", "wait", "until", "for", "within", "split", "exit", "goal", "enter", "reenter",
];
const OTHER_KEYWORDS = [
  "on", "when", "where", "as", "since", "every", "daily", "weekly", "monthly", "yearly", "once",
  "at", "cap", "per", "decay", "while", "inactive",
];
const ACTION_KEYWORDS = ["send", "notify", "set", "tag", "untag"];
const HISTORY_FUNCTIONS = ["count", "sum", "min", "max", "avg", "last", "since"];

// ---------------------------------------------------------------------------------------------
// Small helpers

const inc = (name) => ({ include: `#${name}` });
const S = (scope) => `${scope}.journey`;

/** A capture that is a channel name: the six known channels get `support.constant.channel`. */
const channelCapture = { patterns: [inc("channel-name")] };
/** A capture that is a test contact: a bare name or a string. */
const contactCapture = { patterns: [inc("strings"), { match: ID, name: S("variable.other.contact") }] };
const stringCapture = { patterns: [inc("strings")] };
const instantCapture = { name: S("constant.numeric.instant") };
const eventCapture = { name: S("entity.name.type.event") };

function keywordRule(words, scopeFor) {
  return words.map((w) => ({ match: r`\b${w}\b`, name: S(scopeFor(w)) }));
}

/** A `{ ... }` region that ends at its brace or at the next declaration. */
function braces(name, patterns) {
  return {
    name: name ? S(name) : undefined,
    begin: r`\{`,
    beginCaptures: { 0: { name: S("punctuation.section.block.begin") } },
    end: r`\}|${DECL_START}`,
    endCaptures: { 0: { name: S("punctuation.section.block.end") } },
    patterns,
  };
}

// ---------------------------------------------------------------------------------------------
// The grammar

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "Journey",
  scopeName: "source.journey",
  fileTypes: ["journey"],
  patterns: [
    inc("comments"),
    inc("event-declaration"),
    inc("profile-declaration"),
    inc("policy-declaration"),
    inc("score-declaration"),
    inc("journey-declaration"),
    inc("test-declaration"),
    inc("segment-declaration"),
    inc("conversion-declaration"),
    inc("block"),
    inc("expression"),
  ],
  repository: {
    // ----------------------------------------------------------------------------------------
    // Comments

    comments: {
      patterns: [
        {
          // `///` (but not `////`) documents the next declaration; hover shows it.
          name: S("comment.line.documentation"),
          begin: r`///(?!/)`,
          beginCaptures: { 0: { name: S("punctuation.definition.comment") } },
          end: r`$`,
          patterns: [
            { match: "`[^`]*`", name: S("markup.inline.raw") },
          ],
        },
        {
          name: S("comment.line.double-slash"),
          begin: r`//`,
          beginCaptures: { 0: { name: S("punctuation.definition.comment") } },
          end: r`$`,
        },
        {
          // Block comments do not nest: the first `*/` closes (grammar/journey.pest).
          name: S("comment.block"),
          begin: r`/\*`,
          beginCaptures: { 0: { name: S("punctuation.definition.comment.begin") } },
          end: r`\*/`,
          endCaptures: { 0: { name: S("punctuation.definition.comment.end") } },
        },
      ],
    },

    // ----------------------------------------------------------------------------------------
    // Literals

    strings: {
      // Strings do not span lines: an unterminated string ends at the end of its line.
      name: S("string.quoted.double"),
      begin: r`"`,
      beginCaptures: { 0: { name: S("punctuation.definition.string.begin") } },
      end: r`(")|$`,
      endCaptures: { 1: { name: S("punctuation.definition.string.end") } },
      patterns: [
        { match: r`\\u\{[0-9A-Fa-f]{1,6}\}`, name: S("constant.character.escape.unicode") },
        { match: r`\\["\\nt]`, name: S("constant.character.escape") },
        { match: r`\\.?`, name: S("invalid.illegal.escape") },
      ],
    },

    literals: {
      patterns: [
        { match: r`\b${INSTANT}`, name: S("constant.numeric.instant") },
        { match: r`\b\d{4}-\d{2}-\d{2}(?![\w:])`, name: S("constant.numeric.date") },
        { match: r`\b\d{1,2}:\d{2}(?![\w:])`, name: S("constant.numeric.time") },
        {
          match: r`\b\d+(?:\.\d+)?(%)`,
          name: S("constant.numeric.percentage"),
          captures: { 1: { name: S("keyword.other.unit.percentage") } },
        },
        {
          match: r`\b\d+([smhdw])\b`,
          name: S("constant.numeric.duration"),
          captures: { 1: { name: S("keyword.other.unit.duration") } },
        },
        { match: r`\b\d+\.\d+\b`, name: S("constant.numeric.float") },
        { match: r`\b\d+\b`, name: S("constant.numeric.integer") },
        { match: word(["true", "false"]), name: S("constant.language.boolean") },
        { match: word(["local", "utc"]), name: S("constant.language.zone") },
      ],
    },

    // ----------------------------------------------------------------------------------------
    // Names

    "channel-name": {
      patterns: [{ match: word(CHANNELS), name: S("support.constant.channel") }],
    },

    "event-name": {
      // An event name where the grammar expects one (`on`, `wait for`, history calls, tests).
      match: EVENT,
      name: S("entity.name.type.event"),
    },

    "record-key": {
      // `name:` in event and profile fields, `with { ... }` payloads and test records. Keys may be
      // keywords (`with { score: lead }`), so this comes before every keyword rule.
      match: r`\b(${ID})\s*(:)`,
      captures: {
        1: { name: S("variable.other.property") },
        2: { name: S("punctuation.separator.key-value") },
      },
    },

    // ----------------------------------------------------------------------------------------
    // Types (event and profile fields)

    types: {
      patterns: [
        inc("comments"),
        { match: word(PRIMITIVE_TYPES), name: S("support.type.primitive") },
        {
          name: S("meta.type.enum"),
          begin: r`\b(enum)\s*(\{)`,
          beginCaptures: {
            1: { name: S("storage.type.enum") },
            2: { name: S("punctuation.section.block.begin") },
          },
          end: r`\}|${DECL_START}`,
          endCaptures: { 0: { name: S("punctuation.section.block.end") } },
          patterns: [
            inc("comments"),
            { match: ",", name: S("punctuation.separator.comma") },
            { match: ID, name: S("variable.other.enummember") },
          ],
        },
        {
          name: S("meta.type.list"),
          begin: r`\b(list)\s*(<)`,
          beginCaptures: {
            1: { name: S("storage.type.list") },
            2: { name: S("punctuation.definition.typeparameters.begin") },
          },
          end: r`>|${DECL_START}`,
          endCaptures: { 0: { name: S("punctuation.definition.typeparameters.end") } },
          patterns: [inc("types")],
        },
        { match: word(["enum", "list"]), name: S("storage.type") },
        { match: r`\?`, name: S("keyword.operator.optional") },
        { match: ID, name: S("entity.name.type") },
      ],
    },

    "field-declarations": {
      patterns: [
        inc("comments"),
        inc("record-key"),
        {
          // A profile field's default: `= expression`, up to a comma, a brace, the next field or
          // the end of the line.
          begin: r`=`,
          beginCaptures: { 0: { name: S("keyword.operator.assignment") } },
          end: r`(?=[,}])|(?=\b${ID}\s*:)|$`,
          patterns: [inc("expression")],
        },
        { match: ",", name: S("punctuation.separator.comma") },
        inc("types"),
      ],
    },

    // ----------------------------------------------------------------------------------------
    // Declarations

    "event-declaration": {
      name: S("meta.declaration.event"),
      begin: r`\b(event)\b(?:\s+(${EVENT}))?`,
      beginCaptures: {
        1: { name: S("keyword.declaration.event") },
        2: eventCapture,
      },
      end: DECL_END,
      patterns: [
        inc("comments"),
        braces("meta.block", [inc("field-declarations")]),
        inc("event-name"),
      ],
    },

    "profile-declaration": {
      // `profile` not followed by `.` (which is `profile.field` in an expression).
      name: S("meta.declaration.profile"),
      begin: r`\b(profile)\b(?!\s*\.)`,
      beginCaptures: { 1: { name: S("keyword.declaration.profile") } },
      end: DECL_END,
      patterns: [inc("comments"), braces("meta.block", [inc("field-declarations")])],
    },

    "policy-declaration": {
      name: S("meta.declaration.policy"),
      begin: r`\b(policy)\b`,
      beginCaptures: { 1: { name: S("keyword.declaration.policy") } },
      end: DECL_END,
      patterns: [inc("comments"), braces("meta.block", [inc("policy-rules")])],
    },

    "policy-rules": {
      patterns: [
        inc("comments"),
        {
          match: r`\b(quiet)\s+(hours)\b`,
          captures: {
            1: { name: S("keyword.other.quiet") },
            2: { name: S("keyword.other.hours") },
          },
        },
        { match: r`\bto\b(?=\s*\d)`, name: S("keyword.other.to") },
        {
          match: r`\b(cap)\s+(${ID})\b`,
          captures: { 1: { name: S("keyword.other.cap") }, 2: channelCapture },
        },
        {
          match: r`\b(consent)\s+(${ID})\s+(when)\b`,
          captures: {
            1: { name: S("keyword.other.consent") },
            2: channelCapture,
            3: { name: S("keyword.other.when") },
          },
        },
        inc("expression"),
      ],
    },

    "segment-declaration": {
      match: r`\b(segment)\b(?:\s+(${ID})\b)?(?:\s*(=)(?!=))?`,
      captures: {
        1: { name: S("keyword.declaration.segment") },
        2: { name: S("entity.name.function.segment") },
        3: { name: S("keyword.operator.assignment") },
      },
    },

    // `conversion NAME on EVENT [where COND] [value FIELD] [within D]`: one line, like a
    // segment; the header here, `value FIELD` (last but for `within`) below, the rest is an
    // expression.
    "conversion-declaration": {
      patterns: [
        {
          match: r`\b(conversion)\b(?:\s+(${ID})\b)?(?:\s+(on)\s+(${EVENT}))?`,
          captures: {
            1: { name: S("keyword.declaration.conversion") },
            2: { name: S("entity.name.function.conversion") },
            3: { name: S("keyword.other.on") },
            4: eventCapture,
          },
        },
        {
          match: r`\b(value)\s+(${ID})\b(?=\s*(?:within\b|//|$))`,
          captures: {
            1: { name: S("keyword.other.value") },
            2: { name: S("variable.other.property") },
          },
        },
      ],
    },

    "score-declaration": {
      name: S("meta.declaration.score"),
      begin: r`\b(score)\b(?:\s+(${ID})\b)?`,
      beginCaptures: {
        1: { name: S("keyword.declaration.score") },
        2: { name: S("entity.name.function.score") },
      },
      end: DECL_END,
      patterns: [inc("comments"), braces("meta.block", [inc("score-rules")])],
    },

    "score-rules": {
      patterns: [
        inc("comments"),
        inc("on-event"),
        inc("points"),
        inc("expression"),
      ],
    },

    points: {
      // `=> +10`, `=> -50` in score rules.
      match: r`(=>)\s*([+-]\d+)\b`,
      captures: {
        1: { name: S("keyword.operator.arrow") },
        2: { name: S("constant.numeric.integer.points") },
      },
    },

    "journey-declaration": {
      name: S("meta.declaration.journey"),
      begin: r`\b(journey)\b(?:\s+(${ID})\b)?`,
      beginCaptures: {
        1: { name: S("keyword.declaration.journey") },
        2: { name: S("entity.name.function.journey") },
      },
      end: DECL_END,
      patterns: [inc("comments"), braces("meta.block", [inc("journey-body")])],
    },

    "journey-body": {
      patterns: [
        inc("comments"),
        inc("record-key"),
        braces("meta.block", [inc("journey-body")]),
        // Header clauses
        {
          match: r`\b(weekly)\s+(on)\b(?:\s+(${alt(WEEKDAYS)})\b)?`,
          captures: {
            1: { name: S("keyword.other.weekly") },
            2: { name: S("keyword.other.on") },
            3: { name: S("constant.language.weekday") },
          },
        },
        {
          match: r`\b(monthly)\s+(on)\b(?:\s+(day)\b)?`,
          captures: {
            1: { name: S("keyword.other.monthly") },
            2: { name: S("keyword.other.on") },
            3: { name: S("keyword.other.day") },
          },
        },
        {
          match: r`\b(yearly)\s+(on)\b`,
          captures: {
            1: { name: S("keyword.other.yearly") },
            2: { name: S("keyword.other.on") },
          },
        },
        {
          match: r`\b(reenter)\b(?:\s+(?:(never)|(always)|(after))\b)?`,
          captures: {
            1: { name: S("keyword.control.reenter") },
            2: { name: S("keyword.other.never") },
            3: { name: S("keyword.other.always") },
            4: { name: S("keyword.other.after") },
          },
        },
        inc("on-event"),
        {
          // `as NAME` binds the matched event (`enter on`, `goal ... on`, `wait for`).
          match: r`\b(as)\s+(${ID})\b`,
          captures: {
            1: { name: S("keyword.other.as") },
            2: { name: S("variable.parameter.binding") },
          },
        },
        // Steps
        {
          match: r`\b(wait)\s+(for)\b(?:\s+(${EVENT}))?`,
          captures: {
            1: { name: S("keyword.control.wait") },
            2: { name: S("keyword.control.for") },
            3: eventCapture,
          },
        },
        {
          match: r`\b(goal)\s+(${ID})\b`,
          captures: {
            1: { name: S("keyword.control.goal") },
            2: { name: S("entity.name.label.goal") },
          },
        },
        {
          match: r`\b(send)\s+(${ID})\b(?!\s*\()`,
          captures: { 1: { name: S("keyword.other.send") }, 2: channelCapture },
        },
        {
          match: r`\b(notify)\s+(${ID})\b`,
          captures: {
            1: { name: S("keyword.other.notify") },
            2: { name: S("variable.other.team") },
          },
        },
        {
          match: r`\b(score)\s+(${ID})\s*(\+=|-=)`,
          captures: {
            1: { name: S("keyword.other.score") },
            2: { name: S("variable.other.score") },
            3: { name: S("keyword.operator.assignment.compound") },
          },
        },
        { match: r`\bwith\b(?=\s*(?:\{|$))`, name: S("keyword.other.with") },
        {
          // A split arm: `50% name { ... }`.
          match: r`\b(\d+(?:\.\d+)?(%))\s+(${ID})(?=\s*\{)`,
          captures: {
            1: { name: S("constant.numeric.percentage") },
            2: { name: S("keyword.other.unit.percentage") },
            3: { name: S("entity.name.label.arm") },
          },
        },
        inc("expression"),
      ],
    },

    "on-event": {
      // `on EVENT` in entry, goal and exit clauses and in score rules.
      match: r`\b(on)\s+(${EVENT})`,
      captures: { 1: { name: S("keyword.other.on") }, 2: eventCapture },
    },

    "test-declaration": {
      // `test` is a contextual word: a declaration only when a string (its name) follows.
      name: S("meta.declaration.test"),
      begin: r`\b(test)\b(?=\s*")`,
      beginCaptures: { 1: { name: S("keyword.declaration.test") } },
      end: DECL_END,
      patterns: [
        inc("comments"),
        inc("strings"),
        braces("meta.block", [inc("test-body")]),
      ],
    },

    "test-body": {
      patterns: [
        inc("comments"),
        inc("record-key"),
        braces("meta.block.record", [inc("comments"), inc("record-key"), inc("expression")]),
        {
          match: r`\b(given)\s+(${ID}|${STRING})`,
          captures: { 1: { name: S("keyword.other.given") }, 2: contactCapture },
        },
        {
          // `at INSTANT CONTACT (identify | EVENT)`
          match: r`\b(at)\s+(${INSTANT})\s+(${ID}|${STRING})\s+(?:(identify)\b(?!\.)|(${EVENT}))`,
          captures: {
            1: { name: S("keyword.other.at") },
            2: instantCapture,
            3: contactCapture,
            4: { name: S("keyword.other.identify") },
            5: eventCapture,
          },
        },
        {
          // `expect INSTANT CONTACT (send CH "t" | notify TEAM "t" | goal NAME | suppressed CH "t" REASON)`
          match:
            r`\b(expect)\s+(${INSTANT})\s+(${ID}|${STRING})\s+` +
            r`(?:(send)\s+(${ID})|(notify)\s+(${ID})|(goal)\s+(${ID})` +
            r`|(suppressed)\s+(${ID})(?:\s+(${STRING})\s+(${ID}))?)\b`,
          captures: {
            1: { name: S("keyword.other.expect") },
            2: instantCapture,
            3: contactCapture,
            4: { name: S("keyword.other.send") },
            5: channelCapture,
            6: { name: S("keyword.other.notify") },
            7: { name: S("variable.other.team") },
            8: { name: S("keyword.control.goal") },
            9: { name: S("entity.name.label.goal") },
            10: { name: S("keyword.other.suppressed") },
            11: channelCapture,
            12: stringCapture,
            13: { name: S("constant.language.reason") },
          },
        },
        { match: r`\bgiven\b`, name: S("keyword.other.given") },
        { match: r`\bexpect\b`, name: S("keyword.other.expect") },
        inc("expression"),
      ],
    },

    // A stray block outside any declaration (while typing).
    block: braces("meta.block", [inc("journey-body")]),

    // ----------------------------------------------------------------------------------------
    // Expressions

    expression: {
      patterns: [
        inc("comments"),
        inc("strings"),
        inc("literals"),
        inc("history-call"),
        inc("best-channel"),
        inc("parens"),
        inc("list"),
        inc("profile-field"),
        inc("operators"),
        { match: r`\bbest_time\b`, name: S("support.function.best-time") },
        { match: r`\bnow\b`, name: S("variable.language.now") },
        inc("keywords"),
        {
          match: r`(\.)\s*(${ID})`,
          captures: {
            1: { name: S("punctuation.accessor") },
            2: { name: S("variable.other.property") },
          },
        },
        { match: ID, name: S("variable.other") },
        { match: ",", name: S("punctuation.separator.comma") },
        { match: ":", name: S("punctuation.separator.key-value") },
      ],
    },

    "profile-field": {
      match: r`\b(profile)\b(?:\s*(\.)\s*(${ID})?)?`,
      captures: {
        1: { name: S("variable.language.profile") },
        2: { name: S("punctuation.accessor") },
        3: { name: S("variable.other.property") },
      },
    },

    "history-call": {
      patterns: [
        {
          // `sum(EVENT.field ...)`, also `min max avg`: the last dotted part is the field.
          name: S("meta.function-call.history"),
          begin: r`\b(sum|min|max|avg)\s*(\()\s*(?:(${EVENT})(\.)(${ID})\b)?`,
          beginCaptures: {
            1: { name: S("support.function.history") },
            2: { name: S("punctuation.section.parens.begin") },
            3: eventCapture,
            4: { name: S("punctuation.accessor") },
            5: { name: S("variable.other.property") },
          },
          end: r`\)|${DECL_START}`,
          endCaptures: { 0: { name: S("punctuation.section.parens.end") } },
          patterns: [inc("expression")],
        },
        {
          // `count(EVENT ...)`, `last(EVENT ...)`, `since(EVENT ...)`
          name: S("meta.function-call.history"),
          begin: r`\b(count|last|since)\s*(\()\s*(${EVENT})?`,
          beginCaptures: {
            1: { name: S("support.function.history") },
            2: { name: S("punctuation.section.parens.begin") },
            3: eventCapture,
          },
          end: r`\)|${DECL_START}`,
          endCaptures: { 0: { name: S("punctuation.section.parens.end") } },
          patterns: [inc("expression")],
        },
      ],
    },

    "best-channel": {
      name: S("meta.function-call.best-channel"),
      begin: r`\b(best_channel)\s*(\()`,
      beginCaptures: {
        1: { name: S("support.function.best-channel") },
        2: { name: S("punctuation.section.parens.begin") },
      },
      end: r`\)|${DECL_START}`,
      endCaptures: { 0: { name: S("punctuation.section.parens.end") } },
      patterns: [
        inc("comments"),
        inc("channel-name"),
        { match: ",", name: S("punctuation.separator.comma") },
        { match: ID, name: S("variable.other") },
      ],
    },

    parens: {
      begin: r`\(`,
      beginCaptures: { 0: { name: S("punctuation.section.parens.begin") } },
      end: r`\)|${DECL_START}`,
      endCaptures: { 0: { name: S("punctuation.section.parens.end") } },
      patterns: [inc("expression")],
    },

    list: {
      name: S("meta.list"),
      begin: r`\[`,
      beginCaptures: { 0: { name: S("punctuation.section.brackets.begin") } },
      end: r`\]|${DECL_START}`,
      endCaptures: { 0: { name: S("punctuation.section.brackets.end") } },
      patterns: [inc("expression")],
    },

    operators: {
      patterns: [
        {
          match: r`\b(is)\s+(?:(not)\s+)?(set)\b`,
          captures: {
            1: { name: S("keyword.operator.presence") },
            2: { name: S("keyword.operator.logical") },
            3: { name: S("keyword.operator.presence") },
          },
        },
        { match: word(["and", "or", "not"]), name: S("keyword.operator.logical") },
        { match: word(["in", "contains", "starts_with", "ends_with"]), name: S("keyword.operator.word") },
        { match: r`\bis\b`, name: S("keyword.operator.presence") },
        inc("points"),
        { match: r`=>`, name: S("keyword.operator.arrow") },
        { match: r`\?\?`, name: S("keyword.operator.coalesce") },
        { match: r`==|!=|<=|>=|<|>`, name: S("keyword.operator.comparison") },
        { match: r`\+=|-=`, name: S("keyword.operator.assignment.compound") },
        { match: r`=`, name: S("keyword.operator.assignment") },
        { match: r`[-+*/]`, name: S("keyword.operator.arithmetic") },
      ],
    },

    keywords: {
      // Every reserved keyword, wherever the rules above did not already place it.
      patterns: [
        ...keywordRule(DECLARATION_KEYWORDS, (w) => `keyword.declaration.${w}`),
        { match: r`\bsince\b(?=\s*\()`, name: S("support.function.history") },
        ...keywordRule(CONTROL_KEYWORDS, (w) => `keyword.control.${w}`),
        ...keywordRule(OTHER_KEYWORDS, (w) => `keyword.other.${w}`),
        ...keywordRule(ACTION_KEYWORDS, (w) => `keyword.other.${w}`),
        { match: word(HISTORY_FUNCTIONS.filter((f) => f !== "since")), name: S("support.function.history") },
        { match: r`\bbest_channel\b`, name: S("support.function.best-channel") },
      ],
    },
  },
};

// ---------------------------------------------------------------------------------------------

const json = JSON.stringify(grammar, null, 2) + "\n";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(output, "utf8");
  } catch {
    // missing: stale
  }
  if (current !== json) {
    console.error(`${output} is stale: run \`node scripts/build-grammar.mjs\``);
    process.exit(1);
  }
  console.log("grammar JSON is up to date");
} else {
  writeFileSync(output, json);
  console.log(`wrote ${output}`);
}
