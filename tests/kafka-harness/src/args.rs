//! Hand-parsed command lines: `--flag VALUE` pairs and positional arguments.

use crate::Failure;

/// A subcommand's arguments, split into flags with values and positionals.
pub struct Args {
    flags: Vec<(String, String)>,
    /// The arguments that are not flags, in order.
    pub positional: Vec<String>,
}

impl Args {
    /// Splits `args`, accepting only the flags in `known` (each takes one value).
    pub fn parse(args: &[String], known: &[&str]) -> Result<Args, Failure> {
        let mut flags = Vec::new();
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if let Some(name) = arg.strip_prefix("--") {
                if !known.contains(&name) {
                    return Err(Failure::Usage(format!("unknown flag `{arg}`")));
                }
                if flags.iter().any(|(flag, _)| flag == name) {
                    return Err(Failure::Usage(format!("`{arg}` given twice")));
                }
                let value = iter
                    .next()
                    .ok_or_else(|| Failure::Usage(format!("`{arg}` needs a value")))?;
                flags.push((name.to_owned(), value.clone()));
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Args { flags, positional })
    }

    /// The value of `--name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(flag, _)| flag == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of `--name`, which must be given.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name)
            .ok_or_else(|| Failure::Usage(format!("`--{name}` is required")))
    }

    /// The value of `--name` as a number, `default` when not given.
    pub fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, Failure> {
        match self.get(name) {
            Some(value) => number(value, name),
            None => Ok(default),
        }
    }
}

/// Parses `text` as a number, naming `what` in the usage error.
pub fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, Failure> {
    text.parse()
        .map_err(|_| Failure::Usage(format!("`{text}` is not a valid {what}")))
}
