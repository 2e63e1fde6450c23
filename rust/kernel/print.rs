// SPDX-License-Identifier: GPL-2.0

//! Printing a constant message as C does.

use super::bindings;
use kernel::{device::Device, prelude::*, str::CStrExt};

/// `dev_info(dev, msg)` of a constant message, printed without the formatting machinery of
/// `dev_info!` (a registration prints two such lines; `make bench` counts the difference). The
/// message must hold no `%`, which the macro checks at build time.
macro_rules! dev_info_const {
    ($dev:expr, $msg:literal) => {{
        const MSG: &::core::ffi::CStr = $msg;
        const _: () = assert!(!$crate::rust_kernel::print::has_conversion(MSG));
        // SAFETY: `MSG` holds no `%` (asserted above).
        unsafe { $crate::rust_kernel::print::dev_info_plain($dev, MSG) }
    }};
}
pub(crate) use dev_info_const;

/// Whether `s` holds a `%`, which `printk()` would read as a conversion.
pub(crate) const fn has_conversion(s: &CStr) -> bool {
    let b = s.to_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            return true;
        }
        i += 1;
    }
    false
}

/// Prints `msg` with `_dev_info()`; use [`dev_info_const!`], which checks the message.
///
/// # Safety
///
/// `msg` holds no `%`.
#[doc(hidden)]
pub(crate) unsafe fn dev_info_plain(dev: &Device, msg: &'static CStr) {
    let raw = super::device::raw_dev(dev);
    // SAFETY: `raw` is a valid device; `msg` is a C string without a conversion (caller
    // guarantee), so the format reads no argument.
    unsafe { bindings::_dev_info(raw, msg.as_char_ptr()) }
}
