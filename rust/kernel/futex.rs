// SPDX-License-Identifier: GPL-2.0

//! Futex words in user memory.
//!
//! C header: [`include/linux/futex.h`](srctree/include/linux/futex.h)

use crate::{
    error::{to_result, Error, Result},
    uaccess::UserPtr,
};

/// An atomic read-modify-write of a futex word, as `FUTEX_WAKE_OP` makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicOp {
    /// `word = operand`.
    Set,
    /// `word += operand`, wrapping.
    Add,
    /// `word |= operand`.
    Or,
    /// `word &= !operand`.
    AndNot,
    /// `word ^= operand`.
    Xor,
}

impl AtomicOp {
    /// The `FUTEX_OP_*` code of the operation.
    fn code(self) -> u32 {
        match self {
            AtomicOp::Set => bindings::FUTEX_OP_SET,
            AtomicOp::Add => bindings::FUTEX_OP_ADD,
            AtomicOp::Or => bindings::FUTEX_OP_OR,
            AtomicOp::AndNot => bindings::FUTEX_OP_ANDN,
            AtomicOp::Xor => bindings::FUTEX_OP_XOR,
        }
    }
}

/// Applies `op` with `operand` to the futex word at `addr` in the current task's address space,
/// atomically, and returns the word's value before.
///
/// The update is one atomic read-modify-write of the word, so it is never lost against a user
/// thread that updates the word with atomic instructions (a waiter setting a bit, say). It is not
/// ordered against the caller's other memory accesses: use explicit barriers for that. A page
/// that is not present is faulted in without changing the word, and the update retried.
///
/// Returns `EINVAL` if `addr` is not aligned to four bytes, `EFAULT` if the word cannot be
/// written, and `EINTR` if a fatal signal arrived while a fault was being resolved.
///
/// Context: process context; may sleep.
pub fn atomic_op(addr: UserPtr, op: AtomicOp, operand: u32) -> Result<u32> {
    let mut old = 0u32;
    // The operation codes are small constants and the C function takes them as an `int`.
    let code = op.code() as i32;
    // SAFETY: `futex_atomic_op_user()` checks the alignment of `addr` and that it is a user
    // address, accesses it only through the user-access primitives, which handle faults, and
    // writes `old` only; `&mut old` is valid for writes.
    to_result(unsafe {
        bindings::futex_atomic_op_user(addr.as_mut_ptr().cast(), code, operand, &mut old)
    })?;
    Ok(old)
}

/// Wakes up to `count` waiters of the process-private futex word at `addr`, as
/// `FUTEX_WAKE_PRIVATE` does, and returns how many were woken.
///
/// The waiters are those of the current task's address space, which must be the one `addr`
/// belongs to. The word itself is neither read nor written: the caller publishes the change that
/// the waiters wait for first, with an ordering that pairs with theirs.
pub fn wake_private(addr: UserPtr, count: u32) -> Result<u32> {
    // The futex op fits its C type.
    let op = (bindings::FUTEX_WAKE | bindings::FUTEX_PRIVATE_FLAG) as i32;
    // SAFETY: `FUTEX_WAKE` reads neither the timeout nor the second address, so null pointers are
    // fine there; `addr` is only hashed and checked by the futex code, never dereferenced.
    let ret = unsafe {
        bindings::do_futex(
            addr.as_mut_ptr().cast(),
            op,
            count,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            0,
            0,
        )
    };
    if ret < 0 {
        // A negative return of `do_futex()` is an errno, which fits in an `i32`.
        return Err(Error::from_errno(ret as i32));
    }
    // The number woken is at most `count`.
    Ok(ret as u32)
}
