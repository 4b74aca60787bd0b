//! miette rendering: labelled source snippets, the rule name as the code,
//! the help text. Colour only when asked for (a TTY without NO_COLOR).

use super::FileReport;
use crate::diagnostic::{Diagnostic, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Excerpt,
    /// The labels' spans in `source`, in the order of `diag.labels`.
    spans: Vec<SourceSpan>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diag.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diag.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diag.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // The first label is the primary one: miette's header points at it.
        Some(Box::new(
            self.diag
                .labels
                .iter()
                .zip(&self.spans)
                .enumerate()
                .map(move |(i, (l, &span))| {
                    if i == 0 {
                        LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
                    } else {
                        LabeledSpan::new_with_span(Some(l.text.clone()), span)
                    }
                }),
        ))
    }
}

pub struct Options {
    pub color: bool,
    pub width: usize,
}

/// Renders every diagnostic of a file, then nothing else: the caller
/// prints the summary.
pub fn render(file: &FileReport, opts: &Options) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    let lines = LineIndex::new(file.source());
    let mut out = String::new();
    for diag in file.diagnostics {
        let spans: Vec<(usize, usize)> = diag
            .labels
            .iter()
            .map(|l| {
                let start = floor_char(file.source(), l.span.start);
                (start, floor_char(file.source(), l.span.end()).max(start))
            })
            .collect();
        let (source, spans) = Excerpt::new(file.path, file.source(), &lines, &spans);
        let r = Rendered {
            diag,
            source,
            spans,
        };
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&format!(
                "{}: {} [{}]\n",
                diag.severity.as_str(),
                diag.message,
                diag.rule
            ));
        }
        out.push('\n');
    }
    out
}

/// `2 errors, 1 warning`.
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Longest snippet line shown, in bytes. miette pads with `{:width$}` up to
/// a label's column, and a width beyond 65 535 panics; long lines are also
/// unreadable. A longer line shows a window around its first label, with `…`
/// where text was cut.
pub const MAX_SNIPPET_LINE: usize = 160;
/// Bytes kept before the label in such a window.
const LEAD: usize = 60;
const CUT: &str = "…";

fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where each line starts, with miette's idea of a line break (`\n`, `\r\n`
/// or a lone `\r`), so line numbers agree with the ones it prints.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let b = src.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\r' if b.get(i + 1) == Some(&b'\n') => i += 2,
                b'\r' | b'\n' => i += 1,
                _ => {
                    i += 1;
                    continue;
                }
            }
            starts.push(i);
        }
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// (start, end of the text before the break, start of the next line).
    fn bounds(&self, src: &str, line: usize) -> (usize, usize, usize) {
        let start = self.starts[line];
        let next = self.starts.get(line + 1).copied().unwrap_or(src.len());
        let b = src.as_bytes();
        let mut end = next;
        while end > start && matches!(b[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        (start, end, next)
    }
}

/// One excerpt line: where it sits in the source and in the excerpt.
struct ExcerptLine {
    /// Its line number in the source (0-based).
    line: usize,
    /// Start of the source line.
    start: usize,
    /// Window of the source line shown: `from..to`.
    from: usize,
    to: usize,
    /// End of the source line's text (before the break).
    end: usize,
    /// Offset of this line in the excerpt, and the length of its `…` prefix.
    at: usize,
    prefix: usize,
    suffix: usize,
}

/// Lines of context miette shows before and after a label.
const CONTEXT_LINES: usize = 1;
/// Labels up to this many lines apart are shown in one snippet, with the
/// lines between; farther apart, each in a snippet of its own.
const JOIN_GAP: usize = 8;

/// The lines a diagnostic's labels touch (plus miette's lines of context
/// each side), long lines cut to a window: what miette renders instead of
/// the whole file. Labels far apart make blocks of their own, so neither
/// the excerpt nor the rendering grows with the lines between them. Line
/// numbers and the header's column stay those of the source.
struct Excerpt {
    name: String,
    text: String,
    lines: Vec<ExcerptLine>,
    blocks: Vec<Block>,
}

/// A run of consecutive source lines in the excerpt.
struct Block {
    /// Its first line in `Excerpt::lines`, and the source lines it holds.
    first: usize,
    first_line: usize,
    last_line: usize,
    /// Its text: `Excerpt::text[at..end]`.
    at: usize,
    end: usize,
}

impl Excerpt {
    /// The excerpt for labels at `spans` (byte ranges of `src`), and those
    /// spans mapped into it.
    fn new(
        name: &str,
        src: &str,
        index: &LineIndex,
        spans: &[(usize, usize)],
    ) -> (Excerpt, Vec<SourceSpan>) {
        let last = index.starts.len() - 1;
        // Each label's lines with their context, joined when near.
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let lo = index.line_of(s.0).saturating_sub(CONTEXT_LINES);
                let hi = (index.line_of(s.1) + CONTEXT_LINES).min(last);
                (lo, hi.max(lo))
            })
            .collect();
        if ranges.is_empty() {
            ranges.push((0, CONTEXT_LINES.min(last)));
        }
        ranges.sort_unstable();
        let mut joined: Vec<(usize, usize)> = Vec::new();
        for (lo, hi) in ranges {
            match joined.last_mut() {
                Some(prev) if lo <= prev.1 + 1 + JOIN_GAP => prev.1 = prev.1.max(hi),
                _ => joined.push((lo, hi)),
            }
        }
        let mut ex = Excerpt {
            name: name.to_string(),
            text: String::new(),
            lines: Vec::new(),
            blocks: Vec::new(),
        };
        for (lo, hi) in joined {
            ex.blocks.push(Block {
                first: ex.lines.len(),
                first_line: lo,
                last_line: hi,
                at: ex.text.len(),
                end: 0,
            });
            ex.push_lines(src, index, spans, lo, hi);
            if let Some(b) = ex.blocks.last_mut() {
                b.end = ex.text.len();
            }
        }
        let mapped = spans
            .iter()
            .map(|&(s, e)| {
                let (s, e) = (ex.map(index, s), ex.map(index, e));
                SourceSpan::from((s, e.max(s) - s))
            })
            .collect();
        (ex, mapped)
    }

    /// Source lines `lo..=hi`, long ones cut to a window around a label.
    fn push_lines(
        &mut self,
        src: &str,
        index: &LineIndex,
        spans: &[(usize, usize)],
        lo: usize,
        hi: usize,
    ) {
        let ex = self;
        for line in lo..=hi {
            let (start, end, next) = index.bounds(src, line);
            let (from, to) = if end - start <= MAX_SNIPPET_LINE {
                (start, end)
            } else {
                // Anchor: the first label that starts on this line, else the
                // first that ends there, else the line's start.
                let anchor = spans
                    .iter()
                    .map(|s| s.0)
                    .chain(spans.iter().map(|s| s.1))
                    .find(|&o| (start..=end).contains(&o))
                    .unwrap_or(start);
                let from = floor_char(src, anchor.saturating_sub(LEAD).max(start));
                let to = floor_char(src, (from + MAX_SNIPPET_LINE).min(end));
                let from = floor_char(
                    src,
                    to.saturating_sub(MAX_SNIPPET_LINE).max(start).min(from),
                );
                (from, to)
            };
            let prefix = if from > start { CUT.len() } else { 0 };
            let suffix = if to < end { CUT.len() } else { 0 };
            let at = ex.text.len();
            if prefix > 0 {
                ex.text.push_str(CUT);
            }
            ex.text.push_str(&src[from..to]);
            if suffix > 0 {
                ex.text.push_str(CUT);
            }
            ex.text.push_str(&src[end..next]);
            ex.lines.push(ExcerptLine {
                line,
                start,
                from,
                to,
                end,
                at,
                prefix,
                suffix,
            });
        }
    }

    /// A source offset on one of the excerpt's lines → its excerpt offset.
    fn map(&self, index: &LineIndex, offset: usize) -> usize {
        let line = index.line_of(offset);
        let l = &self.lines[self.lines.partition_point(|l| l.line < line)];
        let shown = l.prefix + (l.to - l.from);
        l.at + if offset < l.from {
            0
        } else if offset <= l.to {
            l.prefix + (offset - l.from)
        } else if offset <= l.end {
            shown + l.suffix
        } else {
            shown + l.suffix + (offset - l.end)
        }
    }

    /// A column (bytes) on excerpt line `line` → the source line's column.
    fn source_column(&self, line: usize, column: usize) -> usize {
        match self.lines.get(line) {
            Some(l) if column > 0 && l.prefix > 0 => {
                column.saturating_sub(l.prefix) + (l.from - l.start)
            }
            _ => column,
        }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The block the span starts in: miette reads within it, so its
        // scan is as long as the block, not the file.
        let i = self.blocks.partition_point(|b| b.at <= span.offset());
        let b = self
            .blocks
            .get(i.wrapping_sub(1))
            .ok_or(MietteError::OutOfBounds)?;
        let inner = SourceSpan::from((span.offset() - b.at, span.len()));
        let c = self.text.as_bytes()[b.at..b.end].read_span(
            &inner,
            context_lines_before,
            context_lines_after,
        )?;
        let line = c.line() + b.first_line;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::from((c.span().offset() + b.at, c.span().len())),
            line,
            self.source_column(b.first + c.line(), c.column()),
            // miette joins two labels' snippets when the first one's line
            // plus this count reaches the second's line: up to the block's
            // end, so exactly the labels of one block are joined.
            b.last_line + 1 - line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::span::Span;

    fn render_one(source: &str, labels: &[(usize, usize)]) -> String {
        let mut d = Diagnostic::error(Code::InvalidValue, "bad value");
        for &(start, len) in labels {
            d = d.label(Span::new(start, len), "this one");
        }
        let diags = [d];
        let file = FileReport::new("spec.kdl", source, &diags);
        render(
            &file,
            &Options {
                color: false,
                width: 100,
            },
        )
    }

    /// Labels far apart are two snippets with the right line numbers, and
    /// the lines between are neither copied nor shown: a diagnostic costs
    /// the same wherever its labels are (3 000 of them on a 200 kB spec
    /// printed 18.9 million lines).
    #[test]
    fn labels_far_apart_are_two_snippets_of_their_own_lines() {
        let src: String = (1..=5000).map(|i| format!("node{i} \"v{i}\"\n")).collect();
        let at = |line: usize| {
            src.match_indices('\n')
                .nth(line - 2)
                .map_or(0, |(i, _)| i + 1)
        };
        let out = render_one(&src, &[(at(4990), 8), (at(3), 5)]);
        assert!(out.contains("spec.kdl:4990:1"), "{out}");
        assert!(out.contains("4990 │ node4990"), "{out}");
        assert!(out.contains(" 3 │ node3"), "{out}");
        assert!(!out.contains("node10 "), "{out}");
        assert!(out.lines().count() < 20, "{out}");
        // Near labels stay one snippet with the lines between.
        let out = render_one(&src, &[(at(100), 7), (at(105), 7)]);
        assert_eq!(out.matches("╭─[").count(), 1, "{out}");
        assert!(out.contains("103 │ node103"), "{out}");
    }

    #[test]
    fn a_label_past_column_65535_is_shown_in_a_window() {
        let line = format!("owner \"{}\" bogus=1", "a".repeat(100_000));
        let src = format!("project \"p\" {{\n{line}\n}}\n");
        let at = src.find("bogus").unwrap();
        let out = render_one(&src, &[(at, 5)]);
        let column = at - src.find("owner").unwrap() + 1;
        assert!(out.contains(&format!("[spec.kdl:2:{column}]")), "{out}");
        assert!(out.contains("…aaaa"), "{out}");
        assert!(out.contains("bogus=1"), "{out}");
        assert!(out.contains("this one"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 400), "{out}");
    }

    #[test]
    fn long_lines_tabs_wide_chars_and_odd_spans_never_panic() {
        let tabs = "\t".repeat(70_000);
        let wide = "界".repeat(40_000);
        let src = format!(
            "a \"{tabs}\" x\r\nb \"{wide}\" y\rc\n{}",
            "z".repeat(70_000)
        );
        let len = src.len();
        for labels in [
            vec![(len - 10, 5)],
            vec![(3, len - 3)],
            vec![(70_010, 0), (5, 1), (len, 0)],
            vec![(src.find('界').unwrap() + 1, 7)], // not on a char boundary
            vec![(len + 100, 50)],
            vec![(0, 0), (140_000, 100_000)],
        ] {
            let out = render_one(&src, &labels);
            assert!(out.contains("bad value"), "{out}");
            assert!(out.lines().all(|l| l.chars().count() < 1_000));
        }
        render_one("", &[(0, 0)]);
        render_one("\n\n\n", &[(1, 1), (3, 0)]);
    }

    #[test]
    fn short_lines_render_as_before() {
        let src = "project \"p\" {\n    owner \"x\" bogus=1\n}\n";
        let at = src.find("bogus").unwrap();
        let out = render_one(src, &[(at, 5)]);
        assert!(out.contains("[spec.kdl:2:15]"), "{out}");
        assert!(out.contains(" 2 │     owner \"x\" bogus=1\n"), "{out}");
        assert!(!out.contains('…'), "{out}");
    }
}
