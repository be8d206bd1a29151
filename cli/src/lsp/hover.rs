//! What hovering shows: a mini-notation string's first cycle and the sounds in it, a
//! built-in's signature and example, a bus's definition.

use super::text::{step_word_at, string_at, word_at};
use crate::audio::Compiler;
use phonon_compiler::ast::StatementKind;

/// Variants listed by name and length; the rest are counted.
const LISTED_VARIANTS: usize = 8;

/// A sound's variants (`bd:0` ...) with their lengths, or why they cannot be read; `None`
/// when `name` is no sound of the library or the kit.
fn sound(with: &Compiler, name: &str) -> Option<String> {
    let variants = match phonon_sounds::variants(name, &with.library, with.options.sample_rate)? {
        Ok(v) => v,
        Err(e) => return Some(format!("**{name}**: cannot be read: {e}")),
    };
    let from = match phonon_sounds::kit::lookup(name) {
        Some(k)
            if variants
                .first()
                .is_some_and(|s| s.origin.starts_with("kit:")) =>
        {
            format!("the built-in kit: {}", k.description)
        }
        _ => "a sample folder".to_string(),
    };
    let rate = with.options.sample_rate as f64;
    let mut lines: Vec<String> = variants
        .iter()
        .take(LISTED_VARIANTS)
        .enumerate()
        .map(|(i, s)| {
            // A file by its name; the kit's variants have none.
            let file = match s.origin.rsplit(['/', '\\']).next() {
                Some(f) if !s.origin.starts_with("kit:") => format!(": {f}"),
                _ => String::new(),
            };
            format!(
                "- `{name}:{i}` {:.3} s, {}{file}",
                s.len() as f64 / rate,
                if s.is_stereo() { "stereo" } else { "mono" }
            )
        })
        .collect();
    if variants.len() > LISTED_VARIANTS {
        lines.push(format!("- … {} more", variants.len() - LISTED_VARIANTS));
    }
    Some(format!(
        "**{name}**: {} sample{}, from {from}\n{}",
        variants.len(),
        if variants.len() == 1 { "" } else { "s" },
        lines.join("\n")
    ))
}

/// The first cycle of a mini-notation string, as its events: `0–1/4 bd`, ...
fn first_cycle(string: &str) -> Option<String> {
    let pattern = phonon_compiler::query::query_expression(string).ok()?;
    let mut haps: Vec<_> = pattern
        .query_span(
            phonon_runtime::Rational::ZERO,
            phonon_runtime::Rational::int(1),
        )
        .into_iter()
        .filter(|h| h.has_onset())
        .collect();
    haps.sort_by_key(|h| h.whole.map(|w| w.begin));
    let lines: Vec<String> = haps
        .iter()
        .take(32)
        .map(|h| {
            let w = h.whole.expect("onsets have wholes");
            format!("{}–{}  {}", w.begin, w.end, h.value.to_json())
        })
        .collect();
    let more = haps.len().saturating_sub(32);
    Some(format!(
        "{string}: {} event{} in the first cycle\n```\n{}{}\n```",
        haps.len(),
        if haps.len() == 1 { "" } else { "s" },
        lines.join("\n"),
        if more > 0 {
            format!("\n… {more} more")
        } else {
            String::new()
        }
    ))
}

/// The hover text at byte `at`: in a mini-notation string, the sound under the cursor
/// (its variants and their lengths) and the string's first cycle; elsewhere a built-in's
/// signature, summary and example, or a bus's definition.
pub fn hover(with: &Compiler, text: &str, at: usize) -> Option<String> {
    let at = super::text::boundary(text, at);
    if let Some((start, string)) = string_at(text, at) {
        // The word the hovered character belongs to (not one that ends just before it).
        let on_word = text[at.min(text.len())..]
            .chars()
            .next()
            .is_some_and(phonon_compiler::mini::is_step_char);
        let sound = step_word_at(text, start, string, at)
            .filter(|_| on_word)
            .and_then(|(_, w)| sound(with, w));
        return match (sound, first_cycle(string)) {
            (Some(s), Some(c)) => Some(format!("{s}\n\n---\n\n{c}")),
            (s, c) => s.or(c),
        };
    }
    let (_, word) = word_at(text, at)?;
    if let Some(bus) = word.strip_prefix('~') {
        let fe = phonon_compiler::front_end(text);
        return fe
            .checked
            .program
            .statements
            .iter()
            .find_map(|s| match &s.kind {
                StatementKind::Bus { name, .. } | StatementKind::Function { name, .. }
                    if name.text == bus =>
                {
                    Some(format!(
                        "```phonon\n{}\n```",
                        text[s.span.clone()].trim_end()
                    ))
                }
                _ => None,
            });
    }
    let b = phonon_compiler::builtins::lookup(word)?;
    Some(format!(
        "```phonon\n{}\n```\n{}\n\nExample: `{}`",
        b.signature(),
        b.summary,
        b.example
    ))
}
