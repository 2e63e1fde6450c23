// SPDX-License-Identifier: GPL-2.0

//! What out-of-tree code needs of `kernel::device` beyond its public API.

use super::bindings;
use kernel::device::Device;

/// The raw `struct device` behind a [`Device`] (`Device::as_raw()` is `pub(crate)` in 7.3).
pub(crate) fn raw_dev(dev: &Device) -> *mut bindings::device {
    // CAST: `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>` (plus a ZST), and
    // `Opaque` allows mutation through a shared reference.
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
}
