// SPDX-License-Identifier: GPL-2.0

//! Abstractions that are `rust/kernel/` files in tree, as the core uses them: the bindings,
//! kobjects with sysfs attributes,
//! the `mdev` bus side of `include/linux/mdev.h` and synchronisation. Vendor drivers use
//! `mdev.rs`, the vendor API, with the bindings and `sync.rs`.

pub(crate) mod bindings;
pub(crate) mod device;
pub(crate) mod gate;
pub(crate) mod kobject;
pub(crate) mod mdev_bus;
pub(crate) mod mdev_vendor;
pub(crate) mod print;
pub(crate) mod sync;
