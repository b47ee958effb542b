//! The hostile-input corpus of issue 9 and the inputs built from it, shared
//! by `cloudarq-core/tests/hostile_outputs.rs` (every report in process)
//! and `cloudarq-server/tests/hostile_cli.rs` (the real binary):
//!
//! - [`corpus`]: markup, CSV formula starters, ANSI/CSI colour and cursor
//!   moves, an OSC 8 hyperlink, an OSC 52 clipboard write, bidirectional
//!   overrides and isolates, NUL, CR/LF, C1 controls and a 1 MiB string;
//! - [`hostile_snapshot`]: the demo snapshot with a corpus string in every
//!   string field that can hold one, found by walking its JSON (names, tag
//!   keys and values, descriptions, policy documents and their keys, gap
//!   messages) and a printable one appended to every ARN;
//! - [`hostile_package`]: a rule package written in WAT whose findings carry
//!   the corpus in their messages, evidence, severity reasons and error
//!   verdicts, and which logs every corpus string; its metadata holds only
//!   printable hostile text (markup, quotes, formula starters);
//! - [`hazards`]: the raw characters that must never reach a terminal or a
//!   log line from untrusted data.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly; each test binary uses a part"
)]

use std::collections::BTreeMap;

use cloudarq_core::wasm::{WasmHost, package_module};
use cloudarq_model::{CoverageGap, Resource, Snapshot};
use serde_json::Value;

/// The demo account's snapshot, the base of [`hostile_snapshot`].
pub const DEMO: &str = include_str!("../../../testdata/demo-snapshot.json");

/// The rule contract the WAT guest implements.
const WIT: &str = include_str!("../../../cloudarq-model/wit/cloudarq-rule@1.0.0/rule.wit");

/// The size of the long corpus string.
pub const ONE_MIB: usize = 1 << 20;

/// Chooses the text for a field: (running count, count in this field, field name).
type Picker = dyn Fn(usize, usize, &str) -> String;

/// The hostile strings without the long one.
pub fn short_corpus() -> Vec<String> {
    [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'; DROP TABLE findings; --",
        "=cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        // Colour, clear screen, cursor home, erase line, cursor up.
        "\x1b[31mred\x1b[0m\x1b[2J\x1b[1;1H\x1b[2K\x1b[1A",
        // An OSC 8 hyperlink and an OSC 52 clipboard write.
        "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
        "\x1b]52;c;ZWNobyBwd25lZA==\x07",
        // Bidirectional overrides and isolates (Trojan Source).
        "admin\u{202e}txt.exe\u{202c} \u{2067}isolated\u{2069} \u{202d}\u{202a}\u{202b}\u{2066}\u{2068}",
        "nul\0byte",
        "line one\r\n2026-01-01T00:00:00Z  INFO cloudarq: forged line\n",
        "\u{9b}31mC1 CSI\u{9b}0m\u{85}",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Every hostile string, the 1 MiB one last.
pub fn corpus() -> Vec<String> {
    let mut all = short_corpus();
    all.push(long_string());
    all
}

/// A 1 MiB string that starts and ends with escape sequences.
pub fn long_string() -> String {
    let head = "\x1b[5m<b>=HYPERLINK(\"x\")";
    let tail = "\u{202e}\r\n";
    let mut s = String::with_capacity(ONE_MIB);
    s.push_str(head);
    s.push_str(&"A".repeat(ONE_MIB - head.len() - tail.len()));
    s.push_str(tail);
    assert_eq!(s.len(), ONE_MIB);
    s
}

/// Corpus strings a terminal shows as themselves (markup, quotes, formula
/// starters), for an ARN's resource part and a package's metadata.
pub fn printable() -> Vec<String> {
    short_corpus()
        .into_iter()
        .filter(|s| !s.chars().any(|c| c.is_control() || is_bidi(c)))
        .collect()
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A printable hostile suffix that an ARN's resource part can carry (the
/// ARN grammar refuses control characters, not markup or bidi overrides).
pub const ARN_SUFFIX: &str = "/\"><img src=x onerror=alert(1)>=cmd|' /C calc'!A0\u{202e}gnp.exe";

/// The raw characters that must never reach a terminal or log line from
/// untrusted data: C0 controls other than LF (ESC, CR, NUL, TAB, BEL, …),
/// DEL, C1 controls, and bidirectional overrides and isolates. Returns each
/// one found with a little context.
pub fn hazards(text: &str) -> Vec<String> {
    let bad = |c: char| {
        (c.is_control() && c != '\n') || is_bidi(c) || matches!(c, '\u{200e}' | '\u{200f}')
    };
    text.char_indices()
        .filter(|(_, c)| bad(*c))
        .take(5)
        .map(|(i, c)| {
            let from = text.floor_char_boundary(i.saturating_sub(40));
            let to = text.ceil_char_boundary((i + 40).min(text.len()));
            format!("{c:?} at byte {i}: {:?}", &text[from..to])
        })
        .collect()
}

/// What [`hostile_snapshot`] changed.
#[derive(Debug, Default)]
pub struct Walk {
    /// String values replaced, by field name.
    pub replaced: BTreeMap<String, usize>,
    /// Object keys replaced (tags, policy documents), by parent field name.
    pub keys: BTreeMap<String, usize>,
    /// String values kept because the field is typed (an enum, a region, a
    /// timestamp): a hostile value is refused there, by field name.
    pub typed: BTreeMap<String, usize>,
    /// ARNs given [`ARN_SUFFIX`].
    pub arns: usize,
}

/// The demo snapshot with a hostile string in every string field that can
/// hold one: each string value and each key of a free-form object (tags,
/// policy documents) is replaced by a corpus string ([`pick_hostile`]: each
/// field name cycles through the corpus on its own)
/// wherever the resource or gap still parses and keeps it, and every ARN
/// that is a resource's key or a gap's resource gets [`ARN_SUFFIX`].
/// `hostile_snapshot(false)` is the same walk with harmless text, the benign
/// twin the HTML structure is compared with.
pub fn hostile_snapshot(hostile: bool) -> (String, Walk) {
    let mut doc: Value = serde_json::from_str(DEMO).unwrap();
    // The 1 MiB string names the first security group: every group has a
    // finding (the echo rule's), so the name reaches every report. Each
    // resource has one display name, replaced in resource order.
    let long_name_at = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["properties"].get("AWS::EC2::SecurityGroup").is_some())
        .expect("the demo has a security group");
    let (pick, suffix): (Box<Picker>, &str) = if hostile {
        (Box::new(pick_hostile(long_name_at)), ARN_SUFFIX)
    } else {
        // A space: `benign-1` would be a valid region code.
        (Box::new(|n, _, _| format!("benign {n}")), "/benign")
    };
    let mut walk = Walk::default();
    let mut n = 0;
    let mut poisoner = Poisoner {
        pick: &*pick,
        per_field: BTreeMap::new(),
        suffix,
        n: &mut n,
        walk: &mut walk,
    };
    for r in doc["resources"].as_array_mut().unwrap() {
        poisoner.poison::<Resource>(r);
    }
    for g in doc["gaps"].as_array_mut().unwrap() {
        poisoner.poison::<CoverageGap>(g);
    }
    let text = serde_json::to_string_pretty(&doc).unwrap();
    Snapshot::from_json(&text, "hostile.json").expect("the hostile snapshot still loads");
    (text, walk)
}

/// A step of a path into a JSON value.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'v>(v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

fn name_of(path: &[Step]) -> String {
    let last = path
        .iter()
        .rev()
        .find_map(|s| match s {
            Step::Key(k) => Some(k.clone()),
            Step::Index(_) => None,
        })
        .unwrap_or_default();
    // A resource's display name is `name`; a `name` inside its properties
    // (a trail's, an alarm's, an attached policy's) counts on its own, so
    // "the 8th resource name" stays a resource's.
    if last == "name" && path.len() > 1 {
        "name (in properties)".to_owned()
    } else {
        last
    }
}

/// Paths of every string value, and of every object (for its keys, listed
/// after what they hold), under `v`.
fn paths(
    v: &Value,
    here: &mut Vec<Step>,
    strings: &mut Vec<Vec<Step>>,
    objects: &mut Vec<Vec<Step>>,
) {
    match v {
        Value::String(_) => strings.push(here.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                here.push(Step::Index(i));
                paths(item, here, strings, objects);
                here.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                here.push(Step::Key(k.clone()));
                paths(item, here, strings, objects);
                here.pop();
            }
            objects.push(here.clone());
        }
        _ => {}
    }
}

/// Replacements per field name: enough to cycle through the corpus several
/// times (a managed policy's 2,700 `Action` entries keep their values).
const PER_FIELD: usize = 64;

struct Poisoner<'a> {
    pick: &'a Picker,
    per_field: BTreeMap<String, usize>,
    suffix: &'a str,
    n: &'a mut usize,
    walk: &'a mut Walk,
}

impl Poisoner<'_> {
    /// Replaces every string value and free-form key of `v` that a `T` can
    /// hold: a change is kept only if `v` still parses as a `T` that writes
    /// back exactly `v` (so a value or key the type drops does not count).
    fn poison<T: serde::de::DeserializeOwned + serde::Serialize>(&mut self, v: &mut Value) {
        let keeps = |v: &Value| {
            serde_json::from_value::<T>(v.clone())
                .is_ok_and(|t| serde_json::to_value(t).is_ok_and(|back| back == *v))
        };
        assert!(keeps(v), "the demo round-trips: {v}");
        let (mut strings, mut objects) = (Vec::new(), Vec::new());
        paths(v, &mut Vec::new(), &mut strings, &mut objects);
        for path in strings {
            let name = name_of(&path);
            let old = at(v, &path).as_str().unwrap().to_owned();
            let nth = *self.per_field.get(&name).unwrap_or(&0);
            if nth >= PER_FIELD {
                continue;
            }
            *at(v, &path) = Value::String((self.pick)(*self.n, nth, &name));
            if keeps(v) {
                *self.n += 1;
                *self.per_field.entry(name.clone()).or_default() += 1;
                *self.walk.replaced.entry(name).or_default() += 1;
                continue;
            }
            *at(v, &path) = Value::String(format!("{old}{}", self.suffix));
            if old.starts_with("arn:") && keeps(v) {
                self.walk.arns += 1;
            } else {
                *at(v, &path) = Value::String(old);
                *self.walk.typed.entry(name).or_default() += 1;
            }
        }
        for path in objects {
            let keys: Vec<String> = at(v, &path).as_object().unwrap().keys().cloned().collect();
            for key in keys {
                let new_key = (self.pick)(*self.n, *self.n, "");
                let obj = at(v, &path).as_object_mut().unwrap();
                if new_key.len() > 4096 || obj.contains_key(&new_key) {
                    continue;
                }
                let value = obj.remove(&key).unwrap();
                obj.insert(new_key.clone(), value);
                if keeps(v) {
                    *self.n += 1;
                    *self.walk.keys.entry(name_of(&path)).or_default() += 1;
                } else {
                    let obj = at(v, &path).as_object_mut().unwrap();
                    let value = obj.remove(&new_key).unwrap();
                    obj.insert(key, value);
                }
            }
        }
    }
}

/// The corpus string for the n-th replacement, the `nth` of its `field`:
/// the resource name number `long_name_at` and every 97th replacement (4
/// times) get the 1 MiB string, the others the field's next short string.
pub fn pick_hostile(long_name_at: usize) -> impl Fn(usize, usize, &str) -> String {
    let short = short_corpus();
    let long = long_string();
    move |n, nth, field| {
        if (n % 97 == 96 && n < 97 * 4) || (field == "name" && nth == long_name_at) {
            long.clone()
        } else {
            short[nth % short.len()].clone()
        }
    }
}

// ------------------------------------------------------------ the package

/// The package's one rule.
pub const RULE_ID: &str = "hostile_echo";

/// A title with markup, quotes and a formula, under the 150-character limit.
pub const TITLE: &str =
    "<script>alert(1)</script> \"><img src=x onerror=alert(1)> =cmd|' /C calc'!A0";

/// The message of every error verdict: every short corpus string.
pub fn error_message() -> String {
    short_corpus().concat()
}

/// The severity reason of every finding.
pub fn severity_reason() -> String {
    format!(
        "=HYPERLINK(\"https://evil.example\") {}",
        short_corpus().concat()
    )
}

/// The evidence of every finding, as JSON text: every short corpus string.
pub fn evidence() -> Value {
    serde_json::json!({ "corpus": short_corpus(), "<b>key</b>\u{1b}[31m": "=1+1" })
}

/// The package metadata: hostile but printable.
pub fn metadata() -> Value {
    let p = printable();
    serde_json::json!({
        "name": "hostile-echo",
        "version": "1.0.0",
        "contract": "1.0.0",
        "min_host_version": "0.1.0",
        "rules": [{
            "id": RULE_ID,
            "title": TITLE,
            "severity": "low",
            "service": "ec2",
            "resource_types": ["AWS::EC2::SecurityGroup"],
            "rationale": p.join(" "),
            "remediation": {
                "cli": "=HYPERLINK(\"https://evil.example\",\"fix\")",
                "console": "+cmd|' /C calc'!A0 <a href=\"javascript:alert(1)\">x</a>",
                "url": "javascript:alert(document.domain)"
            },
            "controls": [{"framework": "=cmd|' /C calc'!A0", "control": "-1+<b>1</b>"}]
        }]
    })
}

/// Bytes laid out in the guest's memory as WAT data segments.
struct Data {
    next: u32,
    segments: String,
}

impl Data {
    fn put(&mut self, bytes: &[u8]) -> (u32, u32) {
        let at = self.next;
        self.put_at(at, bytes);
        self.next = (at + bytes.len() as u32 + 7) & !7;
        (at, bytes.len() as u32)
    }

    fn put_at(&mut self, at: u32, bytes: &[u8]) {
        let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
        self.segments
            .push_str(&format!("  (data (i32.const {at}) \"{escaped}\")\n"));
    }

    fn pairs(&mut self, pairs: &[(u32, u32)]) -> u32 {
        let bytes: Vec<u8> = pairs
            .iter()
            .flat_map(|(p, l)| [p.to_le_bytes(), l.to_le_bytes()].concat())
            .collect();
        self.put(&bytes).0
    }
}

/// The guest as a core module in WAT: every call logs each corpus string,
/// then returns one finding per resource of the batch: resource 0 gets an
/// error verdict, resource 1 a FAIL with the 1 MiB message, the others a FAIL
/// with the next short corpus string; each with severity critical, the
/// hostile [`severity_reason`], the hostile [`evidence`] and the rule's
/// hostile control.
pub fn guest_wat() -> String {
    let v = "1.0.0";
    let mut d = Data {
        next: 65536,
        segments: String::new(),
    };
    let meta = metadata().to_string();
    let meta_at = d.put(meta.as_bytes());
    d.put_at(
        512,
        &[meta_at.0.to_le_bytes(), meta_at.1.to_le_bytes()].concat(),
    );
    let rule = d.put(RULE_ID.as_bytes());
    let short = short_corpus();
    let messages: Vec<(u32, u32)> = short.iter().map(|s| d.put(s.as_bytes())).collect();
    let table = d.pairs(&messages);
    let long = d.put(long_string().as_bytes());
    let long_pair = d.pairs(&[long]);
    let error = d.put(error_message().as_bytes());
    let error_pair = d.pairs(&[error]);
    let reason = d.put(severity_reason().as_bytes());
    let evidence = d.put(evidence().to_string().as_bytes());
    let meta_doc = metadata();
    let control = &meta_doc["rules"][0]["controls"][0];
    let framework = d.put(control["framework"].as_str().unwrap().as_bytes());
    let control_id = d.put(control["control"].as_str().unwrap().as_bytes());
    let control_rec = d.pairs(&[framework, control_id]);
    let logs: String = messages
        .iter()
        .chain([&error])
        .enumerate()
        .map(|(i, (p, l))| {
            format!(
                "(call $log (i32.const {}) (i32.const {p}) (i32.const {l}))\n",
                i % 5
            )
        })
        .collect();
    let heap = d.next + 65536;
    let pages = heap / 65536 + 2;
    let k = messages.len();
    let segments = &d.segments;
    let realloc = include_str!("../guests/bump_realloc.wat");
    format!(
        r#"(module
  (import "cloudarq:rule/host@{v}" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") {pages})
  (global $heap (mut i32) (i32.const {heap}))
{segments}
{realloc}
  (func (export "cloudarq:rule/evaluator@{v}#configure") (param i32 i32) (result i32)
    (i32.const 256))
  (func (export "cloudarq:rule/evaluator@{v}#metadata") (result i32)
    (i32.const 512))
  (func (export "cloudarq:rule/evaluator@{v}#evaluate")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (local $i i32) (local $rec i32) (local $res i32) (local $msg i32) (local $out i32)
    {logs}
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
                                   (i32.mul (local.get 12) (i32.const 60))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get 12)))
      (local.set $rec (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 60))))
      (local.set $res (i32.add (local.get 11) (i32.mul (local.get $i) (i32.const 24))))
      (i32.store (local.get $rec) (i32.const {rule_ptr}))
      (i32.store offset=4 (local.get $rec) (i32.const {rule_len}))
      (i32.store offset=8 (local.get $rec) (i32.load (local.get $res)))
      (i32.store offset=12 (local.get $rec) (i32.load offset=4 (local.get $res)))
      (local.set $msg (i32.add (i32.const {table}) (i32.mul (i32.rem_u (local.get $i) (i32.const {k})) (i32.const 8))))
      (if (i32.eq (local.get $i) (i32.const 1)) (then (local.set $msg (i32.const {long_pair}))))
      (if (i32.eqz (local.get $i)) (then (local.set $msg (i32.const {error_pair}))))
      (i32.store8 offset=16 (local.get $rec) (select (i32.const 4) (i32.const 1) (i32.eqz (local.get $i))))
      (i32.store offset=20 (local.get $rec) (i32.load (local.get $msg)))
      (i32.store offset=24 (local.get $rec) (i32.load offset=4 (local.get $msg)))
      (i32.store8 offset=28 (local.get $rec) (i32.const 1))
      (i32.store8 offset=29 (local.get $rec) (i32.const 4))
      (i32.store8 offset=32 (local.get $rec) (i32.const 1))
      (i32.store offset=36 (local.get $rec) (i32.const {reason_ptr}))
      (i32.store offset=40 (local.get $rec) (i32.const {reason_len}))
      (i32.store offset=44 (local.get $rec) (i32.const {evidence_ptr}))
      (i32.store offset=48 (local.get $rec) (i32.const {evidence_len}))
      (i32.store offset=52 (local.get $rec) (i32.const {control_rec}))
      (i32.store offset=56 (local.get $rec) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 768) (local.get $out))
    (i32.store (i32.const 772) (local.get 12))
    (i32.const 768))
)"#,
        rule_ptr = rule.0,
        rule_len = rule.1,
        reason_ptr = reason.0,
        reason_len = reason.1,
        evidence_ptr = evidence.0,
        evidence_len = evidence.1,
    )
}

/// The guest's core module with the contract's WIT embedded, as the guest
/// SDK's build output would be (input of `cloudarq rules package`).
pub fn guest_core_module() -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::new();
    let pkg = resolve.push_str("rule.wit", WIT).unwrap();
    let world = resolve.select_world(&[pkg], Some("rule")).unwrap();
    let mut module = wat::parse_str(guest_wat()).unwrap();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    module
}

/// The packaged guest: a component with its metadata section.
pub fn hostile_package(host: &WasmHost) -> Vec<u8> {
    package_module(host, &guest_core_module()).unwrap().0
}
