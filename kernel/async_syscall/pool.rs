// SPDX-License-Identifier: GPL-2.0

//! The worker pool of a process: the submissions waiting to run and the workers that run them.
//!
//! There is one pool per process, created by its first asynchronous submission and released
//! when the process exits or execs. Its workers are user workers of the process (threads named
//! `async_syscall`), created on demand by a submitting thread, up to the limit the submitting
//! thread passes (`kernel.async_syscall_max_workers`); a worker that finds nothing to do for
//! [`IDLE_TIMEOUT_MS`] exits.
//!
//! A worker runs entries with the credentials it was created with, which are those of the
//! thread that submitted the work that needed it. It takes only the chains of submissions made
//! with those same credentials, so an entry never runs under another thread's credentials and no
//! credentials are ever overridden. A worker whose credentials an entry changed (`setuid()` and
//! friends) finishes its chain and leaves; queued chains that no worker of their credentials
//! remains to run are cancelled.
//!
//! Lock order: the pool's `inner` lock is a leaf: no other lock is taken under it, and no entry
//! runs and no user memory is touched under it.

use kernel::{
    cred::Credential,
    new_condvar, new_mutex,
    prelude::*,
    sync::{Arc, CondVar, CondVarTimeoutResult, Mutex},
    time::msecs_to_jiffies,
};

use crate::submission::Submission;

/// How long an idle worker waits for work before it exits, in milliseconds.
pub(crate) const IDLE_TIMEOUT_MS: u32 = 5000;

/// The identity of a set of credentials, for matching work to workers.
///
/// Credentials are compared by address: threads share their credentials until one of them
/// changes its own, which gives it new ones.
pub(crate) fn cred_key(cred: &Credential) -> usize {
    cred.as_ptr() as usize
}

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
}

/// How many workers of one set of credentials a pool has, and how many of them are idle.
struct CredWorkers {
    key: usize,
    workers: usize,
    idle: usize,
}

/// The state of a pool, under its lock.
struct PoolInner {
    queue: KVec<Queued>,
    creds: KVec<CredWorkers>,
    workers: usize,
}

impl PoolInner {
    fn cred_workers(&mut self, key: usize) -> Option<&mut CredWorkers> {
        self.creds.iter_mut().find(|c| c.key == key)
    }

    /// Takes the next chain of the oldest queued submission made with credentials `key`.
    fn take_chain(&mut self, key: usize) -> Option<(Arc<Submission>, usize)> {
        let pos = self
            .queue
            .iter()
            .position(|q| cred_key(q.submission.cred()) == key)?;
        let queued = &mut self.queue[pos];
        let chain = queued.next_chain;
        let submission = queued.submission.clone();
        queued.next_chain += 1;
        if queued.next_chain == submission.chains() {
            drop(self.queue.remove(pos));
        }
        Some((submission, chain))
    }

    /// Removes every queued submission made with credentials `key`.
    fn take_queued(&mut self, key: usize) -> KVec<Queued> {
        let mut taken = KVec::new();
        let mut pos = 0;
        while pos < self.queue.len() {
            if cred_key(self.queue[pos].submission.cred()) == key {
                if let Ok(queued) = self.queue.remove(pos) {
                    // On allocation failure the submission is dropped uncompleted: its waiters
                    // see no completion, as when the process exits.
                    let _ = taken.push(queued, GFP_KERNEL);
                }
            } else {
                pos += 1;
            }
        }
        taken
    }
}

/// What a worker does next.
pub(crate) enum Next {
    /// Run chain `.1` of submission `.0`.
    Run(Arc<Submission>, usize),
    /// Handle signals, then ask again.
    Signal,
    /// Leave the pool: idle too long.
    Exit,
}

/// The worker pool of a process.
#[pin_data]
pub(crate) struct Pool {
    #[pin]
    inner: Mutex<PoolInner>,
    /// Signalled when chains are queued.
    #[pin]
    work_queued: CondVar,
}

impl Pool {
    /// Creates an empty pool.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            try_pin_init!(Self {
                inner <- new_mutex!(PoolInner {
                    queue: KVec::new(),
                    creds: KVec::new(),
                    workers: 0,
                }),
                work_queued <- new_condvar!(),
            }),
            GFP_KERNEL,
        )
    }

    /// Queues the chains of `submission` and returns how many workers the caller must start, for
    /// a pool of at most `max_workers`.
    ///
    /// The workers to start are counted as members of the pool already; the caller reports
    /// those it failed to start with [`Pool::not_started`].
    pub(crate) fn queue(&self, submission: Arc<Submission>, max_workers: usize) -> Result<usize> {
        let key = cred_key(submission.cred());
        let chains = submission.chains();
        let mut inner = self.inner.lock();
        if inner.cred_workers(key).is_none() {
            inner.creds.push(
                CredWorkers {
                    key,
                    workers: 0,
                    idle: 0,
                },
                GFP_KERNEL,
            )?;
        }
        inner.queue.push(
            Queued {
                submission,
                next_chain: 0,
            },
            GFP_KERNEL,
        )?;

        let room = max_workers.saturating_sub(inner.workers);
        let idle = inner.cred_workers(key).map_or(0, |c| c.idle);
        let start = chains.saturating_sub(idle).min(room);
        inner.workers += start;
        if let Some(c) = inner.cred_workers(key) {
            c.workers += start;
        }
        drop(inner);
        self.work_queued.notify_all();
        Ok(start)
    }

    /// Takes back `count` workers of credentials `key` that could not be started.
    ///
    /// When no worker of those credentials is left, their queued submissions are removed and
    /// returned, to be completed as cancelled by the caller.
    pub(crate) fn not_started(&self, key: usize, count: usize) -> KVec<Queued> {
        self.leave(key, count)
    }

    /// Waits for the next chain a worker of credentials `key` should run.
    pub(crate) fn next(&self, key: usize) -> Next {
        let mut inner = self.inner.lock();
        loop {
            if let Some((submission, chain)) = inner.take_chain(key) {
                return Next::Run(submission, chain);
            }
            if let Some(c) = inner.cred_workers(key) {
                c.idle += 1;
            }
            let waited = self
                .work_queued
                .wait_interruptible_timeout(&mut inner, msecs_to_jiffies(IDLE_TIMEOUT_MS));
            if let Some(c) = inner.cred_workers(key) {
                c.idle -= 1;
            }
            match waited {
                CondVarTimeoutResult::Woken { .. } => continue,
                CondVarTimeoutResult::Signal { .. } => return Next::Signal,
                CondVarTimeoutResult::Timeout => {
                    if let Some((submission, chain)) = inner.take_chain(key) {
                        return Next::Run(submission, chain);
                    }
                    return Next::Exit;
                }
            }
        }
    }

    /// Removes `count` workers of credentials `key` from the pool.
    ///
    /// Returns the queued submissions that no worker is left to run, for the caller to cancel.
    pub(crate) fn leave(&self, key: usize, count: usize) -> KVec<Queued> {
        let mut inner = self.inner.lock();
        inner.workers -= count;
        let left = match inner.cred_workers(key) {
            Some(c) => {
                c.workers -= count;
                c.workers
            }
            None => return KVec::new(),
        };
        if left != 0 {
            return KVec::new();
        }
        inner.creds.retain(|c| c.key != key);
        inner.take_queued(key)
    }
}
