// SPDX-License-Identifier: GPL-2.0

//! The registry of parents, their registration and their unregistration.

use crate::rust_kernel::{
    kobject::{ClassLinks, LinkClass},
    mdev_bus::{self as mdev, RawParent},
    mdev_vendor::{dev_info_const, Core, Vendor},
};
use crate::{
    mdev_device::{device_core, remove_common},
    mdev_gate::{ParentShared, RegView},
    mdev_sysfs::TypeDirs,
    mdev_uevent::{self, State},
};
use core::ptr;
use kernel::{
    device::Device,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    sync::Arc,
};

/// A registry of parents by address (the vendor's `struct mdev_parent`, or the parent device).
type ParentMap = Option<RBTree<usize, Arc<ParentShared>>>;

/// The parent registry: every registered parent holds a counted reference to its device.
///
/// A device is registered at most once: `by_dev` holds each registration by parent device from
/// registration until its teardown is complete.
pub(crate) struct Registry {
    pub(crate) by_key: ParentMap,
    by_dev: ParentMap,
    compat: Option<ClassLinks>,
}

impl Registry {
    pub(crate) fn contains(&self, key: usize) -> bool {
        self.by_key.as_ref().is_some_and(|m| m.get(&key).is_some())
    }

    pub(crate) fn take(&mut self, key: usize) -> Option<Arc<ParentShared>> {
        self.by_key.as_mut()?.remove(&key)
    }

    /// Any registered parent.
    pub(crate) fn take_any(&mut self) -> Option<Arc<ParentShared>> {
        let key = *self.by_key.as_ref()?.keys().next()?;
        self.take(key)
    }

    /// Whether a registration of the device at `dev` exists or is being torn down.
    pub(crate) fn has_dev(&self, dev: usize) -> bool {
        self.by_dev.as_ref().is_some_and(|m| m.get(&dev).is_some())
    }
}

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    pub(crate) unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        by_key: None,
        by_dev: None,
        compat: None,
    };
}

/// Unregisters a parent taken out of the registry.
fn teardown(shared: Arc<ParentShared>) {
    shared.gate.drain();
    // The parent's children in creation order, as the C core walks them; the devices of this
    // registration that no remove took. Before the first, `devices/` goes.
    if let Ok(view) = shared.view() {
        mdev::for_each_child(&view.dev, |child| {
            let Some(core) = device_core(child) else {
                return;
            };
            if !ptr::eq(&*core.links.shared(), &*shared) {
                return;
            }
            if let Some(dev) = shared.take_device(core) {
                shared.type_dirs().unlist_devices();
                remove_common(dev);
            }
        });
    }
    TypeDirs::unregister(&shared);
    // The type directories are gone or going; nothing reaches the view any more.
    let view = shared.gate.lock().data.take();
    // The view holds the core's reference to the parent until the event is out.
    if let Some(v) = view.as_ref() {
        mdev_uevent::send(&v.dev, State::Unregistered);
    }
    drop(view);
    // The device may be registered again.
    let by_dev = REGISTRY
        .lock()
        .by_dev
        .as_mut()
        .and_then(|m| m.remove(&shared.dev));
    drop(by_dev);
}

/// Initialises the registry, in module init.
pub(crate) fn init() {
    // SAFETY: Called once, before any other use of `REGISTRY`.
    unsafe { REGISTRY.init() };
}

/// Registers `/sys/class/mdev_bus`.
pub(crate) fn add_compat_class() -> Result {
    static MDEV_BUS: LinkClass = LinkClass::new(c"mdev_bus");
    REGISTRY.lock().compat = Some(MDEV_BUS.register()?);
    Ok(())
}

/// Unregisters the parents left (with a warning) and removes `/sys/class/mdev_bus`, in module
/// exit.
pub(crate) fn exit() {
    loop {
        let shared = {
            let mut reg = REGISTRY.lock();
            let Some(p) = reg.take_any() else {
                break;
            };
            kernel::warn_on!(true);
            p.close(reg.compat.as_ref());
            p
        };
        teardown(shared);
    }
    drop(REGISTRY.lock().compat.take());
}

/// The core's side of `include/linux/mdev.h`.
pub(crate) struct Parents;

impl Core for Parents {
    fn register_parent(vendor: Vendor, dev: &Device) -> Result {
        let key = vendor.key() as usize;
        let dev_key = ptr::from_ref::<Device>(dev) as usize;
        let mut reg = REGISTRY.lock();
        if kernel::warn_on!(reg.contains(key) || reg.has_dev(dev_key)) {
            return Err(EEXIST);
        }
        let (types, info) = vendor.init_parent(dev)?;
        let view = RegView {
            dev: dev.into(),
            drv: vendor.driver(),
            types,
        };
        let shared = Arc::pin_init(ParentShared::new(view, info, key)?, GFP_KERNEL)?;
        let by_key = RBTreeNode::new(key, shared.clone(), GFP_KERNEL)?;
        let by_dev = RBTreeNode::new(dev_key, shared.clone(), GFP_KERNEL)?;
        TypeDirs::register(&shared, dev, |i| types.sysfs_name(i))?;

        if let Some(c) = reg.compat.as_ref() {
            if c.create_link(dev).is_err() {
                dev_warn!(dev, "Failed to create compatibility class link\n");
            }
        }
        dev_info_const!(dev, c"MDEV: Registered\n");
        reg.by_key.get_or_insert_with(RBTree::new).insert(by_key);
        {
            let mut g = shared.gate.lock();
            g.open();
            // Under the core's own reference, as `unregistered`.
            if let Some(v) = g.data.as_ref() {
                mdev_uevent::send(&v.dev, State::Registered);
            }
        }
        reg.by_dev.get_or_insert_with(RBTree::new).insert(by_dev);
        Ok(())
    }

    fn unregister_parent(key: *mut RawParent) {
        let shared = {
            let mut reg = REGISTRY.lock();
            let Some(p) = reg.take(key as usize) else {
                // Never registered, or unregistered already.
                kernel::warn_on!(true);
                return;
            };
            p.close(reg.compat.as_ref());
            p
        };
        teardown(shared);
    }
}
