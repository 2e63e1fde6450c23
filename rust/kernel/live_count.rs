// SPDX-License-Identifier: GPL-2.0

//! Synchronisation primitives missing from `kernel::sync`.

use core::{
    ptr,
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{bindings, sync::Completion};

/// A count of objects whose release runs code of its owner (a module, a registration), so the
/// owner can wait for the last release before that code or memory goes away.
///
/// # Invariants
///
/// `count` is one (the owner's) plus the objects counted, until [`Self::wait`] drops the
/// owner's; `waiter` is set before that, to a completion that `wait()` waits on.
pub(crate) struct LiveCount {
    count: AtomicUsize,
    waiter: AtomicPtr<Completion>,
}

impl LiveCount {
    /// A count with only the owner's.
    pub(crate) const fn new() -> Self {
        // INVARIANT: The owner's count.
        Self {
            count: AtomicUsize::new(1),
            waiter: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Counts an object.
    pub(crate) fn get(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops an object's count, as the last action of its release.
    pub(crate) fn put(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            let waiter = self.waiter.load(Ordering::Acquire);
            // SAFETY: Zero is reached only after `wait()` dropped the owner's count, having set
            // `waiter` to the completion it waits on until this call completes it.
            if let Some(c) = unsafe { waiter.as_ref() } {
                c.complete_all();
            }
        }
    }

    /// Drops the owner's count and waits for the last release, then for every task to have
    /// left the code of a release. Called once.
    pub(crate) fn wait(&self) {
        pin_init::stack_pin_init!(let done = Completion::new());
        self.waiter
            .store(ptr::from_ref(&*done).cast_mut(), Ordering::Release);
        if self.count.fetch_sub(1, Ordering::AcqRel) != 1 {
            done.wait_for_completion();
        }
        self.waiter.store(ptr::null_mut(), Ordering::Relaxed);
        synchronize_rcu_tasks();
    }
}

/// Waits until every task has passed a voluntary context switch or user mode: none is still
/// running, or preempted in, code it was running before (`synchronize_rcu_tasks()`; without
/// Tasks RCU, in a kernel without full preemption, `synchronize_rcu()` gives the same).
pub(crate) fn synchronize_rcu_tasks() {
    #[cfg(CONFIG_TASKS_RCU)]
    // SAFETY: No preconditions; may sleep, as its callers may.
    unsafe {
        bindings::synchronize_rcu_tasks()
    };
    #[cfg(not(CONFIG_TASKS_RCU))]
    // SAFETY: As above.
    unsafe {
        bindings::synchronize_rcu()
    };
}
