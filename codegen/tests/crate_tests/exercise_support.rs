// The support of an exercise test (`codegen/tests/prism.rs` writes it
// into each generated crate, after this text): a recording proxy between
// the generated client and Stoplight's Prism, and the comparison of what
// the client decoded with what the server sent.

#[allow(dead_code)]
mod support {
    use std::sync::{Arc, Mutex};

    /// What the proxy adds to a request and what it saw of the last answer.
    #[derive(Default)]
    struct State {
        prefer: Option<String>,
        /// (where: `header`, `query` or `cookie`; name; value).
        auth: Vec<(&'static str, String, String)>,
        last: Option<Seen>,
    }

    #[derive(Clone, Debug)]
    pub struct Seen {
        pub status: u16,
        pub content_type: String,
        pub body: Vec<u8>,
        pub violations: Option<String>,
        /// The request's body, as the client sent it, and its media type.
        pub request: Vec<u8>,
        pub request_type: String,
    }

    pub struct Proxy {
        pub url: String,
        state: Arc<Mutex<State>>,
    }

    impl Proxy {
        pub async fn start(upstream: String) -> Proxy {
            let state = Arc::new(Mutex::new(State::default()));
            let shared = state.clone();
            let http = reqwest::Client::new();
            let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
                let state = shared.clone();
                let http = http.clone();
                let upstream = upstream.clone();
                async move { forward(state, http, upstream, req).await }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });
            Proxy {
                url: format!("http://{addr}"),
                state,
            }
        }

        /// The next requests ask Prism for this status (`Prefer: code=…`).
        pub fn prefer(&self, code: Option<&str>) {
            self.state.lock().unwrap().prefer = code.map(str::to_owned);
        }

        /// The next requests carry these credentials.
        pub fn auth(&self, auth: &[(&'static str, &str, &str)]) {
            self.state.lock().unwrap().auth = auth.iter().map(|(w, n, v)| (*w, (*n).to_owned(), (*v).to_owned())).collect();
        }

        pub fn take(&self) -> Option<Seen> {
            self.state.lock().unwrap().last.take()
        }
    }

    async fn forward(
        state: Arc<Mutex<State>>,
        http: reqwest::Client,
        upstream: String,
        req: axum::extract::Request,
    ) -> axum::response::Response {
        let (prefer, auth) = {
            let s = state.lock().unwrap();
            (s.prefer.clone(), s.auth.clone())
        };
        let (parts, body) = req.into_parts();
        let request_type = parts.headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = axum::body::to_bytes(body, 256 << 20).await.unwrap_or_default();
        let mut url = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
        let mut cookies = Vec::new();
        for (w, name, value) in &auth {
            match *w {
                "query" => {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&format!("{name}={value}"));
                }
                "cookie" => cookies.push(format!("{name}={value}")),
                _ => {}
            }
        }
        let mut out = http.request(parts.method, &url);
        for (name, value) in &parts.headers {
            if !matches!(name.as_str(), "host" | "content-length" | "connection" | "cookie") {
                out = out.header(name.as_str(), value.as_bytes());
            }
        }
        for (w, name, value) in &auth {
            if *w == "header" {
                out = out.header(name.as_str(), value.as_str());
            }
        }
        if let Some(c) = parts.headers.get("cookie").and_then(|c| c.to_str().ok()) {
            cookies.push(c.to_owned());
        }
        if !cookies.is_empty() {
            out = out.header("cookie", cookies.join("; "));
        }
        let again = out.try_clone();
        if let Some(code) = &prefer {
            out = out.header("prefer", format!("code={code}"));
        }
        let mut answer = match out.body(body.to_vec()).send().await {
            Ok(a) => a,
            Err(e) => {
                return axum::response::Response::builder()
                    .status(599)
                    .body(axum::body::Body::from(format!("the proxy cannot reach Prism: {e}")))
                    .unwrap_or_default();
            }
        };
        // Prism's static answer is the spec's example, or one it makes
        // without the schema's patterns: when that does not match the
        // schema, it is asked to make one from the schema instead.
        if answer.headers().get("sl-violations").and_then(|v| v.to_str().ok()).is_some_and(|v| response_violation(v)) {
            if let Some(again) = again {
                let prefer = match &prefer {
                    Some(code) => format!("code={code}, dynamic=true"),
                    None => "dynamic=true".to_owned(),
                };
                if let Ok(a) = again.header("prefer", prefer).body(body.to_vec()).send().await {
                    answer = a;
                }
            }
        }
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let bytes = answer.bytes().await.unwrap_or_default().to_vec();
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        state.lock().unwrap().last = Some(Seen {
            status,
            content_type: header("content-type").unwrap_or_default(),
            body: bytes.clone(),
            violations: header("sl-violations"),
            request: body.to_vec(),
            request_type: request_type.unwrap_or_default(),
        });
        let mut response = axum::response::Response::builder().status(status);
        for (name, value) in &headers {
            if !matches!(name.as_str(), "content-length" | "transfer-encoding" | "connection") {
                response = response.header(name, value);
            }
        }
        response.body(axum::body::Body::from(bytes)).unwrap_or_default()
    }

    /// Whether Prism's violations include one of its own answer (as
    /// opposed to the request).
    fn response_violation(violations: &str) -> bool {
        violations.contains("[\"response\"") && violations.contains("\"severity\":\"Error\"")
    }

    /// Whether they include one of the request.
    fn request_violation(violations: &str) -> bool {
        let Ok(list) = serde_json::from_str::<Vec<serde_json::Value>>(violations.trim_start_matches("Too many violations! ")) else {
            return violations.contains("[\"request\"");
        };
        list.iter().any(|v| {
            v.get("severity").and_then(|s| s.as_str()) == Some("Error")
                && v.pointer("/location/0").and_then(|l| l.as_str()) == Some("request")
        })
    }

    /// The spec's example as the type the client takes, or else a value
    /// made from the schema; why neither reads, when neither does.
    pub fn value_or<T: serde::de::DeserializeOwned>(authored: &str, made: &str) -> Result<T, String> {
        serde_json::from_str(authored).or_else(|first| {
            serde_json::from_str(made).map_err(|second| {
                format!("neither the spec's example {authored} ({first}) nor the value {made} made from its schema ({second}) reads as the client's type")
            })
        })
    }

    /// A value of a spec-derived example, as the type the client takes.
    pub fn value<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("the example {json} does not read as the client's type: {e}"))
    }

    #[derive(Default)]
    pub struct Report {
        pub calls: usize,
        pub failures: Vec<String>,
        /// Answers Prism itself says do not match the spec, which a client
        /// of the spec need not decode: counted, not failed.
        pub invalid_answers: Vec<String>,
        /// For a failure where Prism and the client disagree on a value,
        /// the value and the pointer of its schema, for the harness to
        /// judge with a validator of its own (`JUDGE<TAB>json` lines).
        pub evidence: Vec<serde_json::Value>,
    }

    impl Report {
        /// One call: what was asked (`what`), what the client decoded
        /// (`decoded`: its JSON re-encoding, `Ok(None)` when nothing is
        /// compared, `Err` why it did not decode as documented), and the
        /// properties the response's schema declares.
        /// `schema` is the pointer, in the spec as the generator reads it
        /// (`doc.json` beside this test), of the answer's schema; empty
        /// when there is none to follow (every member then counts).
        /// `request` is the pointer of the JSON schema of the request's
        /// body; empty when it has none.
        pub fn check(&mut self, what: &str, proxy: &Proxy, decoded: Result<Option<serde_json::Value>, String>, schema: &str, request: &str) {
            self.calls += 1;
            let seen = proxy.take();
            let violations = seen.as_ref().and_then(|s| s.violations.clone()).unwrap_or_default();
            let rejected = if request_violation(&violations) {
                Some(violations.clone())
            } else {
                seen.as_ref()
                    .filter(|s| s.status == 422 && String::from_utf8_lossy(&s.body).contains("stoplight.io/prism/errors#UNPROCESSABLE_ENTITY"))
                    .map(|s| String::from_utf8_lossy(&s.body).chars().take(600).collect::<String>())
            };
            if let Some(why) = rejected {
                self.failures.push(format!("{what}: Prism rejects the request: {why}"));
                if let Some(s) = seen.as_ref() {
                    if let Ok(sent) = serde_json::from_slice::<serde_json::Value>(&s.request) {
                        self.evidence(what, "request", s.status, request, sent);
                    } else if s.request_type.starts_with("application/x-www-form-urlencoded") {
                        // The form as sent: the harness reads it by the schema.
                        let text = String::from_utf8_lossy(&s.request).into_owned();
                        if let Some(e) = self.evidence(what, "request", s.status, request, serde_json::Value::String(text)) {
                            e["form"] = serde_json::Value::Bool(true);
                        }
                    }
                }
                return;
            }
            // Prism's own failure: its faker throws on some schemas, finds
            // others too complex, cannot write an object as `text/plain`,
            // or (with `--errors`) made an answer that breaks the spec. It
            // answers 500 with a problem document of its own: no answer to
            // judge the client by.
            if let Some(kind) = seen.as_ref().filter(|s| s.status == 500).and_then(|s| prism_failure(&s.body)) {
                self.invalid_answers.push(format!("{what}: Prism fails to make an answer ({kind})"));
                return;
            }
            let invalid_answer = response_violation(&violations);
            let decoded = match decoded {
                Ok(d) => d,
                Err(_) if invalid_answer => {
                    self.invalid_answers.push(format!("{what}: {}", violations.chars().take(300).collect::<String>()));
                    return;
                }
                Err(why) => {
                    if let Some((status, body)) = seen.as_ref().and_then(|s| Some((s.status, serde_json::from_slice::<serde_json::Value>(&s.body).ok()?))) {
                        self.evidence(what, "response", status, schema, body);
                    }
                    let body = seen
                        .as_ref()
                        .map(|s| format!("{} {} {}", s.status, s.content_type, String::from_utf8_lossy(&s.body).chars().take(300).collect::<String>()))
                        .unwrap_or_default();
                    self.failures.push(format!("{what}: {why} (the server sent {body})"));
                    return;
                }
            };
            let (Some(decoded), Some(seen)) = (decoded, seen) else { return };
            let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&seen.body) else {
                return;
            };
            let mut lost = Vec::new();
            let declared = (!schema.is_empty()).then(|| doc().pointer(schema)).flatten();
            compare(&raw, &decoded, declared, "", &mut lost);
            if !lost.is_empty() && invalid_answer {
                self.invalid_answers.push(format!("{what}: {}", violations.chars().take(300).collect::<String>()));
            } else if !lost.is_empty() {
                // Where each lost member is: the harness asks whether its
                // value keeps to any schema that declares it.
                let pointers: Vec<&str> = lost.iter().filter_map(|l| l.split('`').nth(1)).collect();
                if let Some(e) = self.evidence(what, "response", seen.status, schema, raw.clone()) {
                    e["lost"] = serde_json::json!(pointers);
                }
                self.failures.push(format!("{what}: decoded and encoded again, the body loses {}", lost.join(", ")));
            }
        }

        /// What the harness needs to judge the value of a failed call.
        /// `status` is the answer's.
        /// The record, for what more the caller knows; `None` where there
        /// is no schema to judge by.
        fn evidence(&mut self, what: &str, direction: &str, status: u16, pointer: &str, value: serde_json::Value) -> Option<&mut serde_json::Value> {
            if pointer.is_empty() {
                return None;
            }
            self.evidence.push(serde_json::json!({ "what": what, "direction": direction, "status": status, "pointer": pointer, "value": value }));
            self.evidence.last_mut()
        }

        /// Prints the summary and each failure on a line of its own
        /// (`FAIL<TAB>what: why`), which the harness compares with the
        /// known gaps; fails when there is any.
        pub fn finish(self, krate: &str) {
            for f in &self.failures {
                eprintln!("FAIL\t{}", f.replace(['\n', '\r'], " "));
            }
            for e in &self.evidence {
                eprintln!("JUDGE\t{e}");
            }
            eprintln!(
                "{krate}: {} calls, {} failures, {} answers Prism says do not match the spec",
                self.calls,
                self.failures.len(),
                self.invalid_answers.len()
            );
            for a in self.invalid_answers.iter().take(5) {
                eprintln!("  note: {a}");
            }
            assert!(
                self.failures.is_empty(),
                "{krate}: {} of {} calls fail:\n{}",
                self.failures.len(),
                self.calls,
                self.failures.join("\n")
            );
        }
    }

    /// The spec as the generator reads it.
    fn doc() -> &'static serde_json::Value {
        static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
        DOC.get_or_init(|| serde_json::from_str(include_str!("doc.json")).expect("doc.json"))
    }

    /// The kind of a problem document of Prism's own (`…/prism/errors#KIND`)
    /// that is about its answer, not the request: every kind but
    /// `UNPROCESSABLE_ENTITY`, and `VIOLATIONS` only where each violation
    /// it lists is of the response.
    fn prism_failure(body: &[u8]) -> Option<String> {
        let v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
        let kind = v.get("type")?.as_str()?.strip_prefix("https://stoplight.io/prism/errors#")?;
        let of_request = |e: &serde_json::Value| e.pointer("/location/0").and_then(|l| l.as_str()) != Some("response");
        match kind {
            "UNPROCESSABLE_ENTITY" => None,
            "VIOLATIONS" if v.get("validation").and_then(|l| l.as_array()).is_none_or(|l| l.is_empty() || l.iter().any(of_request)) => None,
            k => Some(k.to_owned()),
        }
    }

    /// Whether a member `key` of a value of `schema` is declared, and the
    /// schema of its value: `Some(None)` when declared with nothing known
    /// of it (and where the schema is unknown: every member counts).
    fn member<'s>(schema: Option<&'s serde_json::Value>, key: &str, depth: usize) -> Option<Option<&'s serde_json::Value>> {
        let Some(s) = schema else { return Some(None) };
        if depth > 32 {
            return Some(None);
        }
        let s = follow(s)?;
        if let Some(p) = s.get("properties").and_then(|p| p.get(key)) {
            return Some(Some(p));
        }
        for list in ["allOf", "oneOf", "anyOf"] {
            for m in s.get(list).and_then(|l| l.as_array()).into_iter().flatten() {
                if let Some(found) = member(Some(m), key, depth + 1) {
                    return Some(found);
                }
            }
        }
        match s.get("additionalProperties") {
            Some(a) if a.is_object() => Some(Some(a)),
            _ => None,
        }
    }

    /// The schema of a list's items.
    fn items<'s>(schema: Option<&'s serde_json::Value>, depth: usize) -> Option<&'s serde_json::Value> {
        let s = follow(schema?)?;
        if depth > 32 {
            return None;
        }
        if let Some(i) = s.get("items") {
            return Some(i);
        }
        for list in ["allOf", "oneOf", "anyOf"] {
            for m in s.get(list).and_then(|l| l.as_array()).into_iter().flatten() {
                if let Some(i) = items(Some(m), depth + 1) {
                    return Some(i);
                }
            }
        }
        None
    }

    /// A schema with its `$ref`s followed, in `doc()`.
    fn follow<'s>(mut s: &'s serde_json::Value) -> Option<&'s serde_json::Value> {
        for _ in 0..32 {
            match s.get("$ref").and_then(|r| r.as_str()) {
                // The target is in `doc()`, which outlives any 's.
                Some(r) => s = doc().pointer(r.strip_prefix('#')?)?,
                None => return Some(s),
            }
        }
        None
    }

    /// Whether `raw` (what the server sent) survives in `decoded` (what the
    /// client encodes again): every member the schema declares, equal, at
    /// any depth.
    fn compare(raw: &serde_json::Value, decoded: &serde_json::Value, schema: Option<&serde_json::Value>, at: &str, lost: &mut Vec<String>) {
        use serde_json::Value as J;
        match (raw, decoded) {
            (J::Object(r), J::Object(d)) => {
                for (k, rv) in r {
                    let here = format!("{at}/{k}");
                    let declared = member(schema, k, 0);
                    match (d.get(k), declared) {
                        (Some(dv), Some(sub)) => compare(rv, dv, sub, &here, lost),
                        (Some(_), None) => {}
                        (None, _) if rv.is_null() => {}
                        (None, Some(_)) => lost.push(format!("`{here}`")),
                        (None, None) => {}
                    }
                }
            }
            (J::Array(r), J::Array(d)) => {
                if r.len() != d.len() {
                    lost.push(format!("`{at}` ({} items, {} after)", r.len(), d.len()));
                    return;
                }
                let item = items(schema, 0);
                for (i, (rv, dv)) in r.iter().zip(d).enumerate() {
                    compare(rv, dv, item, &format!("{at}/{i}"), lost);
                }
            }
            (J::Number(a), J::Number(b)) if a.as_f64() == b.as_f64() => {}
            // A `format: float` member is an f32: the same value, written
            // back through a JSON value as the f64 it widens to.
            (J::Number(a), J::Number(b)) if a.as_f64().map(|v| v as f32) == b.as_f64().map(|v| v as f32) => {}
            // A number beyond f32's range is no `format: float` value (Prism
            // makes -3.4028236e38 for one): f32 holds it as infinite.
            (J::Number(a), J::Null) if a.as_f64().is_some_and(|v| v.is_finite() && (v as f32).is_infinite()) => {}
            (J::String(a), J::String(b)) if same_instant(a, b) => {}
            (J::Null, _) => {}
            (r, d) if r == d => {}
            // A number sent as a string the schema reads as a number (or the
            // other way round) is the same value.
            (J::String(a), J::Number(b)) | (J::Number(b), J::String(a)) if a.parse::<f64>().ok() == b.as_f64() => {}
            (r, d) => lost.push(format!("`{at}` ({r} became {d})")),
        }
    }

    fn same_instant(a: &str, b: &str) -> bool {
        if a == b {
            return true;
        }
        let parse = |s: &str| chrono_like(s);
        matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
    }

    /// An RFC 3339 time as seconds and nanoseconds since the epoch,
    /// without a date library: enough to tell `Z` from `+00:00`.
    fn chrono_like(s: &str) -> Option<(i64, u32)> {
        let (date, rest) = s.split_once(['T', 't', ' '])?;
        let mut d = date.split('-');
        let (y, m, day): (i64, i64, i64) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
        let split = rest.find(['Z', 'z', '+', '-'])?;
        let (time, zone) = rest.split_at(split);
        let mut t = time.split(':');
        let (hh, mm): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
        let sec = t.next()?;
        let (ss, frac) = sec.split_once('.').unwrap_or((sec, "0"));
        let ss: i64 = ss.parse().ok()?;
        let nanos: u32 = format!("{:0<9}", &frac[..frac.len().min(9)]).parse().ok()?;
        let offset = match zone {
            "Z" | "z" => 0,
            z => {
                let sign = if z.starts_with('-') { -1 } else { 1 };
                let (oh, om) = z[1..].split_once(':')?;
                sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
            }
        };
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146097 + doe - 719468;
        Some((days * 86400 + hh * 3600 + mm * 60 + ss - offset, nanos))
    }
}
