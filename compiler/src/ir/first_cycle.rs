//! The compile-time check of what each pattern asks for: the first cycle of every pattern
//! the program plays is queried under the run-time budget
//! ([`phonon_runtime::pattern::budget`]). A pattern that asks for more than it may
//! (`s "bd*100000000"`, `fast 1e12 $ s "bd sn"`, `"bd(1000000,1000001)"`) is an error at its
//! span, instead of a program that plays silence. Later cycles that ask too much (`"<bd
//! bd*100000000>"`) are refused at run time and reported with the same position.

use super::patterns::Patterns;
use crate::diagnostic::{Diagnostic, Span};
use crate::ir::Graph;
use phonon_runtime::Rational;
use phonon_runtime::pattern::Pattern;
use phonon_runtime::pattern::budget::{self, MAX_EVENTS_PER_CYCLE};

pub fn check(graph: &Graph, linked: &Patterns) -> Vec<Diagnostic> {
    let patterns = (linked
        .hosts
        .iter()
        .zip(&graph.hosts)
        .map(|(p, h)| (p, &h.span)))
    .chain(
        linked
            .polys
            .iter()
            .zip(&graph.polys)
            .map(|(p, v)| (p, &v.span)),
    )
    .chain(
        linked
            .banks
            .iter()
            .zip(&graph.banks)
            .map(|(p, b)| (p, &b.span)),
    );
    let mut diags: Vec<Diagnostic> = Vec::new();
    for (pattern, span) in patterns {
        if let Some(d) = probe(pattern, span)
            && !diags.iter().any(|e| e.span == d.span)
        {
            diags.push(d);
        }
    }
    diags
}

fn probe(pattern: &Pattern, span: &Span) -> Option<Diagnostic> {
    let why = budget::run(|| pattern.query_span(Rational::ZERO, Rational::ONE)).err()?;
    Some(
        Diagnostic::error(
            span.clone(),
            format!("this pattern asks for too much in its first cycle: {}", why.describe()),
        )
        .with_label("asks for too much")
        .with_hint(format!(
            "a pattern may start at most {MAX_EVENTS_PER_CYCLE} events in a cycle, and subdivide it at most {} ways; see \"Limits\" in docs/patterns.md",
            phonon_runtime::pattern::MAX_SUBDIVISION
        )),
    )
}
