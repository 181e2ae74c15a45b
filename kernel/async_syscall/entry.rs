// SPDX-License-Identifier: GPL-2.0

//! One checked entry of a submission: its system call, its chain and its feeds.

use kernel::{prelude::*, syscall, uapi};

use crate::{
    defs::{ARGS, ENTRY_FEED, ENTRY_KNOWN_FLAGS, ENTRY_LINK, FEEDS},
    policy,
};

/// An argument slot of an entry that receives the result of an earlier entry of its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Feed {
    /// Index of the source entry in the submission.
    pub(crate) src: usize,
    /// Argument slot that receives the source's result, below [`ARGS`].
    pub(crate) slot: usize,
}

/// An entry of a submission, checked and owned by the kernel.
///
/// # Invariants
///
/// - `nr` is below [`syscall::NR_SYSCALLS`] and not refused by [`policy::is_refused`].
/// - Each feed's `src` is an earlier entry of the same chain and its `slot` is below [`ARGS`];
///   no two feeds share a slot.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    nr: u32,
    args: syscall::Args,
    feeds: [Option<Feed>; FEEDS],
    links_next: bool,
}

impl Entry {
    /// Checks entry `index` of a submission, whose chain starts at entry `chain_start`.
    ///
    /// Returns `EINVAL` for unknown flags, nonzero reserved bits, a number out of range or a bad
    /// feed, and `EOPNOTSUPP` for a system call refused whatever its arguments.
    pub(crate) fn from_desc(
        desc: &uapi::async_syscall_entry,
        index: usize,
        chain_start: usize,
    ) -> Result<Self> {
        if desc.flags & !ENTRY_KNOWN_FLAGS != 0 || desc.__reserved != 0 {
            return Err(EINVAL);
        }
        if desc.nr >= syscall::NR_SYSCALLS {
            return Err(EINVAL);
        }
        // Refused whatever its arguments. The arguments are checked by the caller, which knows the
        // mode (`policy::check()`), and again once feeds have filled them in.
        if policy::is_refused(desc.nr) {
            return Err(EOPNOTSUPP);
        }

        let mut feeds = [None; FEEDS];
        for (k, raw) in desc.feed.iter().enumerate() {
            if desc.flags & ENTRY_FEED[k] == 0 {
                if raw.src != 0 || raw.slot != 0 {
                    return Err(EINVAL);
                }
                continue;
            }
            let src = usize::try_from(raw.src).map_err(|_| EINVAL)?;
            let slot = usize::try_from(raw.slot).map_err(|_| EINVAL)?;
            if slot >= ARGS || src >= index || src < chain_start {
                return Err(EINVAL);
            }
            if feeds.iter().flatten().any(|f: &Feed| f.slot == slot) {
                return Err(EINVAL);
            }
            feeds[k] = Some(Feed { src, slot });
        }

        let mut args = [0usize; ARGS];
        for (arg, raw) in args.iter_mut().zip(desc.args.iter()) {
            *arg = usize::try_from(*raw).map_err(|_| EINVAL)?;
        }

        // INVARIANT: `nr` and every feed were checked above.
        Ok(Self {
            nr: desc.nr,
            args,
            feeds,
            links_next: desc.flags & ENTRY_LINK != 0,
        })
    }

    /// The system call number.
    pub(crate) fn nr(&self) -> u32 {
        self.nr
    }

    /// The arguments as submitted, before feeding.
    pub(crate) fn args(&self) -> &syscall::Args {
        &self.args
    }

    /// The feeds in use.
    pub(crate) fn feeds(&self) -> impl Iterator<Item = &Feed> {
        self.feeds.iter().flatten()
    }

    /// Whether the next entry belongs to this entry's chain.
    pub(crate) fn links_next(&self) -> bool {
        self.links_next
    }
}

#[kunit_tests(async_syscall_entry)]
mod tests {
    use super::*;
    use crate::defs::ENTRY_KNOWN_FLAGS;

    fn desc(nr: u32, flags: u32, feed: [(u32, u32); FEEDS]) -> uapi::async_syscall_entry {
        uapi::async_syscall_entry {
            nr,
            flags,
            args: [1, 2, 3, 4, 5, 6],
            feed: feed.map(|(src, slot)| uapi::async_syscall_feed { src, slot }),
            user_data: 0,
            result: 0,
            status: 0,
            __reserved: 0,
        }
    }

    const NO_FEED: [(u32, u32); FEEDS] = [(0, 0), (0, 0)];
    const FEED0: u32 = ENTRY_FEED[0];
    const FEED1: u32 = ENTRY_FEED[1];

    #[test]
    fn plain_entry_is_taken() {
        let entry = Entry::from_desc(&desc(uapi::__NR_getpid, 0, NO_FEED), 0, 0);
        assert!(entry.is_ok());
        if let Ok(entry) = entry {
            assert_eq!(entry.nr(), uapi::__NR_getpid);
            assert_eq!(entry.args(), &[1, 2, 3, 4, 5, 6]);
            assert_eq!(entry.feeds().count(), 0);
            assert!(!entry.links_next());
        }
    }

    #[test]
    fn unknown_flags_and_reserved_are_rejected() {
        let d = desc(uapi::__NR_getpid, !ENTRY_KNOWN_FLAGS, NO_FEED);
        assert_eq!(Entry::from_desc(&d, 0, 0), Err(EINVAL));
        let mut d = desc(uapi::__NR_getpid, 0, NO_FEED);
        d.__reserved = 1;
        assert_eq!(Entry::from_desc(&d, 0, 0), Err(EINVAL));
    }

    #[test]
    fn numbers_out_of_range_and_refused_are_rejected() {
        let d = desc(syscall::NR_SYSCALLS, 0, NO_FEED);
        assert_eq!(Entry::from_desc(&d, 0, 0), Err(EINVAL));
        let d = desc(u32::MAX, 0, NO_FEED);
        assert_eq!(Entry::from_desc(&d, 0, 0), Err(EINVAL));
        for nr in [
            uapi::__NR_exit_group,
            uapi::__NR_clone3,
            uapi::__NR_async_submit,
        ] {
            assert_eq!(
                Entry::from_desc(&desc(nr, 0, NO_FEED), 0, 0),
                Err(EOPNOTSUPP)
            );
        }
    }

    #[test]
    fn feeds_must_come_from_earlier_entries_of_the_chain() {
        let read = uapi::__NR_read;
        // From entry 0 into slot 0 of entry 1, same chain: taken.
        let ok = Entry::from_desc(&desc(read, FEED0, [(0, 0), (0, 0)]), 1, 0);
        assert_eq!(
            ok.map(|e| e.feeds().copied().next()),
            Ok(Some(Feed { src: 0, slot: 0 }))
        );
        // From itself, from a later entry, from another chain.
        assert_eq!(
            Entry::from_desc(&desc(read, FEED0, [(1, 0), (0, 0)]), 1, 0),
            Err(EINVAL)
        );
        assert_eq!(
            Entry::from_desc(&desc(read, FEED0, [(2, 0), (0, 0)]), 1, 0),
            Err(EINVAL)
        );
        assert_eq!(
            Entry::from_desc(&desc(read, FEED0, [(0, 0), (0, 0)]), 2, 1),
            Err(EINVAL)
        );
    }

    #[test]
    fn feed_slots_are_checked() {
        let read = uapi::__NR_read;
        assert_eq!(
            Entry::from_desc(&desc(read, FEED0, [(0, 6), (0, 0)]), 1, 0),
            Err(EINVAL)
        );
        let both = FEED0 | FEED1;
        assert_eq!(
            Entry::from_desc(&desc(read, both, [(0, 2), (0, 2)]), 1, 0),
            Err(EINVAL)
        );
        assert!(Entry::from_desc(&desc(read, both, [(0, 0), (1, 2)]), 2, 0).is_ok());
        // An unused feed must be zero.
        assert_eq!(
            Entry::from_desc(&desc(read, 0, [(0, 0), (0, 1)]), 1, 0),
            Err(EINVAL)
        );
    }
}
