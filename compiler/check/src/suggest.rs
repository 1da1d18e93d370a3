//! "Did you mean" suggestions by edit distance over the names in scope.

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if name.is_empty() {
        return None;
    }
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["email.opened", "email.clicked", "page.viewed"];
        assert_eq!(did_you_mean("email.opend", names), Some("email.opened"));
        assert_eq!(did_you_mean("emial.clicked", names), Some("email.clicked"));
        assert_eq!(did_you_mean("order.completed", names), None);
        assert_eq!(did_you_mean("x", ["y"]), Some("y"));
        assert_eq!(did_you_mean("", ["y"]), None);
    }
}
