//! Who each route is for: the table the matrix checks, and the objects its paths name.

/// Who a route is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account (its own password, signing out).
    SignedIn,
    /// Any candidate, about themself.
    Candidate,
    /// Candidate A only: the path names A's object, so B gets 404.
    Owner,
    /// Reviewers and admins.
    Staff,
    Admin,
}
use Access::{Admin, Candidate, Owner, Public, SignedIn, Staff};

/// The smallest body that reaches the handler: the point is the decision, not the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Empty,
    /// `{}` (the API; the token is in `X-CSRF-Token`).
    Json,
    /// A form with just the `csrf` field (the pages).
    Form,
    /// A multipart form with just the `csrf` field (uploads).
    Multipart,
}
use Body::{Empty, Form as Fields, Json, Multipart};

/// Every route and method the application answers: who it is for, and the body that reaches
/// its handler. Rows that can end sessions (signing out, resetting a password) run after
/// the others, and whoever they signed out signs in again. `#` starts a comment line.
const RULES: &str = "
# Health and assets.
GET    /healthz                                          public     -
GET    /readyz                                           public     -
GET    /static/{*path}                                   public     -
# The candidate pages.
GET    /                                                 public     -
GET    /login                                            public     -
POST   /login                                            public     form       ends-sessions
GET    /logout                                           public     -
POST   /logout                                           public     form       ends-sessions
GET    /password                                         signed-in  -
POST   /password                                         signed-in  form
POST   /materials/{code}/images                          candidate  multipart
GET    /view/{id}                                        owner      -
POST   /images/{id}/delete                               owner      form
GET    /submit                                           candidate  -
POST   /submit                                           candidate  form
# Staff pages.
GET    /staff/totp                                       staff      -
POST   /staff/totp                                       staff      form
POST   /staff/totp/disable                               staff      form
GET    /review                                           staff      -
POST   /review                                           staff      form
POST   /review/claim                                     staff      form
GET    /review/cases/{id}                                staff      -
POST   /review/cases/{id}/claim                          staff      form
POST   /review/cases/{id}/release                        staff      form
POST   /review/cases/{id}/decision                       staff      form
# Admin pages.
GET    /admin                                            admin      -
GET    /admin/charts/daily.svg                           admin      -
GET    /admin/audit                                      admin      -
POST   /admin/audit                                      admin      form
GET    /admin/exams                                      admin      -
POST   /admin/exams                                      admin      multipart
GET    /admin/exams/{code}                               admin      -
POST   /admin/exams/{code}/name                          admin      form
POST   /admin/exams/{code}/window                        admin      form
POST   /admin/exams/{code}/deadline                      admin      form
POST   /admin/exams/{code}/reasons                       admin      form
POST   /admin/exams/{code}/current                       admin      form
POST   /admin/exams/{code}/rules                         admin      multipart
POST   /admin/exams/{code}/rules/confirm                 admin      form
GET    /admin/roster                                     admin      -
POST   /admin/roster                                     admin      multipart
POST   /admin/roster/commit                              admin      form
GET    /admin/candidates                                 admin      -
POST   /admin/candidates                                 admin      form
GET    /admin/candidates/{id}                            admin      -
POST   /admin/candidates/{id}/reset-password             admin      form       ends-sessions
GET    /admin/staff                                      admin      -
POST   /admin/staff                                      admin      form
POST   /admin/staff/{id}/{action}                        admin      form
GET    /admin/settings                                   admin      -
POST   /admin/settings                                   admin      form
GET    /admin/results                                    admin      -
GET    /admin/results/export                             admin      -
POST   /admin/results/purge                              admin      form       ends-sessions
# The API: accounts and the candidate's own.
GET    /api/v1/openapi.json                              public     -
POST   /api/v1/login                                     public     json       ends-sessions
POST   /api/v1/logout                                    signed-in  -          ends-sessions
POST   /api/v1/password                                  signed-in  json
GET    /api/v1/me                                        candidate  -
POST   /api/v1/materials/{code}/images                   candidate  multipart
GET    /api/v1/images/{id}                               owner      -
DELETE /api/v1/images/{id}                               owner      -
GET    /api/v1/images/{id}/thumb                         owner      -
POST   /api/v1/submit                                    candidate  -
# The API: staff.
GET    /api/v1/staff/me                                  staff      -
POST   /api/v1/staff/totp                                staff      -
POST   /api/v1/staff/totp/confirm                        staff      json
POST   /api/v1/staff/totp/disable                        staff      json
GET    /api/v1/review/queue                              staff      -
POST   /api/v1/review/queue/search                       staff      json
POST   /api/v1/review/claim                              staff      -
GET    /api/v1/review/cases/{id}                         staff      -
POST   /api/v1/review/cases/{id}/claim                   staff      -
POST   /api/v1/review/cases/{id}/release                 staff      -
POST   /api/v1/review/cases/{id}/decision                staff      json
GET    /api/v1/review/images/{id}                        staff      -
GET    /api/v1/review/images/{id}/thumb                  staff      -
# The API: admins.
GET    /api/v1/admin/audit                               admin      -
POST   /api/v1/admin/audit/search                        admin      json
GET    /api/v1/admin/disagreements                       admin      -
GET    /api/v1/admin/stats                               admin      -
GET    /api/v1/admin/export                              admin      -
GET    /api/v1/admin/exams                               admin      -
POST   /api/v1/admin/exams                               admin      json
PATCH  /api/v1/admin/exams/{code}                        admin      json
POST   /api/v1/admin/exams/{code}/preview                admin      json
POST   /api/v1/admin/exams/{code}/rules                  admin      json
POST   /api/v1/admin/roster                              admin      multipart
GET    /api/v1/admin/candidates                          admin      -
POST   /api/v1/admin/candidates/search                   admin      json
GET    /api/v1/admin/candidates/{id}                     admin      -
POST   /api/v1/admin/candidates/{id}/reset-password      admin      -          ends-sessions
GET    /api/v1/admin/staff                               admin      -
POST   /api/v1/admin/staff                               admin      json
POST   /api/v1/admin/staff/{id}/disable                  admin      -
POST   /api/v1/admin/staff/{id}/enable                   admin      -
POST   /api/v1/admin/staff/{id}/reset-password           admin      -
POST   /api/v1/admin/staff/{id}/reset-totp               admin      -
POST   /api/v1/admin/staff/{id}/role                     admin      json
GET    /api/v1/admin/settings                            admin      -
PUT    /api/v1/admin/settings                            admin      json
";

/// One row of `RULES`.
pub struct Rule {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub body: Body,
    pub ends_sessions: bool,
}

pub fn rules() -> Vec<Rule> {
    let rule = |line: &'static str| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let access = match words[2] {
            "public" => Public,
            "signed-in" => SignedIn,
            "candidate" => Candidate,
            "owner" => Owner,
            "staff" => Staff,
            "admin" => Admin,
            other => panic!("unknown access {other} in {line}"),
        };
        let body = match words[3] {
            "-" => Empty,
            "json" => Json,
            "form" => Fields,
            "multipart" => Multipart,
            other => panic!("unknown body {other} in {line}"),
        };
        let ends_sessions = match words.get(4) {
            None => false,
            Some(&"ends-sessions") => true,
            Some(other) => panic!("unknown flag {other} in {line}"),
        };
        Rule {
            method: words[0],
            path: words[1],
            access,
            body,
            ends_sessions,
        }
    };
    RULES
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(rule)
        .collect()
}

/// The objects the paths name: candidate A's, a spare staff account's, the demo exam's.
pub struct Objects {
    pub image: String,
    pub candidate: i64,
    pub staff: i64,
    pub exam: String,
}

/// The path with its parameters filled in. A parameter this does not know fails the test:
/// a new kind of object needs a decision about whose object to name.
pub fn fill(pattern: &str, objects: &Objects) -> String {
    let value = |name: &str| -> String {
        let on = |prefix: &str| pattern.starts_with(prefix);
        match name {
            "*path" => "app.css".into(),
            "code" if pattern.contains("/materials/") => "id_card".into(),
            "code" => objects.exam.clone(),
            "action" => "enable".into(),
            "id" if on("/view/") || on("/images/") || pattern.contains("/images/{id}") => {
                objects.image.clone()
            }
            "id" if pattern.contains("/cases/") || pattern.contains("/candidates/") => {
                objects.candidate.to_string()
            }
            "id" if pattern.contains("/staff/") => objects.staff.to_string(),
            _ => panic!("no object for {{{name}}} in {pattern}: add one to `fill`"),
        }
    };
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("a closing brace") + start;
        path.push_str(&rest[..start]);
        path.push_str(&value(&rest[start + 1..end]));
        rest = &rest[end + 1..];
    }
    path.push_str(rest);
    path
}
