// SPDX-License-Identifier: GPL-2.0

//! Mediated devices (mdev): the API for vendor drivers.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)
//!
//! A driver implements [`Driver`], registers it once with [`DriverRegistration::new`] and then
//! registers each parent device with [`Registration::new`]. Dropping a [`Registration`]
//! unregisters the parent and destroys its mdevs; dropping the last reference to the
//! [`DriverRegistration`] unregisters the driver. The API uses only the four symbols an mdev
//! core exports, so a driver built on it runs on any core.
//!
//! # Memory a core may still use
//!
//! A core may keep using a parent's types after `mdev_unregister_parent()` returns: the C core
//! embeds a kobject in each `struct mdev_type` and releases it, possibly later
//! (`CONFIG_DEBUG_KOBJECT_RELEASE`), reading the parent. For each type whose kobject the core
//! initialised, the registration holds a reference; at unregistration it takes over the
//! kobject's release, which calls the core's own and then frees the parent's memory once the
//! last type is released. The [`DriverRegistration`] waits for those releases when it is
//! dropped, so neither the memory nor this code goes away while a release may run.

use super::device::RawDevice as _; // out-of-tree only
use super::{bindings, live_count::LiveCount};
use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{
    device::Device,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int, c_uint, c_void},
    prelude::*,
    str::CStrExt,
    sync::{aref::ARef, Arc},
    types::Opaque,
    ThisModule,
};

/// A type of mdev a parent can create, declared as data.
///
/// Its directory is `mdev_supported_types/<driver string of the parent>-<sysfs_name>`.
pub struct TypeInfo {
    /// Directory name suffix.
    pub sysfs_name: &'static CStr,
    /// Content of the `name` file; the directory name is shown when `None`.
    pub pretty_name: Option<&'static CStr>,
}

/// An mdev device, as seen by the driver callbacks.
pub struct Mdev<'a> {
    dev: &'a Device,
}

impl Mdev<'_> {
    /// The mdev's `struct device`.
    pub fn device(&self) -> &Device {
        self.dev
    }

    /// The mdev's UUID in lower case, which is also its device name.
    pub fn uuid(&self) -> &str {
        self.dev.name().to_str().unwrap_or("")
    }
}

/// A sysfs `show` buffer of one page; write to it with `write!`. What does not fit in
/// `PAGE_SIZE - 1` bytes is cut, as `sysfs_emit()` cuts it.
pub(crate) use super::kobject::Page;

/// An mdev vendor driver.
///
/// Callbacks get the data of the parent the mdev or type belongs to. A type is named by its
/// index in the slice given to [`Registration::new`].
#[vtable]
pub trait Driver: 'static {
    /// Per-parent data.
    type Parent: Send + Sync;
    /// Per-mdev data, created by [`Driver::probe`] and handed back to [`Driver::remove`].
    type Device: Send + Sync;

    /// Driver name under `/sys/bus/mdev/drivers`.
    const NAME: &'static CStr;
    /// Content of every type's `device_api` file, e.g. `c"vfio-pci"`.
    const DEVICE_API: &'static CStr;
    /// Name of the vendor attribute group on every mdev.
    const ATTR_GROUP: Option<&'static CStr> = None;
    /// Read-only vendor attributes in [`Driver::ATTR_GROUP`], shown by [`Driver::show_attr`].
    const ATTRS: &'static [&'static CStr] = &[];

    /// Binds a new mdev of type `ty`; an error fails the `create` write with that errno.
    fn probe(parent: &Self::Parent, ty: usize, mdev: &Mdev<'_>) -> Result<Self::Device>;

    /// Unbinds an mdev; `data` is what [`Driver::probe`] returned.
    fn remove(_parent: &Self::Parent, _mdev: &Mdev<'_>, data: Self::Device) {
        drop(data);
    }

    /// Instances of `ty` that can still be created. Without it the core counts against the
    /// `max_instances` given to [`DriverRegistration::new`], shared by all types of a parent.
    fn get_available(_parent: &Self::Parent, _ty: usize) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Content of the type's `description` file, which exists only if this is implemented.
    fn show_description(_parent: &Self::Parent, _ty: usize, _page: &mut Page<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Content of vendor attribute `attr` (an index into [`Driver::ATTRS`]).
    fn show_attr(
        _data: &Self::Device,
        _mdev: &Mdev<'_>,
        _attr: usize,
        _page: &mut Page<'_>,
    ) -> Result {
        Err(EIO)
    }
}

/// A type as the core sees it, and where it belongs.
#[repr(C)]
struct TypeSlot {
    ty: bindings::mdev_type,
    /// Index in the parent's types.
    index: usize,
    /// The parent memory this slot is in.
    mem: *mut ParentMem,
    /// The core's kobject release, once the registration has taken the release over.
    core_release: Option<unsafe extern "C" fn(*mut bindings::kobject)>,
    /// The registration holds a reference on `ty.kobj`, which the core initialised.
    held: bool,
}

/// The memory given to `mdev_register_parent()`.
#[repr(C)]
struct ParentMem {
    parent: bindings::mdev_parent,
    /// The `T::Parent` of the registration, for the callbacks while registered.
    data: *const c_void,
    types: KVec<TypeSlot>,
    ptrs: KVec<*mut bindings::mdev_type>,
    /// Type releases still to come once the registration is dropped.
    pending: AtomicUsize,
    /// The driver's count of parent memory that releases hold.
    drv_pending: *const LiveCount,
}

/// The kobject type a registration gives a core's type kobject at unregistration.
static TYPE_KTYPE: KType = KType({
    let mut k: bindings::kobj_type = pin_init::zeroed();
    k.release = Some(type_release);
    k
});

#[repr(transparent)]
struct KType(bindings::kobj_type);

// SAFETY: Constant; only read by the kobject core.
unsafe impl Sync for KType {}

/// kobject `release` of a type a registration took over: the core's own release, then the
/// parent memory once its last type is released.
///
/// # Safety
///
/// `kobj` is the kobject of a `TypeSlot` taken over by `Registration::drop`.
unsafe extern "C" fn type_release(kobj: *mut bindings::kobject) {
    // SAFETY: `kobj` is in a `TypeSlot` (caller guarantee).
    let slot = unsafe { kernel::container_of!(kobj, TypeSlot, ty.kobj) };
    // SAFETY: The slot and its parent memory are valid until freed below.
    unsafe {
        if let Some(release) = (*slot).core_release {
            release(kobj);
        }
        let mem = (*slot).mem;
        if (*mem).pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            let drv = (*mem).drv_pending;
            // Nothing uses the memory any more: the core released every type.
            drop(KBox::from_raw(mem));
            (*drv).put();
        }
    }
}

/// A registered mdev driver.
///
/// # Invariants
///
/// `raw` is registered with the callbacks of `T` and the attributes in `attrs`, until drop.
#[pin_data(PinnedDrop)]
pub struct DriverRegistration<T: Driver> {
    #[pin]
    raw: Opaque<bindings::mdev_driver>,
    pending: LiveCount,
    attrs: KBox<Attrs>,
    _t: PhantomData<T>,
}

/// The vendor attribute group of a driver.
struct Attrs {
    dattrs: KVec<bindings::device_attribute>,
    list: KVec<*mut bindings::attribute>,
    group: bindings::attribute_group,
    groups: [*const bindings::attribute_group; 2],
}

// SAFETY: The attribute tables are immutable once registered; the driver core synchronises.
unsafe impl<T: Driver> Send for DriverRegistration<T> {}
// SAFETY: As above; `&DriverRegistration` exposes nothing mutable.
unsafe impl<T: Driver> Sync for DriverRegistration<T> {}

impl<T: Driver> DriverRegistration<T> {
    /// Registers the driver. `max_instances` is the core-side limit per parent used when
    /// [`Driver::get_available`] is not implemented (0 means none can be created).
    pub fn new(module: &'static ThisModule, max_instances: u32) -> Result<Arc<Self>> {
        let mut attrs = KBox::new(
            Attrs {
                dattrs: KVec::with_capacity(T::ATTRS.len(), GFP_KERNEL)?,
                list: KVec::with_capacity(T::ATTRS.len() + 1, GFP_KERNEL)?,
                group: pin_init::zeroed(),
                groups: [ptr::null(); 2],
            },
            GFP_KERNEL,
        )?;
        for name in T::ATTRS {
            let mut a: bindings::device_attribute = pin_init::zeroed();
            a.attr.name = name.as_char_ptr();
            a.attr.mode = 0o444;
            // `sysfs_attr_init()`: lockdep needs a static key for an attribute in the heap.
            #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
            {
                a.attr.key = kernel::static_lock_class!().as_ptr();
            }
            a.__bindgen_anon_1.show = Some(Self::show_attr);
            attrs.dattrs.push(a, GFP_KERNEL)?;
        }
        // The buffers are complete and never resized, so these pointers stay valid.
        let at = &mut *attrs;
        for a in at.dattrs.iter_mut() {
            at.list.push(&raw mut a.attr, GFP_KERNEL)?;
        }
        attrs.list.push(ptr::null_mut(), GFP_KERNEL)?;
        attrs.group.name = T::ATTR_GROUP.map_or(ptr::null(), |g| g.as_char_ptr());
        attrs.group.__bindgen_anon_2.attrs = attrs.list.as_mut_ptr();
        attrs.groups[0] = &raw const attrs.group;
        let groups = if T::ATTRS.is_empty() {
            ptr::null()
        } else {
            attrs.groups.as_ptr()
        };
        Arc::pin_init(
            try_pin_init!(Self {
                pending: LiveCount::new(),
                // INVARIANT: Registered with `T`'s callbacks and `attrs`, which the struct owns.
                raw <- Opaque::try_ffi_init(move |slot: *mut bindings::mdev_driver| {
                    // SAFETY: `slot` is valid for writes; the strings are static, the groups
                    // live in `attrs`, owned by the registration, and the callbacks have the
                    // C prototypes.
                    unsafe {
                        slot.write(pin_init::zeroed());
                        (*slot).device_api = T::DEVICE_API.as_char_ptr();
                        (*slot).max_instances = max_instances;
                        (*slot).probe = Some(Self::probe);
                        (*slot).remove = Some(Self::remove);
                        if T::HAS_GET_AVAILABLE {
                            (*slot).get_available = Some(Self::get_available);
                        }
                        if T::HAS_SHOW_DESCRIPTION {
                            (*slot).show_description = Some(Self::show_description);
                        }
                        (*slot).driver.name = T::NAME.as_char_ptr();
                        (*slot).driver.owner = module.as_ptr();
                        (*slot).driver.dev_groups = groups;
                        to_result(bindings::mdev_register_driver(slot))
                    }
                }),
                attrs,
                _t: PhantomData,
            }),
            GFP_KERNEL,
        )
    }

    fn raw(&self) -> *mut bindings::mdev_driver {
        self.raw.get()
    }

    /// The data of the parent `ty` belongs to, and `ty`'s index.
    ///
    /// # Safety
    ///
    /// `ty` is a type of a registration of this driver, called back while it is registered.
    unsafe fn type_of<'a>(ty: *mut bindings::mdev_type) -> (&'a T::Parent, usize) {
        // SAFETY: Every type of a registration is in a `TypeSlot` whose parent memory points
        // to the registration's `T::Parent`, alive while it is registered (caller guarantee).
        unsafe {
            let slot = kernel::container_of!(ty, TypeSlot, ty);
            (&*(*(*slot).mem).data.cast::<T::Parent>(), (*slot).index)
        }
    }

    /// `mdev_driver::probe`.
    ///
    /// # Safety
    ///
    /// Called by the core with an mdev of a type of this driver's registration.
    unsafe extern "C" fn probe(mdev: *mut bindings::mdev_device) -> c_int {
        from_result(|| {
            // SAFETY: Guaranteed by the caller.
            let (parent, ty) = unsafe { Self::type_of((*mdev).type_) };
            // SAFETY: `mdev` is valid during the call.
            let dev = unsafe { Device::from_raw(&raw mut (*mdev).dev) };
            let data = KBox::new(T::probe(parent, ty, &Mdev { dev })?, GFP_KERNEL)?;
            // SAFETY: The device is being bound to this driver: its driver data is ours until
            // `remove`.
            unsafe { bindings::dev_set_drvdata(&raw mut (*mdev).dev, KBox::into_raw(data).cast()) };
            Ok(0)
        })
    }

    /// `mdev_driver::remove`.
    ///
    /// # Safety
    ///
    /// Called by the core with an mdev that `probe` bound.
    unsafe extern "C" fn remove(mdev: *mut bindings::mdev_device) {
        // SAFETY: Guaranteed by the caller; the driver data came from `KBox::into_raw()` in
        // `probe`, and ownership returns here.
        let (parent, dev, data) = unsafe {
            let dev = &raw mut (*mdev).dev;
            let data = bindings::dev_get_drvdata(dev).cast::<T::Device>();
            bindings::dev_set_drvdata(dev, ptr::null_mut());
            (
                Self::type_of((*mdev).type_).0,
                Device::from_raw(dev),
                KBox::from_raw(data),
            )
        };
        T::remove(parent, &Mdev { dev }, KBox::into_inner(data));
    }

    /// `mdev_driver::get_available`.
    ///
    /// # Safety
    ///
    /// Called by the core with a type of this driver's registration.
    unsafe extern "C" fn get_available(ty: *mut bindings::mdev_type) -> c_uint {
        // SAFETY: Guaranteed by the caller.
        let (parent, i) = unsafe { Self::type_of(ty) };
        T::get_available(parent, i)
    }

    /// `mdev_driver::show_description`.
    ///
    /// # Safety
    ///
    /// As for `get_available`; `buf` is a sysfs page.
    unsafe extern "C" fn show_description(ty: *mut bindings::mdev_type, buf: *mut c_char) -> isize {
        // SAFETY: Guaranteed by the caller.
        let ((parent, i), mut page) = unsafe { (Self::type_of(ty), Page::from_raw(buf)) };
        let res = T::show_description(parent, i, &mut page);
        page.finish(res)
    }

    /// `device_attribute::show` of the vendor attributes.
    ///
    /// # Safety
    ///
    /// Called by sysfs with an mdev bound to this driver, one of its attributes and a page.
    unsafe extern "C" fn show_attr(
        dev: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: The attribute exists only while the device is bound to this driver, whose
        // registration holds the attribute table; the driver data is the `probe` result.
        let (this, data) = unsafe {
            let drv = kernel::container_of!((*dev).driver, bindings::mdev_driver, driver);
            let this =
                &*kernel::container_of!(drv.cast::<Opaque<bindings::mdev_driver>>(), Self, raw);
            (this, bindings::dev_get_drvdata(dev).cast::<T::Device>())
        };
        let Some(i) = this.attrs.dattrs.iter().position(|a| ptr::eq(a, attr)) else {
            return EIO.to_errno() as isize;
        };
        if data.is_null() {
            return ENODEV.to_errno() as isize;
        }
        // SAFETY: As above; `dev` is valid and `buf` a sysfs page.
        let (data, dev, mut page) = unsafe { (&*data, Device::from_raw(dev), Page::from_raw(buf)) };
        let res = T::show_attr(data, &Mdev { dev }, i, &mut page);
        page.finish(res)
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for DriverRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Registered (type invariants); every `Registration` holds an `Arc` to `self`,
        // so no parent of this driver is registered any more.
        unsafe { bindings::mdev_unregister_driver(self.raw()) };
        // Parent memory a core may still release reads the driver (the C core reads
        // `get_available` when an mdev is released) and runs code of this module.
        self.pending.wait();
    }
}

/// A device registered as an mdev parent. Dropping it unregisters the parent.
///
/// The parent device must stay registered with the driver core until this is dropped.
///
/// # Invariants
///
/// `mem` is registered with `mdev_register_parent()` for `_dev` and owned by `self` until
/// drop; its `data` points to `data`.
pub struct Registration<T: Driver> {
    mem: NonNull<ParentMem>,
    data: Arc<T::Parent>,
    _dev: ARef<Device>,
    drv: Arc<DriverRegistration<T>>,
}

// SAFETY: Registration and unregistration may happen on any thread; the data is `Send + Sync`.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `&Registration` only gives access to `T::Parent`, which is `Sync`.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers `dev` as a parent of mdevs of `types`, driven by `drv`.
    ///
    /// Sends `change` with `MDEV_STATE=registered` on `dev` when it succeeds.
    pub fn new(
        drv: &Arc<DriverRegistration<T>>,
        dev: &Device,
        types: &'static [TypeInfo],
        data: T::Parent,
    ) -> Result<Self> {
        let data = Arc::new(data, GFP_KERNEL)?;
        let mut mem = KBox::new(
            ParentMem {
                parent: pin_init::zeroed(),
                data: Arc::as_ptr(&data).cast(),
                types: KVec::with_capacity(types.len(), GFP_KERNEL)?,
                ptrs: KVec::with_capacity(types.len(), GFP_KERNEL)?,
                pending: AtomicUsize::new(0),
                drv_pending: &raw const drv.pending,
            },
            GFP_KERNEL,
        )?;
        let mem_ptr = &raw mut *mem;
        for (index, t) in types.iter().enumerate() {
            let mut ty: bindings::mdev_type = pin_init::zeroed();
            ty.sysfs_name = t.sysfs_name.as_char_ptr();
            ty.pretty_name = t.pretty_name.map_or(ptr::null(), |p| p.as_char_ptr());
            let slot = TypeSlot {
                ty,
                index,
                mem: mem_ptr,
                core_release: None,
                held: false,
            };
            mem.types.push(slot, GFP_KERNEL)?;
        }
        // The buffer is complete and never resized, so these pointers stay valid.
        let m = &mut *mem;
        for s in m.types.iter_mut() {
            m.ptrs.push(&raw mut s.ty, GFP_KERNEL)?;
        }
        let nr = c_uint::try_from(types.len())?;
        let dev: ARef<Device> = dev.into();
        // SAFETY: The memory stays valid until the parent is unregistered and the core has
        // released every type (`Drop`); `drv` is registered and outlives the registration.
        let ret = unsafe {
            bindings::mdev_register_parent(
                &raw mut mem.parent,
                dev.as_raw(),
                drv.raw(),
                mem.ptrs.as_mut_ptr(),
                nr,
            )
        };
        if ret != 0 {
            if mem.types.iter().any(|s| !s.ty.kobj.ktype.is_null()) {
                // The core initialised a type's kobject and released it on its error path;
                // nothing tells when that release, which reads this memory, has run.
                dev_warn!(dev, "mdev: keeping the types of a failed registration\n");
                let _leaked = KBox::into_raw(mem);
                #[cfg(CONFIG_DEBUG_KMEMLEAK)]
                // SAFETY: `_leaked` is a live allocation, never freed.
                unsafe {
                    bindings::kmemleak_not_leak(_leaked.cast())
                };
            }
            return Err(Error::from_errno(ret));
        }
        for s in mem.types.iter_mut() {
            if !s.ty.kobj.ktype.is_null() {
                // SAFETY: The core initialised the kobject and holds its initial reference
                // while the parent is registered.
                unsafe { bindings::kobject_get(&raw mut s.ty.kobj) };
                s.held = true;
            }
        }
        // INVARIANT: Registered, owned by `self`, `data` pointing to `data`.
        Ok(Self {
            mem: NonNull::from(KBox::leak(mem)),
            data,
            _dev: dev,
            drv: drv.clone(),
        })
    }

    /// The per-parent data.
    pub fn data(&self) -> &Arc<T::Parent> {
        &self.data
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        let mem = self.mem.as_ptr();
        // SAFETY: Registered (type invariants). Once this returns no callback of the parent
        // runs, so `data` may go.
        unsafe { bindings::mdev_unregister_parent(&raw mut (*mem).parent) };
        // SAFETY: The memory is ours (type invariants) and the core no longer calls back.
        let held = unsafe { (*mem).types.iter().filter(|s| s.held).count() };
        if held == 0 {
            // SAFETY: Allocated by `KBox` in `new()`; nothing refers to it any more.
            drop(unsafe { KBox::from_raw(mem) });
            return;
        }
        // The releases of the held kobjects now own the memory; the driver waits for them.
        self.drv.pending.get();
        // SAFETY: As above. Each held kobject is removed from sysfs and referenced by us, so
        // no release runs before our put, and nothing reads its type until then. The put of
        // the last held type may free the memory: nothing is read after it.
        unsafe {
            (*mem).pending.store(held, Ordering::Release);
            let slots = (*mem).types.as_mut_ptr();
            let n = (*mem).types.len();
            let mut last = 0;
            for i in 0..n {
                let s = slots.add(i);
                if (*s).held {
                    let kobj = &raw mut (*s).ty.kobj;
                    (*s).core_release = (*(*kobj).ktype).release;
                    (*kobj).ktype = &TYPE_KTYPE.0;
                    last = i;
                }
            }
            for i in 0..=last {
                let s = slots.add(i);
                if (*s).held {
                    bindings::kobject_put(&raw mut (*s).ty.kobj);
                }
            }
        }
    }
}
