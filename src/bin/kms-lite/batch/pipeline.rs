//! The engine: a reader hands out the input's positions in order, workers do the jobs, and the
//! calling thread takes the outcomes back in input order. It knows nothing of files, KMS or
//! journals: the input modes give it a reader, a job and an emitter.
//!
//! A job whose step asks to be retried waits in a queue of delayed jobs and is taken again once
//! due, before any fresh job. A step may say how the job ends if it has had enough tries: that
//! ending is taken only once the service has answered other calls since the job first failed
//! (a job failing alone while the service works ends; a job failing in an outage waits). The
//! reader runs at most `window` positions ahead of the writer, so memory stays bounded however
//! long the input and however long an item waits. When no step has heard from the service for
//! `give_up_after` and a step asks to be retried, the run stops: a service down for good ends
//! the run in bounded time. The reader has a thread of its own that a stopping run does not
//! wait for: it may be blocked reading a pipe that has nothing more to say.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the engine runs, and what it counts as it runs.
#[derive(Debug)]
pub struct Settings {
    pub workers: usize,
    /// How many positions may be read and not yet emitted.
    pub window: u64,
    /// How long the service may stay silent before a retry request stops the run.
    pub give_up_after: Duration,
    /// Jobs sent back to the queue so far (a retry step that ended the job or the run is not
    /// one).
    pub requeued: AtomicU64,
    /// Set when the run stops early, before it waits for the workers' calls in hand: a job
    /// that has not started its call yet should not (a rate gate may be minutes away).
    pub stopped: Arc<AtomicBool>,
}

/// What a worker made of a job (`tries` counts this try, from 1).
pub enum Step<O, E> {
    /// Finished. `answered`: the service answered (a success or a final error), which restarts
    /// the give-up clock.
    Done { outcome: O, answered: bool },
    /// Not now: take the job again after this long; or end it with `or_end`, if given, when
    /// the service has answered other calls since the job first failed.
    Retry {
        after: Duration,
        why: String,
        or_end: Option<O>,
    },
    /// The run must stop.
    Fatal(E),
}

/// Why a run stopped early.
#[derive(Debug)]
pub enum Stop<E> {
    Fatal(E),
    /// The service stayed silent for `after`; `last` is the last retryable failure.
    GaveUp {
        after: Duration,
        last: String,
    },
}

/// What the writer is given, on the calling thread.
pub enum Event<O> {
    /// A position's outcome, in input order.
    Item(u64, O),
    /// At least 4 times a second: time to redraw progress.
    Tick,
}

type Sent<O, E> = (u64, Result<O, Stop<E>>);

/// How the reader hands out positions (numbered from 1 in the order given).
pub struct Feed<J, O, E> {
    queue: Arc<Queue<J>>,
    out: Sender<Sent<O, E>>,
    next: u64,
}

impl<J, O, E> Feed<J, O, E> {
    /// A position that needs a worker. False when the run is stopping: stop reading.
    pub fn job(&mut self, job: J) -> bool {
        let Some(mut s) = self.queue.admit(true) else {
            return false;
        };
        self.next += 1;
        let now = Instant::now();
        s.fresh.push_back(Queued {
            seq: self.next,
            job,
            tries: 0,
            since: None,
            due: now,
        });
        self.queue.cv.notify_all();
        true
    }

    /// A position whose outcome is known without a worker. False when the run is stopping.
    pub fn ready(&mut self, outcome: O) -> bool {
        if self.queue.admit(false).is_none() {
            return false;
        }
        self.next += 1;
        self.out.send((self.next, Ok(outcome))).is_ok()
    }
}

/// A job and its history.
struct Queued<J> {
    seq: u64,
    job: J,
    /// Tries so far.
    tries: u32,
    /// When it first failed, if it did.
    since: Option<Instant>,
    /// Not to be taken before.
    due: Instant,
}

struct State<J> {
    fresh: VecDeque<Queued<J>>,
    /// Jobs waiting for a retry (at most `window`).
    later: Vec<Queued<J>>,
    /// Positions read and not yet emitted.
    open: u64,
    reading: bool,
    /// Jobs in workers' hands.
    busy: usize,
    stopping: bool,
    last_answer: Instant,
}

struct Queue<J> {
    state: Mutex<State<J>>,
    cv: Condvar,
    window: u64,
    capacity: usize,
}

impl<J> Queue<J> {
    fn lock(&self) -> MutexGuard<'_, State<J>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for room in the window (and, for a job, in the fresh queue); `None` if stopping.
    fn admit(&self, job: bool) -> Option<MutexGuard<'_, State<J>>> {
        let mut s = self.lock();
        while !s.stopping {
            if s.open < self.window && (!job || s.fresh.len() < self.capacity) {
                s.open += 1;
                return Some(s);
            }
            s = self.cv.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        None
    }

    /// The next job for a worker: the most overdue retry, else a fresh job. `None` once
    /// everything is done or the run is stopping.
    fn take(&self) -> Option<Queued<J>> {
        let mut s = self.lock();
        while !s.stopping {
            let now = Instant::now();
            let first = (0..s.later.len()).min_by_key(|i| (s.later[*i].due, s.later[*i].seq));
            let job = match first {
                Some(i) if s.later[i].due <= now => Some(s.later.swap_remove(i)),
                _ => s.fresh.pop_front(),
            };
            if let Some(job) = job {
                s.busy += 1;
                self.cv.notify_all();
                return Some(job);
            }
            if !s.reading && s.later.is_empty() && s.busy == 0 {
                break;
            }
            let wait = first.map_or(Duration::from_secs(1), |i| s.later[i].due - now);
            s = self
                .cv
                .wait_timeout(s, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        None
    }

    fn stop(&self) {
        self.lock().stopping = true;
        self.cv.notify_all();
    }
}

/// Runs `read` on a thread of its own, `work` on `settings.workers` threads, and `emit` on this
/// thread (see [`Event`]).
pub fn run<J, O, E, R, W, M>(
    settings: &Settings,
    read: R,
    work: W,
    mut emit: M,
) -> Result<(), Stop<E>>
where
    J: Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
    R: FnOnce(&mut Feed<J, O, E>) -> Result<(), E> + Send + 'static,
    W: Fn(&J, u32) -> Step<O, E> + Sync,
    M: FnMut(Event<O>) -> Result<(), E>,
{
    let queue = Arc::new(Queue {
        state: Mutex::new(State {
            fresh: VecDeque::new(),
            later: Vec::new(),
            open: 0,
            reading: true,
            busy: 0,
            stopping: false,
            last_answer: Instant::now(),
        }),
        cv: Condvar::new(),
        window: settings.window.max(1),
        capacity: settings.workers * 2,
    });
    let (tx, rx) = mpsc::channel::<Sent<O, E>>();
    let mut feed = Feed {
        queue: Arc::clone(&queue),
        out: tx.clone(),
        next: 0,
    };
    std::thread::spawn(move || {
        if let Err(e) = read(&mut feed) {
            feed.queue.stop();
            let _ = feed.out.send((feed.next + 1, Err(Stop::Fatal(e))));
        }
        feed.queue.lock().reading = false;
        feed.queue.cv.notify_all();
    });
    std::thread::scope(|scope| {
        let (queue, work) = (&*queue, &work);
        for _ in 0..settings.workers {
            let tx = tx.clone();
            scope.spawn(move || worker(queue, work, settings, &tx));
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut next = 1u64;
        let result = 'run: loop {
            match rx.recv_timeout(Duration::from_millis(250)) {
                Ok((seq, Ok(outcome))) => {
                    pending.insert(seq, outcome);
                }
                Ok((_, Err(stop))) => break Err(stop),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break Ok(()),
            }
            let mut written = 0;
            while let Some(outcome) = pending.remove(&next) {
                if let Err(e) = emit(Event::Item(next, outcome)) {
                    break 'run Err(Stop::Fatal(e));
                }
                next += 1;
                written += 1;
            }
            if written > 0 {
                queue.lock().open -= written;
                queue.cv.notify_all();
            }
            if let Err(e) = emit(Event::Tick) {
                break Err(Stop::Fatal(e));
            }
        };
        if result.is_err() {
            // The workers finish the call in hand; the scope waits for them.
            settings.stopped.store(true, Ordering::Relaxed);
            queue.stop();
        }
        result
    })
}

fn worker<J, O, E>(
    queue: &Queue<J>,
    work: &impl Fn(&J, u32) -> Step<O, E>,
    settings: &Settings,
    out: &Sender<Sent<O, E>>,
) {
    let give_up_after = settings.give_up_after;
    while let Some(mut q) = queue.take() {
        let step = work(&q.job, q.tries + 1);
        let mut s = queue.lock();
        s.busy -= 1;
        let sent = match step {
            Step::Done { outcome, answered } => {
                if answered {
                    s.last_answer = Instant::now();
                }
                Ok(outcome)
            }
            Step::Retry {
                or_end: Some(end), ..
            } if q.since.is_some_and(|t| s.last_answer > t) => Ok(end),
            Step::Retry { after, why, .. } => {
                if s.last_answer.elapsed() >= give_up_after {
                    s.stopping = true;
                    Err(Stop::GaveUp {
                        after: give_up_after,
                        last: why,
                    })
                } else {
                    let now = Instant::now();
                    q.tries += 1;
                    q.since = q.since.or(Some(now));
                    q.due = now + after;
                    s.later.push(q);
                    settings.requeued.fetch_add(1, Ordering::Relaxed);
                    queue.cv.notify_all();
                    continue;
                }
            }
            Step::Fatal(e) => {
                s.stopping = true;
                Err(Stop::Fatal(e))
            }
        };
        drop(s);
        queue.cv.notify_all();
        if out.send((q.seq, sent)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

    fn settings(workers: usize, window: u64) -> Settings {
        Settings {
            workers,
            window,
            give_up_after: Duration::from_secs(3600),
            requeued: AtomicU64::new(0),
            stopped: Arc::new(AtomicBool::new(false)),
        }
    }

    #[test]
    fn outcomes_come_back_in_input_order_with_retries_in_between() {
        let tries = AtomicU32::new(0);
        let mut got = Vec::new();
        let s = settings(4, 8);
        let result: Result<(), Stop<String>> = run(
            &s,
            |feed| {
                for i in 1..=100u32 {
                    let more = if i % 10 == 0 {
                        feed.ready(i * 1000)
                    } else {
                        feed.job(i)
                    };
                    if !more {
                        break;
                    }
                }
                Ok(())
            },
            |job: &u32, t| {
                tries.fetch_add(1, AtomicOrdering::Relaxed);
                // Every 7th job fails twice before it succeeds.
                if job % 7 == 0 && t < 3 {
                    Step::Retry {
                        after: Duration::from_millis(1),
                        why: "later".into(),
                        or_end: None,
                    }
                } else {
                    Step::Done {
                        outcome: *job,
                        answered: true,
                    }
                }
            },
            |e| {
                if let Event::Item(seq, o) = e {
                    got.push((seq, o));
                }
                Ok(())
            },
        );
        assert!(result.is_ok());
        let want: Vec<(u64, u32)> = (1..=100u32)
            .map(|i| (u64::from(i), if i % 10 == 0 { i * 1000 } else { i }))
            .collect();
        assert_eq!(got, want);
        // 90 jobs; the 13 multiples of 7 among them take 2 more tries each.
        assert_eq!(tries.load(AtomicOrdering::Relaxed), 90 + 2 * 13);
        assert_eq!(s.requeued.load(AtomicOrdering::Relaxed), 2 * 13);
    }

    #[test]
    fn a_job_failing_alone_ends_once_the_service_answered_others() {
        let mut got = Vec::new();
        let s = settings(2, 64);
        let result: Result<(), Stop<String>> = run(
            &s,
            |feed| {
                for i in 0..40u32 {
                    if !feed.job(i) {
                        break;
                    }
                }
                Ok(())
            },
            |job: &u32, tries| {
                if *job == 0 {
                    Step::Retry {
                        after: Duration::from_millis(2),
                        why: "500".into(),
                        // Offered from the third try on.
                        or_end: (tries >= 3).then_some(1000 + tries),
                    }
                } else {
                    std::thread::sleep(Duration::from_millis(1));
                    Step::Done {
                        outcome: *job,
                        answered: true,
                    }
                }
            },
            |e| {
                if let Event::Item(_, o) = e {
                    got.push(o);
                }
                Ok(())
            },
        );
        assert!(result.is_ok());
        assert!(got[0] >= 1003, "{}", got[0]);
        assert_eq!(got[1..], (1..40).collect::<Vec<_>>());
        // Requeued after every try but the last, which ended the job.
        assert_eq!(
            s.requeued.load(AtomicOrdering::Relaxed),
            u64::from(got[0] - 1000 - 1)
        );
    }

    #[test]
    fn a_silent_service_ends_the_run_and_a_fatal_step_stops_it() {
        let mut s = settings(2, 4);
        s.give_up_after = Duration::ZERO;
        let result: Result<(), Stop<String>> = run(
            &s,
            |feed| {
                // Never ends by itself: the stop must end it.
                while feed.job(()) {}
                Ok(())
            },
            |_: &(), _| Step::<(), String>::Retry {
                after: Duration::ZERO,
                why: "503".into(),
                or_end: Some(()),
            },
            |_| Ok(()),
        );
        match result {
            Err(Stop::GaveUp { last, .. }) => assert_eq!(last, "503"),
            other => panic!("{other:?}"),
        }
        // The retry that ended the run was not a requeue.
        assert_eq!(s.requeued.load(AtomicOrdering::Relaxed), 0);

        let result: Result<(), Stop<String>> = run(
            &settings(3, 16),
            |feed| {
                while feed.job(()) {}
                Ok(())
            },
            |_: &(), _| Step::<(), String>::Fatal("no credentials".into()),
            |_| Ok(()),
        );
        assert!(matches!(result, Err(Stop::Fatal(m)) if m == "no credentials"));

        // A failing emitter stops the reader and the workers too.
        let result: Result<(), Stop<String>> = run(
            &settings(2, 16),
            |feed| {
                while feed.ready(()) {}
                Ok(())
            },
            |_: &(), _| Step::<(), String>::Fatal("unused".into()),
            |e| match e {
                Event::Item(seq, ()) if seq >= 50 => Err("disk full".into()),
                _ => Ok(()),
            },
        );
        assert!(matches!(result, Err(Stop::Fatal(m)) if m == "disk full"));
    }
}
