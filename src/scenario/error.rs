//! Scenario errors: one user-facing message that names the file, line and column, the key,
//! the bad value and what is allowed, followed by the offending source line with a caret.
//!
//! Also the `SourceMap`: every text a scenario is assembled from (the file, its `extends`
//! parents, each `--set` argument) laid end to end in one virtual address space, so that a
//! single byte span identifies both the source and the place in it. Depends on nothing but std.

use std::fmt;
use std::ops::Range;

/// What kind of problem a scenario has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
    /// The text is not valid TOML.
    Syntax,
    /// A key that the format does not know.
    UnknownKey,
    /// A value of the wrong type (a string where a number is expected, ...).
    WrongType,
    /// A number outside its allowed range.
    OutOfRange,
    /// A badly specified distribution.
    Distribution,
    /// A name (power, threat, kind, domain, variable) that is not declared.
    UnknownName,
    /// `extends` files that extend each other.
    Cycle,
    /// A `--set` argument that cannot be applied.
    Override,
    /// A rule condition that does not compile.
    Expression,
    /// Any other violated rule (sums, years in order, sizes).
    Invalid,
}

/// Where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A position in a scenario file (1-based line and character column).
    File {
        /// The file as it was named (relative paths stay relative).
        path: String,
        /// Line, from 1.
        line: usize,
        /// Column in characters, from 1.
        column: usize,
    },
    /// A whole file (for values that come from the defaults).
    WholeFile {
        /// The file as it was named.
        path: String,
    },
    /// A `--set` argument, as given.
    Set {
        /// The argument, `key.path=value`.
        arg: String,
    },
    /// Nowhere in particular.
    Nowhere,
}

/// A scenario that cannot be loaded. `Display` is the complete message for the user, starting
/// with `error: `, then the place, the message and the snippet:
///
/// ```text
/// error: scenarios/x.toml:14:10: powers.US.budget = -1 is out of range: allowed 0 to 100
///    |
/// 14 | budget = -1
///    |          ^^
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// Where it is.
    pub place: Place,
    /// The TOML key path the problem concerns, if any (`powers.US.budget`).
    pub key: Option<String>,
    /// The message: the key, the bad value and what is allowed.
    pub message: String,
    /// The source line with a caret under the offending text (empty when there is none).
    pub snippet: String,
    /// Further errors of the same scenario, after this one in file order (`check` reports
    /// every error of a file at once).
    pub also: Vec<ScenarioError>,
    /// Offset in the virtual address space of the sources (file order), for sorting.
    pub(crate) at: usize,
}

impl ScenarioError {
    /// An error without a place (a file that cannot be read, ...).
    pub(crate) fn bare(kind: ErrorKind, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            kind,
            place: Place::Nowhere,
            key: None,
            message: message.into(),
            snippet: String::new(),
            also: Vec::new(),
            at: usize::MAX,
        }
    }

    /// Several errors as one, in file order: the first, with the others in `also`.
    /// `None` when there are none.
    pub(crate) fn many(mut errors: Vec<ScenarioError>) -> Option<ScenarioError> {
        let mut flat = Vec::new();
        for mut e in errors.drain(..) {
            let more = std::mem::take(&mut e.also);
            flat.push(e);
            flat.extend(more);
        }
        // Stable: errors at one place keep the order they were found in.
        flat.sort_by_key(|e| e.at);
        flat.dedup_by(|a, b| a.at == b.at && a.message == b.message);
        let mut iter = flat.into_iter();
        let mut first = iter.next()?;
        first.also = iter.collect();
        Some(first)
    }

    /// How many errors this holds (itself and `also`).
    pub fn count(&self) -> usize {
        1 + self.also.len()
    }

    fn write_one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        match &self.place {
            Place::File { path, line, column } => {
                write!(f, "{path}:{line}:{column}: {}", self.message)?
            }
            Place::WholeFile { path } => write!(f, "{path}: {}", self.message)?,
            Place::Set { arg } => write!(f, "--set {arg}: {}", self.message)?,
            Place::Nowhere => write!(f, "{}", self.message)?,
        }
        if !self.snippet.is_empty() {
            write!(f, "\n{}", self.snippet)?;
        }
        Ok(())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_one(f)?;
        for e in &self.also {
            f.write_str("\n")?;
            e.write_one(f)?;
        }
        if !self.also.is_empty() {
            write!(f, "\n{} errors", self.count())?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Where a text comes from.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    /// A scenario file, named as the user or the `extends` chain named it.
    File(String),
    /// A `--set` argument (the text is the TOML built from it).
    Set(String),
}

/// One text of a scenario.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub origin: Origin,
    pub text: String,
    /// Offset of the text's first byte in the virtual address space.
    pub base: usize,
    /// The folder paths in a file are relative to (`extends`, particle files).
    pub dir: Option<std::path::PathBuf>,
}

/// All texts of a scenario, end to end; spans into it identify source and position.
#[derive(Clone, Debug, Default)]
pub(crate) struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    /// Adds a text; returns its index.
    pub fn add(&mut self, origin: Origin, text: String) -> usize {
        let base = self.sources.last().map_or(0, |s| s.base + s.text.len() + 1);
        self.sources.push(Source {
            origin,
            text,
            base,
            dir: None,
        });
        self.sources.len() - 1
    }

    /// Records the folder the paths in source `i` are relative to.
    pub fn set_dir(&mut self, i: usize, dir: std::path::PathBuf) {
        if let Some(s) = self.sources.get_mut(i) {
            s.dir = Some(dir);
        }
    }

    /// The sources, in the order added.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The source a virtual span belongs to.
    pub fn source_of(&self, span: &Range<usize>) -> Option<&Source> {
        self.sources
            .iter()
            .rev()
            .find(|s| span.start >= s.base && span.start <= s.base + s.text.len())
    }

    /// Name of the first (the loaded) file, for messages about defaults.
    pub fn root_name(&self) -> String {
        match self.sources.first().map(|s| &s.origin) {
            Some(Origin::File(name)) => name.clone(),
            _ => "scenario".to_string(),
        }
    }

    /// The exact text a span covers.
    pub fn raw_text(&self, span: &Range<usize>) -> Option<&str> {
        let src = self.source_of(span)?;
        src.text
            .get(span.start - src.base..span.end.checked_sub(src.base)?)
    }

    /// The text a span covers (its first line, shortened), for quoting a bad value.
    pub fn text_of(&self, span: &Range<usize>) -> String {
        let Some(src) = self.source_of(span) else {
            return String::new();
        };
        let start = span.start - src.base;
        let end = (span.end.max(span.start) - src.base).min(src.text.len());
        let text = src.text.get(start..end).unwrap_or("");
        let first = text.lines().next().unwrap_or("").trim();
        if first.chars().count() > 60 {
            let cut: String = first.chars().take(57).collect();
            format!("{cut}...")
        } else {
            first.to_string()
        }
    }

    /// Where a span is, in words: `file.toml:3:5`, `--set a.b=1`, or `the defaults`.
    pub fn place_text(&self, span: &Range<usize>) -> String {
        match self.source_of(span) {
            Some(src) => match &src.origin {
                Origin::Set(arg) => format!("--set {arg}"),
                Origin::File(path) => {
                    let start = (span.start - src.base).min(src.text.len());
                    let (line, column, _) = render(&src.text, start, start);
                    format!("{path}:{line}:{column}")
                }
            },
            None => "the defaults".to_string(),
        }
    }

    /// An error at a span (or at no place when the span is `None`: a default value).
    pub fn error(
        &self,
        kind: ErrorKind,
        span: Option<Range<usize>>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let message = message.into();
        let key = key.map(str::to_string);
        let Some(span) = span else {
            return ScenarioError {
                kind,
                place: Place::WholeFile {
                    path: self.root_name(),
                },
                key,
                message: format!("{message} (the value is a default)"),
                snippet: String::new(),
                also: Vec::new(),
                at: usize::MAX - 1,
            };
        };
        let Some(src) = self.source_of(&span) else {
            return ScenarioError {
                kind,
                place: Place::Nowhere,
                key,
                message,
                snippet: String::new(),
                also: Vec::new(),
                at: usize::MAX,
            };
        };
        match &src.origin {
            Origin::Set(arg) => ScenarioError {
                kind,
                place: Place::Set { arg: arg.clone() },
                key,
                message,
                snippet: String::new(),
                also: Vec::new(),
                at: span.start,
            },
            Origin::File(path) => {
                let start = (span.start - src.base).min(src.text.len());
                let end = (span.end.max(span.start) - src.base).min(src.text.len());
                let (line, column, snippet) = render(&src.text, start, end);
                ScenarioError {
                    kind,
                    place: Place::File {
                        path: path.clone(),
                        line,
                        column,
                    },
                    key,
                    message,
                    snippet,
                    also: Vec::new(),
                    at: span.start,
                }
            }
        }
    }
}

/// Line and column (1-based, in characters) of a byte offset, and the snippet:
///
/// ```text
///    |
/// 14 | budget = -1
///    |          ^^
/// ```
pub(crate) fn render(text: &str, start: usize, end: usize) -> (usize, usize, String) {
    let start = floor_char_boundary(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text[line_start..line_end].trim_end_matches('\r');
    let column = text[line_start..start].chars().count() + 1;
    let end = floor_char_boundary(text, end.clamp(start, line_end));
    let width = text[start..end].chars().count().max(1);
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    // Tabs keep their width in the caret line so that the caret stays under the text.
    let lead: String = text[line_start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let snippet = format!(
        "{pad} |\n{line_no} | {line}\n{pad} | {lead}{}",
        "^".repeat(width)
    );
    (line_no, column, snippet)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// "did you mean `x`?" for the closest of `allowed` (Jaro-Winkler), or nothing.
pub(crate) fn suggest<'a>(word: &str, allowed: impl IntoIterator<Item = &'a str>) -> String {
    // Jaro-Winkler for words, one edit for short ids (`UK` for `US`).
    let best = allowed
        .into_iter()
        .map(|a| (strsim::jaro_winkler(word, a), a))
        .filter(|(score, a)| *score > 0.8 || (a.len() >= 2 && strsim::levenshtein(word, a) <= 1))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, a)) => format!("did you mean `{a}`? "),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_the_span() {
        let text = "a = 1\nbudget = -1\n";
        let start = text.find("-1").unwrap();
        let (line, column, snippet) = render(text, start, start + 2);
        assert_eq!((line, column), (2, 10));
        assert_eq!(snippet, "  |\n2 | budget = -1\n  |          ^^");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "name = \"Србија\" x";
        let start = text.find('x').unwrap();
        let (_, column, _) = render(text, start, start + 1);
        assert_eq!(column, 17);
    }

    #[test]
    fn spans_map_to_their_source() {
        let mut map = SourceMap::default();
        map.add(Origin::File("a.toml".into()), "x = 1".into());
        map.add(Origin::File("b.toml".into()), "y = 2".into());
        let e = map.error(ErrorKind::Invalid, Some(10..11), Some("y"), "bad");
        assert_eq!(
            e.to_string(),
            "error: b.toml:1:5: bad\n  |\n1 | y = 2\n  |     ^"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("budgt", ["budget", "target"]),
            "did you mean `budget`? "
        );
        assert_eq!(suggest("zzz", ["budget", "target"]), "");
    }
}
