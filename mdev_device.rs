// SPDX-License-Identifier: GPL-2.0

//! The lifecycle of mdev devices: create, remove, release, and the instance count.

use crate::rust_kernel::compat::EUSERS; // out-of-tree only
use crate::rust_kernel::{
    kobject::{SelfRemove, UeventEnv},
    live_count::LiveCount,
    mdev_bus::{self as mdev, Bus, DeviceState, Released},
};
use crate::{
    mdev_gate::{ParentShared, RegState},
    mdev_sysfs::{self, TypeLinks},
    mdev_uuid::{parse_remove, Uuid},
};
use core::{ptr, sync::atomic::Ordering};
use kernel::{
    device::Device,
    prelude::*,
    rbtree::{Entry, RBTree, RBTreeNodeReservation},
    sync::{aref::ARef, LockedBy},
};

/// Global index of mdev devices by UUID, across all parents.
///
/// An entry lives from `create` until the device is released, as in the C core, so a UUID is
/// busy until its last reference is gone.
pub(crate) struct Index {
    /// Accounted devices by UUID (its 16 bytes as one integer: a key compared in one step).
    pub(crate) uuids: Option<RBTree<u128, usize>>,
}

/// Core objects whose release may still run (devices, type directories): module exit waits
/// for the last.
pub(crate) static LIVE: LiveCount = LiveCount::new();

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    pub(crate) unsafe(uninit) static INDEX: Mutex<Index> = Index {
        uuids: None,
    };
}

/// The core state of one mdev device, stored in the device and dropped at its release.
pub(crate) struct MdevCore {
    /// The reference to its type directory, which keeps the registration alive.
    pub(crate) links: TypeLinks,
    /// The reference from `device_initialize()` while the device is listed (active), under the
    /// gate lock of its registration: whoever takes it removes the device.
    pub(crate) listed: LockedBy<Option<ARef<Device>>, RegState>,
}

impl DeviceState for MdevCore {
    /// Undoes a device's accounting: the UUID becomes free and, if the device was indexed, its
    /// instance comes back, which wakes the pollers of `available_instances`.
    fn released(r: &Released<'_, Self>) {
        let (shared, key) = (r.state().links.shared(), u128::from_ne_bytes(r.guid()));
        let mut idx = INDEX.lock();
        // Only the device that took the UUID gives it back, with its instance.
        let taken = idx.uuids.as_mut().and_then(|u| u.find_mut(&key));
        if let Some(t) = taken.filter(|t| *t.get() == r.addr()) {
            t.remove();
            if shared.counted {
                shared.avail.fetch_add(1, Ordering::Relaxed);
                drop(idx);
                shared.type_dirs().notify_available();
            }
        }
    }

    fn freed() {
        LIVE.put();
    }

    /// `MDEV_TYPE` (the type directory's name) and `MDEV_PARENT` (the parent's name), so that
    /// a udev rule needs no sysfs read.
    fn uevent(&self, dev: &Device, env: &mut UeventEnv<'_>) {
        let parent = mdev::parent(dev).map_or(c"", Device::name);
        env.add_all(&[
            (c"MDEV_TYPE", self.links.dir_name()),
            (c"MDEV_PARENT", parent),
        ]);
    }
}

/// The core state of `dev`, or `None` if it is not an mdev device of this core.
pub(crate) fn device_core(dev: &Device) -> Option<&MdevCore> {
    // SAFETY: Every device of the bus is allocated by `create()` with an `MdevCore`.
    unsafe { mdev::state::<MdevCore>(dev) }
}

/// Creates an mdev device of the type behind `td`.
pub(crate) fn create(shared: &ParentShared, index: usize, uuid: Uuid) -> Result {
    // Allocate before any accounting, so that a failed allocation changes nothing; under the
    // gate lock, which keeps the registration's reference to the parent for the new device
    // until `device_add()` takes its own. From here the device's release undoes whatever
    // accounting is done, on every path.
    let (user, (dev, drv)) = shared.enter_with(|user, view| {
        let ty = view.types.get(index).ok_or(ENODEV)?;
        let core = MdevCore {
            links: shared.links(index, user).ok_or(ENODEV)?,
            listed: LockedBy::new(shared.gate.mutex(), None),
        };
        let dev = Bus::alloc(
            &view.dev,
            ty.raw,
            uuid.name(),
            uuid.guid(),
            mdev_sysfs::device_groups(),
            core,
        )?;
        Ok((dev, view.drv))
    })?;
    LIVE.get();
    account(shared, &dev)?;
    // Userspace hears of the device (`add`, then `bind`) once its links are there.
    mdev::device_add_quiet(&dev)?;
    let core = device_core(&dev).ok_or(ENODEV)?;
    if let Err(e) = core.links.link(&dev) {
        mdev::device_del(&dev);
        return Err(e);
    }
    mdev::announce(&dev);
    if let Err(e) = drv.attach(&dev) {
        remove_common(dev);
        return Err(e);
    }
    shared.finish_create(user, &dev, core);
    shared.type_dirs().notify_available();
    Ok(())
}

/// Takes the UUID (`EEXIST`) and, if the core counts them, an instance (`EUSERS`) for
/// `dev`.
pub(crate) fn account(shared: &ParentShared, dev: &Device) -> Result {
    let key = u128::from_ne_bytes(mdev::guid(dev).ok_or(EINVAL)?);
    let node = RBTreeNodeReservation::new(GFP_KERNEL)?;
    let mut idx = INDEX.lock();
    let Entry::Vacant(slot) = idx.uuids.get_or_insert_with(RBTree::new).entry(key) else {
        return Err(EEXIST);
    };
    let take = |n: u32| n.checked_sub(1);
    if shared.counted {
        (shared.avail)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, take)
            .map_err(|_| EUSERS)?;
    }
    slot.insert(ptr::from_ref::<Device>(dev) as usize, node);
    Ok(())
}

/// Destroys an mdev device taken off its list: links, then `device_del()` (unbind, vendor
/// `remove`), then the reference from `device_initialize()`.
pub(crate) fn remove_common(dev: ARef<Device>) {
    if let Some(core) = device_core(&dev) {
        core.links.unlink(&dev);
    }
    mdev::device_del(&dev);
}

/// A write to an mdev device's `remove` attribute.
pub(crate) fn remove_store(dev: &Device, file: &SelfRemove<'_>, buf: &[u8]) -> Result {
    // Once its `remove` file is gone, nothing else keeps the device alive for this writer.
    let dev: ARef<Device> = dev.into();
    if parse_remove(buf)? && file.remove() {
        let core = device_core(&dev).ok_or(ENODEV)?;
        let shared = core.links.shared();
        let (_user, listed) = shared.enter_take(&dev, core)?;
        remove_common(listed);
        // A `get_available()` count changes with the vendor's `remove()`; the core's at the
        // release.
        if !shared.counted {
            shared.type_dirs().notify_available();
        }
    }
    Ok(())
}

/// Initialises the index, in module init.
pub(crate) fn init() {
    // SAFETY: Called once, before any other use of `INDEX`.
    unsafe { INDEX.init() };
}

/// Waits for the last release of a core object, then for every task to have left the tail of
/// a release, in module exit.
pub(crate) fn wait_released() {
    LIVE.wait();
    // Statics are never dropped.
    INDEX.lock().uuids = None;
}
