// SPDX-License-Identifier: GPL-2.0

//! A worker: a user worker thread of the submitting process that runs chains from its pool.

use kernel::{cred::Credential, prelude::*, sync::Arc, user_worker};

use crate::{
    pool::{cred_key, Next, Pool},
    submission::{ChainEnd, Runner},
};

/// Starts a worker of `pool` in the current process, with the current thread's credentials.
pub(crate) fn start(pool: Arc<Pool>) -> Result {
    user_worker::spawn(c"async_syscall", move || run(pool))
}

/// The life of a worker: take chains that match its credentials and run them, until it has
/// been idle too long, its credentials change, or a fatal signal arrives.
fn run(pool: Arc<Pool>) {
    let cred = Credential::current();
    let key = cred_key(&cred);
    let mut killed = false;
    loop {
        if user_worker::handle_signals() {
            killed = true;
            break;
        }
        match pool.next(key) {
            Next::Run(submission, chain) => {
                let end = submission.run_chain(chain, Runner::Worker);
                // The last reference to a submission may go here; dropping it frees memory only.
                drop(submission);
                if let ChainEnd::Killed = end {
                    killed = true;
                    break;
                }
            }
            Next::Signal => continue,
            Next::Exit => break,
        }
        // An entry changed this worker's credentials: it may no longer run chains submitted
        // with the old ones.
        if cred_key(&Credential::current()) != key {
            break;
        }
    }
    let orphans = pool.leave(key, 1);
    if !killed {
        for queued in orphans {
            queued.cancel();
        }
    }
}
