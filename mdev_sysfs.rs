// SPDX-License-Identifier: GPL-2.0

//! sysfs objects of the mdev core: the `mdev_supported_types` kset, the type directories with
//! their attributes, the `remove` device attribute and the links between devices and types.

use crate::rust_kernel::kobject::{
    self, driver_string, AttrList, Attribute, DeviceAttribute, DeviceStore, Group, Groups, KType,
    KobjOps, Kobject, KobjectRef, Kset, LinkDir, Page, PollNode, SelfRemove,
};
use crate::{
    mdev_device::{create, LIVE},
    mdev_gate::ParentShared,
    mdev_uuid::parse_create,
};
use core::sync::atomic::Ordering;
use kernel::{
    device::Device,
    prelude::*,
    sync::{Arc, ArcBorrow}, //
};

/// The attributes of a type directory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TypeAttr {
    /// `create`, write-only.
    Create,
    /// `device_api`.
    DeviceApi,
    /// `name`.
    Name,
    /// `available_instances`.
    AvailableInstances,
    /// `description`, present only if the driver describes its types.
    Description,
}

static TYPE_ATTRS: [Attribute<TypeAttr>; 5] = [
    Attribute::new(c"create", 0o200, TypeAttr::Create),
    Attribute::new(c"device_api", 0o444, TypeAttr::DeviceApi),
    Attribute::new(c"name", 0o444, TypeAttr::Name),
    Attribute::new(c"available_instances", 0o444, TypeAttr::AvailableInstances),
    Attribute::new(c"description", 0o444, TypeAttr::Description),
];
static TYPE_ATTR_LIST: AttrList<TypeAttr, 6> = AttrList::new(&TYPE_ATTRS);
static NO_ATTRS: [Attribute<TypeAttr>; 0] = [];
static NO_ATTR_LIST: AttrList<TypeAttr, 1> = AttrList::new(&NO_ATTRS);
static TYPE_GROUP_ARRAY: [Group<TypeDir>; 1] = [Group::new(None, &TYPE_ATTR_LIST)];
static TYPE_GROUPS: Groups<TypeDir, 2> = Groups::new(&TYPE_GROUP_ARRAY);
/// `devices/`, the links to the type's devices: a directory without a kobject, added after the
/// attributes so that an unregistration can remove it, with all its links, at once.
static DEVICES: Group<TypeDir> = Group::new(Some(c"devices"), &NO_ATTR_LIST);
static TYPE_KTYPE: KType<TypeDir> = KType::new(&TYPE_GROUPS);
static KSET_KTYPE: KType<TypeDir> = KType::kset();

static REMOVE: DeviceAttribute<Remove> = DeviceAttribute::write_only(c"remove");
static DEV_ATTRS: AttrList<(), 2> = AttrList::devices([&REMOVE]);
static DEV_GROUP_ARRAY: [Group<()>; 1] = [Group::devices(&DEV_ATTRS)];
static DEV_GROUPS: Groups<(), 2> = Groups::new(&DEV_GROUP_ARRAY);

/// The `dev.groups` of every mdev device: the `remove` attribute.
pub(crate) fn device_groups() -> &'static Groups<(), 2> {
    &DEV_GROUPS
}

/// An mdev device's `remove` attribute.
struct Remove;

impl DeviceStore for Remove {
    fn store(dev: &Device, file: &SelfRemove<'_>, buf: &[u8]) -> Result {
        crate::mdev_device::remove_store(dev, file, buf)
    }
}

/// A type directory `<parent>/mdev_supported_types/<type-id>/`, owned by the core.
///
/// The vendor's `struct mdev_type` keeps its layout but its embedded kobject is never used, so
/// the vendor may free its types as soon as `mdev_unregister_parent()` returns. The directories
/// of a parent live in its [`ParentShared`], one allocation for all of them.
pub(crate) struct TypeDir {
    index: usize,
    /// `devices/`.
    devices: LinkDir<TypeDir>,
    /// `available_instances`, once read.
    avail: PollNode,
}

impl KobjOps for TypeDir {
    type Owner = ParentShared;
    type Attr = TypeAttr;

    fn visible(&self, owner: ArcBorrow<'_, ParentShared>, a: TypeAttr) -> bool {
        a != TypeAttr::Description || owner.described
    }

    fn show(&self, owner: ArcBorrow<'_, ParentShared>, a: TypeAttr, page: &mut Page<'_>) -> Result {
        let v = owner.view()?;
        let t = v.types.get(self.index).ok_or(ENODEV)?;
        match a {
            TypeAttr::Create => return Err(EIO),
            TypeAttr::DeviceApi => page.line(v.drv.device_api().unwrap_or(c"").to_bytes()),
            TypeAttr::Name => page.line(t.pretty_name().unwrap_or(t.sysfs_name()).to_bytes()),
            TypeAttr::AvailableInstances => {
                let n = if owner.counted {
                    owner.avail.load(Ordering::Relaxed)
                } else {
                    v.drv.get_available(t.raw)
                };
                page.write(fmt!("{}\n", n))
            }
            TypeAttr::Description => return v.drv.show_description(t.raw, page),
        }
        Ok(())
    }

    fn store(&self, owner: ArcBorrow<'_, ParentShared>, a: TypeAttr, buf: &[u8]) -> Result {
        match a {
            TypeAttr::Create => create(&owner, self.index, parse_create(buf)?),
            _ => Err(EIO),
        }
    }

    fn poll_node(&self, a: TypeAttr) -> Option<&PollNode> {
        (a == TypeAttr::AvailableInstances).then_some(&self.avail)
    }

    fn owned() {
        LIVE.get();
    }

    fn released() {
        LIVE.put();
    }
}

/// The type directories of one parent.
///
/// The parent's gate serialises them: each directory is registered before the gate first opens
/// and removed only once it is closed and drained, so it stays in sysfs for gate users.
///
/// # Invariants
///
/// `dirs` is never resized, so its directories do not move.
#[pin_data]
pub(crate) struct TypeDirs {
    kset: Kset<TypeDir>,
    dirs: KVec<Kobject<TypeDir>>,
}

impl TypeDirs {
    /// `n` unregistered directories.
    pub(crate) fn new(n: usize) -> Result<impl PinInit<Self>> {
        let mut dirs = KVec::with_capacity(n, GFP_KERNEL)?;
        for index in 0..n {
            let (devices, avail) = (LinkDir::new(&DEVICES), PollNode::new());
            let dir = TypeDir {
                index,
                devices,
                avail,
            };
            dirs.push(Kobject::new(dir), GFP_KERNEL)?;
        }
        // INVARIANT: `dirs` is complete and resized no more.
        Ok(pin_init!(Self {
            kset: Kset::new(),
            dirs,
        }))
    }

    /// The name of registered type directory `i`.
    #[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
    pub(crate) fn dir_name(&self, i: usize) -> Option<&CStr> {
        self.dirs.get(i)?.name()
    }

    /// Creates `<dev>/mdev_supported_types/` and `<driver>-<sysfs_name>/` with `devices/` for
    /// each of `names`, as `parent_create_sysfs_files()` does; undoes all on error. Called
    /// before the gate of `owner` first opens.
    pub(crate) fn register<'a>(
        owner: &Arc<ParentShared>,
        dev: &Device,
        mut names: impl FnMut(usize) -> Option<&'a CStr>,
    ) -> Result {
        let this = owner.type_dirs();
        // The C core's `kset_create_and_add()` fails with `ENOMEM` alone.
        this.kset
            .add(owner, &KSET_KTYPE, dev, c"mdev_supported_types")
            .map_err(|_| ENOMEM)?;
        let prefix = driver_string(dev);
        for (i, d) in this.dirs.iter().enumerate() {
            let added = names(i)
                .ok_or(EINVAL)
                .and_then(|n| d.add_joined(owner, &TYPE_KTYPE, &this.kset, prefix, n))
                .and_then(|()| d.data().devices.add(d));
            if let Err(e) = added {
                Self::unregister(owner);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes every type's `devices/` with its links, if there, before an unregistration
    /// removes a device: one removal per type instead of one per device. Called once the gate
    /// is closed and drained, so that no link is made or removed meanwhile.
    pub(crate) fn unlist_devices(&self) {
        self.dirs.iter().for_each(|d| d.data().devices.remove(d));
    }

    /// Removes the directories made by [`Self::register`], in the order of
    /// `parent_remove_sysfs_files()`, once the gate is closed and drained. Kobject releases may
    /// come later; they keep `owner` alive.
    pub(crate) fn unregister(owner: &Arc<ParentShared>) {
        let this = owner.type_dirs();
        // `kobject_del()` removes `devices/` with the attributes and drains running callbacks.
        this.dirs.iter().for_each(Kobject::remove);
        this.kset.remove();
    }

    /// Wakes the pollers of every type's `available_instances`, after a create, a remove or a
    /// release of one of the parent's devices: a `get_available()` driver may count one pool
    /// for all types, as the core does.
    pub(crate) fn notify_available(&self) {
        self.dirs.iter().for_each(|d| d.data().avail.notify());
    }

    /// References that keep type `i`'s directory alive; `None` if there is no such type
    /// or it is not registered. The caller keeps it registered meanwhile.
    pub(crate) fn links(&self, i: usize) -> Option<TypeLinks> {
        Some(TypeLinks {
            dir: self.dirs.get(i)?.get()?,
        })
    }
}

/// The links between an mdev device and its type directory, which they keep alive.
pub(crate) struct TypeLinks {
    dir: KobjectRef<TypeDir>,
}

impl TypeLinks {
    /// The registration of the type directory.
    pub(crate) fn shared(&self) -> ArcBorrow<'_, ParentShared> {
        self.dir.owner()
    }

    /// The type directory's name.
    pub(crate) fn dir_name(&self) -> &CStr {
        self.dir.name()
    }

    /// Creates `devices/<name> -> dev` and `dev/mdev_type -> <type dir>`, `<name>` being the
    /// device's; `ENODEV` once the type directory or `devices/` is removed.
    pub(crate) fn link(&self, dev: &Device) -> Result {
        let dir = self.dir.get();
        dir.data().devices.link(dir, dev)?;
        dir.link_from(dev, c"mdev_type")
            .inspect_err(|_| dir.data().devices.unlink(dir, dev))
    }

    /// Removes the links made by [`Self::link`]; `devices/<name>` is already gone if the type
    /// directory or `devices/` is.
    pub(crate) fn unlink(&self, dev: &Device) {
        kobject::remove_link(dev, c"mdev_type");
        let dir = self.dir.get();
        dir.data().devices.unlink(dir, dev);
    }
}
