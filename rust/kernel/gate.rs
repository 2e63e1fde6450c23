// SPDX-License-Identifier: GPL-2.0

//! A gate that users enter while it is open, and that its owner closes and drains: the shape of
//! an unregistration that waits for the operations in flight.
//!
//! The gate's lock guards its data `T`, and other objects through
//! `LockedBy<_, GateState<T>>` on [`Gate::mutex`].

use core::ops::{Deref, DerefMut};
use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{CondVar, Mutex, MutexGuard},
};

/// A gate with data `T`; closed until [`GateGuard::open`].
#[pin_data]
pub(crate) struct Gate<T: Unpin> {
    #[pin]
    state: Mutex<GateState<T>>,
    #[pin]
    drained: CondVar,
}

/// What the lock of a [`Gate`] guards.
pub(crate) struct GateState<T> {
    open: bool,
    users: u32,
    /// The data.
    pub(crate) data: T,
}

impl<T> GateState<T> {
    /// Whether users may enter.
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }
}

impl<T: Unpin> Gate<T> {
    /// A closed gate with `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Self {
            state <- new_mutex!(GateState {
                open: false,
                users: 0,
                data,
            }),
            drained <- new_condvar!(),
        })
    }

    /// The lock, for `LockedBy`.
    pub(crate) fn mutex(&self) -> &Mutex<GateState<T>> {
        &self.state
    }

    /// Takes the lock.
    pub(crate) fn lock(&self) -> GateGuard<'_, T> {
        GateGuard {
            gate: self,
            guard: self.state.lock(),
        }
    }

    /// Waits until no user is inside; called once the gate is closed, so none can enter.
    pub(crate) fn drain(&self) {
        let mut g = self.state.lock();
        while g.users != 0 {
            self.drained.wait(&mut g);
        }
    }
}

/// The lock of a [`Gate`], held.
pub(crate) struct GateGuard<'a, T: Unpin> {
    gate: &'a Gate<T>,
    guard: MutexGuard<'a, GateState<T>>,
}

impl<'a, T: Unpin> GateGuard<'a, T> {
    /// Enters the gate; `ENODEV` if it is closed.
    pub(crate) fn enter(&mut self) -> Result<GateUser<'a, T>> {
        if !self.open {
            return Err(ENODEV);
        }
        self.users += 1;
        Ok(GateUser {
            gate: self.gate,
            left: false,
        })
    }

    /// Opens the gate.
    pub(crate) fn open(&mut self) {
        self.open = true;
    }

    /// Closes the gate: no user enters any more; [`Gate::drain`] waits for those inside.
    pub(crate) fn close(&mut self) {
        self.open = false;
    }
}

impl<T: Unpin> Deref for GateGuard<'_, T> {
    type Target = GateState<T>;

    fn deref(&self) -> &GateState<T> {
        &self.guard
    }
}

impl<T: Unpin> DerefMut for GateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut GateState<T> {
        &mut self.guard
    }
}

/// A user inside a [`Gate`]; leaves when dropped, or with [`Self::leave`] under the lock.
pub(crate) struct GateUser<'a, T: Unpin> {
    gate: &'a Gate<T>,
    left: bool,
}

impl<'a, T: Unpin> GateUser<'a, T> {
    /// The gate this user is inside.
    pub(crate) fn gate(&self) -> &'a Gate<T> {
        self.gate
    }

    /// Leaves, with the lock of the gate held as `g`.
    pub(crate) fn leave(mut self, g: &mut GateGuard<'_, T>) {
        if kernel::warn_on!(!core::ptr::eq(g.gate, self.gate)) {
            return;
        }
        Self::leave_locked(self.gate, g);
        self.left = true;
    }

    fn leave_locked(gate: &Gate<T>, g: &mut GateState<T>) {
        g.users -= 1;
        if g.users == 0 && !g.open {
            gate.drained.notify_all();
        }
    }
}

impl<T: Unpin> Drop for GateUser<'_, T> {
    fn drop(&mut self) {
        if !self.left {
            Self::leave_locked(self.gate, &mut self.gate.state.lock());
        }
    }
}
