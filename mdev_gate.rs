// SPDX-License-Identifier: GPL-2.0

//! A parent's registration and its gate: creates and removes enter it while it is open, and
//! unregistration closes it and waits for them to leave.

use crate::rust_kernel::{
    gate::{Gate, GateState, GateUser},
    kobject::ClassLinks,
    mdev_bus as mdev,
    mdev_vendor::{dev_info_const, DrvInfo, VendorDriver, VendorTypes},
};
use crate::{
    mdev_device::MdevCore,
    mdev_sysfs::{TypeDirs, TypeLinks},
};
use core::{ptr, sync::atomic::AtomicU32};
use kernel::{device::Device, prelude::*, sync::aref::ARef};

/// What create and remove see of a registration while it lasts; a clone holds its own
/// reference to the parent.
#[derive(Clone)]
pub(crate) struct RegView {
    /// The core's own reference to the parent.
    pub(crate) dev: ARef<Device>,
    pub(crate) drv: VendorDriver,
    pub(crate) types: VendorTypes,
}

/// The gate of a registration: its lock guards the view, and the parent's devices'
/// [`MdevCore::listed`].
pub(crate) type RegGate = Gate<Option<RegView>>;
/// A create or remove inside a registration's gate: unregistration waits for it.
pub(crate) type RegUser<'a> = GateUser<'a, Option<RegView>>;
/// What the gate's lock guards.
pub(crate) type RegState = GateState<Option<RegView>>;

/// A parent registration, with the state shared by its type directories and its mdev devices.
///
/// Its only vendor pointers and its reference to the parent device are in the gate's view, which
/// unregistration clears, so the objects whose release may be delayed never touch vendor memory.
#[pin_data]
pub(crate) struct ParentShared {
    /// Open from the end of registration to the start of unregistration; holds the view.
    #[pin]
    pub(crate) gate: RegGate,
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

impl ParentShared {
    /// A closed registration of `view`.
    pub(crate) fn new(
        view: RegView,
        info: DrvInfo,
        key: usize,
    ) -> Result<impl PinInit<Self, Error>> {
        let dev = ptr::from_ref::<Device>(&view.dev) as usize;
        let types = TypeDirs::new(view.types.len())?;
        Ok(try_pin_init!(Self {
            counted: info.counted,
            described: info.described,
            avail: AtomicU32::new(info.max_instances),
            gate <- Gate::new(Some(view)),
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
    /// section; returns the user with what `f` returned. If `f` fails, the gate is left.
    pub(crate) fn enter_with<T>(
        &self,
        f: impl FnOnce(&RegUser<'_>, &RegView) -> Result<T>,
    ) -> Result<(RegUser<'_>, T)> {
        let mut g = self.gate.lock();
        let user = g.enter()?;
        match g.data.as_ref().ok_or(ENODEV).and_then(|v| f(&user, v)) {
            Ok(t) => Ok((user, t)),
            Err(e) => {
                user.leave(&mut g);
                Err(e)
            }
        }
    }

    /// Lists a created device, marks it active and leaves the gate, in one critical section.
    pub(crate) fn finish_create(&self, user: RegUser<'_>, dev: &ARef<Device>, core: &MdevCore) {
        let mut g = self.gate.lock();
        *core.listed.access_mut(&mut g) = Some(dev.clone());
        mdev::set_active(dev, true);
        user.leave(&mut g);
    }

    /// Marks `dev` inactive, enters the gate and takes `dev` off the device list, for its
    /// removal; the errors are the C core's: `ENODEV` once unregistration has begun, which
    /// removes the device, else `EAGAIN` while another remove has it or it is not yet listed.
    pub(crate) fn enter_take(
        &self,
        dev: &Device,
        core: &MdevCore,
    ) -> Result<(RegUser<'_>, ARef<Device>)> {
        let mut g = self.gate.lock();
        if !g.is_open() {
            return Err(ENODEV);
        }
        if !mdev::active(dev) {
            return Err(EAGAIN);
        }
        mdev::set_active(dev, false);
        let dev = core.listed.access_mut(&mut g).take().ok_or(ENODEV)?;
        Ok((g.enter()?, dev))
    }

    /// Takes a device of this registration, with state `core`, off the list for its removal
    /// by unregistration, and marks it inactive; `None` if a remove took it.
    pub(crate) fn take_device(&self, core: &MdevCore) -> Option<ARef<Device>> {
        let dev = core.listed.access_mut(&mut self.gate.lock()).take();
        dev.inspect(|d| mdev::set_active(d, false))
    }

    /// The registration, for attribute reads.
    pub(crate) fn view(&self) -> Result<RegView> {
        self.gate.lock().data.clone().ok_or(ENODEV)
    }

    /// Closes the gate and, while registered, announces the unregistration and removes the
    /// compat class link.
    pub(crate) fn close(&self, compat: Option<&ClassLinks>) {
        let mut g = self.gate.lock();
        g.close();
        if let Some(v) = g.data.as_ref() {
            dev_info_const!(&v.dev, c"MDEV: Unregistering\n");
            if let Some(c) = compat {
                c.remove_link(&v.dev);
            }
        }
    }

    /// References that keep type `i`'s directory alive for a device being created by `user`,
    /// inside this registration's gate; `None` if there is no such type.
    pub(crate) fn links(&self, i: usize, user: &RegUser<'_>) -> Option<TypeLinks> {
        // While `user` is inside, the directories stay registered (they are removed once the
        // gate is drained).
        ptr::eq(user.gate(), &self.gate).then(|| self.types.links(i))?
    }
}
