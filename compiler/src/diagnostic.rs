//! User-facing errors and warnings: a span in the file, a message, a label, a hint.
//! Rendered with ariadne; the `file:line:col` header is computed here so that tests and tools
//! can rely on it without parsing ariadne's art.

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};
use std::ops::Range;

/// Byte offsets into the source file.
pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub label: Option<String>,
    pub hint: Option<String>,
    /// Further places that belong to the same problem (e.g. the second subject of a `$` chain).
    pub secondary: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, span, message)
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, span, message)
    }

    fn new(severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            span,
            message: message.into(),
            label: None,
            hint: None,
            secondary: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        line_col(src, self.span.start)
    }

    /// Renders the diagnostic with ariadne: the message, a `file:line:col` header, the source
    /// line with an underline and label, and the hint.
    pub fn render(&self, file: &str, src: &str, color: bool) -> String {
        self.render_in(file, src, &Source::from(src), color)
    }

    /// [`Diagnostic::render`] with the source's line table already built (once for many
    /// diagnostics: building it scans the whole file).
    fn render_in(&self, file: &str, src: &str, source: &Source<&str>, color: bool) -> String {
        let kind = match self.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let span = clamp(&self.span, src.len());
        let main_color = match self.severity {
            Severity::Error => Color::Red,
            Severity::Warning => Color::Yellow,
        };
        let mut report = Report::build(kind, (file, span.clone()))
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_message(&self.message)
            .with_label(
                Label::new((file, span))
                    .with_message(self.label.as_deref().unwrap_or(&self.message))
                    .with_color(main_color),
            );
        for (span, label) in &self.secondary {
            report = report.with_label(
                Label::new((file, clamp(span, src.len())))
                    .with_message(label)
                    .with_color(Color::Blue),
            );
        }
        if let Some(hint) = &self.hint {
            report = report.with_help(hint);
        }
        let mut out = Vec::new();
        report
            .finish()
            .write((file, source), &mut out)
            .expect("writing to a Vec cannot fail");
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn clamp(span: &Span, len: usize) -> Span {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}

/// Where each line of a source starts, so that positions of many spans are found in
/// O(log lines) each rather than by scanning from the start (thousands of statements).
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { src, starts }
    }

    /// 1-based line and character column of a byte offset, as [`line_col`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.src, offset.min(self.src.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.src[start..offset].chars().count() + 1)
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders every diagnostic, errors and warnings in file order.
pub fn render_all(diags: &[Diagnostic], file: &str, src: &str, color: bool) -> String {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| (d.span.start, d.span.end));
    let source = Source::from(src);
    sorted
        .iter()
        .map(|d| d.render_in(file, src, &source, color))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_agrees_with_line_col() {
        let src = "a\nbé c\n\n  d\ne";
        let index = LineIndex::new(src);
        for offset in 0..=src.len() + 2 {
            assert_eq!(index.line_col(offset), line_col(src, offset), "{offset}");
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\ncdé f\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        // 'f' is after a two-byte character: byte 8, character column 5.
        assert_eq!(line_col(src, 8), (2, 5));
    }

    #[test]
    fn render_has_header_caret_and_hint() {
        let src = "out: lfp 800\n";
        let d = Diagnostic::error(5..8, "unknown function `lfp`")
            .with_label("not a built-in")
            .with_hint("did you mean `lpf`?");
        let text = d.render("x.ph", src, false);
        assert!(
            text.starts_with("Error: unknown function `lfp`\n"),
            "{text}"
        );
        assert!(text.contains("x.ph:1:6"), "{text}");
        assert!(text.contains("out: lfp 800"), "{text}");
        assert!(text.contains("^^^") || text.contains("─┬─"), "{text}");
        assert!(text.contains("did you mean `lpf`?"), "{text}");
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let d = Diagnostic::error(100..200, "x");
        let text = d.render("x.ph", "short", false);
        assert!(text.contains("x.ph:1:6"), "{text}");
    }
}
