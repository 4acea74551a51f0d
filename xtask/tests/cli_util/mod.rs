//! Helpers shared by the `cli_*` tests: run the real `xtask` binary (killed if it hangs),
//! reference mocks and raw servers on a runtime of their own, a listener that counts
//! connections, temporary report files.
#![allow(dead_code)]

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conformance::mock::{self, MockConfig, RunningMock, Vendor};

#[path = "../../../conformance/tests/suite_util/wire.rs"]
pub mod wire;

/// Longer than any run here may take: only a hang gets there.
pub const HANG: Duration = Duration::from_secs(120);

/// What a finished `xtask` process left.
#[derive(Debug)]
pub struct Output {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Both streams, for messages.
    pub fn both(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Kills the child when dropped (a failed assertion or a hang must not leave it running).
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `xtask ARGS` with `env` (the key variables of the caller's environment removed),
/// killing it after [`HANG`].
pub fn xtask(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(args)
        .env_remove("PEEKER_TOKEN")
        .env_remove("DEVPAYR_API_KEY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut guard = ChildGuard(command.spawn().expect("start xtask"));
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let stdout = reader(Box::new(guard.0.stdout.take().unwrap()));
    let stderr = reader(Box::new(guard.0.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("wait for xtask") {
            break status;
        }
        assert!(
            started.elapsed() < HANG,
            "xtask {} hung (killed after {HANG:?})",
            args.join(" ")
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// A tokio runtime for the servers a test starts, running while the test runs the binary.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A reference mock on `rt`.
pub fn start_mock(rt: &tokio::runtime::Runtime, config: MockConfig) -> RunningMock {
    rt.block_on(mock::start(config)).expect("the mock starts")
}

/// The key and the vendor options of a mock, as command-line arguments (the key apart).
pub fn mock_args(m: &RunningMock) -> (String, Vec<String>) {
    let c = &m.credentials;
    match m.vendor() {
        Vendor::Peeker => (
            c.peeker_token.clone().unwrap(),
            vec!["peeker".into(), "--base-url".into(), m.base_url.clone()],
        ),
        Vendor::Devpayr => (
            c.scoped_key.clone().unwrap(),
            vec![
                "devpayr".into(),
                "--base-url".into(),
                m.base_url.clone(),
                "--project".into(),
                c.scoped_project.unwrap().to_string(),
                "--forbidden-project".into(),
                c.forbidden_project.unwrap().to_string(),
                "--missing-project".into(),
                c.missing_project.unwrap().to_string(),
            ],
        ),
    }
}

/// The flag and the environment variable that carry a vendor's key.
pub fn key_flag_and_env(vendor: Vendor) -> (&'static str, &'static str) {
    match vendor {
        Vendor::Peeker => ("--token", "PEEKER_TOKEN"),
        Vendor::Devpayr => ("--api-key", "DEVPAYR_API_KEY"),
    }
}

/// A listener on 127.0.0.1 that nobody serves: [`Silent::connections`] counts the
/// connections made to it so far (every completed handshake waits in the backlog).
pub struct Silent {
    listener: TcpListener,
    accepted: u64,
}

impl Silent {
    /// Binds a free port.
    pub fn bind() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Silent {
            listener,
            accepted: 0,
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    /// Connections made to it so far (call after the client exited).
    pub fn connections(&mut self) -> u64 {
        while let Ok((stream, _)) = self.listener.accept() {
            drop(stream);
            self.accepted += 1;
        }
        self.accepted
    }
}

/// A fresh directory for report files, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory named after `name`.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "xtask-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// A path inside it, as a string for the command line.
    pub fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The text of a file (empty if it does not exist).
pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The distinctive part of a key: what follows its last `_` (`pk_test_<this>`).
pub fn suffix(key: &str) -> &str {
    key.rsplit('_').next().unwrap_or(key)
}
