//! Helpers shared by the `cli_*` tests: run the real `xtask` binary (killed if it hangs),
//! reference mocks and raw servers on a runtime of their own, a listener that counts
//! connections, temporary report files.
#![allow(dead_code)]

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use heck::ToKebabCase;
use mock::{MockConfig, RunningMock};

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
    run(&mut command, args, env)
}

/// Runs `cargo xtask ARGS` with `env`, as a user runs it (through the workspace's alias), from
/// the workspace root.
pub fn cargo_xtask(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .arg("xtask")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    run(&mut command, args, env)
}

/// The environment variables that carry a credential of some spec: each part of it (a key,
/// or a user name and a password), and the viewer's.
pub fn key_variables() -> Vec<String> {
    let mut out = Vec::new();
    for spec in specs::all().expect("the embedded specs parse") {
        let Some(security) = spec.security() else {
            continue;
        };
        for part in security.credential_parts() {
            out.push(spec.env_var(part));
            out.push(spec.env_var(&format!("viewer-{part}")));
        }
    }
    out
}

fn run(command: &mut Command, args: &[&str], env: &[(&str, &str)]) -> Output {
    for var in key_variables() {
        command.env_remove(var);
    }
    command
        .args(args)
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

/// An embedded spec, by name.
pub fn spec(name: &str) -> specs::Spec {
    specs::load(name)
        .expect("an embedded spec")
        .expect("it parses")
}

/// The key and the API options of a mock, as command-line arguments (the key apart): the API's
/// name, `--base-url`, and each path and forbidden value through the `--<param>` and
/// `--forbidden-<param>` flags its spec gives (DevPayr's `--project`, `--forbidden-project`).
pub fn mock_args(m: &RunningMock) -> (String, Vec<String>) {
    let c = &m.credentials;
    let key = c.primary().map(|k| k.secret.clone()).unwrap_or_default();
    let mut args = vec![
        m.spec().name.clone(),
        "--base-url".into(),
        m.base_url.clone(),
    ];
    for (name, value) in &c.path_values {
        args.push(format!("--{}", name.to_kebab_case()));
        args.push(value.clone());
    }
    for (name, value) in &c.forbidden {
        args.push(format!("--forbidden-{}", name.to_kebab_case()));
        args.push(value.clone());
    }
    (key, args)
}

/// The flag and the environment variable that carry an API's key.
pub fn key_flag_and_env(spec: &specs::Spec) -> (String, String) {
    let security = spec.security().expect("a security scheme");
    (
        format!("--{}", security.credential_noun()),
        spec.credential_env().expect("a credential variable"),
    )
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
