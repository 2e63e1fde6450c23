// SPDX-License-Identifier: GPL-2.0

//! `MDEV_STATE` uevents on the parent device.

use crate::mdev_abi::raw_dev;
use core::ptr;
use kernel::{bindings, device::Device, ffi::c_char, prelude::*, str::CStrExt, sync::aref::ARef};

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
    #[cfg(MDEV_RS_KUNIT)]
    if kernel::kunit::in_kunit_test() {
        tests_hook::record(dev, state);
    }
    let mut envp: [*mut c_char; 2] = [state.env().as_char_ptr().cast_mut(), ptr::null_mut()];
    // SAFETY: `dev` is valid while the reference is held; `envp` is a NULL-terminated array of
    // C strings that outlives the call, which only reads (copies) them.
    unsafe {
        bindings::kobject_uevent_env(
            &raw mut (*raw_dev(dev)).kobj,
            bindings::kobject_action_KOBJ_CHANGE,
            envp.as_mut_ptr(),
        )
    };
}

/// Records what [`send`] saw, for the KUnit tests.
#[cfg(MDEV_RS_KUNIT)]
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

    pub(super) fn record(dev: &ARef<Device>, state: State) {
        *LAST.lock() = Some(Seen {
            dev: raw_dev(dev) as usize,
            state,
            refs: crate::mdev_abi::kref_read(dev),
        });
    }

    /// Takes the last recorded event.
    pub(crate) fn take() -> Option<Seen> {
        LAST.lock().take()
    }
}
