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

/// Up to `n` candidates nearest to `word` by edit distance (nearest first), for lists like
/// "the closest sounds are ...".
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let word_lower = word.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word_lower, &c.to_lowercase()),
                c,
            )
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
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

    #[test]
    fn lists_the_closest() {
        let names = ["bd", "sn", "hh", "bass", "bend"];
        assert_eq!(closest("bdd", names, 2), vec!["bd", "bend"]);
    }
}
