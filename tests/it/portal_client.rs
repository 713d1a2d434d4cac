//! A typed client for the candidate portal's JSON API and pages, as a browser would use them:
//! one cookie jar, redirects not followed (so 303s can be asserted), the CSRF token from the
//! login answer sent on every state-changing request.

use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A demo candidate: 身份证号, the initial password (the roster email), name.
pub struct Candidate {
    pub id_number: &'static str,
    pub email: &'static str,
    pub name: &'static str,
}

/// 李明, student_in_wuhan: id_card + student_status.
pub const LI_MING: Candidate = Candidate {
    id_number: "420502200203150215",
    email: "liming@example.com",
    name: "李明",
};
/// 李华, student_outside_wuhan: id_card + hukou_book + student_status.
pub const LI_HUA: Candidate = Candidate {
    id_number: "420102200111080326",
    email: "lihua@example.com",
    name: "李华",
};
/// 张明: a student outside Wuhan without a Wuhan hukou; not eligible here.
pub const ZHANG_MING: Candidate = Candidate {
    id_number: "110108200201010810",
    email: "zhangming@example.com",
    name: "张明",
};

/// A password that meets the policy (8+ characters, letters and digits).
pub const NEW_PASSWORD: &str = "Shenhe2023ok";

/// A whole answer, read once: status, headers and body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("reading the body").to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }

    /// The body as JSON, or `Null` when it is empty or not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error` message of a refusal; fails when there is none.
    pub fn error(&self) -> String {
        let error = self.json()["error"].as_str().map(str::to_owned);
        match error {
            Some(e) if !e.trim().is_empty() => e,
            _ => panic!("{} without an error message: {}", self.status, self.text()),
        }
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        self
    }

    /// Where a redirect points, without the scheme and host.
    pub fn location(&self) -> String {
        let location = self.header("location").expect("a Location header");
        match location.find("://") {
            Some(i) => {
                let rest = &location[i + 3..];
                rest[rest.find('/').unwrap_or(rest.len())..].to_string()
            }
            None => location.to_string(),
        }
    }
}

/// One browser: its own cookie jar and CSRF token.
pub struct Portal {
    pub client: Client,
    base: String,
    /// The token from the last successful login.
    pub csrf: String,
}

impl Portal {
    pub fn new(app: &TestApp) -> Portal {
        Portal::at(&app.url(""))
    }

    /// A browser for a server at `base` (e.g. `http://127.0.0.1:4000`), such as a `shenhe`
    /// child process.
    pub fn at(base: &str) -> Portal {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Portal {
            client,
            base: base.to_string(),
            csrf: String::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn send(request: RequestBuilder) -> Reply {
        Reply::read(request.send().await.expect("the server answers")).await
    }

    /// A state-changing request carrying the CSRF token.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::send(self.client.get(self.url(path))).await
    }

    /// `POST /api/v1/login`; keeps the CSRF token when it succeeds.
    pub async fn login(&mut self, account: &str, password: &str) -> Reply {
        let body = json!({ "account": account, "password": password });
        let reply = Self::send(self.client.post(self.url("/api/v1/login")).json(&body)).await;
        if reply.status == StatusCode::OK {
            self.csrf = reply.json()["csrf_token"]
                .as_str()
                .expect("a csrf_token in the login answer")
                .to_string();
        }
        reply
    }

    /// `POST /api/v1/password`; a change gives the session a new token (the cookie jar
    /// takes it) and a new CSRF token, which this keeps.
    pub async fn change_password(&mut self, current: &str, new: &str) -> Reply {
        let body = json!({ "current": current, "new": new });
        let reply = Self::send(self.post("/api/v1/password").json(&body)).await;
        if reply.status == StatusCode::NO_CONTENT {
            self.csrf = reply
                .header("x-csrf-token")
                .expect("a new CSRF token after a password change")
                .to_string();
        }
        reply
    }

    /// Signs in with the initial password and replaces it, as every candidate must first.
    pub async fn sign_in_and_change(&mut self, account: &str, email: &str, new_password: &str) {
        let login = self.login(account, email).await.expect(200);
        assert_eq!(login.json()["must_change_password"], true);
        self.change_password(email, new_password).await.expect(204);
    }

    /// A demo candidate, signed in with a changed password.
    pub async fn candidate(app: &TestApp, who: &Candidate) -> Portal {
        let mut portal = Portal::new(app);
        portal
            .sign_in_and_change(who.id_number, who.email, NEW_PASSWORD)
            .await;
        portal
    }

    pub async fn logout(&self) -> Reply {
        Self::send(self.post("/api/v1/logout")).await
    }

    /// `GET /api/v1/me`, which must succeed.
    pub async fn me(&self) -> Value {
        self.get("/api/v1/me").await.expect(200).json()
    }

    /// `POST /api/v1/materials/{code}/images` with the session's CSRF token.
    pub async fn upload(&self, code: &str, bytes: Vec<u8>, filename: &str) -> Reply {
        self.upload_with_token(code, bytes, filename, Some(&self.csrf))
            .await
    }

    /// An upload with the given CSRF header (or none).
    pub async fn upload_with_token(
        &self,
        code: &str,
        bytes: Vec<u8>,
        filename: &str,
        csrf: Option<&str>,
    ) -> Reply {
        let mut request = self
            .client
            .post(self.url(&format!("/api/v1/materials/{code}/images")))
            .multipart(Form::new().part("file", file_part(bytes, filename)));
        if let Some(token) = csrf {
            request = request.header("X-CSRF-Token", token);
        }
        Self::send(request).await
    }

    /// An upload that must succeed; returns the image JSON.
    pub async fn upload_ok(&self, code: &str, bytes: Vec<u8>) -> Value {
        self.upload(code, bytes, "photo.jpg")
            .await
            .expect(201)
            .json()
    }

    pub async fn delete(&self, image_id: &str) -> Reply {
        Self::send(
            self.client
                .delete(self.url(&format!("/api/v1/images/{image_id}")))
                .header("X-CSRF-Token", &self.csrf),
        )
        .await
    }

    pub async fn submit(&self) -> Reply {
        Self::send(self.post("/api/v1/submit")).await
    }

    /// A form post, for the pages (no JavaScript).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::send(self.client.post(self.url(path)).form(fields)).await
    }

    /// A multipart form post with text fields first, then the file.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        bytes: Vec<u8>,
        filename: &str,
    ) -> Reply {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        form = form.part("file", file_part(bytes, filename));
        Self::send(self.client.post(self.url(path)).multipart(form)).await
    }
}

/// A file as a browser labels it: by its name, whatever it holds.
fn file_part(bytes: Vec<u8>, filename: &str) -> Part {
    let mime = match filename.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    };
    Part::bytes(bytes)
        .file_name(filename.to_string())
        .mime_str(mime)
        .unwrap()
}

/// The material entry with this code in a `/me` answer.
pub fn material<'a>(me: &'a Value, code: &str) -> &'a Value {
    me["materials"]
        .as_array()
        .expect("a materials list")
        .iter()
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("no material {code} in {me}"))
}

/// The ids of a material's images, in the order listed.
pub fn image_ids(me: &Value, code: &str) -> Vec<String> {
    material(me, code)["images"]
        .as_array()
        .expect("an images list")
        .iter()
        .map(id_of)
        .collect()
}

/// An image's id as a string, whether the server sends a number or a string.
pub fn id_of(image: &Value) -> String {
    match &image["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("an image id, got {other}"),
    }
}

/// The codes of the materials listed in a `/me` answer, in order.
pub fn material_codes(me: &Value) -> Vec<String> {
    me["materials"]
        .as_array()
        .expect("a materials list")
        .iter()
        .map(|m| m["code"].as_str().expect("a code").to_string())
        .collect()
}

/// A fresh app with the demo exam (window open) and its candidates.
pub async fn demo_app(backend: crate::helpers::Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    shenhe::demo::load(app.db())
        .await
        .expect("loading the demo");
    app
}

/// The whole `Set-Cookie` line for `shenhe_session` in an answer.
pub fn session_set_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("shenhe_session="))
        .expect("a shenhe_session cookie")
        .to_string()
}

/// The `shenhe_session` cookie a login answer sets, as `name=value`.
pub fn session_cookie(reply: &Reply) -> String {
    let line = session_set_cookie(reply);
    line.split(';').next().unwrap().to_string()
}
