// SPDX-License-Identifier: GPL-2.0

//! A submission: the entries of one async_submit(2) call, their execution and their write-back.

use kernel::{
    alloc::KVVec,
    futex,
    page::PAGE_SIZE,
    prelude::*,
    seccomp,
    syscall,
    uaccess::{UserPtr, UserSlice, UserSliceReader},
};

use crate::{
    defs::{
        EntryDesc, ENTRY_SIZE_VER0, MAX_ENTRIES, RESULT_OFFSET, STATUS_DONE, STATUS_OFFSET,
        STATUS_PENDING,
    },
    entry::Entry,
    outcome,
};

/// The entries of one call, copied from user space and checked.
///
/// # Invariants
///
/// - `entries` is not empty, every entry was checked by [`Entry::from_desc`] with its index and
///   the start of its chain, and the last entry does not link to a next one.
/// - `user` is the start of the user's array, whose entries are `entry_size` bytes apart.
pub(crate) struct Submission {
    user: UserPtr,
    entry_size: usize,
    entries: KVVec<Entry>,
    /// The result of each entry that completed, in entry order.
    results: KVVec<isize>,
}

impl Submission {
    /// Copies `nr_entries` entries of `entry_size` bytes from `user` and checks all of them.
    pub(crate) fn copy_from_user(user: UserPtr, nr_entries: u32, entry_size: usize) -> Result<Self> {
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
        let mut entries = KVVec::with_capacity(count, GFP_KERNEL)?;
        let mut chain_start = 0;
        for index in 0..count {
            let desc: EntryDesc = reader.read()?;
            skip_zero_tail(&mut reader, entry_size - ENTRY_SIZE_VER0)?;
            let entry = Entry::from_desc(&desc.0, index, chain_start)?;
            if !entry.links_next() {
                chain_start = index + 1;
            }
            entries.push(entry, GFP_KERNEL)?;
        }
        if entries.last().is_some_and(Entry::links_next) {
            return Err(EINVAL);
        }

        let results = KVVec::with_capacity(count, GFP_KERNEL)?;
        // INVARIANT: `count` is not zero and every entry was checked above, the last one for
        // its link too.
        Ok(Self {
            user,
            entry_size,
            entries,
            results,
        })
    }

    /// Writes `ASYNC_SYSCALL_STATUS_PENDING` into every entry's status word.
    ///
    /// This also proves that the array is writable before anything runs: `EFAULT` otherwise.
    pub(crate) fn mark_pending(&self) -> Result {
        for index in 0..self.entries.len() {
            let mut writer = UserSlice::new(self.field(index, STATUS_OFFSET), 4).writer();
            writer.write(&STATUS_PENDING)?;
        }
        Ok(())
    }

    /// Runs every entry in array order in the calling thread, completing each as it ends.
    ///
    /// Every entry runs or is cancelled even when a write-back fails; the failure is then
    /// reported as `EFAULT`.
    pub(crate) fn run_batch(&mut self) -> Result {
        let mut written_back = true;
        for index in 0..self.entries.len() {
            let result = self.run(index);
            self.results.push(result, GFP_KERNEL)?;
            written_back &= self.complete(index, result).is_ok();
        }
        if written_back {
            Ok(())
        } else {
            Err(EFAULT)
        }
    }

    /// Runs entry `index`, whose feed sources have completed, and returns its result.
    fn run(&self, index: usize) -> isize {
        let entry = &self.entries[index];
        let mut args = *entry.args();
        for feed in entry.feeds() {
            let source = self.results[feed.src];
            if outcome::is_failure(source) {
                return outcome::cancelled();
            }
            // A result is a register value: the cast keeps its bits.
            args[feed.slot] = source as usize;
        }
        // An earlier entry may have installed a filter (with `prctl`).
        if seccomp::current_is_confined() {
            return outcome::refused_under_seccomp();
        }
        // SAFETY: We run in the system call path of a user task, with no locks held. The
        // number was checked against the refusal policy when the entry was built, which rules out
        // the system calls that never return, act on the calling thread's user state or recurse.
        let result = unsafe { syscall::invoke(entry.nr(), &args) };
        outcome::user_visible(result)
    }

    /// Writes entry `index`'s result, then its status word, then wakes the futex waiters on it.
    fn complete(&self, index: usize, result: isize) -> Result {
        let mut writer = UserSlice::new(self.field(index, RESULT_OFFSET), 8).writer();
        writer.write(&(result as i64))?;
        futex::store_and_wake_private(self.field(index, STATUS_OFFSET), STATUS_DONE)
    }

    /// The user address of the field at `offset` of entry `index`.
    fn field(&self, index: usize, offset: usize) -> UserPtr {
        self.user.wrapping_byte_add(index * self.entry_size + offset)
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
