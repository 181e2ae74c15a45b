// SPDX-License-Identifier: GPL-2.0

//! A worker: a user worker thread of the submitting process that runs the chains of its crew.

use kernel::{
    prelude::*,
    sync::Arc,
    user_worker, //
};

use crate::{
    identity,
    pool::{Crew, Next, Pool, Queued, Standby},
    signal,
    submission::{ChainEnd, Runner},
};

/// What a worker does in its crew.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Runs the crew's chains.
    Runner,
    /// Runs no chain: while chains wait beyond the worker limit, starts workers for them when
    /// the crew's workers are all blocked.
    Standby,
}

/// Starts a worker of `crew` in `pool` with `role`: a clone of the current thread, which must
/// have the crew's identity (a submitting thread of that identity, or a worker of the crew).
pub(crate) fn start(pool: Arc<Pool>, crew: Arc<Crew>, role: Role) -> Result {
    user_worker::spawn(c"async_syscall", move || {
        // Another thread may have changed the submitter (its nice value, say) between the
        // submission and the clone: a worker that does not have its crew's identity leaves.
        let own = identity::current_words();
        let (killed, done) = if !crew.identity().is_worn_by(&own) {
            (false, 0)
        } else {
            match role {
                Role::Runner => run(&pool, &crew, &own),
                Role::Standby => (stand_by(&pool, &crew, &own), 0),
            }
        };
        let orphans = pool.leave(&crew, done);
        // Unless the process is being killed, complete the chains that no worker of the crew is
        // left to run.
        if !killed {
            cancel(orphans);
        }
    })
}

/// Starts `count` workers of `crew` with `role`, clones of the current worker, which `crew` counts
/// as members already, and reports to `pool` how many could be started.
fn start_counted(pool: &Arc<Pool>, crew: &Arc<Crew>, role: Role, count: usize) {
    let mut started = 0;
    while started < count && start(pool.clone(), crew.clone(), role).is_ok() {
        started += 1;
    }
    let mut orphans = KVec::new();
    let failed = count - started;
    pool.settle(
        crew,
        None,
        started,
        failed,
        failed != 0 && role == Role::Standby,
        &mut orphans,
    );
    cancel(orphans);
}

/// Completes the chains of `orphans`, which no worker is left to run, as cancelled.
fn cancel(orphans: KVec<Queued>) {
    for queued in orphans {
        queued.cancel();
    }
}

/// The life of a runner: take the chains of its crew and run them, until it has been idle too
/// long, the pool retires it, something changed its identity (`own`), or a fatal signal arrives.
///
/// Returns whether a fatal signal ended it, and the entries of its last chain, no longer in
/// flight.
fn run(pool: &Arc<Pool>, crew: &Arc<Crew>, own: &identity::Words) -> (bool, usize) {
    let mut done = 0;
    loop {
        if user_worker::handle_signals() {
            return (true, done);
        }
        match pool.next(crew, core::mem::take(&mut done)) {
            Next::Run(submission, chain, start_one) => {
                if let Some(role) = start_one {
                    // More chains are queued than workers to take them: start one more before
                    // this chain, which may block, as a clone of this worker, which has the
                    // crew's identity (checked after each chain). If it cannot be started, the
                    // crew gets a standby, which starts workers when the crew stalls.
                    start_counted(pool, crew, role, 1);
                }
                done = submission.chain_len(chain);
                let end = submission.run_chain(chain, Runner::Worker, Some(crew.finishing()));
                // The last reference to a submission may go here; dropping it frees memory only.
                drop(submission);
                if let ChainEnd::Killed | ChainEnd::ExitThread = end {
                    // Take the fatal signal: a SIGSYS that seccomp forced on this worker dumps
                    // core from here, or is lost when the worker exits. Then make sure the
                    // process ends, as it would have for the direct call.
                    user_worker::handle_signals();
                    signal::end_process();
                    return (true, done);
                }
            }
            Next::Signal => continue,
            Next::Standby => return (stand_by(pool, crew, own), 0),
            Next::Exit => return (false, 0),
        }
        // Something an entry did (a write to /proc/thread-self/, a nice value set through the
        // worker's own tid) changed this worker: it no longer has its crew's identity.
        if identity::current_words() != *own {
            return (false, done);
        }
    }
}

/// The life of a standby: start workers for the chains of its crew that wait behind blocked
/// ones, as clones of itself, until no chain waits.
///
/// Returns whether a fatal signal ended it.
fn stand_by(pool: &Arc<Pool>, crew: &Arc<Crew>, own: &identity::Words) -> bool {
    loop {
        if user_worker::handle_signals() {
            return true;
        }
        match pool.standby(crew) {
            Standby::Start(count) => {
                // Its clones would have a changed identity: hand the duty over and leave.
                if identity::current_words() != *own {
                    let mut orphans = KVec::new();
                    pool.settle(crew, None, 0, count, true, &mut orphans);
                    cancel(orphans);
                    return false;
                }
                // A start that failed (a signal pending, a limit) is tried again at the next
                // check.
                start_counted(pool, crew, Role::Runner, count);
            }
            Standby::Signal => continue,
            Standby::Exit => return false,
        }
    }
}
