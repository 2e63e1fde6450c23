// SPDX-License-Identifier: GPL-2.0

//! A parent's registration and its gate: creates and removes enter it while it is open, and
//! unregistration closes it and waits for them to leave.

use crate::{
    mdev_device::{set_active, MdevCore},
    mdev_sysfs::TypeDirs,
    rust_kernel::{
        kobject::CompatClass,
        mdev_bus as mdev,
        mdev_vendor::{DrvInfo, VendorDriver, VendorTypes},
        print::dev_info_const,
    },
};
use core::sync::atomic::AtomicU32;
use kernel::{
    device::Device,
    new_condvar, new_mutex,
    prelude::*,
    sync::{aref::ARef, CondVar, Mutex},
};

/// What create and remove see of a registration while it lasts; a clone holds its own
/// reference to the parent.
#[derive(Clone)]
pub(crate) struct RegView {
    /// The core's own reference to the parent.
    pub(crate) dev: ARef<Device>,
    pub(crate) drv: VendorDriver,
    pub(crate) types: VendorTypes,
}

/// The unregistration gate of a parent, with everything it protects; its lock also guards
/// [`MdevCore::listed`] of the parent's devices.
pub(crate) struct Gate {
    /// Set once registration is complete and cleared when unregistration starts: creates and
    /// removes outside fail with `ENODEV`.
    pub(crate) open: bool,
    /// Creates and removes in progress.
    pub(crate) users: u32,
    /// The registration, while it lasts.
    pub(crate) view: Option<RegView>,
}

/// A parent registration, with the state shared by its type directories and its mdev devices.
///
/// Its only vendor pointers and its reference to the parent device are in the gate's view, which
/// unregistration clears, so the objects whose release may be delayed never touch vendor memory.
#[pin_data]
pub(crate) struct ParentShared {
    #[pin]
    pub(crate) gate: Mutex<Gate>,
    #[pin]
    pub(crate) drained: CondVar,
    /// Instances left when the core counts them (driver without `get_available`).
    pub(crate) avail: AtomicU32,
    /// The core counts instances (the driver has no `get_available`).
    pub(crate) counted: bool,
    /// The driver describes its types (`description` exists).
    pub(crate) described: bool,
    /// Registry key of the registration (the vendor's `struct mdev_parent`).
    pub(crate) key: usize,
    /// Address of the parent device, the key in `Registry::by_dev`.
    pub(crate) dev: usize,
    /// `mdev_supported_types` and the type directories.
    #[pin]
    pub(crate) types: TypeDirs,
}

/// Proof of a create or remove in progress on an open gate: unregistration waits for it
/// before removing devices and type directories.
pub(crate) struct GateUser<'a> {
    shared: &'a ParentShared,
    /// Already left, with the gate lock held for something else.
    left: bool,
}

impl<'a> GateUser<'a> {
    /// The registration whose gate this user entered.
    pub(crate) fn shared(&self) -> &'a ParentShared {
        self.shared
    }

    /// Leaves the gate, under its lock.
    pub(crate) fn leave(&mut self, g: &mut Gate) {
        g.users -= 1;
        if g.users == 0 && !g.open {
            self.shared.drained.notify_all();
        }
        self.left = true;
    }

    /// Lists a created device, marks it active and leaves the gate, in one critical section.
    pub(crate) fn finish_create(&mut self, dev: &ARef<Device>, core: &MdevCore) {
        let shared = self.shared;
        let mut g = shared.gate.lock();
        *core.listed.access_mut(&mut g) = Some(dev.clone());
        set_active(dev, true);
        self.leave(&mut g);
    }
}

impl Drop for GateUser<'_> {
    fn drop(&mut self) {
        if !self.left {
            let shared = self.shared;
            let mut g = shared.gate.lock();
            self.leave(&mut g);
        }
    }
}

impl ParentShared {
    /// A closed registration of `view`.
    pub(crate) fn new(
        view: RegView,
        info: DrvInfo,
        key: usize,
    ) -> Result<impl PinInit<Self, Error>> {
        let dev = mdev::raw_dev(&view.dev) as usize;
        let types = TypeDirs::new(view.types.len())?;
        Ok(try_pin_init!(Self {
            counted: info.counted,
            described: info.described,
            avail: AtomicU32::new(info.max_instances),
            gate <- new_mutex!(Gate {
                open: false,
                users: 0,
                view: Some(view),
            }),
            drained <- new_condvar!(),
            key,
            dev,
            types <- types,
        }? Error))
    }

    /// The type directories, for [`mdev_sysfs`].
    pub(crate) fn type_dirs(&self) -> &TypeDirs {
        &self.types
    }

    /// Enters the gate, failing with `ENODEV` unless the parent is registered and not being
    /// unregistered (never blocks), and runs `f` on the registration in the same critical
    /// section; returns the proof with what `f` returned. If `f` fails, the gate is left.
    pub(crate) fn enter_with<T>(
        &self,
        f: impl FnOnce(&GateUser<'_>, &RegView) -> Result<T>,
    ) -> Result<(GateUser<'_>, T)> {
        let mut g = self.gate.lock();
        let view = match &g.view {
            Some(v) if g.open => v.clone(),
            _ => return Err(ENODEV),
        };
        g.users += 1;
        let mut user = GateUser {
            shared: self,
            left: false,
        };
        match f(&user, &view) {
            Ok(t) => Ok((user, t)),
            Err(e) => {
                user.leave(&mut g);
                Err(e)
            }
        }
    }

    /// Marks `dev` inactive, enters the gate and takes `dev` off the device list, for its
    /// removal; the errors and their order are the C core's.
    pub(crate) fn enter_take(
        &self,
        dev: &Device,
        core: &MdevCore,
    ) -> Result<(GateUser<'_>, ARef<Device>)> {
        let mut g = self.gate.lock();
        // Not yet listed, or already taken by another remove or by unregistration.
        if !mdev::active(dev) {
            return Err(EAGAIN);
        }
        set_active(dev, false);
        if !g.open {
            // Unregistration, which has closed the gate, removes it.
            return Err(ENODEV);
        }
        let dev = core.listed.access_mut(&mut g).take().ok_or(ENODEV)?;
        g.users += 1;
        let user = GateUser {
            shared: self,
            left: false,
        };
        Ok((user, dev))
    }

    /// Takes a device of this registration, with state `core`, off the list for its removal
    /// by unregistration, and marks it inactive; `None` if a remove took it.
    pub(crate) fn take_device(&self, core: &MdevCore) -> Option<ARef<Device>> {
        let mut g = self.gate.lock();
        let dev = core.listed.access_mut(&mut g).take();
        dev.inspect(|d| set_active(d, false))
    }

    /// The registration, for attribute reads.
    pub(crate) fn view(&self) -> Result<RegView> {
        self.gate.lock().view.clone().ok_or(ENODEV)
    }

    /// Closes the gate and, while registered, announces the unregistration and removes the
    /// compat class link.
    pub(crate) fn close(&self, compat: Option<&CompatClass>) {
        let mut g = self.gate.lock();
        g.open = false;
        if let Some(v) = g.view.as_ref() {
            dev_info_const!(&v.dev, c"MDEV: Unregistering\n");
            if let Some(c) = compat {
                c.remove_link(&v.dev);
            }
        }
    }

    /// Waits for the creates and removes in flight once the gate is closed.
    pub(crate) fn drain(&self) {
        let mut g = self.gate.lock();
        while g.users != 0 {
            self.drained.wait(&mut g);
        }
    }
}
