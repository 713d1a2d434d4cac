//! The access-control matrix: every route the router has (`shenhe::web::route_list`, built by
//! the same calls that build the router) × every method it answers × anonymous, candidate A,
//! candidate B, reviewer and admin, with the path naming candidate A's objects. Only the
//! intended cells succeed; another candidate's objects answer 404, as if they did not exist.
//! A route missing from `RULES` fails the test, so a new route cannot be forgotten. The
//! matrix is written to `target/proof/access-<database>.md`.

mod rules;
mod verdict;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use reqwest::Method;
use reqwest::multipart::Form;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING, NEW_PASSWORD, Portal, Reply, image_ids};
use crate::review_client::{ADMIN, REVIEWER, candidate_id, submitted};
use rules::Access::{Candidate, Owner};
use rules::{Body, Objects, Rule, fill, rules};
use verdict::{ROLES, Role, describe, expected, got, meets};

on_both_databases!(only_the_intended_roles_get_through_any_route);

/// The methods a route might answer; axum's 405 says which it does not.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The five browsers, signed in through the real routes.
struct Sessions {
    by_role: BTreeMap<Role, Portal>,
}

impl Sessions {
    async fn sign_in(app: &TestApp) -> Sessions {
        let mut by_role = BTreeMap::new();
        for role in ROLES {
            by_role.insert(role, sign_in(app, role).await);
        }
        Sessions { by_role }
    }

    async fn alive(&self, role: Role) -> bool {
        let path = match role {
            Role::Anonymous => return true,
            Role::CandidateA | Role::CandidateB => "/api/v1/me",
            Role::Reviewer | Role::Admin => "/api/v1/staff/me",
        };
        self.of(role).get(path).await.status == 200
    }

    async fn assert_alive(&self) {
        for role in ROLES {
            assert!(
                self.alive(role).await,
                "{}'s session ended early",
                role.label()
            );
        }
    }

    /// Signs in again whoever's session a row ended.
    async fn renew(&mut self, app: &TestApp) {
        for role in ROLES {
            if !self.alive(role).await {
                let portal = sign_in(app, role).await;
                self.by_role.insert(role, portal);
            }
        }
    }

    fn of(&self, role: Role) -> &Portal {
        &self.by_role[&role]
    }
}

async fn sign_in(app: &TestApp, role: Role) -> Portal {
    match role {
        Role::Anonymous => Portal::new(app),
        Role::CandidateA => candidate(app, LI_MING.id_number, LI_MING.email).await,
        Role::CandidateB => candidate(app, LI_HUA.id_number, LI_HUA.email).await,
        Role::Reviewer => staff(app, REVIEWER).await,
        Role::Admin => staff(app, ADMIN).await,
    }
}

async fn staff(app: &TestApp, (username, password): (&str, &str)) -> Portal {
    let mut portal = Portal::new(app);
    portal.login(username, password).await.expect(200);
    portal
}

/// A candidate signed in with `NEW_PASSWORD`, replacing the initial one (`email`) first if
/// it is still in place (as after an admin's reset).
async fn candidate(app: &TestApp, id_number: &str, email: &str) -> Portal {
    let mut portal = Portal::new(app);
    if portal.login(id_number, NEW_PASSWORD).await.status == 200 {
        return portal;
    }
    portal.login(id_number, email).await.expect(200);
    portal
        .change_password(email, NEW_PASSWORD)
        .await
        .expect(204);
    portal
}

async fn send(portal: &Portal, method: &str, path: &str, body: Body) -> Reply {
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = portal
        .client
        .request(method, portal.url(path))
        .header("X-CSRF-Token", &portal.csrf);
    request = match body {
        Body::Empty => request,
        Body::Json => request
            .header("content-type", "application/json")
            .body("{}"),
        Body::Form => request.form(&[("csrf", portal.csrf.as_str())]),
        Body::Multipart => request.multipart(Form::new().text("csrf", portal.csrf.clone())),
    };
    Portal::send(request).await
}

/// Every (method, path) the router answers: the API's methods from its OpenAPI document
/// (and every other method must be a 405, or the document is missing one), a page's from
/// probing (405 means the method is not a route).
async fn answered(app: &TestApp, objects: &Objects) -> BTreeSet<(String, String)> {
    let anonymous = Portal::new(app);
    let mut found = BTreeSet::new();
    for route in shenhe::web::route_list() {
        let path = fill(&route.path, objects);
        for method in METHODS {
            let documented = route
                .methods
                .as_ref()
                .map(|methods| methods.iter().any(|m| m.as_str() == method));
            let not_allowed = send(&anonymous, method, &path, Body::Empty).await.status == 405;
            match documented {
                Some(true) => assert!(!not_allowed, "{method} {} is documented", route.path),
                Some(false) => {
                    assert!(not_allowed, "{method} {} is not documented", route.path)
                }
                None => {}
            }
            if !not_allowed {
                found.insert((method.to_string(), route.path.clone()));
            }
        }
    }
    found
}

async fn only_the_intended_roles_get_through_any_route(backend: Backend) {
    // Every role signs in again after a row that can end sessions: more sign-ins from one
    // address than the default limit allows.
    let settings = shenhe::config::WebSettings {
        login_attempts_per_minute: 10_000,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    shenhe::demo::load(app.db())
        .await
        .expect("loading the demo");
    // A has submitted (so A's case is in the queue); B is a draft.
    submitted(&app, &LI_MING).await;
    let mut sessions = Sessions::sign_in(&app).await;
    let me = sessions.of(Role::CandidateA).me().await;
    let hash = shenhe::auth::hash_password("Spare-2023-ok".to_string())
        .await
        .unwrap();
    let spare = app
        .db()
        .save_staff("spare", &hash, shenhe::db::staff::Role::Reviewer, false)
        .await
        .unwrap();
    let exam = app
        .db()
        .current_exam()
        .await
        .unwrap()
        .expect("the demo exam");
    let objects = Objects {
        image: image_ids(&me, "id_card")[0].clone(),
        candidate: candidate_id(&app, &LI_MING).await,
        staff: spare.id,
        exam: exam.code.clone(),
    };

    let routes = answered(&app, &objects).await;
    let rules = rules();
    let declared: BTreeSet<(String, String)> = rules
        .iter()
        .map(|rule| (rule.method.to_string(), rule.path.to_string()))
        .collect();
    let undeclared: Vec<_> = routes.difference(&declared).collect();
    assert!(undeclared.is_empty(), "routes not in RULES: {undeclared:?}");
    let gone: Vec<_> = declared.difference(&routes).collect();
    assert!(
        gone.is_empty(),
        "RULES name routes the router lacks: {gone:?}"
    );

    let mut table = String::from("| route | ");
    for role in ROLES {
        write!(table, "{} | ", role.label()).unwrap();
    }
    table.push_str("\n|---|---|---|---|---|---|\n");
    let mut wrong = Vec::new();
    let (last, first): (Vec<&Rule>, Vec<&Rule>) = rules.iter().partition(|rule| rule.ends_sessions);
    for rule in first.into_iter().chain(last) {
        let (method, pattern, access) = (rule.method, rule.path, rule.access);
        let path = fill(pattern, &objects);
        let api = pattern.starts_with("/api/");
        write!(table, "| `{method} {pattern}` | ").unwrap();
        // The role a route is for goes last, so what it changes cannot decide the others.
        let order = match access {
            Candidate | Owner => [
                Role::Anonymous,
                Role::CandidateB,
                Role::Reviewer,
                Role::Admin,
                Role::CandidateA,
            ],
            _ => ROLES,
        };
        if rule.ends_sessions {
            // No refusal so far came from a session that had already died.
            sessions.assert_alive().await;
        }
        let mut cells = BTreeMap::new();
        for role in order {
            let reply = send(sessions.of(role), method, &path, rule.body).await;
            let expect = expected(access, role, api);
            let ok = meets(expect, &reply);
            if !ok {
                wrong.push(format!(
                    "{method} {path} as {}: expected {}, got {} {}",
                    role.label(),
                    describe(expect),
                    got(&reply),
                    reply.text().chars().take(200).collect::<String>()
                ));
            }
            let mark = if ok { "" } else { " **✗**" };
            cells.insert(
                role,
                format!("{} / {}{mark}", describe(expect), got(&reply)),
            );
        }
        for role in ROLES {
            write!(table, "{} | ", cells[&role]).unwrap();
        }
        table.push('\n');
        if rule.ends_sessions {
            sessions.renew(&app).await;
        }
    }
    write_proof(backend, &table, routes.len(), &wrong);
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn write_proof(backend: Backend, table: &str, routes: usize, wrong: &[String]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/proof");
    std::fs::create_dir_all(&dir).expect("creating target/proof");
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let text = format!(
        "# Access-control matrix ({name})\n\n\
         {routes} route × method pairs from `shenhe::web::route_list()`, each sent as five \
         accounts; paths name candidate A's objects. Each cell: expected / got \
         (`allowed` = 2xx, a redirect within the area, or a 400/409/413/415/422 from the \
         handler; `→ /` = a redirect to the sign-in page; `public` = no 5xx).\n\n\
         {} cell(s) differ.\n\n{table}",
        wrong.len()
    );
    std::fs::write(dir.join(format!("access-{name}.md")), text).expect("writing the matrix");
}

/// `shenhe routes` prints the same list, with the API's methods, for proxy configs.
#[test]
fn shenhe_routes_prints_the_route_list() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .arg("routes")
        .output()
        .expect("running shenhe routes");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let printed: Vec<&str> = stdout
        .lines()
        .skip(1)
        .map(|line| line.split('\t').next().unwrap_or(line))
        .collect();
    let listed: Vec<String> = shenhe::web::route_list()
        .into_iter()
        .map(|route| route.path)
        .collect();
    assert_eq!(printed, listed);
    assert!(
        stdout.contains("/api/v1/images/{id}\tGET,DELETE\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/admin/staff/{id}/{action}\t-\n"),
        "{stdout}"
    );
}
