// SPDX-License-Identifier: GPL-2.0

//! A submission: the entries of one async_submit(2) call, their execution and their write-back.

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    alloc::KVVec,
    current,
    page::PAGE_SIZE,
    prelude::*,
    sync::aref::ARef,
    syscall,
    task::Task,
    uaccess::{UserPtr, UserSlice, UserSliceReader},
    uapi, user_worker,
};

use crate::{
    defs::{EntryDesc, ENTRY_SIZE_VER0, MAX_ENTRIES},
    entry::Entry,
    outcome,
    policy::{self, Mode},
    signal, status,
};

/// The thread that runs a chain.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runner {
    /// The submitting thread, in batch mode. A signal for it stops the batch before the next
    /// entry, or at an entry it interrupts, so that the thread can return to user space and take
    /// it: see [`BatchEnd::Interrupted`].
    Submitter,
    /// A worker. Only `SIGKILL` and `SIGSTOP` reach it: an entry interrupted by a stop is
    /// restarted once the process continues, as it would be for a user thread. After each entry
    /// its signal mask is restored, so that a signal with a handler never reaches it.
    Worker,
}

/// How many times in a row an entry of a batch is restarted after task work interrupted it.
const MAX_NOTIFY_RESTARTS: u32 = 16;

/// The longest chain whose results are kept on the stack while it runs.
const CHAIN_RESULTS_ON_STACK: usize = 16;

/// How many entries of the size this kernel knows are copied from user space at once.
const COPY_CHUNK: usize = 4;

/// How a chain ended.
pub(crate) enum ChainEnd {
    /// Every entry completed; `false` if a completion could not be written back.
    Completed(bool),
    /// A fatal signal stopped the chain before its end: the process is going away. A worker
    /// must let `get_signal()` take the signal before it exits: seccomp may have forced a
    /// `SIGSYS` that dumps core.
    Killed,
    /// Batch mode only: seccomp killed the submitting thread (`SECCOMP_RET_KILL_THREAD`) at an
    /// entry, which did not complete: the system call must end the thread.
    ExitThread,
    /// Batch mode only: a signal for the submitting thread stopped the chain before entry `.0`,
    /// which did not complete. `.1` is the restart code the entry returned, or zero if it did not
    /// run.
    Interrupted(usize, isize),
}

/// How a batch ended.
pub(crate) enum BatchEnd {
    /// Every entry completed.
    Completed,
    /// A signal for the submitting thread stopped the batch after `.0` entries, which completed.
    /// The others did not run and their status words stay pending.
    Interrupted(usize),
    /// Seccomp killed the submitting thread at an entry: the system call must end the thread with
    /// `do_exit(SIGSYS)`, as the entry path would have for a direct call.
    ExitThread,
}

/// How one entry ran.
enum Ran {
    /// It completed with this result, or returned this restart code.
    Done(isize),
    /// It did not complete: a fatal signal is pending, or a worker took one.
    Killed,
    /// It did not run: seccomp killed the submitting thread.
    ExitThread,
}

/// The entries of one call, copied from user space and checked.
///
/// A submission does not change once built: workers share it, each running its own chains.
///
/// # Invariants
///
/// - `entries` is not empty, every entry was checked by [`Entry::from_desc`] with its index and
///   the start of its chain, and the last entry does not link to a next one.
/// - `chains` lists the chains in order as `(first, end)` entry ranges that cover `entries`.
/// - `user` is the start of the user's array, whose entries are `entry_size` bytes apart.
/// - Every entry whose verdict does not depend on its feeds passed [`policy::check`] for `mode`.
/// - `caller` is the submitting thread and `site` the frame of its async_submit(2) call.
pub(crate) struct Submission {
    user: UserPtr,
    entry_size: usize,
    entries: KVVec<Entry>,
    chains: KVVec<(usize, usize)>,
    mode: Mode,
    site: syscall::Site,
    caller: ARef<Task>,
}

// SAFETY: A submission is never changed after it is built, and `UserPtr` is only an address in
// the submitting process, used through the user-access functions by threads of that process. A
// task reference may be dropped on any thread.
unsafe impl Send for Submission {}

// SAFETY: See `Send`: shared references only read the submission.
unsafe impl Sync for Submission {}

impl Submission {
    /// Copies `nr_entries` entries of `entry_size` bytes from `user` and checks all of them, for
    /// running in `mode` on behalf of the current task, which must be in async_submit(2).
    ///
    /// The memory is charged to the submitter's memory cgroup.
    pub(crate) fn copy_from_user(
        user: UserPtr,
        nr_entries: u32,
        entry_size: usize,
        mode: Mode,
    ) -> Result<Self> {
        if nr_entries == 0 {
            return Err(EINVAL);
        }
        if nr_entries > MAX_ENTRIES {
            return Err(E2BIG);
        }
        if entry_size < ENTRY_SIZE_VER0 || entry_size % 8 != 0 {
            return Err(EINVAL);
        }
        if entry_size > PAGE_SIZE {
            return Err(E2BIG);
        }
        if !user.as_const_ptr().cast::<u64>().is_aligned() {
            return Err(EINVAL);
        }
        let count = usize::try_from(nr_entries).map_err(|_| E2BIG)?;
        let len = count.checked_mul(entry_size).ok_or(E2BIG)?;

        let mut reader = UserSlice::new(user, len).reader();
        let mut entries = KVVec::with_capacity(count, GFP_KERNEL_ACCOUNT)?;
        // Room for the most chains there can be: no reallocation while they are found.
        let mut chains = KVVec::with_capacity(count, GFP_KERNEL_ACCOUNT)?;
        let mut chain_start = 0;
        let mut take = |desc: &EntryDesc| -> Result {
            let index = entries.len();
            let entry = Entry::from_desc(&desc.0, index, chain_start)?;
            // An entry with feeds is checked again once they are known, before it runs.
            if entry.feeds().next().is_none() {
                policy::check(entry.nr(), entry.args(), mode)?;
            }
            if !entry.links_next() {
                chains.push((chain_start, index + 1), GFP_KERNEL_ACCOUNT)?;
                chain_start = index + 1;
            }
            entries.push(entry, GFP_KERNEL_ACCOUNT)?;
            Ok(())
        };
        let mut left = count;
        while left > 0 {
            // Entries of the size this kernel knows are copied a few at a time: fewer calls into
            // the copy routine. The copy is still the only one: what runs is what was checked.
            if entry_size == ENTRY_SIZE_VER0 && left >= COPY_CHUNK {
                let descs: [EntryDesc; COPY_CHUNK] = reader.read()?;
                for desc in &descs {
                    take(desc)?;
                }
                left -= COPY_CHUNK;
            } else {
                let desc: EntryDesc = reader.read()?;
                skip_zero_tail(&mut reader, entry_size - ENTRY_SIZE_VER0)?;
                take(&desc)?;
                left -= 1;
            }
        }
        if chain_start != count {
            // The last entry links to an entry that does not exist.
            return Err(EINVAL);
        }

        // INVARIANT: `count` is not zero, every entry was checked above, the last one for its
        // link too, those without feeds against the policy for `mode`, and `chains` was built
        // from the links. The current task is the submitter, in its async_submit(2) call.
        Ok(Self {
            user,
            entry_size,
            entries,
            chains,
            mode,
            site: syscall::Site::current(),
            caller: ARef::from(&**current!()),
        })
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The number of chains.
    pub(crate) fn chains(&self) -> usize {
        self.chains.len()
    }

    /// The number of entries of chain `chain`.
    pub(crate) fn chain_len(&self, chain: usize) -> usize {
        let (first, end) = self.chains[chain];
        end - first
    }

    /// Makes every entry's status word `ASYNC_SYSCALL_STATUS_PENDING`, keeping
    /// `ASYNC_SYSCALL_STATUS_WAITERS` where a thread set it to sleep on the word already.
    ///
    /// This also proves that the array is writable before anything runs: `EFAULT` otherwise.
    pub(crate) fn mark_pending(&self) -> Result {
        // At most `MAX_ENTRIES` entries (type invariants), so the count fits.
        status::mark_pending(self.user, self.entries.len() as u32, self.entry_size)
    }

    /// Runs every chain in order in the calling thread.
    ///
    /// Returns `EFAULT` if a result could not be written back; every entry has then still run
    /// or been cancelled.
    ///
    /// A signal for the calling thread stops the batch where a plain system call would have
    /// returned to user space to take it: before the next entry, or at an entry it interrupted
    /// (which returned a restart code, so did nothing). If entries completed before that point,
    /// their number is returned and the others stay pending, not run; if none did, the call
    /// fails with the restart code, so that it is restarted once the signal is handled, or fails
    /// with `EINTR`, exactly as the interrupted system call would have.
    pub(crate) fn run_batch(&self) -> Result<BatchEnd> {
        let mut written_back = true;
        for chain in 0..self.chains() {
            match self.run_chain(chain, Runner::Submitter, None) {
                ChainEnd::Completed(written) => written_back &= written,
                ChainEnd::Killed => return Err(EINTR),
                ChainEnd::ExitThread => return Ok(BatchEnd::ExitThread),
                ChainEnd::Interrupted(0, code) => return Err(outcome::batch_restart(code)),
                ChainEnd::Interrupted(done, _) => {
                    return if written_back {
                        Ok(BatchEnd::Interrupted(done))
                    } else {
                        Err(EFAULT)
                    };
                }
            }
        }
        if written_back {
            Ok(BatchEnd::Completed)
        } else {
            Err(EFAULT)
        }
    }

    /// Runs the entries of chain `chain` in order, completing each as it ends.
    ///
    /// Stops early, without completing the rest, when the task gets a fatal signal: the process
    /// is going away.
    ///
    /// If `finishing` is given, it is raised by one exactly once: just before the chain's last
    /// completion is published, or when the chain ends without it. A thread that sees that
    /// completion and submits again then finds the worker counted as about to ask for work.
    pub(crate) fn run_chain(
        &self,
        chain: usize,
        runner: Runner,
        finishing: Option<&AtomicUsize>,
    ) -> ChainEnd {
        let mut finishing = finishing;
        let end = self.run_entries(chain, runner, &mut finishing);
        if let Some(count) = finishing {
            count.fetch_add(1, Ordering::Release);
        }
        end
    }

    /// The body of [`Submission::run_chain`]: takes `finishing` and raises it before the last
    /// completion, if the chain gets that far.
    fn run_entries(
        &self,
        chain: usize,
        runner: Runner,
        finishing: &mut Option<&AtomicUsize>,
    ) -> ChainEnd {
        let (first, end) = self.chains[chain];
        let len = end - first;
        // The results of the chain's entries so far, for its feeds: on the stack for short
        // chains, which saves an allocation per chain.
        let mut on_stack = [0isize; CHAIN_RESULTS_ON_STACK];
        let mut on_heap;
        let results: &mut [isize] = if len <= CHAIN_RESULTS_ON_STACK {
            &mut on_stack[..len]
        } else {
            on_heap = match KVVec::from_elem(0, len, GFP_KERNEL_ACCOUNT) {
                Ok(results) => results,
                Err(_) => {
                    let enomem = ENOMEM.to_errno() as isize;
                    return ChainEnd::Completed(self.complete_chain(chain, enomem));
                }
            };
            &mut on_heap[..]
        };
        let mut written_back = true;
        let task = current!();
        for index in first..end {
            // One check for the common case: a fatal signal, a signal and task work that asked
            // to run (`TIF_NOTIFY_SIGNAL`) all make `signal_pending()` true.
            if task.signal_pending() {
                if task.fatal_signal_pending() {
                    return ChainEnd::Killed;
                }
                // A signal for the submitting thread: return to user space to take it, as a
                // plain system call would, unless nothing ran yet (the first entry then sees it
                // itself). Task work that asked to run is not a signal: it runs here.
                if runner == Runner::Submitter && index != 0 {
                    user_worker::run_task_work();
                    if task.signal_pending() {
                        return ChainEnd::Interrupted(index, 0);
                    }
                }
            }
            let done = index - first;
            let result = match self.run(index, first, &results[..done], runner) {
                Ran::Done(result) => result,
                Ran::Killed => return ChainEnd::Killed,
                Ran::ExitThread => return ChainEnd::ExitThread,
            };
            // Interrupted by a signal that the submitting thread must take first. (Without one,
            // a restart code cannot restart anything: it is reported as `-EINTR`.)
            if runner == Runner::Submitter && outcome::is_restart(result) && task.signal_pending() {
                return ChainEnd::Interrupted(index, result);
            }
            let result = outcome::user_visible(result);
            results[done] = result;
            if index + 1 == end {
                if let Some(count) = finishing.take() {
                    count.fetch_add(1, Ordering::Release);
                }
            }
            // The task work that a user thread runs on its way back to user space (the final
            // `fput()` of a file the entry closed, for one) ran at the end of the call.
            written_back &= self.complete(index, result).is_ok();
        }
        ChainEnd::Completed(written_back)
    }

    /// Completes every entry of chain `chain` as cancelled, without running it.
    pub(crate) fn cancel_chain(&self, chain: usize) {
        self.complete_chain(chain, outcome::cancelled());
    }

    /// Completes every entry of chain `chain` with `result`; returns whether all were written.
    fn complete_chain(&self, chain: usize, result: isize) -> bool {
        let (first, end) = self.chains[chain];
        let mut written_back = true;
        for index in first..end {
            written_back &= self.complete(index, result).is_ok();
        }
        written_back
    }

    /// Runs entry `index` of the chain that starts at `first`, given the results of the chain's
    /// earlier entries, and returns its result.
    ///
    /// On the submitting thread a restart code is returned as it is, for the batch to stop there.
    fn run(&self, index: usize, first: usize, results: &[isize], runner: Runner) -> Ran {
        let entry = &self.entries[index];
        let mut args = *entry.args();
        for feed in entry.feeds() {
            // Feeds come from earlier entries of the same chain, which have results.
            let Some(&source) = results.get(feed.src - first) else {
                return Ran::Done(outcome::cancelled());
            };
            if outcome::is_failure(source) {
                return Ran::Done(outcome::cancelled());
            }
            // A result is a register value: the cast keeps its bits.
            args[feed.slot] = source as usize;
        }
        // The arguments are complete only now: check them against the policy.
        if entry.feeds().next().is_some()
            && policy::depends_on_args(entry.nr())
            && policy::check(entry.nr(), &args, self.mode).is_err()
        {
            return Ran::Done(outcome::refused());
        }
        // A restarted call passes the gates again, as it does from user space: `nr` is the
        // checked entry's number, or `restart_syscall` for the restart block this thread itself
        // just got, not one from user space. Either way the registers keep the call's arguments,
        // as for a direct call, for the gates to see.
        let mut nr = entry.nr();
        let mut notified = 0;
        loop {
            let result = match self.call(nr, &args, runner) {
                Ran::Done(result) => result,
                end => return end,
            };
            if runner == Runner::Worker {
                // An entry such as ppoll() may have replaced the worker's signal mask for the
                // call. Put back the mask that blocks every signal but SIGKILL and SIGSTOP; a
                // signal with a handler that the entry let in goes back to the threads that can
                // take it, and so does one that the entry sent to the calling thread (SIGPIPE).
                user_worker::restore_sigmask();
                signal::forward_to_process();
            }
            if !outcome::is_restart(result) {
                return Ran::Done(result);
            }
            match runner {
                Runner::Worker => {
                    // Restart only after a stop. A fatal signal is left pending for the caller
                    // to see.
                    if !current!().signal_pending() || current!().fatal_signal_pending() {
                        return Ran::Done(result);
                    }
                    if user_worker::handle_signals() {
                        return Ran::Killed;
                    }
                }
                Runner::Submitter => {
                    // Only task work asking to run interrupted the entry, not a signal: run it
                    // and restart, as a plain call would be restarted. A signal stops the batch.
                    user_worker::run_task_work();
                    notified += 1;
                    if current!().signal_pending() || notified > MAX_NOTIFY_RESTARTS {
                        return Ran::Done(result);
                    }
                }
            }
            // `restart_syscall` resumes, from the restart block it left, the system call this
            // thread just ran; other restart codes ask for the same call again.
            nr = if outcome::is_restart_block(result) {
                uapi::__NR_restart_syscall
            } else {
                entry.nr()
            };
        }
    }

    /// Makes system call `nr` with `args` for the submitter, as it would have made it directly
    /// from its async_submit(2) call: through its seccomp filters, audit and tracepoints.
    ///
    /// `nr` must be the number of an entry that passed the refusal policy, or `restart_syscall`
    /// for a restart block the current thread just got.
    fn call(&self, nr: u32, args: &syscall::Args, runner: Runner) -> Ran {
        // SAFETY: This runs in a user task of the submitting process, in process context with no
        // locks held: the submitter in its async_submit(2) call, whose audit context the C entry
        // point set aside for a batch, or one of its workers cloned from it, between entries.
        // `caller` is the submitter and `site` its call (type invariants). The number passed the
        // refusal policy, which rules out the system calls that never return, act on the calling
        // thread's own user state or recurse, or is `restart_syscall` for this thread's own
        // restart block.
        match unsafe { syscall::call(&self.site, &self.caller, nr, args) } {
            syscall::End::Done(result) => Ran::Done(result),
            syscall::End::Killed => Ran::Killed,
            // Only the submitting thread can be told to end itself: it made the call.
            syscall::End::ExitThread if runner == Runner::Submitter => Ran::ExitThread,
            syscall::End::ExitThread => Ran::Killed,
            // A tracer or a dispatcher would have seen the direct call. The submission was
            // refused for that; this is a submitter intercepted since, in the middle of a batch.
            syscall::End::Intercepted => Ran::Done(outcome::intercepted()),
        }
    }

    /// Writes entry `index`'s result, then its status word, then wakes the futex waiters on the
    /// word if a thread said it sleeps there.
    fn complete(&self, index: usize, result: isize) -> Result {
        status::complete(self.entry(index), result)
    }

    /// The user address of entry `index`.
    fn entry(&self, index: usize) -> UserPtr {
        self.user.wrapping_byte_add(index * self.entry_size)
    }
}

/// Consumes `len` bytes of `reader`, which must all be zero: they are fields of a newer kernel.
fn skip_zero_tail(reader: &mut UserSliceReader, mut len: usize) -> Result {
    let mut chunk = [0u8; 64];
    while len > 0 {
        let n = len.min(chunk.len());
        reader.read_slice(&mut chunk[..n])?;
        if chunk[..n].iter().any(|&byte| byte != 0) {
            return Err(E2BIG);
        }
        len -= n;
    }
    Ok(())
}
