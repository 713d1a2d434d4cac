//! `shenhe serve` as a newcomer runs it: no configuration, then a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn serve_with_no_configuration_uses_a_data_folder_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("SHENHE_DATA_DIR")
        .env_remove("SHENHE_DATABASE_URL")
        .env_remove("SHENHE_STORAGE_URL")
        .env("SHENHE_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting shenhe serve");

    // The demo credentials and the URL come first on stdout, once the port is bound.
    let mut printed = String::new();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    while !printed.contains("管理员") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            panic!("shenhe serve ended early:\n{printed}");
        }
        printed.push_str(&line);
    }
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}")),
        "{printed}"
    );

    let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .expect("the server answers");
    assert_eq!(ready.status(), 200);
    assert!(dir.path().join("data/shenhe.db").is_file());
    assert!(dir.path().join("data/blobs").is_dir());

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            waited < Duration::from_secs(20),
            "shenhe did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    };
    assert!(status.success(), "a clean exit, got {status}");
}
