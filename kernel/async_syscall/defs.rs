// SPDX-License-Identifier: GPL-2.0

//! The UAPI of async_submit(2), wrapped for reading from user memory.
//!
//! C header: [`include/uapi/linux/async_syscall.h`](srctree/include/uapi/linux/async_syscall.h)

use core::mem::size_of;
use kernel::{transmute::FromBytes, uapi};

/// Number of argument slots of a system call.
pub(crate) const ARGS: usize = 6;

/// Number of feeds an entry carries.
pub(crate) const FEEDS: usize = uapi::ASYNC_SYSCALL_FEEDS as usize;

/// The next entry is in this entry's chain.
pub(crate) const ENTRY_LINK: u32 = uapi::ASYNC_SYSCALL_ENTRY_LINK;

/// The flag that says feed `k` is used, for each `k`.
pub(crate) const ENTRY_FEED: [u32; FEEDS] = [
    uapi::ASYNC_SYSCALL_ENTRY_FEED0,
    uapi::ASYNC_SYSCALL_ENTRY_FEED1,
];

/// Every entry flag this kernel knows.
pub(crate) const ENTRY_KNOWN_FLAGS: u32 =
    ENTRY_LINK | uapi::ASYNC_SYSCALL_ENTRY_FEED0 | uapi::ASYNC_SYSCALL_ENTRY_FEED1;

/// Run the entries in the calling thread.
pub(crate) const SUBMIT_BATCH: u32 = uapi::ASYNC_SUBMIT_BATCH;

/// Every submit flag this kernel knows.
pub(crate) const SUBMIT_KNOWN_FLAGS: u32 = SUBMIT_BATCH;

/// Most entries one call takes.
pub(crate) const MAX_ENTRIES: u32 = uapi::ASYNC_SUBMIT_MAX_ENTRIES;

/// Size of the entry this kernel knows.
pub(crate) const ENTRY_SIZE_VER0: usize = uapi::ASYNC_SYSCALL_ENTRY_SIZE_VER0 as usize;

/// A `struct async_syscall_entry` as user space wrote it, not yet checked.
#[repr(transparent)]
pub(crate) struct EntryDesc(pub(crate) uapi::async_syscall_entry);

// SAFETY: `struct async_syscall_entry` has only integer fields and no padding (checked below), so
// every byte pattern is a valid value.
unsafe impl FromBytes for EntryDesc {}

const _: () = assert!(size_of::<EntryDesc>() == ENTRY_SIZE_VER0);
const _: () = assert!(size_of::<uapi::async_syscall_feed>() * FEEDS == 16);
