// SPDX-License-Identifier: GPL-2.0

//! Synchronisation primitives missing from `kernel::sync`.

use super::bindings;

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
