//! The OpenAPI document at `/openapi.json` and the Swagger UI page at `/docs/`, rendered by a real
//! headless Chromium: every route of every enabled flavor is documented and listed, and only
//! the enabled flavors' routes.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use e2e::{spawn_app, TestApp};
use serde_json::Value;
use session_core::Flavor;

/// Every route of `flavor`, as `(method, path)`: its route table, as the flavor registers it.
fn routes_of(flavor: Flavor) -> Vec<(String, String)> {
    let registered = gateway::flavors::get(flavor).unwrap();
    let mut out = Vec::new();
    for (path, methods) in registered.routes() {
        for method in *methods {
            out.push((method.to_lowercase(), (*path).to_owned()));
        }
    }
    assert!(!out.is_empty(), "{flavor} has no routes");
    out
}

/// The gateway's own routes, documented whatever the flavors.
const GATEWAY_ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

/// The flavors a test app with `[flavors] enabled = ...` documents: exactly those.
fn documented(enabled: &[Flavor]) -> Vec<Flavor> {
    enabled.to_vec()
}

/// `(method, path)` of every route the document should hold for `flavors`.
fn expected_routes(flavors: &[Flavor]) -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = GATEWAY_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    for flavor in flavors {
        out.extend(routes_of(*flavor));
    }
    out
}

/// `(method, path)` of every operation of an OpenAPI document.
fn document_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item[method].is_object() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

fn tag_names(doc: &Value) -> BTreeSet<String> {
    doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn fetch_document(app: &TestApp) -> Value {
    let r = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("/openapi.json is not JSON ({e})"))
}

/// Checks a served document against the flavors its app enables.
fn check_document(doc: &Value, enabled: &[Flavor]) {
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1"), "openapi {version}");
    assert_eq!(doc["info"]["title"], "session-gateway");
    let flavors = documented(enabled);
    assert_eq!(document_routes(doc), expected_routes(&flavors));
    let mut tags: BTreeSet<String> = flavors.iter().map(|f| f.as_str().to_owned()).collect();
    tags.insert("gateway".into());
    assert_eq!(tag_names(doc), tags);
    // Every operation of a flavor carries the flavor's tag.
    for flavor in &flavors {
        for (method, path) in routes_of(*flavor) {
            let op = &doc["paths"][&path][&method];
            assert_eq!(
                op["tags"],
                serde_json::json!([flavor.as_str()]),
                "{method} {path}"
            );
            assert!(op["operationId"].is_string(), "{method} {path}");
        }
    }
}

#[tokio::test]
async fn openapi_json_documents_every_route_of_every_enabled_flavor() {
    let app = spawn_app("").await;
    let enabled = app.settings.flavors.enabled.clone();
    assert_eq!(
        enabled.len(),
        Flavor::ALL.len(),
        "the default enables every flavor"
    );
    let doc = fetch_document(&app).await;
    check_document(&doc, &enabled);
    // The security schemes the flavors' operations name.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for (name, header) in [
        ("QB-Token", "QB-Token"),
        ("ClientID", "ClientID"),
        ("ClientSecret", "ClientSecret"),
    ] {
        assert_eq!(schemes[name]["type"], "apiKey", "{name}");
        assert_eq!(schemes[name]["in"], "header", "{name}");
        assert_eq!(schemes[name]["name"], header, "{name}");
    }
    // Each flavor's error body is documented on its error responses.
    let unauthorized = |path: &str, method: &str| {
        doc["paths"][path][method]["responses"]["401"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        unauthorized("/session.json", "get"),
        "#/components/schemas/QuickbloxErrors"
    );
    assert_eq!(
        unauthorized("/session-storage/sessions/{id}", "get"),
        "#/components/schemas/SessionStorageErrors"
    );
    app.stop().await;
}

/// `(method, path)` of every route of a route table.
fn table(routes: &[(&str, &[&str])]) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .iter()
                .map(|m| (m.to_lowercase(), (*path).to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn openapi_json_documents_the_admin_api_while_it_is_mounted() {
    let admin = "[admin]\ntoken = \"admin-token-0123456789\"\n";
    for (overlay, testing) in [
        (admin.to_owned(), false),
        (format!("{admin}[testing]\nenabled = true\n"), true),
    ] {
        let app = spawn_app(&overlay).await;
        let doc = fetch_document(&app).await;
        let mut expected = expected_routes(&app.settings.flavors.enabled);
        let admin_routes = table(gateway::admin::ROUTES);
        let testing_routes = table(gateway::testing::routes::ROUTES);
        expected.extend(admin_routes.iter().cloned());
        if testing {
            expected.extend(testing_routes.iter().cloned());
        }
        assert_eq!(document_routes(&doc), expected, "{overlay}");
        assert!(tag_names(&doc).contains("admin"));
        assert_eq!(tag_names(&doc).contains("testing"), testing);
        let scheme = &doc["components"]["securitySchemes"]["AdminBearer"];
        assert_eq!(scheme["type"], "http");
        assert_eq!(scheme["scheme"], "bearer");
        let error = &doc["components"]["schemas"]["AdminError"];
        assert_eq!(error["required"], serde_json::json!(["error"]), "{error}");
        for (method, path) in expected.iter().filter(|(_, p)| p.starts_with("/admin/")) {
            let op = &doc["paths"][path][method];
            let tag = if testing_routes.contains(&(method.clone(), path.clone())) {
                "testing"
            } else {
                "admin"
            };
            assert_eq!(op["tags"], serde_json::json!([tag]), "{method} {path}");
            let id = op["operationId"].as_str().unwrap();
            assert!(id.starts_with(&format!("{tag}_")), "{method} {path}: {id}");
            assert_eq!(
                op["security"],
                serde_json::json!([{"AdminBearer": []}]),
                "{method} {path}"
            );
            assert_eq!(
                op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/AdminError",
                "{method} {path}"
            );
        }
        // Bounds the server enforces, in the document.
        let limit = |path: &str| {
            let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
            params.iter().find(|p| p["name"] == "limit").unwrap()["schema"].clone()
        };
        assert_eq!(limit("/admin/v1/events")["minimum"], 1);
        assert_eq!(limit("/admin/v1/events")["maximum"], 1000);
        if testing {
            let journal = limit("/admin/v1/testing/requests");
            assert_eq!(journal["minimum"], 1, "{journal}");
            assert_eq!(
                journal["maximum"], app.settings.testing.journal_size,
                "{journal}"
            );
            let clock = &doc["components"]["schemas"]["TestingClockChange"];
            assert_eq!(clock["oneOf"].as_array().unwrap().len(), 4, "{clock}");
            let owner = &doc["components"]["schemas"]["TestingSnapshotOwner"];
            assert_eq!(owner["required"], serde_json::json!(["owner"]), "{owner}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn openapi_json_lists_only_the_enabled_flavors() {
    for (overlay, enabled) in [
        (
            "[flavors]\nenabled = [\"quickblox\"]\n",
            vec![Flavor::Quickblox],
        ),
        (
            "[flavors]\nenabled = [\"session-storage\"]\n",
            vec![Flavor::SessionStorage],
        ),
    ] {
        let app = spawn_app(overlay).await;
        assert_eq!(app.settings.flavors.enabled, enabled);
        let doc = fetch_document(&app).await;
        check_document(&doc, &enabled);
        let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        for flavor in Flavor::ALL {
            if !enabled.contains(&flavor) {
                for (_, path) in routes_of(flavor) {
                    assert!(!paths.contains(&&path), "{overlay}: {path}");
                }
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn docs_redirects_to_the_swagger_ui_page_served_from_the_binary() {
    let app = spawn_app("[flavors]\nenabled = [\"quickblox\"]\n").await;
    let r = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()["location"], "/docs/");
    let r = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui-bundle.js"), "{html}");
    // Every asset comes from the gateway itself: no CDN.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/docs/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
    let init = app.get_text("/docs/swagger-initializer.js").await;
    assert!(init.contains("\"url\": \"/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Swagger UI in a real browser.

/// How long Chromium may take before it is killed.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);

/// The DOM of `url` after Swagger UI has rendered, from headless Chromium.
async fn render(url: &str) -> String {
    let profile = std::env::temp_dir().join(format!(
        "sg-openapi-chromium-{}",
        session_core::token::random_hex(6).unwrap()
    ));
    std::fs::create_dir_all(&profile).unwrap();
    let child = tokio::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=10000", "--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`chromium` is not installed: run `make test-deps` (Debian package `chromium`), \
             or set SG_SKIP_CLIENT_E2E=1 to skip this test"
        ),
        Err(e) => panic!("cannot run chromium: {e}"),
    };
    // Dropping the future on time-out drops the child, which kills it (`kill_on_drop`).
    let out = tokio::time::timeout(CHROMIUM_TIMEOUT, child.wait_with_output()).await;
    let _ = std::fs::remove_dir_all(&profile);
    let out = out
        .unwrap_or_else(|_| panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}"))
        .expect("chromium failed to run");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !dom.is_empty(),
        "chromium failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// `(method, path)` of every operation block Swagger UI rendered.
fn rendered_routes(dom: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for block in dom.split("class=\"opblock opblock-").skip(1) {
        let method = block
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap()
            .to_owned();
        let path = block
            .split("data-path=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("an operation block without data-path: {block:.300}"));
        out.insert((method, path.to_owned()));
    }
    out
}

#[tokio::test]
async fn swagger_ui_in_headless_chromium_lists_every_flavor_and_route() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        println!(
            "SKIPPED swagger_ui_in_headless_chromium_lists_every_flavor_and_route: \
             SG_SKIP_CLIENT_E2E=1"
        );
        return;
    }
    let app = spawn_app("").await;
    let flavors = documented(&app.settings.flavors.enabled);
    assert!(flavors.contains(&Flavor::Quickblox) && flavors.contains(&Flavor::SessionStorage));
    let dom = render(&format!("http://127.0.0.1:{}/docs/", app.port)).await;
    app.stop().await;

    assert!(
        dom.contains("id=\"swagger-ui\"") && dom.contains("opblock-tag"),
        "Swagger UI did not render:\n{dom:.2000}"
    );
    // Paths are shown with <wbr> break hints after each slash.
    let text = dom.replace("<wbr>", "").replace('\u{200b}', "");
    let mut tags = vec!["gateway"];
    tags.extend(flavors.iter().map(|f| f.as_str()));
    for tag in &tags {
        assert!(
            text.contains(&format!("data-tag=\"{tag}\""))
                && text.contains(&format!("<span>{tag}</span>")),
            "the tag {tag} is not shown"
        );
    }
    let expected = expected_routes(&flavors);
    for (method, path) in &expected {
        assert!(
            text.contains(&format!("<span>{path}</span>")),
            "{method} {path}: its path text is not shown"
        );
    }
    assert_eq!(rendered_routes(&text), expected);
    assert!(
        text.contains("/session-storage/sessions/{id}"),
        "the session-storage item routes are not shown"
    );
}
