// SPDX-License-Identifier: GPL-2.0

//! The identity of a submitting thread: what decides which workers may run its entries.
//!
//! A worker is a clone of a thread that submitted work, so it carries that thread's credentials,
//! fd table, fs context (root, cwd, umask), namespaces, seccomp filter and `no_new_privs`,
//! cgroup, I/O context, memory policy, personality, scheduling policy and affinity, and audit
//! ids. `async_syscall_identity()`, on the C side, sums these up in [`IDENTITY_WORDS`] words
//! (addresses of the shared objects, values of the copied ones), and a worker only runs entries
//! submitted with exactly the identity of the thread it was cloned from.

use kernel::{
    cred::Credential,
    sync::aref::ARef, //
};

/// Number of words of an identity, `ASYNC_SYSCALL_IDENTITY_WORDS` in
/// `include/linux/async_syscall.h`.
pub(crate) const IDENTITY_WORDS: usize = 24;

/// Index of the word that holds the address of the thread's credentials.
const CRED_WORD: usize = 0;

/// The words of an identity.
pub(crate) type Words = [u64; IDENTITY_WORDS];

extern "C" {
    /// Writes the identity of the current thread into `IDENTITY_WORDS` words at `id`.
    fn async_syscall_identity(id: *mut u64);
}

/// The identity words of the current thread.
pub(crate) fn current_words() -> Words {
    let mut words = [0; IDENTITY_WORDS];
    // SAFETY: `words` has room for the `ASYNC_SYSCALL_IDENTITY_WORDS` words the C function
    // writes, and it only reads the current task.
    unsafe { async_syscall_identity(words.as_mut_ptr()) };
    words
}

/// The identity of the thread that made an asynchronous submission, as of the submission.
///
/// # Invariants
///
/// `_cred` holds the credentials that `words` names, so that they are not freed and their address
/// reused for other credentials while this identity is in use.
pub(crate) struct Identity {
    words: Words,
    /// Held for its reference only.
    _cred: ARef<Credential>,
}

impl Identity {
    /// The identity of the current thread, summed up in `words` by the C entry point.
    pub(crate) fn of_current(words: Words) -> Self {
        // INVARIANT: The current thread's credentials are the ones the C side put in `words`: a
        // thread only changes its own credentials, and it is in async_submit(2).
        Self {
            words,
            _cred: Credential::current(),
        }
    }

    /// Whether a worker cloned for `self` may run entries submitted with `other`.
    pub(crate) fn matches(&self, other: &Identity) -> bool {
        self.words == other.words
    }

    /// Whether a worker whose own identity words are `worker` has this identity.
    ///
    /// A clone shares its creator's credentials, except that a creator with a thread keyring gives
    /// it a copy of them with a keyring of its own: the credentials' address is not compared.
    pub(crate) fn is_worn_by(&self, worker: &Words) -> bool {
        self.words
            .iter()
            .zip(worker.iter())
            .enumerate()
            .all(|(i, (a, b))| i == CRED_WORD || a == b)
    }
}
