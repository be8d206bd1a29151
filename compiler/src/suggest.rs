//! "Did you mean ...?" for misspelt names.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let distance = strsim::damerau_levenshtein(&word_lower, &c.to_lowercase());
            (distance, c)
        })
        .filter(|&(d, c)| {
            let allowed = match word.chars().count().max(c.chars().count()) {
                0..=3 => 1,
                4..=6 => 2,
                _ => 3,
            };
            d <= allowed
        })
        .min_by_key(|&(d, c)| (d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos() {
        let names = ["lpf", "hpf", "delay", "reverb", "degradeBy"];
        assert_eq!(did_you_mean("lfp", names), Some("lpf"));
        assert_eq!(did_you_mean("reverv", names), Some("reverb"));
        assert_eq!(did_you_mean("degradeby", names), Some("degradeBy"));
        assert_eq!(did_you_mean("xyzzy", names), None);
    }
}
