// SPDX-License-Identifier: GPL-2.0

//! Abstractions that are `rust/kernel/` files in tree, as the core uses them: kobjects with
//! sysfs attributes, the `mdev` bus side of `include/linux/mdev.h`, a gate and a count of live
//! objects. Vendor drivers use `mdev.rs`, the vendor API, with `live_count.rs`. Out of tree,
//! `bindings.rs`, `compat.rs` and `device.rs` stand in for what the kernel crate has in tree.

pub(crate) mod bindings;
pub(crate) mod compat;
pub(crate) mod device;
pub(crate) mod gate;
pub(crate) mod kobject;
pub(crate) mod live_count;
pub(crate) mod mdev_bus;
pub(crate) mod mdev_vendor;
