// SPDX-License-Identifier: GPL-2.0

//! `MDEV_STATE` uevents on the parent device.

use crate::rust_kernel::kobject::uevent_change;
use kernel::{device::Device, prelude::*, sync::aref::ARef};

/// The state announced by a `KOBJ_CHANGE` uevent on a parent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// The types and the `mdev_bus` link exist.
    Registered,
    /// Every child and every type directory is gone.
    Unregistered,
}

impl State {
    /// The environment entry added to the uevent.
    pub(crate) fn env(self) -> &'static CStr {
        match self {
            State::Registered => c"MDEV_STATE=registered",
            State::Unregistered => c"MDEV_STATE=unregistered",
        }
    }
}

/// Sends `change` with `MDEV_STATE=<state>` on `dev`.
///
/// Taking `&ARef<Device>` rather than `&Device` makes the caller prove it holds its own counted
/// reference, so the parent cannot be freed while the event is built, whatever the vendor driver
/// has done with its references. As in the C core, a failure to send is not reported.
pub(crate) fn send(dev: &ARef<Device>, state: State) {
    #[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
    if kernel::kunit::in_kunit_test() {
        tests_hook::record(dev, state);
    }
    uevent_change(dev, state.env());
}

/// Records what [`send`] saw, for the KUnit tests.
#[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
pub(crate) mod tests_hook {
    use super::*;

    /// One observed event: device, state and the device's reference count at send time.
    #[derive(Clone, Copy)]
    pub(crate) struct Seen {
        /// The device the event was sent on.
        pub(crate) dev: usize,
        /// The announced state.
        pub(crate) state: State,
        /// `kref_read()` of the device while sending.
        pub(crate) refs: u32,
    }

    kernel::sync::global_lock! {
        // SAFETY: Initialised in module init before any event is sent.
        pub(crate) unsafe(uninit) static LAST: Mutex<Option<Seen>> = None;
    }

    /// Initialises the record, in module init.
    pub(crate) fn init() {
        // SAFETY: Called once, before any event is sent.
        unsafe { LAST.init() };
    }

    pub(super) fn record(dev: &ARef<Device>, state: State) {
        *LAST.lock() = Some(Seen {
            dev: core::ptr::from_ref::<Device>(dev) as usize,
            state,
            refs: crate::rust_kernel::mdev_vendor::kref_read(dev),
        });
    }

    /// Takes the last recorded event.
    pub(crate) fn take() -> Option<Seen> {
        LAST.lock().take()
    }
}
