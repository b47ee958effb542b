//! Untrusted text made inert: the one place that decides how a string from
//! an audited account or a rule package is written to a terminal, a log line
//! or a CSV cell.
//!
//! Anyone who can name a bucket, tag an instance or write a rule package
//! controls some of the text CloudArq prints. Written raw, that text could
//! move the cursor, recolour or rewrite earlier lines (CSI), plant a
//! hyperlink (OSC 8) or the clipboard (OSC 52), start a forged log line
//! (CR, LF), or reorder what the reader sees (bidirectional overrides).
//! [`escape`] and [`Inert`] write each such character as a visible escape
//! instead:
//!
//! | characters | written as |
//! |---|---|
//! | LF, CR, TAB | `\n`, `\r`, `\t` |
//! | other C0 controls (U+0000–U+001F, ESC included) and DEL | `\x1b`, `\x00`, `\x7f` |
//! | C1 controls (U+0080–U+009F) | `\u{9b}` |
//! | bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) | `\u{202e}` |
//! | line and paragraph separators (U+2028, U+2029) | `\u{2028}` |
//!
//! Everything else, backslashes included, is written as it is: escaping is
//! for reading, not a reversible encoding (the JSON report holds the exact
//! values).
//!
//! [`csv_cell`] adds the spreadsheet rule (OWASP "CSV Injection"): a cell
//! whose value begins with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`.
//!
//! ```
//! use cloudarq_model::text::{Inert, csv_cell, escape};
//! assert_eq!(escape("web-1\x1b[2J\r\n"), r"web-1\x1b[2J\r\n");
//! assert_eq!(escape("plain"), "plain");
//! assert_eq!(format!("[{:<6}]", Inert("a\u{202e}")), r"[a\u{202e}]");
//! assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
//! assert_eq!(csv_cell("-1"), "'-1");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Whether `c` is written as a visible escape rather than as itself.
pub fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `s` holds no character that [`needs_escape`]: it prints as itself.
pub fn is_inert(s: &str) -> bool {
    !s.chars().any(needs_escape)
}

/// `s` with every character that [`needs_escape`] written as a visible
/// escape; borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if is_inert(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, s);
    Cow::Owned(out)
}

/// Writes `s` to `out`, escaping as [`escape`] does, without allocating.
fn write_escaped(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(i) = rest.find(needs_escape) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or_default();
        match c {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_ascii() => write!(out, "\\x{:02x}", u32::from(c))?,
            c => write!(out, "\\u{{{:x}}}", u32::from(c))?,
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)
}

/// Formats a value's text with [`escape`] applied: wrap untrusted values
/// where they are printed, `writeln!(out, "rule {}", Inert(&id))`. Width,
/// fill and alignment apply to the escaped text.
#[derive(Clone, Copy, Debug)]
pub struct Inert<T>(pub T);

impl<T: fmt::Display> fmt::Display for Inert<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_some() || f.precision().is_some() {
            let text = self.0.to_string();
            return f.pad(&escape(&text));
        }
        let mut w = EscapingWriter(f);
        write!(w, "{}", self.0)
    }
}

/// Escapes everything written through it.
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_escaped(&mut *self.0, s)
    }
}

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV cell: a value beginning with `=`, `+`, `-`, `@`, TAB or CR gets a
/// leading `'` (so a spreadsheet shows it as text and never evaluates it),
/// then the value is [escaped](escape). The rule holds for every cell, a
/// negative number included.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let escaped = escape(s);
    if s.starts_with(FORMULA_STARTERS) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_bidi_and_separator_is_escaped_visibly() {
        let cases = [
            ("\u{1b}[31mred\u{1b}[0m", r"\x1b[31mred\x1b[0m"),
            (
                "\u{1b}]8;;https://evil\u{7}x\u{1b}]8;;\u{7}",
                r"\x1b]8;;https://evil\x07x\x1b]8;;\x07",
            ),
            ("\u{1b}]52;c;ZXZpbA==\u{7}", r"\x1b]52;c;ZXZpbA==\x07"),
            ("a\r\nb\tc\0d\u{7f}", r"a\r\nb\tc\x00d\x7f"),
            ("\u{9b}2J\u{85}", r"\u{9b}2J\u{85}"),
            ("abc\u{202e}fed\u{202c}", r"abc\u{202e}fed\u{202c}"),
            (
                "\u{2066}\u{2067}\u{2068}\u{2069}",
                r"\u{2066}\u{2067}\u{2068}\u{2069}",
            ),
            ("\u{200e}\u{200f}\u{61c}", r"\u{200e}\u{200f}\u{61c}"),
            ("line\u{2028}para\u{2029}", r"line\u{2028}para\u{2029}"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
            assert_eq!(Inert(raw).to_string(), want, "{raw:?}");
            assert!(!is_inert(raw));
            assert!(is_inert(want));
        }
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for s in [
            "",
            "web-1 <img src=x onerror=alert(1)>",
            r"C:\path\x1b",
            "日本語 émoji 🦀 \u{a0}",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s:?}");
            assert_eq!(Inert(s).to_string(), s);
        }
    }

    #[test]
    fn width_and_alignment_apply_to_the_escaped_text() {
        assert_eq!(format!("{:<8}|", Inert("a\u{1b}")), r"a\x1b   |");
        assert_eq!(format!("{:>4}|", Inert("ab")), "  ab|");
        assert_eq!(format!("{}", Inert(format_args!("x{}y", '\n'))), r"x\ny");
    }

    #[test]
    fn csv_cells_neutralize_formula_starters_then_escape() {
        let cases = [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("-", "'-"),
            ("-42", "'-42"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", r"'\t=1"),
            ("\r=1", r"'\r=1"),
            ("a=1", "a=1"),
            ("\u{1b}[2J=1", r"\x1b[2J=1"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(csv_cell(raw), want, "{raw:?}");
        }
    }
}
