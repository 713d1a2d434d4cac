//! The corpus: every hostile request, what it is in words, and the answer it must get.

use super::files::*;
use crate::process::{RawBody, RawRequest};

/// The signed-in candidate the corpus is sent as.
pub struct Session {
    /// `shenhe_session=…`
    pub cookie: String,
    pub csrf: String,
}

/// The answer a case must get.
pub enum Expect {
    /// A JSON refusal with this status whose `error` (Chinese) contains `says`.
    Refused(u16, &'static str),
    /// A page with this status that contains `says`.
    Page(u16, &'static str),
    /// The no-JavaScript upload's answer: 303 back to the material page, which then shows a
    /// one-time message containing `says`.
    Back(&'static str),
    /// 303 to the sign-in page.
    SignIn,
    /// Taken (201) because the content is a real photo; the stored copy must not contain
    /// `absent`. Deleted again right after.
    Accepted(&'static [u8]),
    /// Refused by the HTTP layer before the app sees it: this status, no body.
    Bare(u16),
}

pub struct Case {
    pub name: &'static str,
    pub request: String,
    pub expect: Expect,
    pub send: RawRequest,
    /// Sent this many times; the last answer counts (a flood).
    pub repeat: usize,
}

const BOUNDARY: &str = "hostile7MA4YWxkTrZu0gW";
const UPLOAD: &str = "/api/v1/materials/id_card/images";
const PAGE_UPLOAD: &str = "/materials/id_card/images";

/// One multipart part: raw header lines and the body.
struct Part(Vec<u8>, Vec<u8>);

fn file(filename: &[u8], content_type: Option<&str>, body: Vec<u8>) -> Part {
    let mut head = b"Content-Disposition: form-data; name=\"file\"; filename=\"".to_vec();
    head.extend_from_slice(filename);
    head.extend_from_slice(b"\"\r\n");
    if let Some(kind) = content_type {
        head.extend_from_slice(format!("Content-Type: {kind}\r\n").as_bytes());
    }
    Part(head, body)
}

fn photo(body: Vec<u8>) -> Part {
    file(b"photo.jpg", Some("image/jpeg"), body)
}

fn text(name: &str, value: &[u8]) -> Part {
    let head = format!("Content-Disposition: form-data; name=\"{name}\"\r\n").into_bytes();
    Part(head, value.to_vec())
}

fn multipart(parts: Vec<Part>) -> Vec<u8> {
    let mut body = Vec::new();
    for Part(head, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        body.extend_from_slice(&head);
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn form_type() -> Vec<u8> {
    format!("multipart/form-data; boundary={BOUNDARY}").into_bytes()
}

impl Session {
    fn headers(&self, content_type: Option<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
        let mut headers = vec![
            ("Cookie".to_string(), self.cookie.clone().into_bytes()),
            ("X-CSRF-Token".to_string(), self.csrf.clone().into_bytes()),
        ];
        if let Some(kind) = content_type {
            headers.push(("Content-Type".to_string(), kind));
        }
        headers
    }

    fn request(
        &self,
        method: &'static str,
        path: &str,
        kind: Option<Vec<u8>>,
        body: RawBody,
    ) -> RawRequest {
        RawRequest {
            method,
            path: path.to_string(),
            headers: self.headers(kind),
            body,
        }
    }

    /// An API upload of these parts.
    fn upload(&self, parts: Vec<Part>) -> RawRequest {
        self.upload_to(UPLOAD, parts)
    }

    fn upload_to(&self, path: &str, parts: Vec<Part>) -> RawRequest {
        self.request(
            "POST",
            path,
            Some(form_type()),
            RawBody::Bytes(multipart(parts)),
        )
    }

    /// A page upload: the form's `csrf` field, then these parts.
    fn page_upload(&self, parts: Vec<Part>) -> RawRequest {
        let mut all = vec![text("csrf", self.csrf.as_bytes())];
        all.extend(parts);
        let mut request = self.upload_to(PAGE_UPLOAD, all);
        request.headers.retain(|(name, _)| name != "X-CSRF-Token");
        request
    }

    /// A single file of `head` + `filler` zeros, streamed, never held whole.
    fn streamed(&self, path: &str, csrf_field: bool, filler: usize) -> RawRequest {
        let mut head = Vec::new();
        if csrf_field {
            head = multipart(vec![text("csrf", self.csrf.as_bytes())]);
            head.truncate(head.len() - BOUNDARY.len() - 6); // drop the closing boundary
        }
        head.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        head.extend_from_slice(&file(b"big.jpg", Some("image/jpeg"), vec![]).0);
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(&jpeg());
        let tail = format!("\r\n--{BOUNDARY}--\r\n").into_bytes();
        self.request(
            "POST",
            path,
            Some(form_type()),
            RawBody::Stream { head, filler, tail },
        )
    }

    fn json(&self, path: &str, kind: &str, body: Vec<u8>) -> RawRequest {
        self.request(
            "POST",
            path,
            Some(kind.as_bytes().to_vec()),
            RawBody::Bytes(body),
        )
    }

    fn form(&self, path: &str, body: Vec<u8>) -> RawRequest {
        let kind = b"application/x-www-form-urlencoded".to_vec();
        self.request("POST", path, Some(kind), RawBody::Bytes(body))
    }

    fn get(&self, path: &str) -> RawRequest {
        self.request("GET", path, None, RawBody::Bytes(vec![]))
    }
}

/// A request without the session (anonymous).
fn anonymous(mut request: RawRequest) -> RawRequest {
    request
        .headers
        .retain(|(name, _)| name != "Cookie" && name != "X-CSRF-Token");
    request
}

fn with_header(mut request: RawRequest, name: &str, value: Vec<u8>) -> RawRequest {
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    request.headers.push((name.to_string(), value));
    request
}

const JSON: &str = "application/json";
const MB: usize = 1024 * 1024;

/// Every case, in the order they are sent (the sign-in flood last: it locks the address).
pub fn corpus(s: &Session, png_side: u32) -> Vec<Case> {
    use Expect::*;
    let mut cases = Vec::new();
    let mut add = |name: &'static str, request: &str, expect: Expect, send: RawRequest| {
        cases.push(Case {
            name,
            request: request.to_string(),
            expect,
            send,
            repeat: 1,
        });
    };
    let unreadable = "无法打开";
    let upload = |body: Vec<u8>| s.upload(vec![photo(body)]);

    // Files that are not what they claim, or claim too much.
    add(
        "zero bytes",
        "API upload, empty file",
        Refused(422, "文件是空的"),
        upload(vec![]),
    );
    add(
        "truncated JPEG",
        "API upload, 640×480 JPEG cut in half",
        Refused(422, unreadable),
        upload(truncated_jpeg()),
    );
    add(
        "PNG 100,000×100,000",
        "API upload, 87-byte PNG header declaring 10 gigapixels",
        Refused(422, "尺寸太大"),
        upload(declared_png(100_000, 100_000)),
    );
    add(
        "pixel flood PNG",
        "API upload, 87-byte PNG declaring 20000×20000",
        Refused(422, "尺寸太大"),
        upload(crate::photos::pixel_flood_png()),
    );
    add(
        "pixel flood JPEG",
        "API upload, 1 KB JPEG whose SOF0 says 60000×60000",
        Refused(422, "尺寸太大"),
        upload(jpeg_claiming(60_000)),
    );
    add(
        "pixel flood WebP",
        "API upload, VP8X header declaring 16384×16384",
        Refused(422, unreadable),
        upload(webp_declaring(16_384)),
    );
    add(
        "big PNG in a small file",
        &format!("API upload, valid all-transparent {png_side}×{png_side} RGBA PNG"),
        Accepted(b"IHDR"),
        upload(transparent_png(png_side)),
    );
    add(
        "huge EXIF + APP segments",
        "API upload, JPEG with 65 KB APP1 Exif and 60 KB in APP2…APP15",
        Accepted(b"SECRET"),
        upload(jpeg_with_huge_metadata()),
    );
    add(
        "EXIF IFD past the end",
        "API upload, Exif whose IFD offset is 0xFFFFFFF0",
        Accepted(b"Exif"),
        upload(jpeg_with_lying_exif(0xFFFF_FFF0)),
    );
    add(
        "EXIF 65,535 entries",
        "API upload, Exif IFD claiming 65,535 entries in 4 bytes",
        Accepted(b"Exif"),
        upload(jpeg_with_lying_exif(8)),
    );
    add(
        "runaway JPEG segment",
        "API upload, APP1 length 65,535 in a 16-byte file",
        Refused(422, unreadable),
        upload(jpeg_with_runaway_segment()),
    );
    add(
        "JPEG/HTML polyglot",
        "API upload, JPEG with <script> in a comment and after EOI",
        Accepted(b"<script"),
        upload(jpeg_html_polyglot()),
    );
    add(
        "HTML/JPEG polyglot",
        "API upload, HTML page with a JPEG appended",
        Refused(415, "HTML"),
        upload(html_then_jpeg()),
    );
    add(
        "SVG with script",
        "API upload, SVG with <script>",
        Refused(415, "SVG"),
        upload(svg_with_script()),
    );
    add(
        "GIF",
        "API upload, 1×1 GIF",
        Refused(415, "GIF"),
        upload(gif()),
    );
    add(
        "TIFF",
        "API upload, TIFF header",
        Refused(415, "TIFF"),
        upload(tiff()),
    );
    add(
        "BMP",
        "API upload, 2×2 BMP",
        Refused(415, "BMP"),
        upload(bmp()),
    );
    add(
        "HEIC",
        "API upload, ISO media with the heic brand",
        Refused(415, "HEIC"),
        upload(heic()),
    );
    add(
        "WebP with lies",
        "API upload, RIFF size 0xFFFFFFF0, VP8 chunk of noise",
        Refused(422, unreadable),
        upload(webp_lying()),
    );
    add(
        "PDF",
        "API upload, a PDF",
        Refused(415, "PDF"),
        upload(pdf()),
    );
    add(
        "noise",
        "API upload, 4 KB of noise named photo.jpg",
        Refused(415, "JPEG、PNG 或 WebP"),
        upload(noise(4096)),
    );

    // Names and declared types prove nothing.
    add(
        ".exe name",
        "API upload, good JPEG as setup.exe, application/x-msdownload",
        Accepted(b"setup"),
        s.upload(vec![file(
            b"setup.exe",
            Some("application/x-msdownload"),
            jpeg(),
        )]),
    );
    add(
        ".html name",
        "API upload, good JPEG as index.html, text/html",
        Accepted(b"index"),
        s.upload(vec![file(b"index.html", Some("text/html"), jpeg())]),
    );
    add(
        "no extension",
        "API upload, good JPEG named photo, no Content-Type",
        Accepted(b"photo"),
        s.upload(vec![file(b"photo", None, jpeg())]),
    );
    add(
        "lying Content-Type",
        "API upload, text named photo.jpg as image/jpeg",
        Refused(415, "无法识别"),
        s.upload(vec![file(
            b"photo.jpg",
            Some("image/jpeg"),
            b"just some text".to_vec(),
        )]),
    );
    add(
        "path traversal name",
        "API upload, good JPEG named ../../etc/passwd",
        Accepted(b"passwd"),
        s.upload(vec![file(b"../../etc/passwd", Some("image/jpeg"), jpeg())]),
    );
    add(
        "traversal name, bad file",
        "API upload, GIF named ..\\..\\windows\\win.ini",
        Refused(415, "GIF"),
        s.upload(vec![file(
            b"..\\..\\windows\\win.ini",
            Some("image/gif"),
            gif(),
        )]),
    );
    add(
        "10,000-char name",
        "API upload, good JPEG with a 10,000-character name",
        Accepted(b"aaaaaaaa"),
        s.upload(vec![file(&[b'a'; 10_000], Some("image/jpeg"), jpeg())]),
    );
    add(
        "NUL in name",
        "API upload, good JPEG named photo\\0.exe",
        Refused(422, "上传没有完成"),
        s.upload(vec![file(b"photo\0.exe", Some("image/jpeg"), jpeg())]),
    );
    add(
        "RTL override name",
        "API upload, good JPEG named photo\\u{202E}gpj.exe",
        Accepted(b"gpj"),
        s.upload(vec![file(
            "photo\u{202E}gpj.exe".as_bytes(),
            Some("image/jpeg"),
            jpeg(),
        )]),
    );
    add(
        "non-UTF-8 name",
        "API upload, good JPEG named \\xFF\\xFE.jpg",
        Accepted(b"\xFF\xFE"),
        s.upload(vec![file(b"\xFF\xFE.jpg", Some("image/jpeg"), jpeg())]),
    );

    // Sizes.
    add(
        "25 MB file",
        "API upload, 25 MB streamed (cap 20 MB)",
        Refused(413, "文件太大"),
        s.streamed(UPLOAD, false, 25 * MB),
    );
    add(
        "100 MB body",
        "API upload, 100 MB streamed (body limit 64 MB)",
        Refused(413, "文件太大"),
        s.streamed(UPLOAD, false, 100 * MB),
    );
    let fields = (0..1000).map(|i| text(&format!("f{i}"), b"x")).collect();
    add(
        "1,000 parts, no file",
        "API upload, 1,000 text fields and no file",
        Refused(422, "没有收到文件"),
        s.upload(fields),
    );
    let empties = (0..1000).map(|_| photo(vec![])).collect();
    add(
        "1,000 empty files",
        "API upload, 1,000 empty file parts",
        Refused(422, "文件是空的"),
        s.upload(empties),
    );

    // Malformed multipart.
    let mut wrong = s.upload(vec![photo(jpeg())]);
    wrong = with_header(
        wrong,
        "Content-Type",
        b"multipart/form-data; boundary=not-the-one-used".to_vec(),
    );
    add(
        "wrong boundary",
        "API upload, header boundary differs from the body's",
        Refused(422, "上传没有完成"),
        wrong,
    );
    let mut cut = multipart(vec![photo(jpeg())]);
    cut.truncate(cut.len() - BOUNDARY.len() - 8);
    add(
        "unterminated multipart",
        "API upload, no closing boundary",
        Refused(422, "上传没有完成"),
        s.request("POST", UPLOAD, Some(form_type()), RawBody::Bytes(cut)),
    );
    let bare = Part(b"Content-Type: image/jpeg\r\n".to_vec(), jpeg());
    add(
        "no Content-Disposition",
        "API upload, a part without Content-Disposition",
        Refused(422, "没有收到文件"),
        s.upload(vec![bare]),
    );
    let garbage = Part(b"\xFF\xFE\x00 not a header\r\n".to_vec(), jpeg());
    add(
        "garbage part headers",
        "API upload, part headers of binary garbage",
        Refused(422, "上传没有完成"),
        s.upload(vec![garbage]),
    );
    add(
        "missing file field",
        "API upload, only a note field",
        Refused(422, "没有收到文件"),
        s.upload(vec![text("note", b"hello")]),
    );
    let no_boundary = with_header(
        upload(jpeg()),
        "Content-Type",
        b"multipart/form-data".to_vec(),
    );
    add(
        "no boundary",
        "API upload, multipart/form-data without boundary",
        Refused(400, "multipart/form-data"),
        no_boundary,
    );
    add(
        "JSON to upload",
        "API upload route, application/json body",
        Refused(415, "multipart/form-data"),
        s.json(UPLOAD, JSON, b"{\"file\":\"/9j/4AAQ\"}".to_vec()),
    );
    add(
        "no Content-Type",
        "API upload route, JPEG bytes without Content-Type",
        Refused(415, "multipart/form-data"),
        s.request("POST", UPLOAD, None, RawBody::Bytes(jpeg())),
    );

    // Materials and ids that do not exist.
    add(
        "unknown material",
        "API upload to /materials/passport",
        Refused(404, "不需要"),
        s.upload_to("/api/v1/materials/passport/images", vec![photo(jpeg())]),
    );
    add(
        "traversal material",
        "API upload to /materials/..%2F..%2Fetc%2Fpasswd",
        Refused(404, "不需要"),
        s.upload_to(
            "/api/v1/materials/..%2F..%2Fetc%2Fpasswd/images",
            vec![photo(jpeg())],
        ),
    );
    let long = format!("/api/v1/materials/{}/images", "a".repeat(10_000));
    add(
        "10,000-char material",
        "API upload to a 10,000-character material code",
        Refused(404, "不需要"),
        s.upload_to(&long, vec![photo(jpeg())]),
    );
    add(
        "non-UTF-8 material",
        "API upload to /materials/%FF%FE",
        Refused(404, "没有找到"),
        s.upload_to("/api/v1/materials/%FF%FE/images", vec![photo(jpeg())]),
    );
    add(
        "id not a UUID",
        "GET /api/v1/images/not-a-uuid",
        Refused(404, "图片不存在"),
        s.get("/api/v1/images/not-a-uuid"),
    );
    let unknown = uuid::Uuid::new_v4();
    add(
        "unknown image",
        "GET /api/v1/images/<random UUID>",
        Refused(404, "图片不存在"),
        s.get(&format!("/api/v1/images/{unknown}")),
    );
    add(
        "unknown thumbnail",
        "GET /api/v1/images/<random UUID>/thumb",
        Refused(404, "图片不存在"),
        s.get(&format!("/api/v1/images/{unknown}/thumb")),
    );
    add(
        "numeric id",
        "DELETE /api/v1/images/12345",
        Refused(404, "图片不存在"),
        s.request(
            "DELETE",
            "/api/v1/images/12345",
            None,
            RawBody::Bytes(vec![]),
        ),
    );
    add(
        "SQL in id",
        "DELETE /api/v1/images/'; drop table images;--",
        Refused(404, "图片不存在"),
        s.request(
            "DELETE",
            "/api/v1/images/%27%3B%20drop%20table%20images%3B--",
            None,
            RawBody::Bytes(vec![]),
        ),
    );
    add(
        "non-UTF-8 id",
        "GET /api/v1/images/%FF",
        Refused(404, "没有找到"),
        s.get("/api/v1/images/%FF"),
    );

    // Who is asking, and headers.
    add(
        "anonymous upload",
        "API upload without a session",
        Refused(401, "登录"),
        anonymous(upload(jpeg())),
    );
    let mut no_csrf = upload(jpeg());
    no_csrf.headers.retain(|(name, _)| name != "X-CSRF-Token");
    add(
        "no CSRF token",
        "API upload without X-CSRF-Token",
        Refused(403, "刷新"),
        no_csrf,
    );
    let forged = with_header(
        upload(jpeg()),
        "Cookie",
        format!("shenhe_session={}", "A".repeat(8192)).into_bytes(),
    );
    add(
        "8 KB forged cookie",
        "API upload with an 8 KB made-up session cookie",
        Refused(401, "登录"),
        forged,
    );
    let junk = with_header(upload(vec![]), "X-Junk", vec![b'j'; 100 * 1024]);
    add(
        "100 KB header",
        "API upload of an empty file with a 100 KB X-Junk header",
        Refused(422, "文件是空的"),
        junk,
    );
    add(
        "1 MB header",
        "GET /api/v1/me with a 1 MB header",
        Bare(431),
        with_header(s.get("/api/v1/me"), "X-Junk", vec![b'j'; MB]),
    );
    let mut many = s.get("/api/v1/me");
    many.headers
        .extend((0..500).map(|i| (format!("X-H{i}"), b"1".to_vec())));
    add(
        "500 headers",
        "GET /api/v1/me with 500 headers",
        Bare(431),
        many,
    );

    // The JSON API.
    let login = "/api/v1/login";
    let bad_json = "请求内容不正确";
    add(
        "invalid JSON",
        "POST /api/v1/login, cut-off JSON",
        Refused(422, bad_json),
        s.json(login, JSON, b"{\"account\": \"x\", \"password\":".to_vec()),
    );
    add(
        "JSON array",
        "POST /api/v1/login, an array",
        Refused(422, bad_json),
        s.json(login, JSON, b"[1,2,3]".to_vec()),
    );
    add(
        "JSON wrong types",
        "POST /api/v1/login, numbers and booleans",
        Refused(422, bad_json),
        s.json(login, JSON, b"{\"account\":12,\"password\":true}".to_vec()),
    );
    add(
        "nested arrays",
        "POST /api/v1/login, 8,000 nested [",
        Refused(422, bad_json),
        s.json(login, JSON, vec![b'['; 8000]),
    );
    let nested = format!("{}1{}", "{\"a\":".repeat(2500), "}".repeat(2500));
    add(
        "nested objects",
        "POST /api/v1/login, 2,500 nested objects",
        Refused(422, bad_json),
        s.json(login, JSON, nested.into_bytes()),
    );
    let big = format!("{{\"account\":\"{}\",\"password\":\"x\"}}", "9".repeat(MB));
    add(
        "1 MB JSON",
        "POST /api/v1/login, 1 MB JSON",
        Refused(413, "太大"),
        s.json(login, JSON, big.into_bytes()),
    );
    add(
        "JSON as text/plain",
        "POST /api/v1/login, JSON sent as text/plain",
        Refused(422, "JSON"),
        s.json(
            login,
            "text/plain",
            b"{\"account\":\"a\",\"password\":\"b\"}".to_vec(),
        ),
    );
    add(
        "non-UTF-8 JSON",
        "POST /api/v1/login, \\xFF bytes inside a string",
        Refused(422, bad_json),
        s.json(
            login,
            JSON,
            b"{\"account\":\"\xFF\xFE\",\"password\":\"x\"}".to_vec(),
        ),
    );
    add(
        "empty JSON body",
        "POST /api/v1/login, empty body",
        Refused(422, bad_json),
        s.json(login, JSON, vec![]),
    );
    let long_login = format!(
        "{{\"account\":\"{}\",\"password\":\"{}\"}}",
        "4".repeat(7000),
        "p".repeat(7000)
    );
    add(
        "over-long login",
        "POST /api/v1/login, 7,000-character account and password",
        Refused(401, "不正确"),
        s.json(login, JSON, long_login.into_bytes()),
    );
    let password = "/api/v1/password";
    let long_new = format!(
        "{{\"current\":\"{}\",\"new\":\"{}\"}}",
        crate::portal_client::NEW_PASSWORD,
        "Ab1".repeat(3000)
    );
    add(
        "over-long new password",
        "POST /api/v1/password, 9,000-character new password",
        Refused(422, "太长"),
        s.json(password, JSON, long_new.into_bytes()),
    );
    add(
        "non-UTF-8 password",
        "POST /api/v1/password, \\xFF bytes",
        Refused(422, bad_json),
        s.json(
            password,
            JSON,
            b"{\"current\":\"\xFF\",\"new\":\"\xFE\"}".to_vec(),
        ),
    );
    add(
        "password JSON wrong shape",
        "POST /api/v1/password, {\"new\": [1]}",
        Refused(422, bad_json),
        s.json(password, JSON, b"{\"new\":[1]}".to_vec()),
    );
    let big_password = format!("{{\"current\":\"x\",\"new\":\"{}\"}}", "z".repeat(2 * MB));
    add(
        "2 MB password JSON",
        "POST /api/v1/password, 2 MB",
        Refused(413, "太大"),
        s.json(password, JSON, big_password.into_bytes()),
    );
    add(
        "submit with 1 MB junk",
        "POST /api/v1/submit with 1 MB of noise, materials missing",
        Refused(422, "学籍"),
        s.json("/api/v1/submit", JSON, noise(MB)),
    );

    // The pages, without JavaScript.
    add(
        "page: zero bytes",
        "POST /materials/id_card/images, empty file",
        Back("文件是空的"),
        s.page_upload(vec![photo(vec![])]),
    );
    add(
        "page: GIF",
        "page upload, a GIF",
        Back("GIF"),
        s.page_upload(vec![photo(gif())]),
    );
    add(
        "page: pixel flood",
        "page upload, PNG declaring 100,000×100,000",
        Back("尺寸太大"),
        s.page_upload(vec![photo(declared_png(100_000, 100_000))]),
    );
    add(
        "page: 30 MB",
        "page upload, 30 MB streamed",
        Back("文件太大"),
        s.streamed(PAGE_UPLOAD, true, 30 * MB),
    );
    let junk_files = (0..1000).map(|_| photo(noise(64))).collect();
    add(
        "page: 1,000 junk files",
        "page upload, 1,000 files of noise",
        Back("无法识别"),
        s.page_upload(junk_files),
    );
    add(
        "page: unknown material",
        "page upload to /materials/passport",
        Back("不需要"),
        {
            let mut r = s.page_upload(vec![photo(jpeg())]);
            r.path = "/materials/passport/images".to_string();
            r
        },
    );
    let mut page_no_csrf = s.upload_to(PAGE_UPLOAD, vec![photo(jpeg())]);
    page_no_csrf
        .headers
        .retain(|(name, _)| name != "X-CSRF-Token");
    add(
        "page: no csrf field",
        "page upload without the csrf field",
        Page(403, "页面已过期"),
        page_no_csrf,
    );
    let mut page_cut = s.page_upload(vec![photo(jpeg())]);
    page_cut = with_header(
        page_cut,
        "Content-Type",
        b"multipart/form-data; boundary=nope".to_vec(),
    );
    add(
        "page: wrong boundary",
        "page upload, header boundary differs from the body's",
        Page(400, "上传没有完成"),
        page_cut,
    );
    let page_plain = with_header(
        s.page_upload(vec![photo(jpeg())]),
        "Content-Type",
        b"text/plain".to_vec(),
    );
    add(
        "page: not multipart",
        "page upload sent as text/plain",
        Page(415, "multipart/form-data"),
        page_plain,
    );
    add(
        "page: anonymous",
        "page upload without a session",
        SignIn,
        anonymous(s.page_upload(vec![photo(jpeg())])),
    );
    add(
        "page: id not a UUID",
        "GET /view/not-a-uuid",
        Page(404, "图片不存在"),
        s.get("/view/not-a-uuid"),
    );
    add(
        "page: non-UTF-8 id",
        "GET /view/%FF%FE",
        Page(404, "图片不存在"),
        s.get("/view/%FF%FE"),
    );
    // An ID number in a URL (it would stay in proxy logs and browser history): refused
    // before any handler, whoever asks, however it is written.
    let id_number = crate::portal_client::LI_MING.id_number;
    let encoded: String = id_number.bytes().map(|b| format!("%{b:02X}")).collect();
    add(
        "ID number in a page URL",
        "GET /review?q=<身份证号> as a candidate",
        Page(422, "身份证号不能放在网址中"),
        s.get(&format!("/review?q={id_number}")),
    );
    add(
        "ID number in an API URL, percent-encoded",
        "GET /api/v1/review/queue?q=%34%32… (every digit encoded), anonymous",
        Refused(422, "POST"),
        anonymous(s.get(&format!("/api/v1/review/queue?q={encoded}"))),
    );
    add(
        "ID number inside a longer value",
        "GET /api/v1/admin/audit?staff=x<身份证号>x",
        Refused(422, "身份证号不能放在网址中"),
        s.get(&format!("/api/v1/admin/audit?staff=x{id_number}x")),
    );
    add(
        "ID number as a parameter name",
        "GET /?<身份证号 with a lower-case x> (the sign-in page), anonymous",
        Page(422, "身份证号不能放在网址中"),
        anonymous(s.get(&format!("/?{}x", &id_number[..17]))),
    );
    let delete = format!("csrf={}", s.csrf).into_bytes();
    add(
        "page: delete bad id",
        "POST /images/../delete",
        Page(404, "图片不存在"),
        s.form("/images/..%2F..%2Fx/delete", delete),
    );
    add(
        "login form non-UTF-8",
        "POST /login, raw \\xFF bytes in both fields",
        Page(422, "重新填写"),
        anonymous(s.form("/login", b"account=\xFF\xFE&password=%FF%FE".to_vec())),
    );
    let long_account = format!("account={}&password=x", "4".repeat(MB)).into_bytes();
    add(
        "login form 1 MB",
        "POST /login, 1 MB account",
        Page(401, "不正确"),
        anonymous(s.form("/login", long_account)),
    );
    let huge_form = format!("account=a&password={}", "x".repeat(3 * MB)).into_bytes();
    add(
        "login form 3 MB",
        "POST /login, 3 MB form (limit 2 MB)",
        Page(422, "重新填写"),
        anonymous(s.form("/login", huge_form)),
    );
    add(
        "login form as JSON",
        "POST /login, JSON body",
        Page(422, "重新填写"),
        anonymous(s.json("/login", JSON, b"{\"account\":\"a\"}".to_vec())),
    );
    add(
        "login: NUL in the account",
        "POST /api/v1/login, a NUL byte inside the ID number",
        Refused(422, "控制字符"),
        anonymous(s.json(
            login,
            JSON,
            b"{\"account\":\"42050220\\u000003150215\",\"password\":\"x\"}".to_vec(),
        )),
    );
    add(
        "login form: NUL in the account",
        "POST /login, account=admin%00",
        Page(422, "控制字符"),
        anonymous(s.form("/login", b"account=admin%00&password=x".to_vec())),
    );
    add(
        "login form from another site",
        "POST /login with Origin: https://evil.example (login CSRF)",
        Page(403, "其他网站"),
        with_header(
            anonymous(s.form("/login", b"account=admin&password=x".to_vec())),
            "Origin",
            b"https://evil.example".to_vec(),
        ),
    );
    add(
        "API login from another site",
        "POST /api/v1/login with Sec-Fetch-Site: cross-site",
        Refused(403, "其他网站"),
        with_header(
            anonymous(s.json(
                login,
                JSON,
                b"{\"account\":\"a\",\"password\":\"b\"}".to_vec(),
            )),
            "Sec-Fetch-Site",
            b"cross-site".to_vec(),
        ),
    );
    add(
        "GET /login",
        "GET /login (Enter in the address bar after a failed sign-in)",
        SignIn,
        anonymous(s.get("/login")),
    );
    add(
        "unknown page",
        "GET /no/such/page",
        Page(404, "页面不存在"),
        anonymous(s.get("/no/such/page")),
    );
    let change = |new: &str| {
        format!(
            "csrf={}&current={}&new={new}&confirm={new}",
            s.csrf,
            crate::portal_client::NEW_PASSWORD
        )
        .into_bytes()
    };
    add(
        "password form non-UTF-8",
        "POST /password, new password %FF%FE",
        Page(422, "重新填写"),
        s.form("/password", change("%FF%FE%FF%FE%FF%FE%FF%FE1a")),
    );
    add(
        "password form over-long",
        "POST /password, 9,000-character new password",
        Page(422, "太长"),
        s.form("/password", change(&"Ab1".repeat(3000))),
    );

    let flood = anonymous(s.json(
        login,
        JSON,
        b"{\"account\":\"nobody\",\"password\":\"guess-1234\"}".to_vec(),
    ));
    cases.push(Case {
        name: "sign-in flood",
        request: "POST /api/v1/login again and again from one address (allowance 12 a minute)"
            .to_string(),
        expect: Refused(429, "频繁"),
        send: flood,
        repeat: 40,
    });
    cases
}
