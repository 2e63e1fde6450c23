// SPDX-License-Identifier: GPL-2.0

//! Out of tree only: what the kernel crate of Linux 7.3 has and that of 7.2 lacks, for the
//! kernel the modules are built for (Kbuild sets `MDEV_RS_KERNEL_7_2`), and what the in-tree
//! series adds to the driver core.

use super::bindings;
use super::device::RawDevice as _;
use core::ptr::NonNull;
use kernel::{device::Device, error::to_result, prelude::*};

#[cfg(not(MDEV_RS_KERNEL_7_2))]
#[allow(unused_imports)]
pub(crate) use kernel::error::code::{EALREADY, EUSERS};

/// An errno that Linux 7.2's `kernel::error::code` lacks; `?` makes it an [`Error`].
#[cfg(MDEV_RS_KERNEL_7_2)]
pub(crate) struct Errno(u32);

#[cfg(MDEV_RS_KERNEL_7_2)]
impl From<Errno> for kernel::error::Error {
    fn from(e: Errno) -> Self {
        Self::from_errno(-(e.0 as i32))
    }
}

/// `EALREADY`.
#[cfg(MDEV_RS_KERNEL_7_2)]
#[allow(dead_code)]
pub(crate) const EALREADY: Errno = Errno(kernel::bindings::EALREADY);

/// `EUSERS`.
#[cfg(MDEV_RS_KERNEL_7_2)]
#[allow(dead_code)]
pub(crate) const EUSERS: Errno = Errno(kernel::bindings::EUSERS);

/// `/sys/class/<name>`, holding links to devices of other classes and buses named after them.
/// In tree, a class registered with the driver core and `class_add_link()`, which the series
/// adds (`intree/kobject-class-links.rs`); out of tree, a `class_compat`, the only exported
/// way to make such links.
pub(crate) struct LinkClass(&'static CStr);

impl LinkClass {
    /// The class `name`, not yet registered.
    pub(crate) const fn new(name: &'static CStr) -> Self {
        Self(name)
    }

    /// Registers the class; the result unregisters it when dropped.
    pub(crate) fn register(&'static self) -> Result<ClassLinks> {
        // SAFETY: `name` is a static C string.
        let c = unsafe { bindings::class_compat_register(self.0.as_char_ptr()) };
        // INVARIANT: Non-NULL results are registered.
        Ok(ClassLinks(NonNull::new(c).ok_or(ENOMEM)?))
    }
}

/// A registered [`LinkClass`].
///
/// # Invariants
///
/// `self.0` was returned by `class_compat_register()`.
pub(crate) struct ClassLinks(NonNull<bindings::class_compat>);

// SAFETY: The compat class serialises link creation in sysfs.
unsafe impl Send for ClassLinks {}
// SAFETY: As above.
unsafe impl Sync for ClassLinks {}

impl ClassLinks {
    /// Creates the link `<class>/<dev_name(dev)>`.
    pub(crate) fn create_link(&self, dev: &Device) -> Result {
        // SAFETY: The class is registered and `dev` is valid.
        to_result(unsafe { bindings::class_compat_create_link(self.0.as_ptr(), dev.as_raw()) })
    }

    /// Removes the link of `dev`, if any.
    pub(crate) fn remove_link(&self, dev: &Device) {
        // SAFETY: The class is registered and `dev` is valid.
        unsafe { bindings::class_compat_remove_link(self.0.as_ptr(), dev.as_raw()) }
    }
}

impl Drop for ClassLinks {
    fn drop(&mut self) {
        // SAFETY: Registered by `register()` (type invariants).
        unsafe { bindings::class_compat_unregister(self.0.as_ptr()) }
    }
}
