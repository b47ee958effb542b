//! Does a CloudWatch Logs metric filter catch the CloudTrail events a CIS
//! "Monitoring" control asks it to catch?
//!
//! Each CIS AWS Foundations monitoring control (v3.0.0 section 4.1–4.15,
//! v7.0.0 section 5.1–5.15) asks for a metric filter on the CloudTrail log
//! group whose pattern catches a set of CloudTrail events. Comparing a
//! filter's text with the benchmark's breaks on whitespace, term order and
//! parentheses, so this module reads the pattern instead: [`Pattern::parse`]
//! parses the JSON filter pattern syntax, [`Pattern::matches`] evaluates it on
//! one JSON log event the way CloudWatch does, and [`covers`] runs it on
//! synthetic CloudTrail records of every event a [`MonitoringControl`]
//! requires.
//!
//! ```
//! use cloudarq_rules::cloudwatch::filter_pattern::{
//!     covers, Coverage, MonitoringControl, ParseError, Pattern,
//! };
//!
//! let pattern = Pattern::parse(
//!     "{ ($.eventSource = kms.amazonaws.com) &&
//!        (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) }",
//! )?;
//! assert_eq!(covers(&pattern, MonitoringControl::CmkDisableOrDeletion), Coverage::Covers);
//!
//! let narrow = Pattern::parse("{ $.eventName = DisableKey }")?;
//! assert_eq!(
//!     covers(&narrow, MonitoringControl::CmkDisableOrDeletion),
//!     Coverage::Misses(vec!["eventName ScheduleKeyDeletion".to_owned()]),
//! );
//! assert!(narrow.matches(&serde_json::json!({ "eventName": "DisableKey" })));
//!
//! assert_eq!(Pattern::parse("ERROR"), Err(ParseError::NotJsonPattern { offset: 0 }));
//! # Ok::<(), ParseError>(())
//! ```
//!
//! # Syntax
//!
//! `{ EXPR }`, surrounded by any whitespace. `EXPR` joins comparisons with
//! `&&` and `||` and groups them with parentheses. **`&&` binds tighter than
//! `||`**: `a || b && c` is `a || (b && c)`, as AWS's own examples read. A
//! comparison is a selector, `$.` then dotted field names and `[n]` array
//! indexes (`$.a[0].b`, `$.m[0][1]`), then one of
//!
//! - `= value`, `!= value`, with a quoted (`"AccessDenied*"`) or bare
//!   (`kms.amazonaws.com`, `123.123.*`, `400`) value;
//! - `<`, `>`, `<=`, `>=` and a number (`-1.5`, `400`, `4e2`);
//! - `NOT EXISTS`, `EXISTS`, `IS NULL`, `IS TRUE`, `IS FALSE`.
//!
//! Operators are case-sensitive (`not exists` is an error), as are field
//! names (`$.eventname` is not `$.eventName`) and values. Inside a quoted
//! string, `\` makes the next character literal (`\"`, `\*`). Patterns longer
//! than [`MAX_PATTERN_CHARS`] characters (CloudWatch's limit) or with
//! parentheses nested deeper than [`MAX_NESTING_DEPTH`] are refused. Term,
//! phrase, space-delimited (`[ip, user, ...]`) and regex (`%...%`) patterns
//! are refused too: CIS only uses the JSON form.
//!
//! # Evaluation
//!
//! - A `*` in a value matches any run of characters, none included:
//!   `"*UnauthorizedOperation"`, `"AccessDenied*"`, `"Delete*Policy"`, `*`.
//! - `=` on a number field with a numeric value compares numbers (`5` matches
//!   `5.0`); otherwise it matches the field's text (a string, or the JSON text
//!   of a number or boolean) against the value.
//! - `!=` is true only when the field is present, is a string, number or
//!   boolean, and does not match.
//! - `<`, `>`, `<=`, `>=` are true only on a JSON number field.
//! - **An absent field** makes every comparison false, `!=` included; only
//!   `NOT EXISTS` is true on it. `IS NULL` is true only on a field present
//!   with the JSON value `null` (absent is not null); `EXISTS` is true on any
//!   present field. A null, object or array field fails `=` and `!=` alike.
//!
//! # Coverage
//!
//! A pattern covers a control iff it matches every record of
//! [`MonitoringControl::required_events`]. A broader pattern (say
//! `{ $.eventSource = "organizations.amazonaws.com" }`, or `"*Policy"` for the
//! IAM policy events) covers: it does raise the alarm on each required event,
//! which is what the control is for. How noisy it is, is another question.

use std::str::FromStr;

use serde_json::{Value, json};

/// The longest pattern accepted, in characters: CloudWatch's own limit.
pub const MAX_PATTERN_CHARS: usize = 1024;

/// The deepest nesting of parentheses accepted.
pub const MAX_NESTING_DEPTH: usize = 32;

/// Why a filter pattern was refused. Offsets are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The pattern is empty or only whitespace. CloudWatch reads an empty
    /// pattern as "match everything", which is no monitoring filter at all.
    #[error("the filter pattern is empty")]
    Empty,
    /// The pattern is over [`MAX_PATTERN_CHARS`] characters.
    #[error(
        "the filter pattern is {len} characters long, over the limit of {max} \
         (the excess starts at byte {offset})"
    )]
    TooLong {
        /// Length of the pattern, in characters.
        len: usize,
        /// The limit, [`MAX_PATTERN_CHARS`].
        max: usize,
        /// Byte offset of the first character over the limit.
        offset: usize,
    },
    /// The pattern does not start with `{`: a term, phrase or space-delimited
    /// pattern, which this module does not evaluate.
    #[error(
        "expected a JSON filter pattern starting with `{{` at byte {offset}; \
         term, phrase and space-delimited patterns are not supported"
    )]
    NotJsonPattern {
        /// Byte offset of the first non-whitespace character.
        offset: usize,
    },
    /// Parentheses nest deeper than [`MAX_NESTING_DEPTH`].
    #[error("parentheses nest deeper than {max} levels at byte {offset}")]
    TooDeep {
        /// Byte offset of the first `(` over the limit.
        offset: usize,
        /// The limit, [`MAX_NESTING_DEPTH`].
        max: usize,
    },
    /// A `(` is never closed, or a `)` closes nothing.
    #[error("unbalanced parenthesis at byte {offset}")]
    UnbalancedParenthesis {
        /// Byte offset of the unclosed `(` or of the stray `)`.
        offset: usize,
    },
    /// A quoted string has no closing `"`.
    #[error("unterminated string starting at byte {offset}")]
    UnterminatedString {
        /// Byte offset of the opening `"`.
        offset: usize,
    },
    /// Something stands where an operator must: `=~`, `==`, `&`, `not exists`.
    #[error("unknown operator `{found}` at byte {offset}")]
    UnknownOperator {
        /// Byte offset of the operator.
        offset: usize,
        /// The operator as written.
        found: String,
    },
    /// A selector is not `$.` then field names and `[n]` indexes.
    #[error("invalid selector at byte {offset}: {reason}")]
    InvalidSelector {
        /// Byte offset of the fault.
        offset: usize,
        /// What a selector needs there.
        reason: &'static str,
    },
    /// `<`, `>`, `<=` or `>=` with a value that is not a number.
    #[error("expected a number at byte {offset}: `<`, `>`, `<=` and `>=` compare numbers")]
    ExpectedNumber {
        /// Byte offset of the value.
        offset: usize,
    },
    /// A `%...%` regular expression, which this module does not evaluate.
    #[error("regular expressions (`%...%`) are not supported, at byte {offset}")]
    UnsupportedRegex {
        /// Byte offset of the opening `%`.
        offset: usize,
    },
    /// Any other token out of place.
    #[error("expected {expected} at byte {offset}, found {found}")]
    Unexpected {
        /// Byte offset of what was found.
        offset: usize,
        /// What the grammar allows there.
        expected: &'static str,
        /// What stands there, or "end of input".
        found: String,
    },
    /// Text after the closing `}`.
    #[error("unexpected {found} after the closing `}}`, at byte {offset}")]
    TrailingInput {
        /// Byte offset of the text.
        offset: usize,
        /// The text, shortened.
        found: String,
    },
}

impl ParseError {
    /// The byte offset the error points at; `None` for [`ParseError::Empty`].
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Empty => None,
            Self::TooLong { offset, .. }
            | Self::NotJsonPattern { offset }
            | Self::TooDeep { offset, .. }
            | Self::UnbalancedParenthesis { offset }
            | Self::UnterminatedString { offset }
            | Self::UnknownOperator { offset, .. }
            | Self::InvalidSelector { offset, .. }
            | Self::ExpectedNumber { offset }
            | Self::UnsupportedRegex { offset }
            | Self::Unexpected { offset, .. }
            | Self::TrailingInput { offset, .. } => Some(*offset),
        }
    }
}

/// A parsed JSON filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    expr: Expr,
}

impl Pattern {
    /// Parses a JSON filter pattern; see the [module docs](self) for the
    /// syntax.
    pub fn parse(src: &str) -> Result<Self, ParseError> {
        // Bound the work before anything else; `nth` stops at the limit.
        if let Some((offset, _)) = src.char_indices().nth(MAX_PATTERN_CHARS) {
            return Err(ParseError::TooLong {
                len: src.chars().count(),
                max: MAX_PATTERN_CHARS,
                offset,
            });
        }
        if src.trim().is_empty() {
            return Err(ParseError::Empty);
        }
        let mut p = Parser { src, pos: 0 };
        p.skip_ws();
        if !p.eat("{") {
            return Err(ParseError::NotJsonPattern { offset: p.pos });
        }
        let expr = p.parse_or(0)?;
        p.skip_ws();
        match p.peek() {
            Some('}') => p.pos += 1,
            Some(')') => return Err(ParseError::UnbalancedParenthesis { offset: p.pos }),
            _ => return Err(p.unexpected("`&&`, `||` or the closing `}`")),
        }
        p.skip_ws();
        if p.peek().is_some() {
            return Err(ParseError::TrailingInput {
                offset: p.pos,
                found: p.lexeme(),
            });
        }
        Ok(Self { expr })
    }

    /// Whether the pattern matches one JSON log event, e.g. a CloudTrail
    /// record; see the [module docs](self) for the rules.
    pub fn matches(&self, event: &Value) -> bool {
        self.expr.eval(event)
    }
}

impl FromStr for Pattern {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---- syntax tree -----------------------------------------------------------

/// `Any` and `All` hold every operand of a chain of `||` or `&&`, so a long
/// flat pattern is a wide tree, not a deep one: only parentheses add depth.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Any(Vec<Expr>),
    All(Vec<Expr>),
    Test(Comparison),
}

#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    selector: Vec<Step>,
    test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Eq(Literal),
    Ne(Literal),
    Order(Order, f64),
    Exists,
    NotExists,
    IsNull,
    IsTrue,
    IsFalse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Lt,
    Le,
    Gt,
    Ge,
}

/// A value to compare with: its text as a glob, and its number when it was
/// written as a bare number.
#[derive(Debug, Clone, PartialEq)]
struct Literal {
    glob: Vec<Glob>,
    number: Option<f64>,
}

/// One byte of a value, or a `*`. Bytes, not chars: a literal UTF-8 sequence
/// can only match at a char boundary, so byte matching is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glob {
    Byte(u8),
    Star,
}

// ---- parser ----------------------------------------------------------------

/// Recursive descent over the text. Recursion happens only at `(`, which is
/// counted against [`MAX_NESTING_DEPTH`] before descending.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.pos += token.len();
        }
        found
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c| !keep(c)).unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or("")
    }

    /// The next few characters, to name what was found in an error.
    fn lexeme(&self) -> String {
        let word: String = self
            .rest()
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .take(24)
            .collect();
        if word.is_empty() {
            "end of input".to_owned()
        } else {
            // The pattern is the audited account's text: escaped, so an
            // error message carries no control or bidirectional character.
            format!("`{}`", cloudarq_model::text::escape(&word))
        }
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        ParseError::Unexpected {
            offset: self.pos,
            expected,
            found: self.lexeme(),
        }
    }

    fn parse_or(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut terms = vec![self.parse_and(depth)?];
        loop {
            self.skip_ws();
            if self.eat("||") {
                terms.push(self.parse_and(depth)?);
            } else if self.peek() == Some('|') {
                return Err(ParseError::UnknownOperator {
                    offset: self.pos,
                    found: "|".to_owned(),
                });
            } else {
                break;
            }
        }
        Ok(
            if terms.len() == 1
                && let Some(only) = terms.pop()
            {
                only
            } else {
                Expr::Any(terms)
            },
        )
    }

    fn parse_and(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut factors = vec![self.parse_primary(depth)?];
        loop {
            self.skip_ws();
            if self.eat("&&") {
                factors.push(self.parse_primary(depth)?);
            } else if self.peek() == Some('&') {
                return Err(ParseError::UnknownOperator {
                    offset: self.pos,
                    found: "&".to_owned(),
                });
            } else {
                break;
            }
        }
        Ok(
            if factors.len() == 1
                && let Some(only) = factors.pop()
            {
                only
            } else {
                Expr::All(factors)
            },
        )
    }

    fn parse_primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('(') => {
                if depth >= MAX_NESTING_DEPTH {
                    return Err(ParseError::TooDeep {
                        offset: start,
                        max: MAX_NESTING_DEPTH,
                    });
                }
                self.pos += 1;
                let inner = self.parse_or(depth + 1)?;
                self.skip_ws();
                match self.peek() {
                    Some(')') => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    None | Some('}') => Err(ParseError::UnbalancedParenthesis { offset: start }),
                    Some(_) => Err(self.unexpected("`&&`, `||` or `)`")),
                }
            }
            Some('$') => Ok(Expr::Test(self.parse_comparison()?)),
            Some(c) if c.is_alphanumeric() || c == '_' => Err(ParseError::InvalidSelector {
                offset: start,
                reason: "a selector starts with `$.`",
            }),
            _ => Err(self.unexpected("a comparison or `(`")),
        }
    }

    fn parse_comparison(&mut self) -> Result<Comparison, ParseError> {
        let selector = self.parse_selector()?;
        self.skip_ws();
        let op_start = self.pos;
        let test = match self.peek() {
            Some(c) if c.is_ascii_alphabetic() => self.parse_word_operator(op_start)?,
            Some(c) if is_operator_char(c) => {
                let op = self.take_while(is_operator_char);
                self.skip_ws();
                let value_start = self.pos;
                let order = match op {
                    "=" => return Ok(Comparison::new(selector, Test::Eq(self.parse_value()?))),
                    "!=" => return Ok(Comparison::new(selector, Test::Ne(self.parse_value()?))),
                    "<" => Order::Lt,
                    "<=" => Order::Le,
                    ">" => Order::Gt,
                    ">=" => Order::Ge,
                    _ => {
                        return Err(ParseError::UnknownOperator {
                            offset: op_start,
                            found: op.to_owned(),
                        });
                    }
                };
                match self.parse_value()?.number {
                    Some(n) => Test::Order(order, n),
                    None => {
                        return Err(ParseError::ExpectedNumber {
                            offset: value_start,
                        });
                    }
                }
            }
            _ => return Err(self.unexpected("an operator")),
        };
        Ok(Comparison::new(selector, test))
    }

    /// `NOT EXISTS`, `EXISTS`, `IS NULL`, `IS TRUE`, `IS FALSE`.
    fn parse_word_operator(&mut self, start: usize) -> Result<Test, ParseError> {
        let first = self.take_while(|c| c.is_ascii_alphabetic());
        let second = |p: &mut Self| {
            p.skip_ws();
            p.take_while(|c| c.is_ascii_alphabetic())
        };
        let test = match first {
            "EXISTS" => Some(Test::Exists),
            "NOT" => match second(self) {
                "EXISTS" => Some(Test::NotExists),
                other => return Err(unknown_words(start, first, other)),
            },
            "IS" => match second(self) {
                "NULL" => Some(Test::IsNull),
                "TRUE" => Some(Test::IsTrue),
                "FALSE" => Some(Test::IsFalse),
                other => return Err(unknown_words(start, first, other)),
            },
            _ => None,
        };
        test.ok_or_else(|| unknown_words(start, first, ""))
    }

    fn parse_selector(&mut self) -> Result<Vec<Step>, ParseError> {
        if !self.eat("$.") {
            return Err(ParseError::InvalidSelector {
                offset: self.pos,
                reason: "a selector starts with `$.`",
            });
        }
        let mut steps = vec![Step::Key(self.parse_field_name()?)];
        loop {
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    steps.push(Step::Key(self.parse_field_name()?));
                }
                Some('[') => {
                    let open = self.pos;
                    self.pos += 1;
                    let digits = self.take_while(|c| c.is_ascii_digit());
                    let index = digits.parse::<usize>().ok().filter(|_| self.eat("]"));
                    match index {
                        Some(i) => steps.push(Step::Index(i)),
                        None => {
                            return Err(ParseError::InvalidSelector {
                                offset: open,
                                reason: "an array index is `[` digits `]`",
                            });
                        }
                    }
                }
                _ => return Ok(steps),
            }
        }
    }

    fn parse_field_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let name = self.take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@'));
        if name.is_empty() {
            return Err(ParseError::InvalidSelector {
                offset: start,
                reason: "expected a field name",
            });
        }
        Ok(name.to_owned())
    }

    fn parse_value(&mut self) -> Result<Literal, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some('"') => {
                self.pos += 1;
                let mut glob = Vec::new();
                let mut chars = self.rest().char_indices();
                loop {
                    let Some((i, c)) = chars.next() else {
                        return Err(ParseError::UnterminatedString { offset: start });
                    };
                    match c {
                        '"' => {
                            self.pos += i + 1;
                            // A quoted value is text, even when it reads as a number.
                            return Ok(Literal { glob, number: None });
                        }
                        '*' => glob.push(Glob::Star),
                        '\\' => match chars.next() {
                            Some((_, escaped)) => push_char(&mut glob, escaped),
                            None => return Err(ParseError::UnterminatedString { offset: start }),
                        },
                        _ => push_char(&mut glob, c),
                    }
                }
            }
            Some('%') => Err(ParseError::UnsupportedRegex { offset: start }),
            Some(c) if is_bare_char(c) => {
                let raw = self.take_while(is_bare_char);
                let mut glob = Vec::with_capacity(raw.len());
                let mut chars = raw.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '*' => glob.push(Glob::Star),
                        '\\' => push_char(&mut glob, chars.next().unwrap_or('\\')),
                        _ => push_char(&mut glob, c),
                    }
                }
                Ok(Literal {
                    glob,
                    number: parse_number(raw),
                })
            }
            _ => Err(self.unexpected("a value")),
        }
    }
}

impl Comparison {
    fn new(selector: Vec<Step>, test: Test) -> Self {
        Self { selector, test }
    }
}

fn unknown_words(offset: usize, first: &str, second: &str) -> ParseError {
    let found = if second.is_empty() {
        first.to_owned()
    } else {
        format!("{first} {second}")
    };
    ParseError::UnknownOperator { offset, found }
}

fn is_operator_char(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>' | '~')
}

/// A character of an unquoted value: anything but whitespace and the
/// characters that end a comparison.
fn is_bare_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(c, '(' | ')' | '{' | '}' | '"' | '&' | '|')
        && !is_operator_char(c)
}

fn push_char(glob: &mut Vec<Glob>, c: char) {
    let mut buf = [0; 4];
    glob.extend(c.encode_utf8(&mut buf).bytes().map(Glob::Byte));
}

/// A bare number: `-`? digits (`.` digits)? (`e` `-`? digits)?. Checked by
/// hand because `f64::from_str` also takes `inf`, `NaN`, `+1` and `.5`.
fn parse_number(raw: &str) -> Option<f64> {
    let digits =
        |s: &str| -> usize { s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len() };
    let mut rest = raw.strip_prefix('-').unwrap_or(raw);
    let int = digits(rest);
    if int == 0 {
        return None;
    }
    rest = rest.get(int..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = digits(frac);
        if n == 0 {
            return None;
        }
        rest = frac.get(n..)?;
    }
    if let Some(exp) = rest.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let n = digits(exp);
        if n == 0 {
            return None;
        }
        rest = exp.get(n..)?;
    }
    if !rest.is_empty() {
        return None;
    }
    raw.parse::<f64>().ok().filter(|n| n.is_finite())
}

// ---- evaluation ------------------------------------------------------------

impl Expr {
    fn eval(&self, event: &Value) -> bool {
        match self {
            Self::Any(terms) => terms.iter().any(|t| t.eval(event)),
            Self::All(factors) => factors.iter().all(|f| f.eval(event)),
            Self::Test(c) => c.eval(event),
        }
    }
}

impl Comparison {
    fn eval(&self, event: &Value) -> bool {
        let field = self.selector.iter().try_fold(event, |v, step| match step {
            Step::Key(k) => v.get(k.as_str()),
            Step::Index(i) => v.as_array().and_then(|a| a.get(*i)),
        });
        match &self.test {
            Test::Eq(lit) => field.and_then(|v| lit.equals(v)) == Some(true),
            Test::Ne(lit) => field.and_then(|v| lit.equals(v)) == Some(false),
            Test::Order(order, n) => field
                .and_then(Value::as_f64)
                .is_some_and(|x| order.holds(x, *n)),
            Test::Exists => field.is_some(),
            Test::NotExists => field.is_none(),
            Test::IsNull => field.is_some_and(Value::is_null),
            Test::IsTrue => field.and_then(Value::as_bool) == Some(true),
            Test::IsFalse => field.and_then(Value::as_bool) == Some(false),
        }
    }
}

impl Literal {
    /// Whether the field equals this value; `None` when the field is not a
    /// string, number or boolean, so that neither `=` nor `!=` holds.
    fn equals(&self, field: &Value) -> Option<bool> {
        Some(match field {
            Value::String(s) => glob_match(&self.glob, s.as_bytes()),
            Value::Number(n) => match (self.number, n.as_f64()) {
                (Some(want), Some(have)) => have.total_cmp(&want).is_eq(),
                _ => glob_match(&self.glob, n.to_string().as_bytes()),
            },
            Value::Bool(b) => glob_match(&self.glob, b.to_string().as_bytes()),
            Value::Null | Value::Array(_) | Value::Object(_) => return None,
        })
    }
}

impl Order {
    fn holds(self, x: f64, n: f64) -> bool {
        match self {
            Self::Lt => x < n,
            Self::Le => x <= n,
            Self::Gt => x > n,
            Self::Ge => x >= n,
        }
    }
}

/// Wildcard match, backtracking only to the last `*`: O(pattern × text) at
/// worst, with no recursion.
fn glob_match(glob: &[Glob], text: &[u8]) -> bool {
    let (mut g, mut t) = (0, 0);
    // After a `*`: where the glob resumes, and where the `*` stopped eating.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&byte) = text.get(t) {
        match glob.get(g) {
            Some(Glob::Star) => {
                star = Some((g + 1, t));
                g += 1;
            }
            Some(Glob::Byte(b)) if *b == byte => {
                g += 1;
                t += 1;
            }
            _ => match star {
                Some((resume, eaten)) => {
                    star = Some((resume, eaten + 1));
                    g = resume;
                    t = eaten + 1;
                }
                None => return false,
            },
        }
    }
    glob.get(g..)
        .unwrap_or(&[])
        .iter()
        .all(|x| *x == Glob::Star)
}

// ---- CIS monitoring controls -----------------------------------------------

/// One CIS AWS Foundations "Monitoring" control: a metric filter and alarm
/// for one kind of CloudTrail event. Listed in benchmark order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonitoringControl {
    /// Unauthorized API calls (CIS v3.0 4.1, v7.0 5.1).
    UnauthorizedApiCalls,
    /// Management Console sign-in without MFA (CIS v3.0 4.2, v7.0 5.2).
    ConsoleSignInWithoutMfa,
    /// Use of the root user (CIS v3.0 4.3, v7.0 5.3).
    RootAccountUsage,
    /// IAM policy changes (CIS v3.0 4.4, v7.0 5.4).
    IamPolicyChanges,
    /// CloudTrail configuration changes (CIS v3.0 4.5, v7.0 5.5).
    CloudTrailConfigChanges,
    /// Console authentication failures (CIS v3.0 4.6, v7.0 5.6).
    ConsoleAuthFailures,
    /// Disabling or scheduled deletion of customer-created KMS keys (CIS v3.0
    /// 4.7, v7.0 5.7).
    CmkDisableOrDeletion,
    /// S3 bucket policy changes (CIS v3.0 4.8, v7.0 5.8).
    S3BucketPolicyChanges,
    /// AWS Config configuration changes (CIS v3.0 4.9, v7.0 5.9).
    ConfigChanges,
    /// Security group changes (CIS v3.0 4.10, v7.0 5.10).
    SecurityGroupChanges,
    /// Network ACL changes (CIS v3.0 4.11, v7.0 5.11).
    NaclChanges,
    /// Network gateway changes (CIS v3.0 4.12, v7.0 5.12).
    NetworkGatewayChanges,
    /// Route table changes (CIS v3.0 4.13, v7.0 5.13).
    RouteTableChanges,
    /// VPC changes (CIS v3.0 4.14, v7.0 5.14).
    VpcChanges,
    /// AWS Organizations changes (CIS v3.0 4.15, v7.0 5.15).
    OrganizationsChanges,
}

/// One CloudTrail event a control requires a filter to catch.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiredEvent {
    /// What the event is, as a miss reports it: `"eventName DeleteGroupPolicy"`.
    pub label: String,
    /// A minimal synthetic CloudTrail record of the event.
    pub record: Value,
}

/// Whether a pattern catches every event a control requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// The pattern matches every required event.
    Covers,
    /// The labels of the required events the pattern does not match, in the
    /// order of [`MonitoringControl::required_events`].
    Misses(Vec<String>),
}

impl Coverage {
    /// Whether this is [`Coverage::Covers`].
    pub fn is_covered(&self) -> bool {
        matches!(self, Self::Covers)
    }
}

/// Whether `pattern` catches every event `control` requires: it matches each
/// record of [`MonitoringControl::required_events`]. A broader pattern
/// covers too (see the [module docs](self)).
pub fn covers(pattern: &Pattern, control: MonitoringControl) -> Coverage {
    let missed: Vec<String> = control
        .required_events()
        .into_iter()
        .filter(|e| !pattern.matches(&e.record))
        .map(|e| e.label)
        .collect();
    if missed.is_empty() {
        Coverage::Covers
    } else {
        Coverage::Misses(missed)
    }
}

const IAM_POLICY_EVENTS: &[&str] = &[
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
];
const CLOUDTRAIL_EVENTS: &[&str] = &[
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "StartLogging",
    "StopLogging",
];
const KMS_EVENTS: &[&str] = &["DisableKey", "ScheduleKeyDeletion"];
const S3_EVENTS: &[&str] = &[
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutBucketCors",
    "PutBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketPolicy",
    "DeleteBucketCors",
    "DeleteBucketLifecycle",
    "DeleteBucketReplication",
];
const CONFIG_EVENTS: &[&str] = &[
    "StopConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutDeliveryChannel",
    "PutConfigurationRecorder",
];
const SECURITY_GROUP_EVENTS: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
];
const NACL_EVENTS: &[&str] = &[
    "CreateNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAcl",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
];
const GATEWAY_EVENTS: &[&str] = &[
    "CreateCustomerGateway",
    "DeleteCustomerGateway",
    "AttachInternetGateway",
    "CreateInternetGateway",
    "DeleteInternetGateway",
    "DetachInternetGateway",
];
const ROUTE_TABLE_EVENTS: &[&str] = &[
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
];
const VPC_EVENTS: &[&str] = &[
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DisableVpcClassicLink",
    "EnableVpcClassicLink",
];
const ORGANIZATIONS_EVENTS: &[&str] = &[
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
];

impl MonitoringControl {
    /// Every control, in benchmark order.
    pub const ALL: [Self; 15] = [
        Self::UnauthorizedApiCalls,
        Self::ConsoleSignInWithoutMfa,
        Self::RootAccountUsage,
        Self::IamPolicyChanges,
        Self::CloudTrailConfigChanges,
        Self::ConsoleAuthFailures,
        Self::CmkDisableOrDeletion,
        Self::S3BucketPolicyChanges,
        Self::ConfigChanges,
        Self::SecurityGroupChanges,
        Self::NaclChanges,
        Self::NetworkGatewayChanges,
        Self::RouteTableChanges,
        Self::VpcChanges,
        Self::OrganizationsChanges,
    ];

    /// The control's id in CIS AWS Foundations Benchmark v3.0.0: `"4.1"` to
    /// `"4.15"`.
    pub fn cis_v3_id(self) -> &'static str {
        match self {
            Self::UnauthorizedApiCalls => "4.1",
            Self::ConsoleSignInWithoutMfa => "4.2",
            Self::RootAccountUsage => "4.3",
            Self::IamPolicyChanges => "4.4",
            Self::CloudTrailConfigChanges => "4.5",
            Self::ConsoleAuthFailures => "4.6",
            Self::CmkDisableOrDeletion => "4.7",
            Self::S3BucketPolicyChanges => "4.8",
            Self::ConfigChanges => "4.9",
            Self::SecurityGroupChanges => "4.10",
            Self::NaclChanges => "4.11",
            Self::NetworkGatewayChanges => "4.12",
            Self::RouteTableChanges => "4.13",
            Self::VpcChanges => "4.14",
            Self::OrganizationsChanges => "4.15",
        }
    }

    /// The control's id in CIS AWS Foundations Benchmark v7.0.0, where
    /// Monitoring is section 5 in the same order: `"5.1"` to `"5.15"` (as in
    /// `frameworks/cis_aws_7.0.toml`).
    pub fn cis_v7_id(self) -> &'static str {
        match self {
            Self::UnauthorizedApiCalls => "5.1",
            Self::ConsoleSignInWithoutMfa => "5.2",
            Self::RootAccountUsage => "5.3",
            Self::IamPolicyChanges => "5.4",
            Self::CloudTrailConfigChanges => "5.5",
            Self::ConsoleAuthFailures => "5.6",
            Self::CmkDisableOrDeletion => "5.7",
            Self::S3BucketPolicyChanges => "5.8",
            Self::ConfigChanges => "5.9",
            Self::SecurityGroupChanges => "5.10",
            Self::NaclChanges => "5.11",
            Self::NetworkGatewayChanges => "5.12",
            Self::RouteTableChanges => "5.13",
            Self::VpcChanges => "5.14",
            Self::OrganizationsChanges => "5.15",
        }
    }

    /// The filter pattern CIS v3.0.0 recommends, verbatim from the
    /// remediation procedure. Each covers its own control. Two quirks of the
    /// benchmark text, kept as written:
    ///
    /// - 4.1 joins its `sourceIPAddress` and `HeadBucket` exclusions with
    ///   `||`, not `&&`, so it matches nearly every CloudTrail event (and
    ///   covers every other control). Earlier versions used `&&`; both cover
    ///   4.1.
    /// - 4.2 also offers an SSO variant adding
    ///   `($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success")`;
    ///   the required event satisfies both, so both cover 4.2.
    pub fn cis_pattern(self) -> &'static str {
        match self {
            Self::UnauthorizedApiCalls => {
                r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#
            }
            Self::ConsoleSignInWithoutMfa => {
                r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#
            }
            Self::RootAccountUsage => {
                r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#
            }
            Self::IamPolicyChanges => {
                "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"
            }
            Self::CloudTrailConfigChanges => {
                "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
            }
            Self::ConsoleAuthFailures => {
                r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#
            }
            Self::CmkDisableOrDeletion => {
                "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
            }
            Self::S3BucketPolicyChanges => {
                "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
            }
            Self::ConfigChanges => {
                "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"
            }
            Self::SecurityGroupChanges => {
                "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"
            }
            Self::NaclChanges => {
                "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"
            }
            Self::NetworkGatewayChanges => {
                "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
            }
            Self::RouteTableChanges => {
                "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
            }
            Self::VpcChanges => {
                "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"
            }
            Self::OrganizationsChanges => {
                r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#
            }
        }
    }

    /// The CloudTrail events a filter must catch for this control, as minimal
    /// synthetic CloudTrail records: one per event name the CIS v3.0.0
    /// pattern lists, each with its real `eventSource` (so patterns that also
    /// test `eventSource`, as CIS's own do for KMS, S3, Config and
    /// Organizations, still match). Records carry only what the CIS patterns
    /// read, plus the identity, source IP and event type every record has.
    pub fn required_events(self) -> Vec<RequiredEvent> {
        match self {
            Self::UnauthorizedApiCalls => {
                // Both CIS forms (exclusions joined by `||` in v3.0, by `&&`
                // before) must match: a real source IP, not `HeadBucket`.
                let denied = |source: &str, name: &str, code: &str| RequiredEvent {
                    label: format!("errorCode {code}"),
                    record: with(
                        record(source, name),
                        [
                            ("errorCode", json!(code)),
                            ("errorMessage", json!("not authorized")),
                        ],
                    ),
                };
                vec![
                    denied(
                        "ec2.amazonaws.com",
                        "RunInstances",
                        "Client.UnauthorizedOperation",
                    ),
                    denied("s3.amazonaws.com", "GetBucketPolicy", "AccessDenied"),
                    denied("kms.amazonaws.com", "Decrypt", "AccessDeniedException"),
                ]
            }
            Self::ConsoleSignInWithoutMfa => vec![RequiredEvent {
                label: "ConsoleLogin without MFA".to_owned(),
                // An IAM user's successful sign-in, so CIS's SSO variant
                // (`IAMUser`, `Success`) must catch it too.
                record: console_login([
                    ("additionalEventData", json!({ "MFAUsed": "No" })),
                    ("responseElements", json!({ "ConsoleLogin": "Success" })),
                ]),
            }],
            Self::RootAccountUsage => {
                let root = json!({
                    "type": "Root",
                    "principalId": "111122223333",
                    "arn": "arn:aws:iam::111122223333:root",
                    "accountId": "111122223333",
                });
                vec![
                    RequiredEvent {
                        label: "root ConsoleLogin".to_owned(),
                        record: console_login([
                            ("userIdentity", root.clone()),
                            ("additionalEventData", json!({ "MFAUsed": "Yes" })),
                            ("responseElements", json!({ "ConsoleLogin": "Success" })),
                        ]),
                    },
                    RequiredEvent {
                        label: "root API call".to_owned(),
                        record: with(
                            record("iam.amazonaws.com", "CreateAccessKey"),
                            [("userIdentity", root)],
                        ),
                    },
                ]
            }
            Self::IamPolicyChanges => named_events("iam.amazonaws.com", IAM_POLICY_EVENTS),
            Self::CloudTrailConfigChanges => {
                named_events("cloudtrail.amazonaws.com", CLOUDTRAIL_EVENTS)
            }
            Self::ConsoleAuthFailures => vec![RequiredEvent {
                label: "ConsoleLogin failed authentication".to_owned(),
                record: console_login([
                    ("errorMessage", json!("Failed authentication")),
                    ("additionalEventData", json!({ "MFAUsed": "No" })),
                    ("responseElements", json!({ "ConsoleLogin": "Failure" })),
                ]),
            }],
            Self::CmkDisableOrDeletion => named_events("kms.amazonaws.com", KMS_EVENTS),
            Self::S3BucketPolicyChanges => named_events("s3.amazonaws.com", S3_EVENTS),
            Self::ConfigChanges => named_events("config.amazonaws.com", CONFIG_EVENTS),
            Self::SecurityGroupChanges => named_events("ec2.amazonaws.com", SECURITY_GROUP_EVENTS),
            Self::NaclChanges => named_events("ec2.amazonaws.com", NACL_EVENTS),
            Self::NetworkGatewayChanges => named_events("ec2.amazonaws.com", GATEWAY_EVENTS),
            Self::RouteTableChanges => named_events("ec2.amazonaws.com", ROUTE_TABLE_EVENTS),
            Self::VpcChanges => named_events("ec2.amazonaws.com", VPC_EVENTS),
            Self::OrganizationsChanges => {
                named_events("organizations.amazonaws.com", ORGANIZATIONS_EVENTS)
            }
        }
    }
}

/// A successful IAM user API call, the base every required record changes.
fn record(event_source: &str, event_name: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEPRINCIPAL",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "userName": "alice",
        },
        "eventTime": "2024-01-01T00:00:00Z",
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    })
}

fn console_login<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let base = with(
        record("signin.amazonaws.com", "ConsoleLogin"),
        [("eventType", json!("AwsConsoleSignIn"))],
    );
    with(base, fields)
}

/// `record` with top-level fields set or replaced.
fn with<const N: usize>(mut record: Value, fields: [(&str, Value); N]) -> Value {
    if let Some(object) = record.as_object_mut() {
        for (key, value) in fields {
            object.insert(key.to_owned(), value);
        }
    }
    record
}

fn named_events(event_source: &str, names: &[&str]) -> Vec<RequiredEvent> {
    names
        .iter()
        .map(|name| RequiredEvent {
            label: format!("eventName {name}"),
            record: record(event_source, name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::MonitoringControl::*;
    use super::*;

    fn parse(src: &str) -> Pattern {
        Pattern::parse(src).unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
    }

    /// Reformatted, reordered, regrouped or broader patterns that must cover.
    const COVERS: &[(&str, MonitoringControl, &str)] = &[
        (
            "4.1 pre-v3.0 text, exclusions joined by &&",
            UnauthorizedApiCalls,
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
        ),
        (
            "4.1 fully parenthesised",
            UnauthorizedApiCalls,
            r#"{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}"#,
        ),
        (
            "4.1 bare comparisons, reordered ||, no exclusions",
            UnauthorizedApiCalls,
            r#"{ $.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation" }"#,
        ),
        (
            "4.2 CIS SSO variant",
            ConsoleSignInWithoutMfa,
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
        ),
        (
            "4.2 reordered && terms across lines",
            ConsoleSignInWithoutMfa,
            "{\n  ($.additionalEventData.MFAUsed != \"Yes\")\n  &&\n  ($.eventName = \"ConsoleLogin\")\n}",
        ),
        (
            "4.3 without the NOT EXISTS term (broader)",
            RootAccountUsage,
            r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#,
        ),
        (
            "4.3 parenthesised and reordered",
            RootAccountUsage,
            r#"{ ($.eventType != "AwsServiceEvent") && (($.userIdentity.invokedBy NOT EXISTS) && ($.userIdentity.type = "Root")) }"#,
        ),
        (
            "4.4 tabs, newlines and CRLF",
            IamPolicyChanges,
            "\r\n\t{\r\n\t($.eventName = DeleteGroupPolicy) ||\n\t($.eventName = DeleteRolePolicy) ||\n\t($.eventName = DeleteUserPolicy) ||\n\t($.eventName = PutGroupPolicy) ||\n\t($.eventName = PutRolePolicy) ||\n\t($.eventName = PutUserPolicy) ||\n\t($.eventName = CreatePolicy) ||\n\t($.eventName = DeletePolicy) ||\n\t($.eventName = CreatePolicyVersion) ||\n\t($.eventName = DeletePolicyVersion) ||\n\t($.eventName = AttachRolePolicy) ||\n\t($.eventName = DetachRolePolicy) ||\n\t($.eventName = AttachUserPolicy) ||\n\t($.eventName = DetachUserPolicy) ||\n\t($.eventName = AttachGroupPolicy) ||\n\t($.eventName = DetachGroupPolicy)\n}\n",
        ),
        (
            "4.4 || terms reversed, quoted",
            IamPolicyChanges,
            r#"{($.eventName="DetachGroupPolicy")||($.eventName="AttachGroupPolicy")||($.eventName="DetachUserPolicy")||($.eventName="AttachUserPolicy")||($.eventName="DetachRolePolicy")||($.eventName="AttachRolePolicy")||($.eventName="DeletePolicyVersion")||($.eventName="CreatePolicyVersion")||($.eventName="DeletePolicy")||($.eventName="CreatePolicy")||($.eventName="PutUserPolicy")||($.eventName="PutRolePolicy")||($.eventName="PutGroupPolicy")||($.eventName="DeleteUserPolicy")||($.eventName="DeleteRolePolicy")||($.eventName="DeleteGroupPolicy")}"#,
        ),
        (
            "4.4 suffix wildcards (broader)",
            IamPolicyChanges,
            r#"{ ($.eventName = "*Policy") || ($.eventName = "*PolicyVersion") }"#,
        ),
        (
            "4.4 infix wildcards (broader)",
            IamPolicyChanges,
            r#"{ $.eventSource = "iam.amazonaws.com" && ($.eventName = "Delete*Policy*" || $.eventName = "Put*Policy" || $.eventName = "Create*" || $.eventName = "*ach*Policy") }"#,
        ),
        (
            "4.4 with eventSource and SetDefaultPolicyVersion",
            IamPolicyChanges,
            "{ ($.eventSource = iam.amazonaws.com) && (($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=SetDefaultPolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)) }",
        ),
        (
            "4.5 names split across nested groups",
            CloudTrailConfigChanges,
            "{ (($.eventName = CreateTrail) || ($.eventName = UpdateTrail)) || (($.eventName = DeleteTrail) || (($.eventName = StartLogging) || ($.eventName = StopLogging))) }",
        ),
        (
            "4.6 prefix wildcard on the message",
            ConsoleAuthFailures,
            r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed*" }"#,
        ),
        (
            "4.7 redundant parentheses",
            CmkDisableOrDeletion,
            r#"{ ((($.eventSource = "kms.amazonaws.com"))) && ((($.eventName = "DisableKey") || (($.eventName = "ScheduleKeyDeletion")))) }"#,
        ),
        (
            "4.7 && distributed over || without parentheses",
            CmkDisableOrDeletion,
            "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
        ),
        (
            "4.8 reordered && terms",
            S3BucketPolicyChanges,
            "{ (($.eventName = DeleteBucketReplication) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketPolicy) || ($.eventName = PutBucketReplication) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketAcl)) && ($.eventSource = s3.amazonaws.com) }",
        ),
        (
            "4.9 without the eventSource term (broader)",
            ConfigChanges,
            "{ ($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder) }",
        ),
        (
            "4.10 infix wildcard",
            SecurityGroupChanges,
            "{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = *SecurityGroup*) }",
        ),
        (
            "4.10 v7.0-style list with ModifySecurityGroupRules",
            SecurityGroupChanges,
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
        ),
        (
            "4.11 quoted infix wildcard",
            NaclChanges,
            r#"{ $.eventName = "*NetworkAcl*" }"#,
        ),
        (
            "4.12 no whitespace at all",
            NetworkGatewayChanges,
            "{($.eventName=CreateCustomerGateway)||($.eventName=DeleteCustomerGateway)||($.eventName=AttachInternetGateway)||($.eventName=CreateInternetGateway)||($.eventName=DeleteInternetGateway)||($.eventName=DetachInternetGateway)}",
        ),
        (
            "4.12 one filter for gateways and VPCs",
            NetworkGatewayChanges,
            "{ ($.eventName = *Gateway) || ($.eventName = *Vpc*) }",
        ),
        (
            "4.13 CIS audit-section text with eventSource",
            RouteTableChanges,
            "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
        ),
        (
            "4.14 one filter for gateways and VPCs",
            VpcChanges,
            "{ ($.eventName = *Gateway) || ($.eventName = *Vpc*) }",
        ),
        (
            "4.14 match every event (broader)",
            VpcChanges,
            "{ $.eventName = * }",
        ),
        (
            "4.15 eventSource alone (broader)",
            OrganizationsChanges,
            r#"{ $.eventSource = "organizations.amazonaws.com" }"#,
        ),
        (
            "4.15 unquoted names, reordered, eventSource last",
            OrganizationsChanges,
            "{ ( $.eventName = UpdateOrganizationalUnit || $.eventName = UpdatePolicy || $.eventName = RemoveAccountFromOrganization || $.eventName = MoveAccount || $.eventName = LeaveOrganization || $.eventName = InviteAccountToOrganization || $.eventName = EnablePolicyType || $.eventName = DisablePolicyType || $.eventName = DetachPolicy || $.eventName = DeletePolicy || $.eventName = DeleteOrganizationalUnit || $.eventName = DeleteOrganization || $.eventName = DeclineHandshake || $.eventName = CreatePolicy || $.eventName = CreateOrganizationalUnit || $.eventName = CreateAccount || $.eventName = AttachPolicy || $.eventName = AcceptHandshake ) && $.eventSource = organizations.amazonaws.com }",
        ),
    ];

    /// Near misses: each must fail, naming exactly the events it misses.
    const MISSES: &[(&str, MonitoringControl, &str, &[&str])] = &[
        (
            "4.4 one eventName dropped",
            IamPolicyChanges,
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)}",
            &["eventName DetachGroupPolicy"],
        ),
        (
            "4.4 typo PutUserPolicyy",
            IamPolicyChanges,
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicyy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
            &["eventName PutUserPolicy"],
        ),
        (
            "4.4 = flipped to != (matches everything but DeleteGroupPolicy)",
            IamPolicyChanges,
            "{($.eventName!=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
            &["eventName DeleteGroupPolicy"],
        ),
        (
            "4.4 wildcard too narrow",
            IamPolicyChanges,
            r#"{ $.eventName = "*Policy" }"#,
            &[
                "eventName CreatePolicyVersion",
                "eventName DeletePolicyVersion",
            ],
        ),
        (
            "4.5 && in place of || between two names",
            CloudTrailConfigChanges,
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) && ($.eventName = StopLogging) }",
            &["eventName StartLogging", "eventName StopLogging"],
        ),
        (
            "4.14 wrong field $.eventname (case matters)",
            VpcChanges,
            "{ ($.eventname = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
            &["eventName CreateVpc"],
        ),
        (
            "4.2 checks MFAUsed = Yes",
            ConsoleSignInWithoutMfa,
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }"#,
            &["ConsoleLogin without MFA"],
        ),
        (
            "4.2 wrong field case mfaUsed",
            ConsoleSignInWithoutMfa,
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.mfaUsed != "Yes") }"#,
            &["ConsoleLogin without MFA"],
        ),
        (
            "4.1 AccessDenied without wildcard",
            UnauthorizedApiCalls,
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied") }"#,
            &["errorCode AccessDeniedException"],
        ),
        (
            "4.1 UnauthorizedOperation without wildcard",
            UnauthorizedApiCalls,
            r#"{ ($.errorCode = "UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
            &["errorCode Client.UnauthorizedOperation"],
        ),
        (
            "4.1 exclusions applied to what they should not exclude",
            UnauthorizedApiCalls,
            r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.eventSource != "s3.amazonaws.com") }"#,
            &["errorCode AccessDenied"],
        ),
        (
            "4.3 userIdentity.type root in lower case",
            RootAccountUsage,
            r#"{ $.userIdentity.type = "root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
            &["root ConsoleLogin", "root API call"],
        ),
        (
            "4.3 eventType != flipped to =",
            RootAccountUsage,
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType = "AwsServiceEvent" }"#,
            &["root ConsoleLogin", "root API call"],
        ),
        (
            "4.6 message case differs",
            ConsoleAuthFailures,
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed Authentication") }"#,
            &["ConsoleLogin failed authentication"],
        ),
        (
            "4.7 eventSource typo",
            CmkDisableOrDeletion,
            "{($.eventSource = kms.amazonaws.co) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
            &["eventName DisableKey", "eventName ScheduleKeyDeletion"],
        ),
        (
            "4.7 precedence: && binds DisableKey to the wrong source",
            CmkDisableOrDeletion,
            "{ $.eventName = ScheduleKeyDeletion || $.eventName = DisableKey && $.eventSource = s3.amazonaws.com }",
            &["eventName DisableKey"],
        ),
        (
            "4.8 PutBucketPolicy dropped",
            S3BucketPolicyChanges,
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
            &["eventName PutBucketPolicy"],
        ),
        (
            "4.9 PutConfigurationRecorder dropped",
            ConfigChanges,
            "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)) }",
            &["eventName PutConfigurationRecorder"],
        ),
        (
            "4.12 wildcard catches internet gateways only",
            NetworkGatewayChanges,
            "{ $.eventName = *InternetGateway }",
            &[
                "eventName CreateCustomerGateway",
                "eventName DeleteCustomerGateway",
            ],
        ),
        (
            "4.13 suffix wildcard misses the table events",
            RouteTableChanges,
            r#"{ $.eventName = "*Route" }"#,
            &[
                "eventName CreateRouteTable",
                "eventName ReplaceRouteTableAssociation",
                "eventName DeleteRouteTable",
                "eventName DisassociateRouteTable",
            ],
        ),
        (
            "4.15 LeaveOrganization dropped",
            OrganizationsChanges,
            r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
            &["eventName LeaveOrganization"],
        ),
        (
            "4.3 control, VPC-changes CIS pattern",
            RootAccountUsage,
            "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
            &["root ConsoleLogin", "root API call"],
        ),
        (
            "4.11 control, security-group CIS pattern",
            NaclChanges,
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
            &[
                "eventName CreateNetworkAcl",
                "eventName CreateNetworkAclEntry",
                "eventName DeleteNetworkAcl",
                "eventName DeleteNetworkAclEntry",
                "eventName ReplaceNetworkAclEntry",
                "eventName ReplaceNetworkAclAssociation",
            ],
        ),
    ];

    /// Patterns used only for evaluation: pattern, event, expected match.
    fn evaluations() -> Vec<(&'static str, Value, bool)> {
        vec![
            // Wildcards: prefix, suffix, infix, all; `*` may match nothing.
            (
                r#"{ $.e = "*Op" }"#,
                json!({"e": "Client.UnauthorizedOp"}),
                true,
            ),
            (r#"{ $.e = "*Op" }"#, json!({"e": "Op"}), true),
            (r#"{ $.e = "*Op" }"#, json!({"e": "OpX"}), false),
            (
                r#"{ $.e = "Access*" }"#,
                json!({"e": "AccessDeniedException"}),
                true,
            ),
            (r#"{ $.e = "Access*" }"#, json!({"e": "NoAccess"}), false),
            (
                r#"{ $.e = "Delete*Policy" }"#,
                json!({"e": "DeleteRolePolicy"}),
                true,
            ),
            (
                r#"{ $.e = "Delete*Policy" }"#,
                json!({"e": "DeletePolicy"}),
                true,
            ),
            (
                r#"{ $.e = "Delete*Policy" }"#,
                json!({"e": "DeletePolicyVersion"}),
                false,
            ),
            (r#"{ $.e = "a*b*c" }"#, json!({"e": "aXbYbZc"}), true),
            (r#"{ $.e = "a*b*c" }"#, json!({"e": "aXcYb"}), false),
            ("{ $.ip != 123.123.* }", json!({"ip": "10.0.0.1"}), true),
            ("{ $.ip != 123.123.* }", json!({"ip": "123.123.4.5"}), false),
            ("{ $.e = * }", json!({"e": ""}), true),
            ("{ $.e = * }", json!({"e": 7}), true),
            (r#"{ $.e = "a\*b" }"#, json!({"e": "a*b"}), true),
            (r#"{ $.e = "a\*b" }"#, json!({"e": "aXb"}), false),
            (
                r#"{ $.e = "say \"hi\"" }"#,
                json!({"e": "say \"hi\""}),
                true,
            ),
            (r#"{ $.e = "h€llo*" }"#, json!({"e": "h€llo wörld"}), true),
            // Numbers compare numerically, only against JSON numbers.
            ("{ $.n > 5 }", json!({"n": 6}), true),
            ("{ $.n > 5 }", json!({"n": 5}), false),
            ("{ $.n > 5 }", json!({"n": "6"}), false),
            ("{ $.n >= 5 }", json!({"n": 5}), true),
            ("{ $.n < 5 }", json!({"n": 4.5}), true),
            ("{ $.n <= -1.5 }", json!({"n": -1.5}), true),
            ("{ $.n < -1.5 }", json!({"n": -1}), false),
            ("{ $.n = 5 }", json!({"n": 5.0}), true),
            ("{ $.n = 4e2 }", json!({"n": 400}), true),
            ("{ $.n != 5 }", json!({"n": 6}), true),
            ("{ $.n != 5 }", json!({"n": 5}), false),
            ("{ $.v = 1.08 }", json!({"v": "1.08"}), true),
            (r#"{ $.n = "5" }"#, json!({"n": 5}), true),
            // Array indexes, nested.
            (r#"{ $.a[0].b = "x" }"#, json!({"a": [{"b": "x"}]}), true),
            (r#"{ $.a[1].b = "x" }"#, json!({"a": [{"b": "x"}]}), false),
            ("{ $.m[1][0] = 3 }", json!({"m": [[1, 2], [3]]}), true),
            ("{ $.a[0] = 1 }", json!({"a": {"0": 1}}), false),
            // Absent fields: only NOT EXISTS holds.
            (r#"{ $.missing = "x" }"#, json!({"e": "x"}), false),
            (r#"{ $.missing != "x" }"#, json!({"e": "x"}), false),
            ("{ $.missing NOT EXISTS }", json!({"e": "x"}), true),
            ("{ $.missing IS NULL }", json!({"e": "x"}), false),
            ("{ $.missing EXISTS }", json!({"e": "x"}), false),
            ("{ $.missing > 1 }", json!({"e": "x"}), false),
            ("{ $.a.b.c NOT EXISTS }", json!({"a": "scalar"}), true),
            // Present fields.
            (r#"{ $.e != "x" }"#, json!({"e": "y"}), true),
            (r#"{ $.e != "x" }"#, json!({"e": "x"}), false),
            ("{ $.e NOT EXISTS }", json!({"e": null}), false),
            ("{ $.e IS NULL }", json!({"e": null}), true),
            ("{ $.e IS NULL }", json!({"e": ""}), false),
            (r#"{ $.e != "x" }"#, json!({"e": null}), false),
            (r#"{ $.e != "x" }"#, json!({"e": {"x": 1}}), false),
            ("{ $.e EXISTS }", json!({"e": null}), true),
            ("{ $.e IS TRUE }", json!({"e": true}), true),
            ("{ $.e IS FALSE }", json!({"e": true}), false),
            ("{ $.e = true }", json!({"e": true}), true),
            // Field names are case-sensitive.
            (
                "{ $.eventname = CreateVpc }",
                json!({"eventName": "CreateVpc"}),
                false,
            ),
            // A non-object event has no fields.
            ("{ $.e NOT EXISTS }", json!("plain text"), true),
            (r#"{ $.e != "x" }"#, json!([1, 2]), false),
            // Precedence: && binds tighter than ||.
            (
                "{ $.a = 1 || $.b = 1 && $.c = 1 }",
                json!({"a": 1, "b": 0, "c": 0}),
                true,
            ),
            (
                "{ ($.a = 1 || $.b = 1) && $.c = 1 }",
                json!({"a": 1, "b": 0, "c": 0}),
                false,
            ),
            (
                "{ $.a = 1 && $.b = 1 || $.c = 1 }",
                json!({"a": 0, "b": 0, "c": 1}),
                true,
            ),
            (
                "{ $.a = 1 && ($.b = 1 || $.c = 1) }",
                json!({"a": 0, "b": 0, "c": 1}),
                false,
            ),
        ]
    }

    /// Invalid input, with the error it must give.
    fn errors() -> Vec<(&'static str, String, ParseError)> {
        let long = format!(
            r#"{{ $.e = "{}" }}"#,
            "a".repeat(MAX_PATTERN_CHARS + 1 - 12)
        );
        let deep = format!(
            "{{{}$.e = 1{}}}",
            "(".repeat(MAX_NESTING_DEPTH + 1),
            ")".repeat(MAX_NESTING_DEPTH + 1)
        );
        let unexpected = |offset| ParseError::Unexpected {
            offset,
            expected: "",
            found: String::new(),
        };
        vec![
            ("empty", String::new(), ParseError::Empty),
            ("whitespace only", " \n\t ".into(), ParseError::Empty),
            (
                "plain term",
                "ERROR".into(),
                ParseError::NotJsonPattern { offset: 0 },
            ),
            (
                "indented term",
                "  ERROR".into(),
                ParseError::NotJsonPattern { offset: 2 },
            ),
            (
                "quoted phrase",
                r#""Failed authentication""#.into(),
                ParseError::NotJsonPattern { offset: 0 },
            ),
            (
                "space-delimited",
                "[ip, user, status_code = 4*, size]".into(),
                ParseError::NotJsonPattern { offset: 0 },
            ),
            (
                "unclosed (",
                "{ ($.eventName = CreateVpc }".into(),
                ParseError::UnbalancedParenthesis { offset: 2 },
            ),
            (
                "unclosed ( at end",
                "{ ($.eventName = CreateVpc".into(),
                ParseError::UnbalancedParenthesis { offset: 2 },
            ),
            (
                "extra )",
                "{ ($.eventName = CreateVpc)) }".into(),
                ParseError::UnbalancedParenthesis { offset: 27 },
            ),
            (
                "stray )",
                "{ $.e = 1) }".into(),
                ParseError::UnbalancedParenthesis { offset: 9 },
            ),
            (
                "1025 characters",
                long,
                ParseError::TooLong {
                    len: 1025,
                    max: 1024,
                    offset: 1024,
                },
            ),
            (
                "depth 33",
                deep,
                ParseError::TooDeep {
                    offset: 33,
                    max: 32,
                },
            ),
            (
                "unterminated string",
                r#"{ $.eventName = "CreateVpc }"#.into(),
                ParseError::UnterminatedString { offset: 16 },
            ),
            (
                "unterminated string ending in \\",
                r#"{ $.e = "abc\"#.into(),
                ParseError::UnterminatedString { offset: 8 },
            ),
            (
                "unknown operator =~",
                r#"{ $.eventName =~ "CreateVpc" }"#.into(),
                ParseError::UnknownOperator {
                    offset: 14,
                    found: "=~".into(),
                },
            ),
            (
                "unknown operator ==",
                "{ $.e == 1 }".into(),
                ParseError::UnknownOperator {
                    offset: 6,
                    found: "==".into(),
                },
            ),
            (
                "lower-case not exists",
                "{ $.userIdentity.invokedBy not exists }".into(),
                ParseError::UnknownOperator {
                    offset: 27,
                    found: "not".into(),
                },
            ),
            (
                "NOT without EXISTS",
                "{ $.e NOT NULL }".into(),
                ParseError::UnknownOperator {
                    offset: 6,
                    found: "NOT NULL".into(),
                },
            ),
            (
                "single &",
                "{ $.a = 1 & $.b = 2 }".into(),
                ParseError::UnknownOperator {
                    offset: 10,
                    found: "&".into(),
                },
            ),
            (
                "single |",
                "{ $.a = 1 | $.b = 2 }".into(),
                ParseError::UnknownOperator {
                    offset: 10,
                    found: "|".into(),
                },
            ),
            ("no closing }", "{ $.e = 1".into(), unexpected(9)),
            ("empty braces", "{ }".into(), unexpected(2)),
            ("missing value", "{ $.e = }".into(), unexpected(8)),
            ("missing operator", "{ $.e }".into(), unexpected(6)),
            (
                "selector without $.",
                "{ eventName = CreateVpc }".into(),
                ParseError::InvalidSelector {
                    offset: 2,
                    reason: "a selector starts with `$.`",
                },
            ),
            (
                "empty field name",
                "{ $.a..b = 1 }".into(),
                ParseError::InvalidSelector {
                    offset: 6,
                    reason: "expected a field name",
                },
            ),
            (
                "bad array index",
                "{ $.a[x] = 1 }".into(),
                ParseError::InvalidSelector {
                    offset: 5,
                    reason: "an array index is `[` digits `]`",
                },
            ),
            (
                "number expected",
                "{ $.latency > fast }".into(),
                ParseError::ExpectedNumber { offset: 14 },
            ),
            (
                "quoted number with >",
                r#"{ $.n > "5" }"#.into(),
                ParseError::ExpectedNumber { offset: 8 },
            ),
            (
                "regex value",
                "{ $.e = %err% }".into(),
                ParseError::UnsupportedRegex { offset: 8 },
            ),
            (
                "text after }",
                "{ $.e = 1 } ERROR".into(),
                ParseError::TrailingInput {
                    offset: 12,
                    found: "`ERROR`".into(),
                },
            ),
        ]
    }

    #[test]
    fn every_cis_pattern_covers_its_own_control() {
        for control in MonitoringControl::ALL {
            let pattern = parse(control.cis_pattern());
            assert_eq!(covers(&pattern, control), Coverage::Covers, "{control:?}");
        }
    }

    #[test]
    fn cis_patterns_cover_no_unrelated_control() {
        // The v3.0 4.1 text matches any event with a source IP (see
        // `cis_pattern`), and 4.2's pattern rightly catches a failed
        // sign-in without MFA; nothing else overlaps.
        for own in MonitoringControl::ALL {
            let pattern = parse(own.cis_pattern());
            for other in MonitoringControl::ALL {
                let expected = own == other
                    || own == UnauthorizedApiCalls
                    || (own, other) == (ConsoleSignInWithoutMfa, ConsoleAuthFailures);
                assert_eq!(
                    covers(&pattern, other).is_covered(),
                    expected,
                    "{own:?} pattern vs {other:?}"
                );
            }
        }
    }

    #[test]
    fn reformatted_and_broader_patterns_cover() {
        for (name, control, src) in COVERS {
            assert_eq!(covers(&parse(src), *control), Coverage::Covers, "{name}");
        }
    }

    #[test]
    fn near_misses_name_the_missing_events() {
        for (name, control, src, missing) in MISSES {
            let expected = missing.iter().map(|m| (*m).to_owned()).collect();
            assert_eq!(
                covers(&parse(src), *control),
                Coverage::Misses(expected),
                "{name}"
            );
        }
    }

    #[test]
    fn labels_name_the_cis_event_lists() {
        let labels = |c: MonitoringControl| -> Vec<String> {
            c.required_events().into_iter().map(|e| e.label).collect()
        };
        let iam = labels(IamPolicyChanges);
        assert_eq!(iam.len(), 16);
        assert!(iam.contains(&"eventName DeleteGroupPolicy".to_owned()));
        assert_eq!(labels(OrganizationsChanges).len(), 18);
        assert_eq!(labels(VpcChanges).len(), 11);
        assert_eq!(
            labels(RootAccountUsage),
            ["root ConsoleLogin", "root API call"]
        );
        for control in MonitoringControl::ALL {
            assert!(!control.required_events().is_empty(), "{control:?}");
        }
    }

    #[test]
    fn ids_follow_benchmark_order() {
        for (i, control) in MonitoringControl::ALL.into_iter().enumerate() {
            assert_eq!(control.cis_v3_id(), format!("4.{}", i + 1));
            assert_eq!(control.cis_v7_id(), format!("5.{}", i + 1));
        }
    }

    #[test]
    fn evaluation_semantics() {
        for (src, event, expected) in evaluations() {
            assert_eq!(parse(src).matches(&event), expected, "{src} on {event}");
        }
    }

    #[test]
    fn parse_errors_are_typed_with_offsets() {
        for (name, src, expected) in errors() {
            let err = Pattern::parse(&src).expect_err(name);
            if let ParseError::Unexpected { offset, .. } = expected {
                assert!(
                    matches!(err, ParseError::Unexpected { .. }),
                    "{name}: {err:?}"
                );
                assert_eq!(err.offset(), Some(offset), "{name}: {err}");
            } else {
                assert_eq!(err, expected, "{name}: {err}");
            }
            // Every message names the place, except for empty input.
            if let Some(offset) = err.offset() {
                assert!(
                    err.to_string().contains(&offset.to_string()),
                    "{name}: {err}"
                );
            }
        }
    }

    #[test]
    fn bounds_are_inclusive() {
        let longest = format!(r#"{{ $.e = "{}" }}"#, "a".repeat(MAX_PATTERN_CHARS - 12));
        assert_eq!(longest.chars().count(), MAX_PATTERN_CHARS);
        assert!(Pattern::parse(&longest).is_ok());
        let deepest = format!(
            "{{{}$.e = 1{}}}",
            "(".repeat(MAX_NESTING_DEPTH),
            ")".repeat(MAX_NESTING_DEPTH)
        );
        assert!(parse(&deepest).matches(&json!({"e": 1})));
        // The limit counts characters, not bytes.
        let wide = format!(r#"{{ $.e = "{}" }}"#, "€".repeat(MAX_PATTERN_CHARS - 12));
        assert!(Pattern::parse(&wide).is_ok());
        // A huge input is refused without being scanned as a pattern.
        let huge = "(".repeat(1 << 20);
        assert!(matches!(
            Pattern::parse(&huge),
            Err(ParseError::TooLong { .. })
        ));
    }

    #[test]
    fn from_str_parses() {
        let pattern: Pattern = "{ $.eventName = CreateVpc }".parse().unwrap();
        assert!(pattern.matches(&json!({"eventName": "CreateVpc"})));
    }

    /// Property-style: no prefix or suffix of any test pattern makes the
    /// parser panic, and whatever parses evaluates without panicking.
    #[test]
    fn truncated_patterns_never_panic() {
        let event = MonitoringControl::IamPolicyChanges
            .required_events()
            .into_iter()
            .next()
            .map(|e| e.record)
            .unwrap();
        let mut sources: Vec<String> = MonitoringControl::ALL
            .iter()
            .map(|c| c.cis_pattern().to_owned())
            .collect();
        sources.extend(COVERS.iter().map(|(_, _, s)| (*s).to_owned()));
        sources.extend(MISSES.iter().map(|(_, _, s, _)| (*s).to_owned()));
        sources.extend(evaluations().into_iter().map(|(s, _, _)| s.to_owned()));
        sources.extend(errors().into_iter().map(|(_, s, _)| s));
        for src in &sources {
            for (i, _) in src.char_indices().chain([(src.len(), ' ')]) {
                for piece in [&src[..i], &src[i..]] {
                    if let Ok(pattern) = Pattern::parse(piece) {
                        pattern.matches(&event);
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_text_in_an_error_is_escaped() {
        for pattern in [
            "{ $.a = x } \u{202e}evil\u{1b}[2J",
            "\u{202e}{ $.a = x }",
            "{ $.a = x && \u{1b}[31m }",
        ] {
            let e = Pattern::parse(pattern).unwrap_err().to_string();
            assert!(
                !e.contains('\u{202e}') && !e.contains('\u{1b}'),
                "{pattern:?}: {e:?}"
            );
        }
    }
}
