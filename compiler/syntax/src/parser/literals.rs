//! Building literals, validated here: integers, durations, percents, times of day, dates,
//! instants and strings with their escapes.

use super::*;

impl Builder<'_> {
    // ---- literals ---------------------------------------------------------------------------

    pub(super) fn int_lit(&mut self, pair: P) -> IntLit {
        let span = self.span(&pair);
        let value = self.parse_int(pair.as_str(), span);
        IntLit { value, span }
    }

    pub(super) fn duration_lit(&mut self, pair: P) -> DurationLit {
        let span = self.span(&pair);
        let text = pair.as_str();
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        let unit = match unit {
            "s" => DurationUnit::Seconds,
            "m" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            _ => DurationUnit::Weeks,
        };
        let amount = match number.parse::<u64>() {
            Ok(v)
                if v.checked_mul(unit.seconds())
                    .is_some_and(|s| i64::try_from(s).is_ok()) =>
            {
                v
            }
            _ => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Duration,
                        text: text.to_string(),
                    },
                    span,
                );
                // Not zero, which would draw a second "must be longer than zero" error.
                1
            }
        };
        DurationLit {
            value: Duration { amount, unit },
            span,
        }
    }

    pub(super) fn percent(&mut self, pair: P) -> PercentLit {
        let span = self.span(&pair);
        let text = pair.as_str().trim_end_matches('%').to_string();
        let value = match text.parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Percent,
                        text: text.clone(),
                    },
                    span,
                );
                0.0
            }
        };
        PercentLit { value, text, span }
    }

    pub(super) fn time_of_day(&mut self, pair: P) -> TimeOfDay {
        let span = self.span(&pair);
        let text = pair.as_str();
        let parsed = text.split_once(':').and_then(|(h, m)| {
            let hour = h.parse::<u8>().ok()?;
            let minute = m.parse::<u8>().ok()?;
            (hour < 24 && minute < 60).then_some((hour, minute))
        });
        match parsed {
            Some((hour, minute)) => TimeOfDay { hour, minute, span },
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::TimeOfDay,
                        text: text.to_string(),
                    },
                    span,
                );
                TimeOfDay {
                    hour: 0,
                    minute: 0,
                    span,
                }
            }
        }
    }

    pub(super) fn date(&mut self, pair: P) -> Date {
        let span = self.span(&pair);
        let text = pair.as_str();
        match parse_date(text) {
            Some(date) => date,
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Date,
                        text: text.to_string(),
                    },
                    span,
                );
                Date {
                    year: 1970,
                    month: 1,
                    day: 1,
                }
            }
        }
    }

    pub(super) fn instant_lit(&mut self, pair: P) -> InstantLit {
        let span = self.span(&pair);
        let text = pair.as_str();
        match parse_instant(text) {
            Some((epoch_seconds, nanos)) => InstantLit {
                value: Instant {
                    text: text.to_string(),
                    epoch_seconds,
                    nanos,
                },
                span,
            },
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Instant,
                        text: text.to_string(),
                    },
                    span,
                );
                InstantLit {
                    value: Instant {
                        text: text.to_string(),
                        epoch_seconds: 0,
                        nanos: 0,
                    },
                    span,
                }
            }
        }
    }

    pub(super) fn string(&mut self, pair: P) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices().peekable();
        while let Some((index, ch)) = chars.next() {
            if ch != '\\' {
                value.push(ch);
                continue;
            }
            let escape_start = span.start as usize + 1 + index;
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'u')) => {
                    let rest = &inner[index + 2..];
                    let decoded = rest.strip_prefix('{').and_then(|r| {
                        let close = r.find('}')?;
                        let code = u32::from_str_radix(&r[..close], 16).ok()?;
                        Some((char::from_u32(code)?, close + 2))
                    });
                    match decoded {
                        Some((c, consumed)) => {
                            value.push(c);
                            for _ in 0..consumed {
                                chars.next();
                            }
                        }
                        None => {
                            let end = escape_start + 2;
                            self.error(
                                SyntaxErrorKind::InvalidEscape("\\u".to_string()),
                                Span::new(self.file, escape_start, end),
                            );
                        }
                    }
                }
                Some((_, other)) => {
                    self.error(
                        SyntaxErrorKind::InvalidEscape(format!("\\{other}")),
                        Span::new(self.file, escape_start, escape_start + 1 + other.len_utf8()),
                    );
                }
                None => {}
            }
        }
        StrLit { value, span }
    }
}
