// SPDX-License-Identifier: GPL-2.0

//! The worker pool of a process: its crews of workers and the chains waiting for them.
//!
//! There is one pool per process, created by its first asynchronous submission and released
//! when the process exits or execs. Its workers are user workers of the process (threads named
//! `async_syscall`). A worker is a clone of the thread that submitted the work it was started
//! for, so it has that thread's [`Identity`]; the workers of one identity form a [`Crew`], and a
//! crew only runs chains submitted with its identity. An entry therefore always runs with the
//! credentials, files, fs context, namespaces, seccomp filter and cgroup its submitter had at
//! submission, whichever worker runs it.
//!
//! Chains go to workers that need no wake-up first, then to idle ones, and only then to new
//! workers:
//!
//! - a worker that finished a chain and finds none queued spins for a while (the submission's
//!   `kernel.async_syscall_worker_spin_us`, at most [`Limits::max_spinning`] workers of a crew at
//!   once) before it sleeps; a worker publishing the last completion of its chain counts as
//!   about to ask for work (`finishing`). A submission counts on those first;
//! - then it wakes idle workers of its crew, one per chain;
//! - only if it found no spinning, finishing or idle worker does it start new workers, as clones
//!   of the submitting thread, for its chains, as long as its crew has fewer than
//!   `kernel.async_syscall_max_workers`;
//! - otherwise a worker that takes a chain while more chains are queued than workers counted on
//!   for them passes the work on before it runs its own: it counts on one more spinning worker,
//!   wakes one more idle one, or starts one more as a clone of itself, below the limit;
//! - when every worker of the crew is busy and none has started or finished a chain for
//!   [`STALL_MS`], the workers are taken as blocked in the kernel: a worker is started for every
//!   chain of the crew that waits, whatever the limit, so that a blocked chain never holds up
//!   another one for much longer than that;
//! - while chains wait beyond the limit, the crew has a standby worker, which runs no chain but
//!   checks every [`STALL_MS`] whether the crew is stalled, and then starts the workers itself,
//!   as clones of itself: chains queued behind blocked ones get a worker even if nothing else is
//!   ever submitted. A worker that passes work on at the limit, or fails to start one, starts
//!   (or asks for) the standby;
//! - a crew with work always has a worker, so no chain waits for a worker that will never come.
//!
//! A worker that finds nothing to do for [`IDLE_TIMEOUT_MS`] exits, and a crew with no worker
//! left is removed.
//!
//! Lock order: the pool's `inner` lock is a leaf: no other lock is taken under it, and no entry
//! runs and no user memory is touched under it.

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    current, new_condvar, new_mutex,
    prelude::*,
    processor::cpu_relax,
    sync::{Arc, CondVar, CondVarTimeoutResult, Mutex},
    time::{msecs_to_jiffies, Delta, Instant, Monotonic},
};

use crate::{identity::Identity, submission::Submission, worker::Role};

/// How long an idle worker waits for work before it exits, in milliseconds.
pub(crate) const IDLE_TIMEOUT_MS: u32 = 5000;

/// How long the busy workers of a crew may go without starting or finishing a chain before a
/// submission takes them as blocked, in milliseconds.
pub(crate) const STALL_MS: i64 = 20;

/// A submission with chains that no worker has started yet.
pub(crate) struct Queued {
    submission: Arc<Submission>,
    /// Index of the next chain to start.
    next_chain: usize,
}

impl Queued {
    /// Completes every chain not started yet as cancelled.
    pub(crate) fn cancel(self) {
        for chain in self.next_chain..self.submission.chains() {
            self.submission.cancel_chain(chain);
        }
    }

    /// The number of entries of the chains not started yet.
    fn entries_left(&self) -> usize {
        (self.next_chain..self.submission.chains())
            .map(|chain| self.submission.chain_len(chain))
            .sum()
    }
}

/// The workers of one identity: what they share with the chains they run.
#[pin_data]
pub(crate) struct Crew {
    identity: Identity,
    /// A copy of [`CrewState`]'s `queued_chains`, stored under the pool's lock, that a spinning
    /// worker polls without it: a hint only, rechecked under the lock.
    queued_hint: AtomicUsize,
    /// Workers about to publish the last completion of their chain, which then ask for work
    /// ([`Pool::next`]) or leave ([`Pool::leave`]): raised without the lock by
    /// [`Submission::run_chain`], lowered under it. A thread that sees the completion may submit
    /// again before the worker asks for work; the submission counts on it rather than start a
    /// new worker.
    finishing: AtomicUsize,
    /// Signalled when a chain of this crew is queued, or when its idle workers must leave.
    #[pin]
    work_queued: CondVar,
    /// The standby worker sleeps on it between checks; never signalled.
    #[pin]
    standby_tick: CondVar,
}

impl Crew {
    /// The identity of the crew's workers.
    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The count of the crew's workers about to finish a chain, for [`Submission::run_chain`].
    pub(crate) fn finishing(&self) -> &AtomicUsize {
        &self.finishing
    }

    fn new(identity: Identity) -> Result<Arc<Self>> {
        Arc::pin_init(
            try_pin_init!(Self {
                identity,
                queued_hint: AtomicUsize::new(0),
                finishing: AtomicUsize::new(0),
                work_queued <- new_condvar!(),
                standby_tick <- new_condvar!(),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }
}

/// The state of a crew, under the pool's lock.
///
/// # Invariants
///
/// - `queued_chains` is the number of chains of `queue` that no worker has started.
/// - `idle <= workers` and `woken <= idle`; `spinning <= workers`.
/// - `claimed <= spinning + crew.finishing` when the lock is taken (`finishing` only grows
///   without it).
/// - `starting <= workers`.
/// - `crew.queued_hint` equals `queued_chains` whenever the lock is released.
/// - A crew with a nonempty `queue` has at least one worker, or a submitter that is about to
///   start one for the submission it queued and that takes it back if it cannot.
struct CrewState {
    crew: Arc<Crew>,
    queue: KVec<Queued>,
    queued_chains: usize,
    /// Workers of the crew, started or being started.
    workers: usize,
    /// Workers being started by a submitter, which does not know yet whether it can.
    starting: usize,
    /// Workers waiting for work.
    idle: usize,
    /// Idle workers woken for chains, that have not taken one yet.
    woken: usize,
    /// Workers looking for work for a while before they become idle.
    spinning: usize,
    /// Spinning or finishing workers counted on for queued chains, for which no idle worker was
    /// woken.
    claimed: usize,
    /// How long a worker looks for work before it sleeps: `kernel.async_syscall_worker_spin_us`
    /// at the last submission.
    spin: Delta,
    /// The most workers of the crew that spin at once.
    max_spinning: usize,
    /// `kernel.async_syscall_max_workers` at the last submission.
    max_workers: usize,
    /// When a worker of the crew last started or finished a chain.
    progress: Instant<Monotonic>,
    /// Idle workers must leave: other identities need room.
    retire: bool,
    /// The crew has a standby worker, counted in `workers`.
    standby: bool,
    /// The crew needs a standby that could not be started: the next runner that asks for work
    /// becomes one.
    needs_standby: bool,
}

impl CrewState {
    /// Takes the next queued chain.
    fn take_chain(&mut self) -> Option<(Arc<Submission>, usize)> {
        let queued = self.queue.first_mut()?;
        let chain = queued.next_chain;
        let submission = queued.submission.clone();
        queued.next_chain += 1;
        if queued.next_chain == submission.chains() {
            drop(self.queue.remove(0));
        }
        // INVARIANT: One chain of `queue` was started.
        self.set_queued(self.queued_chains.saturating_sub(1));
        // No more workers are counted on than there are chains for them.
        self.claimed = self.claimed.min(self.queued_chains);
        self.progress = Instant::now();
        Some((submission, chain))
    }

    /// A worker that was finishing a chain asks for work or leaves: it is no longer counted as
    /// finishing, nor on, if it was.
    fn finished(&mut self) {
        // Raised once per chain before the worker gets here (`Submission::run_chain`).
        let _ = self
            .crew
            .finishing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        // INVARIANT: `claimed` stays within the available workers.
        self.claimed = self.claimed.saturating_sub(1).min(self.available());
    }

    /// Workers that will look for work without a wake-up: spinning, or finishing a chain.
    fn available(&self) -> usize {
        self.spinning + self.crew.finishing.load(Ordering::Acquire)
    }

    /// Takes the next queued chain for a worker, and passes on the work left (see
    /// [`CrewState::pass_on`]).
    fn take_next(&mut self) -> Option<(Arc<Submission>, usize, PassOn)> {
        let (submission, chain) = self.take_chain()?;
        Some((submission, chain, self.pass_on(true)))
    }

    /// If chains are still queued that no woken, spinning or finishing worker is counted on for,
    /// counts on one more worker for one of them, and returns what the caller must do for it.
    /// Only a worker of the crew that goes on running (`may_start`) is asked to start one.
    fn pass_on(&mut self, may_start: bool) -> PassOn {
        if self.queued_chains <= self.woken + self.claimed {
            return PassOn::Nothing;
        }
        if self.available() > self.claimed {
            // INVARIANT: `claimed` stays within the available workers.
            self.claimed += 1;
            return PassOn::Nothing;
        }
        if self.idle > self.woken {
            // INVARIANT: `woken` stays within `idle`.
            self.woken += 1;
            return PassOn::Wake;
        }
        if !may_start {
            return PassOn::Nothing;
        }
        if self.workers < self.max_workers {
            // INVARIANT: Counted in both until `settle()`.
            self.workers += 1;
            self.starting += 1;
            return PassOn::Start(Role::Runner);
        }
        if !self.standby {
            // Chains wait beyond the limit: a standby watches over them.
            // INVARIANT: Counted in both until `settle()`.
            self.standby = true;
            self.needs_standby = false;
            self.workers += 1;
            self.starting += 1;
            return PassOn::Start(Role::Standby);
        }
        PassOn::Nothing
    }

    /// Sets the number of queued chains, and its hint for spinning workers.
    fn set_queued(&mut self, chains: usize) {
        self.queued_chains = chains;
        if chains == 0 {
            // Nothing waits: no standby is needed any more.
            self.needs_standby = false;
        }
        self.crew.queued_hint.store(chains, Ordering::Relaxed);
    }

    /// Whether every worker is busy and none has started or finished a chain for [`STALL_MS`].
    fn stalled(&self) -> bool {
        self.idle == 0
            && self.workers > 0
            && self.progress.elapsed() >= Delta::from_millis(STALL_MS)
    }
}

/// The state of a pool, under its lock.
struct PoolInner {
    crews: KVec<CrewState>,
    /// Entries queued or running on workers, against `kernel.async_syscall_max_entries`.
    in_flight: usize,
}

impl PoolInner {
    fn crew(&mut self, crew: &Arc<Crew>) -> Option<&mut CrewState> {
        self.crews.iter_mut().find(|c| Arc::ptr_eq(&c.crew, crew))
    }

    /// Removes the crew at `pos`; returns its queued submissions, which no worker will run.
    fn remove_crew(&mut self, pos: usize) -> KVec<Queued> {
        let Ok(state) = self.crews.remove(pos) else {
            return KVec::new();
        };
        for queued in state.queue.iter() {
            self.in_flight = self.in_flight.saturating_sub(queued.entries_left());
        }
        state.queue
    }
}

/// What a worker that took a chain does for the chains still queued, before it runs its own.
enum PassOn {
    /// Nothing: enough workers are woken or counted on.
    Nothing,
    /// Wake one more idle worker.
    Wake,
    /// Start one more worker with this role.
    Start(Role),
}

impl PassOn {
    /// Does what was decided, with the pool's lock released, and returns the role of the worker
    /// to start, if any.
    fn act(self, crew: &Crew) -> Option<Role> {
        match self {
            PassOn::Nothing => None,
            PassOn::Wake => {
                crew.work_queued.notify_one();
                None
            }
            PassOn::Start(role) => Some(role),
        }
    }
}

/// The limits of `kernel.async_syscall_*` in force for one submission.
pub(crate) struct Limits {
    /// `kernel.async_syscall_max_workers`.
    pub(crate) max_workers: usize,
    /// `kernel.async_syscall_max_entries`.
    pub(crate) max_entries: usize,
    /// `kernel.async_syscall_worker_spin_us`.
    pub(crate) spin: Delta,
    /// The most workers of a crew that spin at once: half the online CPUs, at least one.
    pub(crate) max_spinning: usize,
}

/// What a worker does next.
pub(crate) enum Next {
    /// Run chain `.1` of submission `.0`; first, if `.2` names a role, start one more worker of
    /// the crew with that role, counted as a member already, and report how it went with
    /// [`Pool::settle`].
    Run(Arc<Submission>, usize, Option<Role>),
    /// Handle signals, then ask again.
    Signal,
    /// Become the crew's standby.
    Standby,
    /// Leave the pool: idle too long, or retired.
    Exit,
}

/// How a submission was queued.
pub(crate) struct Placed {
    /// The crew that runs it.
    pub(crate) crew: Arc<Crew>,
    /// How many workers the caller must start for it.
    pub(crate) to_start: usize,
    /// Whether the caller must also start a standby worker.
    pub(crate) standby: bool,
}

/// What the standby worker of a crew does next.
pub(crate) enum Standby {
    /// Start this many workers, counted as members of the crew already, then ask again.
    Start(usize),
    /// Handle signals, then ask again.
    Signal,
    /// No chain waits any more: leave the pool.
    Exit,
}

/// The worker pool of a process.
#[pin_data]
pub(crate) struct Pool {
    #[pin]
    inner: Mutex<PoolInner>,
}

impl Pool {
    /// Creates an empty pool.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            try_pin_init!(Self {
                inner <- new_mutex!(PoolInner {
                    crews: KVec::new(),
                    in_flight: 0,
                }),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Queues the chains of `submission`, made with `identity`, and returns its crew and how many
    /// workers of it the caller must start, counted as members of the crew already.
    ///
    /// Spinning workers of the crew take the chains first, then idle ones, woken one per chain.
    /// The caller starts workers only when the crew has none that is spinning or idle: otherwise
    /// the workers that take the chains start more, off the submission path, if chains are still
    /// left (see [`Pool::next`]).
    ///
    /// Fails with `EAGAIN` when the process would have more than `limits.max_entries` entries in
    /// flight. The caller reports how starting the workers went with [`Pool::settle`].
    pub(crate) fn queue(
        &self,
        identity: Identity,
        submission: Arc<Submission>,
        limits: &Limits,
    ) -> Result<Placed> {
        let chains = submission.chains();
        let entries = submission.len();
        let max_workers = limits.max_workers;
        let mut inner = self.inner.lock();
        if inner.in_flight.saturating_add(entries) > limits.max_entries {
            return Err(EAGAIN);
        }
        let pos = match inner
            .crews
            .iter()
            .position(|c| c.crew.identity.matches(&identity))
        {
            Some(pos) => pos,
            None => {
                let crew = Crew::new(identity)?;
                inner.crews.push(
                    CrewState {
                        crew,
                        queue: KVec::new(),
                        queued_chains: 0,
                        workers: 0,
                        starting: 0,
                        idle: 0,
                        woken: 0,
                        spinning: 0,
                        claimed: 0,
                        spin: limits.spin,
                        max_spinning: limits.max_spinning,
                        max_workers,
                        progress: Instant::now(),
                        retire: false,
                        standby: false,
                        needs_standby: false,
                    },
                    GFP_KERNEL_ACCOUNT,
                )?;
                inner.crews.len() - 1
            }
        };
        let state = &mut inner.crews[pos];
        state.queue.push(
            Queued {
                submission,
                next_chain: 0,
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        // INVARIANT: The submission's chains were queued; `claimed` stays within the available
        // workers and `woken` within `idle`.
        state.set_queued(state.queued_chains + chains);
        state.retire = false;
        state.spin = limits.spin;
        state.max_spinning = limits.max_spinning;
        state.max_workers = max_workers;
        let stalled = state.stalled();
        let claim = chains.min(state.available().saturating_sub(state.claimed));
        state.claimed += claim;
        let wake = (chains - claim).min(state.idle.saturating_sub(state.woken));
        state.woken += wake;
        let to_start = if stalled {
            // Started workers count as progress: the next check waits for them.
            state.progress = Instant::now();
            state
                .queued_chains
                .saturating_sub(state.woken + state.claimed)
        } else if claim + wake > 0 {
            // The workers that take chains start more if chains are left.
            0
        } else {
            chains.min(max_workers.saturating_sub(state.workers))
        };
        // A crew with work always has a worker: without one that is running already, the
        // submitter starts its own rather than count on another submitter's.
        let to_start = if state.workers == state.starting {
            to_start.max(1)
        } else {
            to_start
        };
        // Chains left waiting beyond the limit: a standby watches over them.
        let standby = !state.standby
            && claim + wake + to_start < chains
            && state.workers + to_start >= max_workers;
        state.standby |= standby;
        state.needs_standby &= !standby;
        let count = to_start + usize::from(standby);
        // INVARIANT: The workers to start are counted in both.
        state.workers += count;
        state.starting += count;
        let crew = state.crew.clone();
        inner.in_flight += entries;
        drop(inner);
        for _ in 0..wake {
            crew.work_queued.notify_one();
        }
        Ok(Placed {
            crew,
            to_start,
            standby,
        })
    }

    /// Reports how the workers that [`Pool::queue`] asked for went: `started` of them were
    /// started, `failed` could not be, the standby among them if `standby_failed`.
    ///
    /// Returns `false` if the call that made `submission` must fail: a worker could not be started
    /// and no chain of the submission has started yet. The submission is then taken off the
    /// queue, so nothing of it remains; the idle workers of other crews are asked to leave, to
    /// make room for a new attempt. Otherwise the submission stays queued and `true` is returned;
    /// a standby that could not be started is replaced by the next runner that asks for work.
    /// Queued submissions that the crew has no worker left to run are returned in `orphans`, for
    /// the caller to cancel.
    pub(crate) fn settle(
        &self,
        crew: &Arc<Crew>,
        submission: Option<&Arc<Submission>>,
        started: usize,
        failed: usize,
        standby_failed: bool,
        orphans: &mut KVec<Queued>,
    ) -> bool {
        let mut inner = self.inner.lock();
        let Some(pos) = inner.crews.iter().position(|c| Arc::ptr_eq(&c.crew, crew)) else {
            return failed == 0;
        };
        let state = &mut inner.crews[pos];
        // INVARIANT: Those workers were counted in both by `queue()` or `standby()`.
        state.starting = state.starting.saturating_sub(started + failed);
        state.workers = state.workers.saturating_sub(failed);
        if failed == 0 {
            return true;
        }
        if standby_failed {
            state.standby = false;
            state.needs_standby = true;
        } else if submission.is_none() && !state.standby {
            // A worker that a runner passed work on to could not be started: without a standby
            // the chains left would wait for a worker to finish, which may never come.
            state.needs_standby = true;
        }
        let mut taken = None;
        if let Some(at) = submission.and_then(|submission| {
            state
                .queue
                .iter()
                .position(|q| Arc::ptr_eq(&q.submission, submission) && q.next_chain == 0)
        }) {
            if let Ok(queued) = state.queue.remove(at) {
                // INVARIANT: None of its chains had started.
                state.set_queued(
                    state
                        .queued_chains
                        .saturating_sub(queued.submission.chains()),
                );
                taken = Some(queued);
            }
        }
        if let Some(queued) = &taken {
            inner.in_flight = inner.in_flight.saturating_sub(queued.entries_left());
        }
        let mut retiring = KVec::new();
        for other in inner.crews.iter_mut() {
            if other.idle + other.spinning > 0 && !Arc::ptr_eq(&other.crew, crew) {
                other.retire = true;
                // On allocation failure that crew's idle workers leave on their idle timeout.
                let _ = retiring.push(other.crew.clone(), GFP_KERNEL);
            }
        }
        if inner.crews[pos].workers == 0 {
            // No worker left: what is still queued would wait for ever.
            for queued in inner.remove_crew(pos) {
                // On allocation failure the submission is dropped uncompleted: its waiters see
                // no completion, as when the process exits.
                let _ = orphans.push(queued, GFP_KERNEL);
            }
        }
        drop(inner);
        for other in retiring.iter() {
            other.work_queued.notify_all();
        }
        // The submission is dropped outside the lock.
        let failed_call = taken.is_some();
        drop(taken);
        !failed_call
    }

    /// Waits until the crew of a standby worker is stalled, or has nothing left waiting.
    pub(crate) fn standby(&self, crew: &Arc<Crew>) -> Standby {
        let mut inner = self.inner.lock();
        loop {
            let Some(state) = inner.crew(crew) else {
                return Standby::Exit;
            };
            if state.queued_chains == 0 {
                // INVARIANT: The standby leaves; it is removed from `workers` by `leave()`.
                state.standby = false;
                return Standby::Exit;
            }
            if state.stalled() {
                let count = state
                    .queued_chains
                    .saturating_sub(state.woken + state.claimed);
                // INVARIANT: Counted in both until `settle()`.
                state.workers += count;
                state.starting += count;
                // Started workers count as progress: the next check waits for them.
                state.progress = Instant::now();
                return Standby::Start(count);
            }
            let waited = crew
                .standby_tick
                .wait_interruptible_timeout(&mut inner, msecs_to_jiffies(STALL_MS as u32));
            if let CondVarTimeoutResult::Signal { .. } = waited {
                return Standby::Signal;
            }
        }
    }

    /// Waits for the next chain a worker of `crew` should run, after it finished `done` entries.
    ///
    /// A worker that finds no chain first looks for one for `kernel.async_syscall_worker_spin_us`
    /// (at most [`Limits::max_spinning`] workers of a crew at once), without the lock and without
    /// sleeping, and stops early when the scheduler or a signal wants the CPU; then it sleeps
    /// until a submission wakes it, for at most [`IDLE_TIMEOUT_MS`].
    ///
    /// A worker that takes a chain while more chains are queued than workers are woken or
    /// counted on for them passes the work on: it wakes one more idle worker, or has one more
    /// started ([`Next::Run`]), or, at the worker limit, asks for a standby.
    pub(crate) fn next(&self, crew: &Arc<Crew>, done: usize) -> Next {
        let mut inner = self.inner.lock();
        inner.in_flight = inner.in_flight.saturating_sub(done);
        let Some(state) = inner.crew(crew) else {
            return Next::Exit;
        };
        if done != 0 {
            state.progress = Instant::now();
            state.finished();
        }
        // Spin only after a chain, not after a wake-up that found nothing.
        let mut may_spin = done != 0;
        loop {
            let Some(state) = inner.crew(crew) else {
                return Next::Exit;
            };
            if state.needs_standby && !state.standby && state.queued_chains > 0 {
                // This worker becomes the crew's standby.
                state.needs_standby = false;
                state.standby = true;
                return Next::Standby;
            }
            if let Some((submission, chain, pass)) = state.take_next() {
                drop(inner);
                return Next::Run(submission, chain, pass.act(crew));
            }
            if state.retire {
                return Next::Exit;
            }
            if may_spin && state.spinning < state.max_spinning && !state.spin.is_zero() {
                may_spin = false;
                // INVARIANT: Counted until it takes the lock again, below.
                state.spinning += 1;
                let spin = state.spin;
                drop(inner);
                spin_for_work(crew, spin);
                inner = self.inner.lock();
                let Some(state) = inner.crew(crew) else {
                    return Next::Exit;
                };
                // INVARIANT: `claimed` stays within the available workers.
                state.spinning -= 1;
                state.claimed = state.claimed.saturating_sub(1).min(state.available());
                continue;
            }
            state.idle += 1;
            let waited = crew
                .work_queued
                .wait_interruptible_timeout(&mut inner, msecs_to_jiffies(IDLE_TIMEOUT_MS));
            let Some(state) = inner.crew(crew) else {
                return Next::Exit;
            };
            // INVARIANT: `woken` stays within `idle`.
            state.idle = state.idle.saturating_sub(1);
            state.woken = state.woken.min(state.idle);
            if state.woken > 0 {
                state.woken -= 1;
            }
            match waited {
                CondVarTimeoutResult::Woken { .. } => continue,
                CondVarTimeoutResult::Signal { .. } => return Next::Signal,
                CondVarTimeoutResult::Timeout => {
                    if let Some((submission, chain, pass)) = state.take_next() {
                        drop(inner);
                        return Next::Run(submission, chain, pass.act(crew));
                    }
                    return Next::Exit;
                }
            }
        }
    }

    /// Removes a worker of `crew` from the pool, after it finished `done` entries.
    ///
    /// Returns the queued submissions that no worker of the crew is left to run, for the caller
    /// to cancel.
    pub(crate) fn leave(&self, crew: &Arc<Crew>, done: usize) -> KVec<Queued> {
        let mut inner = self.inner.lock();
        inner.in_flight = inner.in_flight.saturating_sub(done);
        let Some(pos) = inner.crews.iter().position(|c| Arc::ptr_eq(&c.crew, crew)) else {
            return KVec::new();
        };
        let state = &mut inner.crews[pos];
        if done != 0 {
            state.finished();
        }
        state.workers = state.workers.saturating_sub(1);
        state.woken = state.woken.min(state.idle);
        if state.workers != 0 {
            // A submission may have counted on this worker, finishing or spinning, for a chain:
            // another spinning or idle one takes it over.
            let pass = state.pass_on(false);
            drop(inner);
            pass.act(crew);
            return KVec::new();
        }
        inner.remove_crew(pos)
    }
}

/// Looks for a queued chain of `crew` for at most `spin`, without sleeping: until the crew's hint
/// shows one, the time is up, or the scheduler or a signal wants the current task.
fn spin_for_work(crew: &Crew, spin: Delta) {
    let start = Instant::<Monotonic>::now();
    let task = current!();
    while crew.queued_hint.load(Ordering::Relaxed) == 0 {
        if start.elapsed() >= spin || task.need_resched() || task.signal_pending() {
            return;
        }
        cpu_relax();
    }
}
