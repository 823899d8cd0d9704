//! The command line: subcommands and their arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use juggler::{ClientBuilder, Trust};

#[derive(Parser)]
#[command(
    name = "juggler-studio",
    version,
    about = "Juggler Studio: serve a dashboard, drive its state, answer its requests, inspect remote juggler servers",
    long_about = "Juggler Studio, headless.\n\n\
        Start with `juggler-studio serve` (a demo workspace) or \
        `juggler-studio serve my.workspace.json`; open the printed dashboard URL in a browser. \
        The printed control URL drives the studio (state, notifications, rules) over juggler itself.",
    after_help = "Examples:\n  \
        juggler-studio serve                       # demo workspace and dashboard\n  \
        juggler-studio new my-dash --generation 0.7   # start a dashboard of your own\n  \
        juggler-studio serve ws.json --port 0      # your workspace, any free port\n  \
        juggler-studio connect ws://host:8080/ws   # print a remote server's state as it changes\n  \
        juggler-studio connect ws://host:8080/ws --send echo '{\"a\":1}'\n  \
        juggler-studio record ws://host:8080/ws -o bug.ndjson   # record a session\n  \
        juggler-studio replay bug.ndjson --speed 4  # play it to the demo dashboard\n  \
        juggler-studio mock bug.ndjson -o mock.json # a workspace that answers as the back end did\n  \
        juggler-studio proxy ws://plant:8080/ws --static-dir dist --ui   # watch a real server\n  \
        juggler-studio run ws.json --scenario smoke --browser   # test a dashboard\n  \
        juggler-studio run ws.json --all --browser --junit junit.xml   # every scenario, for CI\n  \
        juggler-studio check ws.json               # validate a workspace file\n  \
        juggler-studio check dash/dashboard.json   # validate a builder dashboard"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a workspace's juggler server and the control endpoint, headless.
    Serve(ServeArgs),
    /// Connect to a juggler server: print its state as it changes and its
    /// notifications, or send one request.
    Connect(ConnectArgs),
    /// Record a remote juggler server's session (state diffs,
    /// notifications) to an NDJSON file, until Ctrl+C, --duration, or the
    /// server closes the connection.
    ///
    /// Exit codes: 0 stopped by Ctrl+C, SIGTERM or --duration, or the
    /// server closed the connection cleanly; 1 the connection could not be
    /// made, or it failed or closed with an error (the back end died, a
    /// protocol error such as another generation), or it closed before
    /// anything was recorded: the file keeps what came before.
    Record(RecordArgs),
    /// Replay a recording to the dashboards of a studio server: its state
    /// changes and notifications at the recorded pace (or --speed), its
    /// answers to the same requests.
    Replay(ReplayArgs),
    /// Sit between browsers and a real juggler server: every browser that
    /// connects here is relayed to UPSTREAM, both sides logged; the control
    /// endpoint (and --ui) shows the traffic and sets what-if overrides.
    Proxy(ProxyArgs),
    /// Run a workspace's scenario against its dashboards: wait for them
    /// (or open the dashboard in headless Chromium), play the steps, check
    /// the expected requests; exit 0 passed, 1 failed, 2 unusable.
    ///
    /// Exit codes: 0 every step passed; 1 a step failed (or the page logged
    /// an error outside the steps); 2 it could not run or had nothing to
    /// test (bad options or workspace, unknown scenario, no Chromium, no
    /// dashboard connected within --timeout); 130 stopped by Ctrl+C or
    /// SIGTERM (the browser is stopped and the report printed first).
    Run(studio::app::run_scenario::RunOptions),
    /// Start a dashboard: a folder with a page on @hat-open/juggler, its
    /// vendored packages, a workspace for the studio and a hat-juggler
    /// back end that serves the same folder.
    New(studio::scaffold::NewArgs),
    /// Make a workspace that mocks a recorded back end: its first state,
    /// rules answering each request as it did, its notifications as presets.
    Mock(studio::mock::MockArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or
    /// powershell (e.g. `juggler-studio completions bash >
    /// ~/.local/share/bash-completion/completions/juggler-studio`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `juggler-studio man | man -l -`,
    /// or write every page (one per subcommand too) into a folder.
    Man {
        /// Write juggler-studio.1 and juggler-studio-SUBCOMMAND.1 here.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Validate a workspace file or a dashboard file (dashboard.json);
    /// errors name the line and the field.
    Check {
        /// The workspace file, or the builder's dashboard.json.
        #[arg(value_name = "FILE")]
        workspace: PathBuf,
    },
}

// `juggler-studio serve`'s arguments (no doc comment: the subcommand's is the variant's).
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The workspace file; without it, the demo workspace runs.
    pub workspace: Option<PathBuf>,
    /// Address to listen on (overrides the workspace).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on, 0 for any free one (overrides the workspace).
    #[arg(long)]
    pub port: Option<u16>,
    /// Folder served to browsers (overrides the workspace).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Wire generation the server speaks, 0.6 or 0.7 (overrides the
    /// workspace's server.generation; the page's @hat-open/juggler decides).
    #[arg(long)]
    pub generation: Option<juggler::Generation>,
    /// Once listening, write the chosen addresses to FILE as one JSON
    /// object (replaced whole; an old one is removed at start, this one
    /// when the studio stops): {"pid",
    /// "dashboard", "juggler", "control", "ui" (with --ui)}. For scripts and CI with
    /// --port 0: wait for the file, then read it.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// Port of the control endpoint (loopback); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub control_port: u16,
    /// Serve the studio UI to a browser on the control endpoint and
    /// print its address.
    #[arg(long)]
    pub ui: bool,
    /// Serve the UI from this built folder instead of the embedded copy
    /// (UI development: `npm --prefix ui run build -- --watch`).
    #[arg(long, value_name = "DIR")]
    pub ui_dir: Option<PathBuf>,
    /// A site allowed to use the server besides its own pages (an
    /// origin as http://host:port, a host name, or "*"); repeatable.
    #[arg(long = "allow-origin", value_name = "SITE")]
    pub allow_origin: Vec<String>,
}

// `juggler-studio connect`'s arguments (no doc comment: the subcommand's is the variant's).
#[derive(clap::Args)]
pub struct ConnectArgs {
    /// `ws://host:port/path` or `wss://…`.
    pub url: String,
    /// Send this request, print the answer and exit (1 on an error answer,
    /// which `--json` prints as `{"error": DATA}`, or none within
    /// --timeout). Without it, the state and notifications are printed
    /// until Ctrl+C (exit 0), --count of them (exit 0) or until the server
    /// closes the connection (exit 1).
    #[arg(long, num_args = 2, value_names = ["NAME", "DATA"])]
    pub send: Option<Vec<String>>,
    /// Print JSON lines instead of pretty text.
    #[arg(long)]
    pub json: bool,
    /// With --send: give up when no answer came within this many seconds
    /// (exit 1).
    #[arg(long, value_name = "SECONDS", default_value = "30", requires = "send",
          value_parser = crate::wait::parse_seconds)]
    pub timeout: std::time::Duration,
    /// Without --send: exit 0 once N states and notifications are printed
    /// (states as they are when printed: quick changes may come as one).
    #[arg(long, value_name = "N", conflicts_with = "send",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Without --send: print only the value at this JSON Pointer of the
    /// state (e.g. /plant/pumps/0; null while missing), when it changes.
    #[arg(long, value_name = "POINTER", conflicts_with = "send")]
    pub path: Option<String>,
    /// Without --send: print the state (or --path's value) once, then each
    /// change as the JSON Patch that makes it (a big state is not printed
    /// again on every change).
    #[arg(long, conflicts_with = "send")]
    pub diffs: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

// `juggler-studio record`'s arguments (no doc comment: the subcommand's is the variant's).
#[derive(clap::Args)]
pub struct RecordArgs {
    /// `ws://host:port/path` or `wss://…`.
    pub url: String,
    /// The recording file to write (created or truncated).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

// `juggler-studio replay`'s arguments (no doc comment: the subcommand's is the variant's).
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The recording (from `record`, or the studio's record button).
    pub recording: PathBuf,
    /// Playback speed: 1 is real time, 10 ten times faster.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// The workspace whose server (and static_dir) serves the
    /// dashboards, and whose rules answer what the recording does not;
    /// without it, the demo dashboard's page (its @hat-open/juggler of the
    /// recording's generation, 0.6 or 0.7, so that it connects), or
    /// --static-dir, and no rules: a request the recording does not answer
    /// gets null, with a warning.
    #[arg(long)]
    pub workspace: Option<PathBuf>,
    /// Port to listen on, 0 for any free one (default: the workspace's;
    /// without --workspace 8080, the demo's).
    #[arg(long)]
    pub port: Option<u16>,
    /// Folder served to browsers (overrides the workspace).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Once listening, write the chosen addresses to FILE as one JSON
    /// object (replaced whole; an old one is removed at start, this one
    /// when the studio stops): {"pid",
    /// "dashboard", "juggler", "control"}. For scripts and CI with
    /// --port 0: wait for the file, then read it.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// Wait for this many dashboards to connect before playing.
    #[arg(long, default_value_t = 0)]
    pub wait_for: usize,
    /// Exit when the replay ends instead of serving on.
    #[arg(long)]
    pub exit: bool,
    /// A site allowed to use the server besides its own pages (an
    /// origin as http://host:port, a host name, or "*"); repeatable.
    #[arg(long = "allow-origin", value_name = "SITE")]
    pub allow_origin: Vec<String>,
}

// `juggler-studio proxy`'s arguments (no doc comment: the subcommand's is the variant's).
#[derive(clap::Args)]
pub struct ProxyArgs {
    /// The real server: `ws://host:port/path` or `wss://…`.
    pub upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on, 0 for any free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Once listening, write the chosen addresses to FILE as one JSON
    /// object (replaced whole; an old one is removed at start, this one
    /// when the studio stops): {"pid",
    /// "dashboard", "juggler", "control", "upstream", "ui" (with --ui)}. For scripts and CI with
    /// --port 0: wait for the file, then read it.
    #[arg(long, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
    /// Folder served to browsers (the dashboard under development).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    #[command(flatten)]
    pub client: ClientArgs,
    /// Port of the control endpoint (loopback); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub control_port: u16,
    /// Serve the studio UI to a browser on the control endpoint.
    #[arg(long)]
    pub ui: bool,
    /// A site allowed to use the server besides its own pages (an
    /// origin as http://host:port, a host name, or "*"); repeatable.
    #[arg(long = "allow-origin", value_name = "SITE")]
    pub allow_origin: Vec<String>,
    /// Generation the browser side speaks: 0.6 or 0.7. Default: the
    /// upstream's.
    #[arg(long)]
    pub browser_generation: Option<juggler::Generation>,
    /// Record each browser's session, from its connecting to its leaving,
    /// for `juggler-studio mock`: the first browser to FILE, the next ones
    /// (another tab, a reload) to FILE-2, FILE-3… (the number before the
    /// extension: session.ndjson, session-2.ndjson). A line on stdout says
    /// when each file starts and when it is complete.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Print a line on stdout per browser connecting or leaving and per
    /// request, answer, error and notification of a browser: its
    /// connection id, the name, the size (and an answer's round trip).
    #[arg(long)]
    pub log: bool,
}

/// How to reach a juggler server as a client (connect, record, proxy).
#[derive(clap::Args)]
pub struct ClientArgs {
    /// Wire generation: 0.6 or 0.7. Default: told from what the server
    /// sends when connecting.
    #[arg(long)]
    pub generation: Option<juggler::Generation>,
    /// Basic auth user.
    #[arg(long, requires = "password")]
    pub user: Option<String>,
    /// Basic auth password.
    #[arg(long, requires = "user")]
    pub password: Option<String>,
    /// Trust the certificates in this PEM file (wss).
    #[arg(long, conflicts_with = "insecure")]
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate (development only).
    #[arg(long)]
    pub insecure: bool,
    /// Wait up to this many seconds for the server to accept a connection
    /// (a back end still starting), trying again every half second with a
    /// line on stderr now and then. Default: fail at once.
    #[arg(long, value_name = "SECONDS", value_parser = crate::wait::parse_seconds)]
    pub wait: Option<std::time::Duration>,
}

impl ClientArgs {
    pub fn builder(&self, url: &str) -> ClientBuilder {
        let trust = if self.insecure {
            Trust::AcceptAny
        } else if let Some(ca) = &self.ca_file {
            Trust::CaFile(ca.clone())
        } else {
            Trust::System
        };
        let mut builder = ClientBuilder::new(url).trust(trust);
        builder = match self.generation {
            Some(g) => builder.generation(g),
            None => builder.detect_generation(studio::remote::DETECT_LIMIT),
        };
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            builder = builder.basic_auth(user, password);
        }
        builder
    }

    fn generation_str(&self) -> &'static str {
        self.generation
            .map(studio::remote::generation_name)
            .unwrap_or(studio::remote::AUTO)
    }

    pub fn target(self, url: String) -> studio::remote::RemoteTarget {
        studio::remote::RemoteTarget {
            url,
            generation: self.generation_str().to_owned(),
            user: self.user,
            password: self.password,
            ca_file: self.ca_file.map(|p| p.display().to_string()),
            insecure: self.insecure,
        }
    }
}
