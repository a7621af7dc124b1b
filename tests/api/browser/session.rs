//! An interactive page in headless Chromium: navigate, run script, submit a
//! form and wait for the next page, change the window width, run axe-core.
//! Cookies live as long as the session, so a sign-in carries over.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Browser;

pub struct Session {
    browser: Browser,
    id: String,
}

impl Session {
    /// A fresh browser with one blank page `width` CSS pixels wide.
    pub fn open(binary: &str, width: u32) -> Session {
        let mut browser = Browser::start(binary);
        let target = browser.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call(None, "Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        let id = attached["sessionId"].as_str().expect("session").to_owned();
        let mut s = Session { browser, id };
        for domain in ["Network.enable", "Runtime.enable", "Log.enable", "Page.enable"] {
            s.call(domain, json!({}));
        }
        s.set_width(width);
        s
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.id.clone();
        self.browser.call(Some(&id), method, params)
    }

    /// Emulates a window `width` CSS pixels wide (a desktop layout viewport,
    /// so the page's own `meta viewport` decides; see STACK.md).
    pub fn set_width(&mut self, width: u32) {
        self.call("Emulation.setDeviceMetricsOverride", json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}));
    }

    /// Scrollbars take no room, as on a phone: then `widths()` compares the
    /// page with the whole window, not with the window less a scrollbar.
    #[allow(dead_code)] // the page tests use it
    pub fn hide_scrollbars(&mut self) {
        self.call("Emulation.setScrollbarsHidden", json!({"hidden": true}));
    }

    /// Headers sent with every request from now on (e.g. `Authorization`).
    pub fn set_headers(&mut self, headers: &[(&str, &str)]) {
        let extra: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        self.call("Network.setExtraHTTPHeaders", json!({"headers": extra}));
    }

    /// Opens `url` and waits until it has loaded.
    pub fn goto(&mut self, url: &str) {
        self.forget_loads();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_load();
    }

    /// Runs `script` (an expression; a promise is awaited) and returns its value.
    pub fn eval(&mut self, script: &str) -> Value {
        let answer = self.call("Runtime.evaluate", json!({"expression": script, "returnByValue": true, "awaitPromise": true}));
        assert!(answer.get("exceptionDetails").is_none(), "script failed: {script}: {answer}");
        answer["result"]["value"].clone()
    }

    /// Runs `script`, which leads to a new page (clicks a submit button,
    /// follows a link), and waits until that page has loaded.
    pub fn navigate_by(&mut self, script: &str) {
        self.forget_loads();
        self.eval(script);
        self.wait_load();
    }

    /// Clicks the element `selector` names and waits for the page it leads to.
    pub fn click(&mut self, selector: &str) {
        let script = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) throw new Error('no element'); e.click(); return true; }})()",
            json!(selector)
        );
        self.navigate_by(&script);
    }

    /// Sets the value of the form field `selector` names.
    pub fn fill(&mut self, selector: &str, value: &str) {
        let script = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) throw new Error('no field'); e.value = {}; return true; }})()",
            json!(selector),
            json!(value)
        );
        self.eval(&script);
    }

    /// The page's whole HTML as it is now.
    pub fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML").as_str().expect("outerHTML").to_owned()
    }

    /// The visible text of the page.
    pub fn text(&mut self) -> String {
        self.eval("document.body.innerText").as_str().expect("innerText").to_owned()
    }

    /// `(document.documentElement.scrollWidth, window.innerWidth)`: equal when
    /// nothing makes the page scroll sideways.
    pub fn widths(&mut self) -> (i64, i64) {
        let v = self.eval("[document.documentElement.scrollWidth, window.innerWidth]");
        (v[0].as_i64().expect("scrollWidth"), v[1].as_i64().expect("innerWidth"))
    }

    /// Runs axe-core (its `axe.min.js` source) on the page, best practices
    /// included, and returns the violations (an empty array when clean).
    pub fn axe(&mut self, axe_source: &str) -> Vec<Value> {
        self.eval(axe_source);
        let result = self.eval(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','best-practice']}})\
             .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html)})))",
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// A PNG of the whole page as it is now.
    #[allow(dead_code)] // the page tests use it
    pub fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}));
        super::base64(shot["data"].as_str().expect("screenshot"))
    }

    /// Console errors, exceptions and failed loads seen so far.
    pub fn errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        for e in &self.browser.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or("") {
                "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => errors.push(format!("console: {p}")),
                "Runtime.exceptionThrown" => errors.push(format!("exception: {p}")),
                "Log.entryAdded" if p["entry"]["level"] == "error" => errors.push(format!("log: {}", p["entry"])),
                "Network.loadingFailed" => errors.push(format!("loading failed: {p}")),
                _ => {}
            }
        }
        errors
    }

    /// Every URL the page has requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.browser
            .events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| e["params"]["request"]["url"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// The HTTP status of the last document loaded.
    pub fn last_status(&self) -> Option<i64> {
        self.browser
            .events
            .iter()
            .rev()
            .find(|e| e["method"] == "Network.responseReceived" && e["params"]["type"] == "Document")
            .and_then(|e| e["params"]["response"]["status"].as_i64())
    }

    fn forget_loads(&mut self) {
        self.browser.events.retain(|e| e["method"] != "Page.loadEventFired");
    }

    fn wait_load(&mut self) {
        self.browser.wait_for("Page.loadEventFired", Instant::now() + Duration::from_secs(30));
        // Late errors have a moment to arrive: a round trip after the load.
        self.call("Runtime.evaluate", json!({"expression": "1"}));
    }
}

#[test]
fn a_browser_session_fills_a_field_clicks_and_measures_the_page_width() {
    let Some(binary) = super::chromium() else { return };
    let page = "<!doctype html><html lang=\"da\"><head><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>x</title></head>\
                <body><input id=\"q\"><a id=\"next\" href=\"/\">videre</a><div style=\"width:600px\">bred</div></body></html>";
    let server = super::OnePage::serve(page.to_owned());
    let mut s = Session::open(&binary, 320);
    s.set_headers(&[("X-Probe", "1")]);
    s.goto(&format!("{}/", server.address));
    assert_eq!(s.last_status(), Some(200));
    s.fill("#q", "187.553,50");
    assert_eq!(s.eval("document.querySelector('#q').value"), json!("187.553,50"));
    let (scroll, window) = s.widths();
    assert_eq!(window, 320);
    assert!(scroll > window, "a 600 px box makes a 320 px page scroll sideways: {scroll}");
    s.click("#next");
    assert!(s.text().contains("videre"));
    assert_eq!(
        server.heads.lock().expect("heads").iter().filter(|h| h.starts_with("GET / ")).count(),
        2,
        "the click loaded the page again"
    );
    assert!(server.heads.lock().expect("heads")[0].to_lowercase().contains("\r\nx-probe: 1\r\n"));
    assert!(s.html().contains("<a id=\"next\""));
    assert!(s.requests().iter().all(|u| u.starts_with(&server.address)), "{:?}", s.requests());
    assert!(s.errors().iter().all(|e| e.contains("favicon.ico")), "{:?}", s.errors());
}
