// SPDX-License-Identifier: GPL-2.0

//! Out of tree only: what the kernel crate of Linux 7.3 has and that of 7.2 lacks, for the
//! kernel the modules are built for (Kbuild sets `MDEV_RS_KERNEL_7_2`).

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
