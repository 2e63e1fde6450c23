// SPDX-License-Identifier: GPL-2.0

//! VFIO mediated device (mdev) core: parent registry, `MDEV_STATE` uevents, sysfs ABI and the
//! lifecycle of mdev devices; a drop-in for the C core of `drivers/vfio/mdev`.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)

//! # Layout
//!
//! The core's ideas, one module each: [`mdev_uuid`] (what `create` and `remove` accept, the
//! index by UUID), [`mdev_registry`] (parents), [`mdev_gate`] (a registration and the gate that
//! orders creates and removes against unregistration), [`mdev_device`] (the lifecycle of mdev
//! devices), [`mdev_sysfs`] (the core's sysfs objects) and [`mdev_uevent`]. They use the
//! abstractions under `rust/kernel/`, which name no core item: the `mdev` bus, kobjects with
//! attributes, the vendor structures of `include/linux/mdev.h`.
//!
//! # Lock order
//!
//! `REGISTRY` (parents), then a parent's gate lock (which also guards the devices it lists),
//! then `INDEX` (UUIDs and instances). The callbacks of the core's sysfs files take the gate
//! and `INDEX`, never `REGISTRY`; sysfs objects are removed with no gate lock held, since their
//! removal waits for running callbacks. Device releases take `INDEX` only.

mod mdev_device;
mod mdev_gate;
#[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
mod mdev_kunit;
mod mdev_registry;
mod mdev_sysfs;
mod mdev_uevent;
mod mdev_uuid;
#[path = "rust/kernel/mod.rs"] // out-of-tree only
mod rust_kernel; // out-of-tree only

use crate::rust_kernel::mdev_bus::Bus;
use kernel::prelude::*;
use mdev_device::MdevCore;

crate::rust_kernel::mdev_vendor::module_mdev_core! {
    type: MdevModule,
    name: "mdev_rs",
    authors: ["mdev-rs developers"],
    description: "VFIO mediated device core (Rust)",
    license: "GPL",
    alias: ["mdev"],
}

crate::rust_kernel::mdev_vendor::export_mdev_abi!(mdev_registry::Parents);

struct MdevModule {
    /// Dropped last, once every device is released.
    _bus: Bus<MdevCore>,
}

impl kernel::Module for MdevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        mdev_device::init();
        mdev_registry::init();
        #[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
        mdev_uevent::tests_hook::init();
        let bus = Bus::register()?;
        mdev_registry::add_compat_class()?;
        pr_info!("mdev core (Rust) loaded\n");
        Ok(MdevModule { _bus: bus })
    }
}

impl Drop for MdevModule {
    fn drop(&mut self) {
        // Parents left registered are a vendor bug; they are unregistered as the vendor should
        // have done.
        mdev_registry::exit();
        // Releases of devices and type directories may be delayed; they run module code.
        mdev_device::wait_released();
    }
}
