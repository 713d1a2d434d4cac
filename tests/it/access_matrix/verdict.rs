//! What each cell of the matrix must answer, and whether a reply does.

use crate::portal_client::Reply;

use super::rules::Access::{self, Admin, Candidate, Owner, Public, SignedIn, Staff};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Anonymous,
    CandidateA,
    CandidateB,
    Reviewer,
    Admin,
}

pub const ROLES: [Role; 5] = [
    Role::Anonymous,
    Role::CandidateA,
    Role::CandidateB,
    Role::Reviewer,
    Role::Admin,
];

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::CandidateA => "candidate A",
            Role::CandidateB => "candidate B",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

/// What a cell must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The handler ran and did (or validated) the thing: 2xx, a redirect within the area,
    /// or a 400/409/413/415/422 about the request itself.
    Allowed,
    /// A refusal with exactly this status.
    Refused(u16),
    /// A page's refusal: a redirect to the sign-in page.
    ToSignIn,
    /// A public route: anything but a server error.
    NoServerError,
}

pub fn expected(access: Access, role: Role, api: bool) -> Expect {
    let refuse = |status| {
        if api {
            Expect::Refused(status)
        } else {
            Expect::ToSignIn
        }
    };
    let staff = matches!(role, Role::Reviewer | Role::Admin);
    match (access, role) {
        (Public, _) => Expect::NoServerError,
        (_, Role::Anonymous) => refuse(401),
        (SignedIn, _) => Expect::Allowed,
        (Candidate, _) if !staff => Expect::Allowed,
        (Owner, Role::CandidateA) => Expect::Allowed,
        (Owner, Role::CandidateB) => Expect::Refused(404),
        (Candidate | Owner, _) => refuse(403),
        (Staff | Admin, Role::CandidateA | Role::CandidateB) => refuse(403),
        (Staff, _) | (Admin, Role::Admin) => Expect::Allowed,
        (Admin, _) => Expect::Refused(403),
    }
}

/// Where a refused page sends the browser.
const SIGN_IN_PAGES: [&str; 1] = ["/"];

/// Whether a redirect carries a one-time message (a `*_flash` cookie): the handler ran and
/// says what it did or why not. A refusal to sign in sends none.
fn has_flash(reply: &Reply) -> bool {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .any(|(name, value)| name.ends_with("_flash") && !value.is_empty())
}

pub fn meets(expect: Expect, reply: &Reply) -> bool {
    let status = reply.status.as_u16();
    let redirect = reply.status.is_redirection().then(|| reply.location());
    let to_sign_in = redirect
        .as_ref()
        .is_some_and(|to| SIGN_IN_PAGES.contains(&to.as_str()) && !has_flash(reply));
    match expect {
        Expect::NoServerError => status < 500,
        Expect::Refused(wanted) => status == wanted,
        Expect::ToSignIn => to_sign_in,
        // The candidate's area is `/` too: a redirect there with a message is an answer.
        Expect::Allowed => match redirect {
            Some(to) => !to_sign_in && to != "/password",
            None => (200..300).contains(&status) || [400, 409, 413, 415, 422].contains(&status),
        },
    }
}

pub fn describe(expect: Expect) -> String {
    match expect {
        Expect::Allowed => "allowed".into(),
        Expect::Refused(status) => status.to_string(),
        Expect::ToSignIn => "→ /".into(),
        Expect::NoServerError => "public".into(),
    }
}

pub fn got(reply: &Reply) -> String {
    if reply.status.is_redirection() {
        let flash = if has_flash(reply) { " +flash" } else { "" };
        format!("{} → {}{flash}", reply.status.as_u16(), reply.location())
    } else {
        reply.status.as_u16().to_string()
    }
}
