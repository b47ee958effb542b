//! Log lines on stderr: one line per event, whatever its fields hold, and
//! colours only for a person at a terminal.
//!
//! tracing-subscriber's default field formatter escapes ESC in an event's
//! message, but writes `\n` and `\r` as they are, and every `%display` field
//! raw: a guest's log line or a bucket name in a field could start a forged
//! line, or rewrite the current one. [`InertFields`] writes every field
//! value and message through [`Inert`], so each event is exactly one line
//! with no control character from the data (the tests show both
//! behaviours).
//!
//! Colours ([`use_color`]) are on only when stderr is a terminal and
//! `NO_COLOR` is unset or empty (<https://no-color.org>).

use std::ffi::OsStr;
use std::fmt;
use std::io::IsTerminal as _;

use cloudarq_model::text::Inert;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, MakeWriter};

/// The log filter when `CLOUDARQ_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "warn,cloudarq_core=info";

/// Installs the process's logger: events filtered by `CLOUDARQ_LOG`, written
/// to stderr one line each by [`InertFields`], coloured per [`use_color`].
pub fn init() {
    let color = use_color(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    tracing::subscriber::set_global_default(subscriber(std::io::stderr, filter(), color))
        .unwrap_or_else(|e| eprintln!("warning: logging is not set up: {e}"));
}

/// `CLOUDARQ_LOG`, else [`DEFAULT_FILTER`].
fn filter() -> EnvFilter {
    EnvFilter::try_from_env("CLOUDARQ_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// The subscriber [`init`] installs, writing to `writer`.
pub fn subscriber<W>(writer: W, filter: EnvFilter, ansi: bool) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .fmt_fields(InertFields)
        .finish()
}

/// Whether output meant for a person gets ANSI colours: only on a terminal,
/// and never when `NO_COLOR` is set to a non-empty value.
pub fn use_color(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// A field formatter that writes the message and every field value through
/// [`Inert`]: `message name=value name=value`, one line per event.
#[derive(Clone, Copy, Debug, Default)]
pub struct InertFields;

impl<'w> FormatFields<'w> for InertFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut v = InertVisitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut v);
        v.result
    }
}

struct InertVisitor<'w> {
    writer: Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl InertVisitor<'_> {
    fn write(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let sep = if std::mem::take(&mut self.first) {
            ""
        } else {
            " "
        };
        self.result = match name {
            "message" => write!(self.writer, "{sep}{}", Inert(value)),
            name => write!(
                self.writer,
                "{sep}{}={}",
                name.trim_start_matches("r#"),
                Inert(value)
            ),
        };
    }
}

impl Visit for InertVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field, format_args!("{value}"));
        } else {
            self.write(field, format_args!("{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut chain = value.to_string();
        let mut source = value.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        self.write(field, format_args!("{chain}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, format_args!("{value:?}"));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer that keeps what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const FORGED: &str = "done\n2026-01-01T00:00:00Z  INFO cloudarq: all clear\r\x1b[2K\u{202e}";

    /// Two events carrying hostile text in the message, a `%display` field,
    /// a `?debug` field and a string field; returns what was written.
    fn log_two_events(fields: impl for<'w> FormatFields<'w> + Send + Sync + 'static) -> String {
        let out = Captured::default();
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "cloudarq::wasm::guest", package = "p", "{FORGED}");
            tracing::warn!(cause = %FORGED, debug = ?FORGED, text = FORGED, "package cannot run");
        });
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_default_formatter_lets_newlines_and_display_fields_through() {
        let text = log_two_events(tracing_subscriber::fmt::format::DefaultFields::new());
        // What `InertFields` exists for: upstream escapes ESC in the message
        // only, so two events become more lines and a raw ESC gets through.
        assert!(text.lines().count() > 2, "{text}");
        assert!(
            text.contains("\nINFO cloudarq: all clear") || text.contains("\n2026"),
            "{text}"
        );
        assert!(text.contains('\x1b'), "{text}");
    }

    #[test]
    fn issue_9_each_event_is_one_line_without_raw_controls() {
        let text = log_two_events(InertFields);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.ends_with('\n'));
        let body = &text[..text.len() - 1];
        for bad in ['\x1b', '\r', '\u{202e}'] {
            assert!(!body.contains(bad), "{bad:?} in {text:?}");
        }
        assert_eq!(body.matches('\n').count(), 1, "{text:?}");
        let escaped = r"done\n2026-01-01T00:00:00Z  INFO cloudarq: all clear\r\x1b[2K\u{202e}";
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with(&format!("package=\"p\" {escaped}"))
                || lines[0].contains(&format!("{escaped} package=\"p\"")),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].contains(&format!("package cannot run cause={escaped}")),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(r#"text="done\n2026"#), "{}", lines[1]);
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        let os = |s: &'static str| Some(OsStr::new(s));
        assert!(use_color(true, None));
        assert!(use_color(true, os("")));
        assert!(!use_color(true, os("1")));
        assert!(!use_color(true, os("false")), "any non-empty value");
        assert!(!use_color(false, None));
    }
}
