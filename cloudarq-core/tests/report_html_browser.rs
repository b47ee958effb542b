//! The HTML report in a real browser: Debian's headless Chromium opens the
//! sample report from disk, under its own Content-Security-Policy.
//!
//! Asserted on the good report:
//! - `--dump-dom` shows the three SVG charts with their bars and donuts, and
//!   the DOM the hashed script adds (`data-js="ready"`, the filter toolbar,
//!   "24 of 24 findings"), which proves the script ran under the CSP;
//! - `#csp-violations`, where the script records `securitypolicyviolation`
//!   events, is empty, and Chromium's log (`--enable-logging=stderr`) has no
//!   "Refused to", "Content Security Policy" or "Uncaught" line;
//! - the hostile resource name and message stayed text (no `<img>` element);
//! - `--screenshot` writes a PNG of the window size with real content.
//!
//! A tampered copy (an unhashed inline script and a `style` attribute) must
//! trip both detectors, so the test is known to be able to fail.
//!
//! Chromium is required: install it with `apt-get install -y chromium`, or
//! point `CLOUDARQ_CHROMIUM` at a Chromium binary. Each run is killed after
//! 60 seconds.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use std::fs::{self, File};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudarq_core::report::{RuleIndex, html};
use report_fixture::{rule_metas, sample_result};

const TIMEOUT: Duration = Duration::from_secs(60);
const WINDOW: (u32, u32) = (1280, 2400);

fn chromium() -> PathBuf {
    let path = std::env::var_os("CLOUDARQ_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "headless Chromium not found at {}: install it with `apt-get update && apt-get install -y \
         chromium` (Debian), or set CLOUDARQ_CHROMIUM to a Chromium binary",
        path.display()
    );
    path
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs Chromium headless on `page` with `extra` flags, killed after TIMEOUT.
fn run_chromium(work: &Path, page: &Path, extra: &[String]) -> Run {
    let profile = tempfile::tempdir_in(work).unwrap();
    let out_path = work.join("chromium.stdout");
    let err_path = work.join("chromium.stderr");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        // Its own process group, so a timeout can end the renderer and GPU
        // processes too, not only the browser process.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {TIMEOUT:?}; stderr:\n{}",
                fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let run = Run {
        stdout: fs::read_to_string(&out_path).unwrap(),
        stderr: fs::read_to_string(&err_path).unwrap(),
    };
    assert!(
        status.success(),
        "chromium failed with {status}; stderr:\n{}",
        run.stderr
    );
    run
}

fn dump_dom(work: &Path, page: &Path) -> Run {
    run_chromium(
        work,
        page,
        &[
            "--virtual-time-budget=3000".to_owned(),
            "--dump-dom".to_owned(),
        ],
    )
}

/// Log lines that mean the page broke or the CSP blocked something. The
/// report's script never logs, so any console message at all counts.
/// (Chromium 156 logs CSP blocks as `INFO:CONSOLE… "Executing inline script
/// violates the following Content Security Policy directive…"`; older
/// versions say "Refused to execute inline script".)
fn problems(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Refused to")
                || l.contains("Content Security Policy")
                || l.contains("Uncaught")
        })
        .collect()
}

/// A log line reporting that the CSP blocked an inline `what`.
fn blocked(lines: &[&str], what: &str) -> bool {
    lines
        .iter()
        .any(|l| l.contains(what) && (l.contains("Refused to") || l.contains("violates")))
}

/// The `<li>` items of `#csp-violations` in a dumped DOM.
fn recorded_violations(dom: &str) -> usize {
    let start = dom
        .find("<ul id=\"csp-violations\">")
        .expect("violation list in the DOM");
    let end = start + dom[start..].find("</ul>").unwrap();
    dom[start..end].matches("<li>").count()
}

fn write_sample(work: &Path) -> PathBuf {
    let page = work.join("report.html");
    fs::write(
        &page,
        html::render(&sample_result(), &RuleIndex::from_metas(rule_metas())),
    )
    .unwrap();
    page
}

/// The screenshot's path: `CLOUDARQ_SCREENSHOT` to keep it, else in `work`.
fn screenshot_path(work: &Path) -> PathBuf {
    std::env::var_os("CLOUDARQ_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| work.join("report.png"))
}

#[test]
fn report_renders_in_headless_chromium_under_its_csp() {
    let work = tempfile::tempdir().unwrap();
    let page = write_sample(work.path());

    let run = dump_dom(work.path(), &page);
    let dom = &run.stdout;
    assert!(
        dom.contains("</html>"),
        "no DOM dumped; stderr:\n{}",
        run.stderr
    );
    assert_eq!(
        problems(&run.stderr),
        Vec::<&str>::new(),
        "console errors or CSP violations"
    );
    assert_eq!(
        recorded_violations(dom),
        0,
        "securitypolicyviolation events recorded"
    );

    // The charts are inline SVG and render without the script.
    for id in ["chart-severity", "chart-services", "chart-frameworks"] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "{id} not in the DOM"
        );
    }
    assert_eq!(dom.matches("<rect class=\"bar\"").count(), 17);
    assert_eq!(dom.matches("<circle class=\"arc\"").count(), 2);

    // The hashed script ran: it marked the page and built the toolbar.
    assert!(
        dom.contains("<html lang=\"en\" data-js=\"ready\">"),
        "script did not run"
    );
    assert!(dom.contains("id=\"findings-toolbar\""));
    assert!(dom.contains("<output>24 of 24 findings</output>"));
    assert!(dom.contains("Filtering and sorting enabled."));

    // Hostile text stayed text.
    assert!(!dom.contains("<img"), "an <img> element was injected");
    assert!(dom.contains("web-1 &lt;img src=x onerror=alert(1)&gt;"));
    assert!(dom.contains("<title>CloudArq report: AWS account 123456789012</title>"));

    let shot = screenshot_path(work.path());
    let run = run_chromium(
        work.path(),
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            "--hide-scrollbars".to_owned(),
        ],
    );
    assert_eq!(
        problems(&run.stderr),
        Vec::<&str>::new(),
        "errors while taking the screenshot"
    );
    let png =
        fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", shot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), WINDOW);
    // A blank or single-color page compresses to a few kilobytes.
    assert!(
        png.len() > 60_000,
        "screenshot is only {} bytes: blank page?",
        png.len()
    );
}

#[test]
fn the_detectors_catch_a_tampered_report() {
    let work = tempfile::tempdir().unwrap();
    let page = write_sample(work.path());
    let tampered = fs::read_to_string(&page).unwrap().replace(
        "<main>",
        "<main><script>document.title = 'tampered';</script><p style=\"color: red\">x</p>",
    );
    fs::write(&page, tampered).unwrap();

    let run = dump_dom(work.path(), &page);
    let found = problems(&run.stderr);
    assert!(
        blocked(&found, "inline script"),
        "the unhashed script was not reported; stderr:\n{}",
        run.stderr
    );
    assert!(
        blocked(&found, "inline style"),
        "the style attribute was not reported; stderr:\n{}",
        run.stderr
    );
    assert!(
        recorded_violations(&run.stdout) >= 2,
        "violations not recorded in the DOM"
    );
    assert!(
        !run.stdout.contains("<title>tampered</title>"),
        "the unhashed script ran"
    );
}
