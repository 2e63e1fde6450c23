// SPDX-License-Identifier: GPL-2.0

//! Safe Rust API for mdev vendor drivers.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)
//!
//! The API sits on the four symbols an mdev core exports (`mdev_register_driver`,
//! `mdev_unregister_driver`, `mdev_register_parent`, `mdev_unregister_parent`), so a driver
//! built on it loads on this project's core or on the C core `mdev.ko`. Rust has no
//! cross-module Rust ABI, so a driver crate includes this file as a module and links
//! `mdev_vendor_shim.o`, which owns the C structures of the header.
//!
//! A driver implements [`Driver`], registers it once with [`DriverRegistration::new`] and then
//! registers each parent device with [`Registration::new`]. Dropping a [`Registration`]
//! unregisters the parent and destroys its mdevs; dropping the last reference to the
//! [`DriverRegistration`] unregisters the driver.

use core::{
    fmt,
    marker::{PhantomData, PhantomPinned},
    ptr::{null, NonNull},
};
use kernel::{
    bindings,
    device::Device,
    error::VTABLE_DEFAULT_ERROR,
    ffi::{c_char, c_int, c_uint, c_void},
    page::PAGE_SIZE,
    prelude::*,
    str::CStrExt,
    sync::{aref::ARef, Arc},
    ThisModule,
};

macro_rules! opaque {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[repr(C)]
        struct $name {
            _data: [u8; 0],
            _pin: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}

opaque!(
    /// C `struct mdev_vendor_driver` (`mdev_vendor_shim.c`).
    RawDriver
);
opaque!(
    /// C `struct mdev_vendor_parent` (`mdev_vendor_shim.c`).
    RawParent
);

type ProbeFn = unsafe extern "C" fn(
    *mut c_void,
    c_uint,
    *mut bindings::device,
    *const c_char,
    *mut *mut c_void,
) -> c_int;
type RemoveFn =
    unsafe extern "C" fn(*mut c_void, *mut bindings::device, *const c_char, *mut c_void);
type AvailFn = unsafe extern "C" fn(*mut c_void, c_uint) -> c_uint;
type DescFn = unsafe extern "C" fn(*mut c_void, c_uint, *mut c_char) -> isize;
type AttrFn = unsafe extern "C" fn(
    *mut c_void,
    *mut bindings::device,
    *const c_char,
    c_uint,
    *mut c_char,
) -> isize;

mod ffi {
    use super::*;

    // `struct device` has empty members (e.g. `sched_statistics`); only pointers cross here.
    #[expect(improper_ctypes)]
    extern "C" {
        pub(super) fn mdev_vendor_driver_new(
            name: *const c_char,
            device_api: *const c_char,
            max_instances: c_uint,
            owner: *mut bindings::module,
            probe: ProbeFn,
            remove: RemoveFn,
            get_available: Option<AvailFn>,
            show_description: Option<DescFn>,
            show_attr: AttrFn,
            group: *const c_char,
            attr_names: *const *const c_char,
            nr_attrs: c_uint,
        ) -> *mut RawDriver;
        pub(super) fn mdev_vendor_driver_free(vd: *mut RawDriver);
        pub(super) fn mdev_vendor_parent_new(
            vd: *mut RawDriver,
            dev: *mut bindings::device,
            sysfs_names: *const *const c_char,
            pretty_names: *const *const c_char,
            nr_types: c_uint,
            ctx: *mut c_void,
        ) -> *mut RawParent;
        pub(super) fn mdev_vendor_parent_free(vp: *mut RawParent);
    }
}

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
    uuid: &'a str,
}

impl<'a> Mdev<'a> {
    /// # Safety
    ///
    /// `dev` must be a valid device and `uuid` its NUL-terminated name, both valid for `'a`.
    unsafe fn from_raw(dev: *mut bindings::device, uuid: *const c_char) -> Self {
        // SAFETY: Both pointers are valid for `'a` by the function's safety requirements.
        let (dev, uuid) = unsafe { (Device::from_raw(dev), CStr::from_char_ptr(uuid)) };
        Self {
            dev,
            uuid: uuid.to_str().unwrap_or(""),
        }
    }

    /// The mdev's `struct device`.
    pub fn device(&self) -> &Device {
        self.dev
    }

    /// The mdev's UUID in lower case, which is also its device name.
    pub fn uuid(&self) -> &str {
        self.uuid
    }
}

/// A sysfs `show` buffer of one page; write to it with `write!`.
pub struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Page<'_> {
    /// # Safety
    ///
    /// `buf` must be valid for writes of `PAGE_SIZE` bytes for the returned lifetime.
    unsafe fn from_raw<'b>(buf: *mut c_char) -> Page<'b> {
        // SAFETY: By the function's safety requirements.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
        Page { buf, len: 0 }
    }

    fn finish(res: Result, len: usize) -> isize {
        match res {
            Ok(()) => len as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&end| end <= self.buf.len())
            .ok_or(fmt::Error)?;
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

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

struct Callbacks<T>(PhantomData<T>);

impl<T: Driver> Callbacks<T> {
    /// # Safety
    ///
    /// `ctx` must be the data pointer of a live [`Registration<T>`].
    unsafe fn parent<'a>(ctx: *mut c_void) -> &'a T::Parent {
        // SAFETY: `Registration::new` passes `Arc::as_ptr` of its data, which outlives every
        // callback because `Drop` unregisters the parent before releasing it.
        unsafe { &*ctx.cast::<T::Parent>() }
    }

    /// # Safety
    ///
    /// `ctx` as for [`Self::parent`]; `dev` is the mdev being probed, `uuid` its name, `data`
    /// valid for a write.
    unsafe extern "C" fn probe(
        ctx: *mut c_void,
        ty: c_uint,
        dev: *mut bindings::device,
        uuid: *const c_char,
        data: *mut *mut c_void,
    ) -> c_int {
        // SAFETY: By the function's safety requirements.
        let (parent, mdev) = unsafe { (Self::parent(ctx), Mdev::from_raw(dev, uuid)) };
        let res = T::probe(parent, ty as usize, &mdev)
            .and_then(|d| KBox::new(d, GFP_KERNEL).map_err(Error::from));
        match res {
            Ok(d) => {
                // SAFETY: `data` is valid for a write; the shim stores it as driver data and
                // passes it back to `remove` and `show_attr` only.
                unsafe { *data = KBox::into_raw(d).cast() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// As for [`Self::probe`]; `data` is what `probe` stored for this mdev and is not used again.
    unsafe extern "C" fn remove(
        ctx: *mut c_void,
        dev: *mut bindings::device,
        uuid: *const c_char,
        data: *mut c_void,
    ) {
        // SAFETY: By the function's safety requirements `data` came from `KBox::into_raw` in
        // `probe` and ownership returns here.
        let (parent, mdev, data) = unsafe {
            (
                Self::parent(ctx),
                Mdev::from_raw(dev, uuid),
                KBox::from_raw(data.cast::<T::Device>()),
            )
        };
        T::remove(parent, &mdev, KBox::into_inner(data));
    }

    /// # Safety
    ///
    /// `ctx` as for [`Self::parent`].
    unsafe extern "C" fn get_available(ctx: *mut c_void, ty: c_uint) -> c_uint {
        // SAFETY: By the function's safety requirements.
        T::get_available(unsafe { Self::parent(ctx) }, ty as usize)
    }

    /// # Safety
    ///
    /// `ctx` as for [`Self::parent`]; `buf` is a sysfs page.
    unsafe extern "C" fn show_description(ctx: *mut c_void, ty: c_uint, buf: *mut c_char) -> isize {
        // SAFETY: By the function's safety requirements.
        let (parent, mut page) = unsafe { (Self::parent(ctx), Page::from_raw(buf)) };
        let res = T::show_description(parent, ty as usize, &mut page);
        Page::finish(res, page.len)
    }

    /// # Safety
    ///
    /// `data` is what `probe` stored for the bound mdev `dev` named `uuid`; `buf` is a sysfs
    /// page.
    unsafe extern "C" fn show_attr(
        data: *mut c_void,
        dev: *mut bindings::device,
        uuid: *const c_char,
        attr: c_uint,
        buf: *mut c_char,
    ) -> isize {
        if data.is_null() {
            return ENODEV.to_errno() as isize;
        }
        // SAFETY: By the function's safety requirements; vendor attributes exist only while
        // the mdev is bound, so `data` is not freed concurrently.
        let (data, mdev, mut page) = unsafe {
            (
                &*data.cast::<T::Device>(),
                Mdev::from_raw(dev, uuid),
                Page::from_raw(buf),
            )
        };
        let res = T::show_attr(data, &mdev, attr as usize, &mut page);
        Page::finish(res, page.len)
    }
}

/// A registered mdev driver.
///
/// # Invariants
///
/// `raw` is a driver returned by `mdev_vendor_driver_new` with the callbacks of `T`, and it is
/// freed only by `Drop`.
pub struct DriverRegistration<T: Driver> {
    raw: NonNull<RawDriver>,
    _t: PhantomData<T>,
}

impl<T: Driver> DriverRegistration<T> {
    /// Registers the driver. `max_instances` is the core-side limit per parent used when
    /// [`Driver::get_available`] is not implemented (0 means none can be created).
    pub fn new(module: &'static ThisModule, max_instances: u32) -> Result<Arc<Self>> {
        let mut names = KVec::with_capacity(T::ATTRS.len(), GFP_KERNEL)?;
        for name in T::ATTRS {
            names.push(name.as_char_ptr(), GFP_KERNEL)?;
        }
        let nr_attrs = c_uint::try_from(names.len())?;
        let group = T::ATTR_GROUP.map_or(null(), |g| g.as_char_ptr());
        let avail: Option<AvailFn> = if T::HAS_GET_AVAILABLE {
            Some(Callbacks::<T>::get_available)
        } else {
            None
        };
        let desc: Option<DescFn> = if T::HAS_SHOW_DESCRIPTION {
            Some(Callbacks::<T>::show_description)
        } else {
            None
        };
        // SAFETY: The strings are `'static`; the shim copies the pointer array. The callbacks
        // have the C prototypes and expect `ctx` from `Registration::new` for this `T`.
        let raw = unsafe {
            ffi::mdev_vendor_driver_new(
                T::NAME.as_char_ptr(),
                T::DEVICE_API.as_char_ptr(),
                max_instances,
                module.as_ptr(),
                Callbacks::<T>::probe,
                Callbacks::<T>::remove,
                avail,
                desc,
                Callbacks::<T>::show_attr,
                group,
                names.as_ptr(),
                nr_attrs,
            )
        };
        let raw = kernel::error::from_err_ptr(raw)?;
        // INVARIANT: `raw` was just registered with `T`'s callbacks.
        let this = Self {
            raw: NonNull::new(raw).ok_or(ENOMEM)?,
            _t: PhantomData,
        };
        Ok(Arc::new(this, GFP_KERNEL)?)
    }
}

impl<T: Driver> Drop for DriverRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant; every `Registration` holds an `Arc` to `self`, so no
        // parent is registered with this driver any more.
        unsafe { ffi::mdev_vendor_driver_free(self.raw.as_ptr()) }
    }
}

// SAFETY: The shim's driver is used from any thread; registration state is owned by the core.
unsafe impl<T: Driver> Send for DriverRegistration<T> {}
// SAFETY: `&DriverRegistration` exposes nothing mutable.
unsafe impl<T: Driver> Sync for DriverRegistration<T> {}

/// A device registered as an mdev parent. Dropping it unregisters the parent.
///
/// The parent device must stay registered with the driver core until this is dropped.
///
/// # Invariants
///
/// `raw` is a parent returned by `mdev_vendor_parent_new` for `dev`, with `data` as context,
/// and it is freed only by `Drop`.
pub struct Registration<T: Driver> {
    raw: NonNull<RawParent>,
    data: Arc<T::Parent>,
    _dev: ARef<Device>,
    _drv: Arc<DriverRegistration<T>>,
}

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
        let mut sysfs = KVec::with_capacity(types.len(), GFP_KERNEL)?;
        let mut pretty = KVec::with_capacity(types.len(), GFP_KERNEL)?;
        for t in types {
            sysfs.push(t.sysfs_name.as_char_ptr(), GFP_KERNEL)?;
            pretty.push(
                t.pretty_name.map_or(null(), |p| p.as_char_ptr()),
                GFP_KERNEL,
            )?;
        }
        let nr_types = c_uint::try_from(types.len())?;
        let dev: ARef<Device> = dev.into();
        // CAST: `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>`, which allows
        // mutation through a shared reference.
        let raw_dev = core::ptr::from_ref::<Device>(&dev)
            .cast::<bindings::device>()
            .cast_mut();
        let ctx = Arc::as_ptr(&data).cast::<c_void>().cast_mut();
        // SAFETY: `drv.raw` is registered (type invariant of `DriverRegistration`); `dev` is
        // referenced for the lifetime of `Self`; the names are `'static` and the arrays are
        // copied; `ctx` stays valid until `Drop` has unregistered the parent.
        let raw = unsafe {
            ffi::mdev_vendor_parent_new(
                drv.raw.as_ptr(),
                raw_dev,
                sysfs.as_ptr(),
                pretty.as_ptr(),
                nr_types,
                ctx,
            )
        };
        let raw = kernel::error::from_err_ptr(raw)?;
        // INVARIANT: `raw` was just registered for `dev` with `data` as context.
        Ok(Self {
            raw: NonNull::new(raw).ok_or(ENOMEM)?,
            data,
            _dev: dev,
            _drv: drv.clone(),
        })
    }

    /// The per-parent data.
    pub fn data(&self) -> &Arc<T::Parent> {
        &self.data
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant. Once this returns no callback uses `data` any more.
        unsafe { ffi::mdev_vendor_parent_free(self.raw.as_ptr()) }
    }
}

// SAFETY: Registration and unregistration may happen on any thread; the data is `Send + Sync`.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `&Registration` only gives access to `T::Parent`, which is `Sync`.
unsafe impl<T: Driver> Sync for Registration<T> {}
