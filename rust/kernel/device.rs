// SPDX-License-Identifier: GPL-2.0

//! Out of tree only: what the abstractions need of `kernel::device` beyond its public API. In
//! tree they are part of the kernel crate and call `Device::as_raw()` itself.

use super::bindings;
use kernel::device::Device;

/// [`Device::as_raw()`], which is `pub(crate)` in the kernel crate; the inherent method, where
/// visible, takes precedence.
pub(crate) trait RawDevice {
    /// The raw `struct device`.
    fn as_raw(&self) -> *mut bindings::device;
}

impl RawDevice for Device {
    fn as_raw(&self) -> *mut bindings::device {
        // CAST: `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>` (plus a ZST),
        // and `Opaque` allows mutation through a shared reference.
        core::ptr::from_ref(self)
            .cast::<bindings::device>()
            .cast_mut()
    }
}
