//! The console's main loop: terminal events, agent messages and a slow clock in, frames out.
//!
//! Every input goes through [`App::update`], which says whether the screen changed. All
//! queued input is taken before drawing (a burst of keys or a backlog of samples becomes one
//! frame), frames are at most [`FRAME_INTERVAL`] apart, and nothing is drawn when nothing
//! changed: there is no free-running render tick. The only timer is the one-second clock that
//! ages the agent state, and it draws only when that state's text changes.
//!
//! The loop owns the I/O handles: the main [`AgentLink`] (replaced by a link to another
//! instance when the user drills into a fleet row) and the [`FleetLink`] of the fleet view's
//! row tasks (started the first time the fleet shows, then kept for the whole run).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::{Instant, MissedTickBehavior};

use tokio::sync::{mpsc, oneshot};

use crate::client::ssh::NoPrompt;
use crate::client::target::ConnectOptions;
use crate::config::Paths;
use crate::tui::agent_link::AgentLink;
use crate::tui::app::question::Answer;
use crate::tui::app::{App, Effect, Msg};
use crate::tui::fleet_link::{self, FleetLink, RowTiming};
use crate::tui::questions::Asked;
use crate::tui::terminal::{self, Tui};
use crate::tui::{theme, views};

/// Shortest time between two frames (about 60 per second).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// How often the agent state is re-evaluated.
const CLOCK: Duration = Duration::from_secs(1);

/// What the loop needs besides the app and the terminal.
pub struct LoopContext {
    /// The link whose messages feed the dashboard and the jobs pane.
    pub link: AgentLink,
    /// How links and row tasks connect (the main link's target is the app's to choose).
    pub options: ConnectOptions,
    /// The fleet view's row tasks, once started.
    pub fleet: Option<FleetLink>,
    pub timing: RowTiming,
    pub paths: Paths,
    pub no_color: bool,
    /// Questions from the SSH transport (see [`crate::tui::questions`]).
    pub questions: mpsc::Receiver<Asked>,
    /// Where the answers to open questions go, by question id.
    pub answers: HashMap<u64, oneshot::Sender<Answer>>,
}

/// Runs until the user quits, a terminating signal arrives, or the terminal goes away.
pub async fn run(app: &mut App, terminal: &mut Tui, mut ctx: LoopContext) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval_at(Instant::now() + CLOCK, CLOCK);
    clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut screen = Screen::default();
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    // What the first updates (before the loop) asked for.
    for effect in app.take_effects() {
        perform(app, terminal, &mut screen, &mut ctx, effect)?;
    }
    loop {
        let now = Instant::now();
        let due = last_frame.map_or(now, |at| at + FRAME_INTERVAL);
        if dirty && now >= due {
            screen.draw(app, terminal)?;
            dirty = false;
            last_frame = Some(now);
        }
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { return Ok(()) };
                dirty |= on_event(app, event?);
                // Take everything else already waiting before drawing.
                while let Poll::Ready(event) = try_next(&mut events).await {
                    let Some(event) = event else { return Ok(()) };
                    dirty |= on_event(app, event?);
                }
            }
            msg = ctx.link.messages.recv() => {
                let Some(msg) = msg else { return Ok(()) };
                dirty |= app.update(Msg::Agent(msg), Instant::now().into_std());
                while let Ok(msg) = ctx.link.messages.try_recv() {
                    dirty |= app.update(Msg::Agent(msg), Instant::now().into_std());
                }
            }
            msg = fleet_link::next(&mut ctx.fleet) => {
                let Some(msg) = msg else {
                    // Row tasks end only with the loop; should every one have failed, the
                    // console goes on without fleet news rather than quit.
                    tracing::warn!("every fleet row task has ended");
                    ctx.fleet = None;
                    continue;
                };
                dirty |= app.update(Msg::Fleet(msg), Instant::now().into_std());
                while let Some(msg) = ctx.fleet.as_mut().and_then(|f| f.messages.try_recv().ok()) {
                    dirty |= app.update(Msg::Fleet(msg), Instant::now().into_std());
                }
            }
            asked = ctx.questions.recv() => {
                if let Some(asked) = asked {
                    let msg = match asked {
                        Asked::Question(question, reply) => {
                            ctx.answers.insert(question.id, reply);
                            Msg::Question(question)
                        }
                        Asked::Notice(text) => Msg::Notice(text),
                    };
                    dirty |= app.update(msg, Instant::now().into_std());
                }
            }
            _ = clock.tick() => dirty |= app.update(Msg::Tick, Instant::now().into_std()),
            _ = tokio::time::sleep_until(due), if dirty => {}
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
        for effect in app.take_effects() {
            dirty |= perform(app, terminal, &mut screen, &mut ctx, effect)?;
        }
        if app.quit {
            return Ok(());
        }
    }
}

/// Remembers the last frame sent (as a hash), so that a frame identical to it is not sent at
/// all: `update` says "changed" for every sample, but on an idle machine a new sample often
/// draws the same cells, and even an empty diff would cost a cursor and colour reset on the
/// wire. This is `Terminal::draw` with that one check added.
#[derive(Default)]
struct Screen {
    last: Option<u64>,
}

impl Screen {
    fn draw(&mut self, app: &App, terminal: &mut Tui) -> std::io::Result<()> {
        terminal.autoresize()?;
        let area = terminal.get_frame().area();
        let buffer = terminal.current_buffer_mut();
        views::render(app, area, buffer);
        let cursor = views::cursor(app);
        let mut hasher = DefaultHasher::new();
        buffer.hash(&mut hasher);
        cursor.hash(&mut hasher);
        let hash = hasher.finish();
        if self.last == Some(hash) {
            buffer.reset();
            return Ok(());
        }
        terminal.flush()?;
        match cursor {
            None => terminal.hide_cursor()?,
            Some(position) => {
                terminal.show_cursor()?;
                terminal.set_cursor_position(position)?;
            }
        }
        terminal.swap_buffers();
        terminal.backend_mut().flush()?;
        self.last = Some(hash);
        Ok(())
    }

    /// Clears the terminal and makes the next frame go out in full. (Not `Terminal::clear`:
    /// it asks the terminal for the cursor position, and the answer would land in the event
    /// stream instead.)
    fn repaint(&mut self, terminal: &mut Tui) -> std::io::Result<()> {
        let size = terminal.size()?;
        terminal.resize(Rect::new(0, 0, size.width, size.height))?;
        self.last = None;
        Ok(())
    }
}

/// The next terminal event if one is ready, without waiting. It polls with this task's own
/// waker: crossterm remembers the waker of a pending poll, so a throwaway one (as
/// `now_or_never` uses) would leave the loop deaf to the keyboard.
async fn try_next(events: &mut EventStream) -> Poll<Option<std::io::Result<Event>>> {
    std::future::poll_fn(|cx| Poll::Ready(events.poll_next_unpin(cx))).await
}

fn on_event(app: &mut App, event: Event) -> bool {
    let now = Instant::now().into_std();
    match event {
        Event::Key(key) => app.update(Msg::Key(key), now),
        Event::Paste(text) => app.update(Msg::Paste(text), now),
        Event::Resize(width, height) => app.update(Msg::Resize { width, height }, now),
        Event::FocusGained | Event::FocusLost | Event::Mouse(_) => false,
    }
}

/// Carries out one effect; true when the screen must be drawn again.
fn perform(
    app: &mut App,
    terminal: &mut Tui,
    screen: &mut Screen,
    ctx: &mut LoopContext,
    effect: Effect,
) -> anyhow::Result<bool> {
    match effect {
        Effect::Query(query) => {
            ctx.link.set_query(query);
            Ok(false)
        }
        Effect::Job(request) => {
            ctx.link.job(request);
            Ok(false)
        }
        Effect::LoadTheme(name) => {
            // A theme is a small local file (or built in): reading it here is quick.
            let (theme, problems) = theme::load(&ctx.paths, &name, ctx.no_color);
            let msg = Msg::ThemeLoaded {
                name,
                theme: Box::new(theme),
                problems,
            };
            Ok(app.update(msg, Instant::now().into_std()))
        }
        Effect::Repaint => {
            screen.repaint(terminal)?;
            Ok(true)
        }
        Effect::Suspend => {
            terminal::suspend()?;
            screen.repaint(terminal)?;
            Ok(true)
        }
        Effect::Open(target) => {
            tracing::info!(target = %target.describe(), "console switches instance");
            // The old link goes with its connection and whatever it had not delivered.
            ctx.link = AgentLink::open(target, app.query.clone(), ctx.options.clone());
            Ok(false)
        }
        Effect::Power(request) => {
            ctx.link.power(request);
            Ok(false)
        }
        Effect::Answer { id, answer } => {
            if let Some(reply) = ctx.answers.remove(&id) {
                // The connection that asked may have given up meanwhile.
                let _ = reply.send(answer);
            }
            Ok(false)
        }
        Effect::WatchFleet(targets) => {
            if ctx.fleet.is_none() {
                // Background rows have nobody to ask (see `tui::questions`).
                let mut options = ConnectOptions {
                    client_name: "fleet".into(),
                    ..ctx.options.clone()
                };
                if let Ok(ssh) = options.ssh.as_mut() {
                    ssh.prompt = Arc::new(NoPrompt);
                }
                ctx.fleet = Some(FleetLink::spawn(targets, options, ctx.timing));
            }
            Ok(false)
        }
    }
}
