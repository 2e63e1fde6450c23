// SPDX-License-Identifier: GPL-2.0

//! Binding to the C ABI layer (`mdev_abi.c`).
//!
//! The vendor-visible structures of `include/linux/mdev.h` stay opaque here: their fields are reached
//! only through accessors compiled against the real header, so no layout is copied into Rust.

use crate::{mdev_sysfs, mdev_sysfs::Page, MdevCore};
use core::{
    marker::{PhantomData, PhantomPinned},
    ptr::NonNull,
};
use kernel::ffi::{c_char, c_int, c_uint, c_void};
use kernel::{
    bindings,
    device::Device,
    error::to_result,
    prelude::*,
    str::{CStrExt, CString},
    sync::aref::ARef, //
};

macro_rules! opaque {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[repr(C)]
        pub(crate) struct $name {
            _data: [u8; 0],
            _pin: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}

opaque!(
    /// C `struct mdev_parent`, embedded in vendor memory.
    RawParent
);
opaque!(
    /// C `struct mdev_driver`, in vendor memory.
    RawDriver
);
opaque!(
    /// C `struct mdev_type`, in vendor memory.
    RawType
);

mod ffi {
    use super::*;

    // `struct device` has empty members (e.g. `sched_statistics`); only pointers cross here.
    #[expect(improper_ctypes)]
    extern "C" {
        pub(super) fn mdev_abi_bus_register() -> c_int;
        pub(super) fn mdev_abi_bus_unregister();
        pub(super) fn mdev_abi_is_mdev(dev: *const bindings::device) -> bool;
        pub(super) fn mdev_abi_parent_init(
            parent: *mut RawParent,
            dev: *mut bindings::device,
            drv: *mut RawDriver,
            types: *mut *mut RawType,
            nr_types: c_uint,
        );
        pub(super) fn mdev_abi_type(types: *mut *mut RawType, i: c_uint) -> *mut RawType;
        pub(super) fn mdev_abi_type_sysfs_name(t: *const RawType) -> *const c_char;
        pub(super) fn mdev_abi_type_pretty_name(t: *const RawType) -> *const c_char;
        pub(super) fn mdev_abi_drv_device_api(drv: *const RawDriver) -> *const c_char;
        pub(super) fn mdev_abi_drv_max_instances(drv: *const RawDriver) -> c_uint;
        pub(super) fn mdev_abi_drv_has_get_available(drv: *const RawDriver) -> bool;
        pub(super) fn mdev_abi_drv_has_description(drv: *const RawDriver) -> bool;
        pub(super) fn mdev_abi_drv_get_available(drv: *mut RawDriver, t: *mut RawType) -> c_uint;
        pub(super) fn mdev_abi_drv_show_description(
            drv: *mut RawDriver,
            t: *mut RawType,
            buf: *mut c_char,
        ) -> isize;
        pub(super) fn mdev_abi_drv_driver(drv: *mut RawDriver) -> *mut bindings::device_driver;
        pub(super) fn mdev_abi_device_alloc(
            parent: *mut bindings::device,
            t: *mut RawType,
            uuid: *const c_char,
            groups: *const *const bindings::attribute_group,
            core: *mut c_void,
        ) -> *mut bindings::device;
        pub(super) fn mdev_abi_device_core(dev: *mut bindings::device) -> *mut c_void;
        pub(super) fn mdev_abi_device_set_active(dev: *mut bindings::device, active: bool);
        pub(super) fn mdev_abi_kref_read(dev: *mut bindings::device) -> c_uint;
    }
    #[cfg(CONFIG_KUNIT = "y")]
    #[expect(improper_ctypes)]
    extern "C" {
        pub(crate) fn mdev_abi_kunit_warn_begin() -> *mut c_void;
        pub(crate) fn mdev_abi_kunit_warn_end(w: *mut c_void) -> c_int;
        pub(crate) fn mdev_abi_kunit_parent_alloc(nr_types: c_uint, max: c_uint) -> *mut c_void;
        pub(crate) fn mdev_abi_kunit_register(
            f: *mut c_void,
            dev: *mut bindings::device,
            nr_types: c_uint,
        ) -> c_int;
        pub(crate) fn mdev_abi_kunit_unregister(f: *mut c_void);
        pub(crate) fn mdev_abi_kunit_parent_free(f: *mut c_void);
        pub(crate) fn mdev_abi_kunit_parent(f: *mut c_void) -> *mut RawParent;
    }
}

/// Registers the `mdev` bus.
pub(crate) fn bus_register() -> Result {
    // SAFETY: No preconditions; paired with `bus_unregister()` in module exit.
    to_result(unsafe { ffi::mdev_abi_bus_register() })
}

/// Unregisters the `mdev` bus.
pub(crate) fn bus_unregister() {
    // SAFETY: Only called from module exit after a successful `bus_register()`.
    unsafe { ffi::mdev_abi_bus_unregister() }
}

/// Returns the raw `struct device` behind a [`Device`].
pub(crate) fn raw_dev(dev: &Device) -> *mut bindings::device {
    // CAST: `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>` (plus a ZST), and
    // `Opaque` allows mutation through a shared reference.
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
}

/// Reads the reference count of a device.
pub(crate) fn kref_read(dev: &Device) -> u32 {
    // SAFETY: `dev` is a valid device for the duration of the call.
    unsafe { ffi::mdev_abi_kref_read(raw_dev(dev)) }
}

/// Copies a C string owned by a vendor driver.
///
/// # Safety
///
/// `s` must be NULL or point to a NUL-terminated string valid for the duration of the call.
unsafe fn copy_cstr(s: *const c_char) -> Result<Option<CString>> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: Guaranteed by the caller.
    let s = unsafe { CStr::from_char_ptr(s) };
    Ok(Some(CString::try_from(s)?))
}

/// What the core copies out of a vendor's `struct mdev_type` at registration.
pub(crate) struct TypeInfo {
    /// The vendor's type, passed back to its callbacks.
    pub(crate) raw: VendorType,
    /// `sysfs_name`.
    pub(crate) sysfs_name: CString,
    /// `pretty_name`, if any.
    pub(crate) pretty_name: Option<CString>,
}

/// A vendor's registration: the pointers given to `mdev_register_parent()`.
///
/// # Invariants
///
/// `parent`, `drv` and each of the `nr_types` entries of `types` are valid from
/// `mdev_register_parent()` until `mdev_unregister_parent()` returns (the ABI contract of
/// `include/linux/mdev.h`).
pub(crate) struct Vendor {
    parent: NonNull<RawParent>,
    drv: NonNull<RawDriver>,
    types: *mut *mut RawType,
    nr_types: u32,
}

// SAFETY: The vendor structures may be used from any thread; the C core does the same.
unsafe impl Send for Vendor {}
// SAFETY: `Vendor` only passes the pointers to C, which synchronises as the C core does.
unsafe impl Sync for Vendor {}

impl Vendor {
    /// Wraps the arguments of `mdev_register_parent()`.
    ///
    /// # Safety
    ///
    /// The pointers must satisfy the `mdev_register_parent()` contract: valid until the matching
    /// `mdev_unregister_parent()` returns, with `nr_types` entries in `types`.
    pub(crate) unsafe fn new(
        parent: *mut RawParent,
        drv: *mut RawDriver,
        types: *mut *mut RawType,
        nr_types: u32,
    ) -> Result<Self> {
        let parent = NonNull::new(parent).ok_or(EINVAL)?;
        let drv = NonNull::new(drv).ok_or(EINVAL)?;
        if types.is_null() && nr_types != 0 {
            return Err(EINVAL);
        }
        // INVARIANT: Guaranteed by the caller.
        Ok(Self {
            parent,
            drv,
            types,
            nr_types,
        })
    }

    /// The vendor's `struct mdev_parent`, used as the registry key.
    pub(crate) fn key(&self) -> *mut RawParent {
        self.parent.as_ptr()
    }

    /// Initialises the vendor's `struct mdev_parent` fields, as the C core does.
    pub(crate) fn init_parent(&self, dev: &Device) {
        // SAFETY: By the type invariants all pointers are valid; `dev` is a valid device.
        unsafe {
            ffi::mdev_abi_parent_init(
                self.parent.as_ptr(),
                raw_dev(dev),
                self.drv.as_ptr(),
                self.types,
                self.nr_types,
            )
        }
    }

    /// The driver's description of how it counts instances and describes types.
    pub(crate) fn driver(&self) -> VendorDriver {
        VendorDriver(self.drv)
    }

    /// Copies the names of all types.
    pub(crate) fn types(&self) -> Result<KVec<TypeInfo>> {
        let mut v = KVec::with_capacity(self.nr_types as usize, GFP_KERNEL)?;
        for i in 0..self.nr_types {
            // SAFETY: By the type invariants `types` has `nr_types` valid entries.
            let raw = unsafe { ffi::mdev_abi_type(self.types, i) };
            let raw = NonNull::new(raw).ok_or(EINVAL)?;
            // SAFETY: `raw` is a valid vendor type (type invariants); its strings are C strings.
            let sysfs_name =
                unsafe { copy_cstr(ffi::mdev_abi_type_sysfs_name(raw.as_ptr())) }?.ok_or(EINVAL)?;
            // SAFETY: As above.
            let pretty_name = unsafe { copy_cstr(ffi::mdev_abi_type_pretty_name(raw.as_ptr())) }?;
            v.push(
                TypeInfo {
                    raw: VendorType(raw),
                    sysfs_name,
                    pretty_name,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(v)
    }
}

/// A vendor's `struct mdev_driver`.
///
/// # Invariants
///
/// Points to a valid driver while the parent that uses it is registered.
#[derive(Clone, Copy)]
pub(crate) struct VendorDriver(NonNull<RawDriver>);

// SAFETY: See `Vendor`.
unsafe impl Send for VendorDriver {}
// SAFETY: See `Vendor`.
unsafe impl Sync for VendorDriver {}

/// A vendor's `struct mdev_type`.
///
/// # Invariants
///
/// Points to a valid type while its parent is registered.
#[derive(Clone, Copy)]
pub(crate) struct VendorType(NonNull<RawType>);

// SAFETY: See `Vendor`.
unsafe impl Send for VendorType {}
// SAFETY: See `Vendor`.
unsafe impl Sync for VendorType {}

impl VendorDriver {
    /// `device_api`, copied.
    pub(crate) fn device_api(&self) -> Result<CString> {
        // SAFETY: The driver is valid (type invariants) and `device_api` is a C string.
        unsafe { copy_cstr(ffi::mdev_abi_drv_device_api(self.0.as_ptr())) }?.ok_or(EINVAL)
    }

    /// `max_instances`.
    pub(crate) fn max_instances(&self) -> u32 {
        // SAFETY: The driver is valid (type invariants).
        unsafe { ffi::mdev_abi_drv_max_instances(self.0.as_ptr()) }
    }

    /// Whether the driver provides `get_available`.
    pub(crate) fn has_get_available(&self) -> bool {
        // SAFETY: The driver is valid (type invariants).
        unsafe { ffi::mdev_abi_drv_has_get_available(self.0.as_ptr()) }
    }

    /// Whether the driver provides `show_description`.
    pub(crate) fn has_description(&self) -> bool {
        // SAFETY: The driver is valid (type invariants).
        unsafe { ffi::mdev_abi_drv_has_description(self.0.as_ptr()) }
    }

    /// Calls `get_available`; only valid if [`Self::has_get_available`].
    pub(crate) fn get_available(&self, t: VendorType) -> u32 {
        // SAFETY: Driver and type are valid (type invariants); the callback is set.
        unsafe { ffi::mdev_abi_drv_get_available(self.0.as_ptr(), t.0.as_ptr()) }
    }

    /// Calls `show_description` into a sysfs page; only valid if [`Self::has_description`].
    pub(crate) fn show_description(&self, t: VendorType, page: &mut Page<'_>) -> Result {
        page.fill_raw(|buf| {
            // SAFETY: Driver and type are valid (type invariants); `buf` is the sysfs page.
            unsafe { ffi::mdev_abi_drv_show_description(self.0.as_ptr(), t.0.as_ptr(), buf) }
        })
    }

    /// Binds the driver to a freshly added mdev device, running the vendor's `probe`.
    pub(crate) fn attach(&self, dev: &Device) -> Result {
        // SAFETY: The driver is valid (type invariants) and `dev` is a valid, added device.
        to_result(unsafe {
            bindings::device_driver_attach(ffi::mdev_abi_drv_driver(self.0.as_ptr()), raw_dev(dev))
        })
    }
}

/// Allocates an mdev device (not yet added) named by the lower-case UUID of `core`.
///
/// The device owns `core` from here on: it comes back through [`mdev_rs_device_release`] when
/// the last reference goes, and is dropped at once if the allocation fails.
pub(crate) fn device_alloc(
    parent: &Device,
    t: VendorType,
    core: KBox<MdevCore>,
) -> Result<ARef<Device>> {
    let name = core.uuid().to_name();
    let name = name.as_cstr().as_char_ptr();
    let core = KBox::into_raw(core);
    // SAFETY: `parent` is valid, `t` is a registered vendor type, `name` a valid UUID string
    // (on the stack, alive during the call; the C side copies it) and the groups a
    // NULL-terminated static array.
    let dev = unsafe {
        ffi::mdev_abi_device_alloc(
            raw_dev(parent),
            t.0.as_ptr(),
            name,
            mdev_sysfs::device_groups(),
            core.cast(),
        )
    };
    let Some(dev) = NonNull::new(dev) else {
        // SAFETY: On failure the C side did not take `core`, which came from `KBox::into_raw()`.
        drop(unsafe { KBox::from_raw(core) });
        return Err(ENOMEM);
    };
    // SAFETY: `dev` was just initialised with `device_initialize()`; we take over that reference.
    Ok(unsafe { ARef::from_raw(dev.cast()) })
}

/// The core state of an mdev device, or `None` if `dev` is not an mdev device of this core.
pub(crate) fn device_core(dev: &Device) -> Option<&MdevCore> {
    let raw = raw_dev(dev);
    // SAFETY: `raw` is a valid device.
    if !unsafe { ffi::mdev_abi_is_mdev(raw) } {
        return None;
    }
    // SAFETY: Every device on our bus was allocated by `device_alloc()`, whose `core` is a
    // `KBox<MdevCore>` that lives until the device is released, i.e. longer than `dev`'s borrow.
    unsafe { ffi::mdev_abi_device_core(raw).cast::<MdevCore>().as_ref() }
}

/// `device_add()`.
pub(crate) fn device_add(dev: &Device) -> Result {
    // SAFETY: `dev` is an initialised, not yet added device.
    to_result(unsafe { bindings::device_add(raw_dev(dev)) })
}

/// `device_del()`.
pub(crate) fn device_del(dev: &Device) {
    // SAFETY: `dev` was added by `device_add()` and is deleted once by the core.
    unsafe { bindings::device_del(raw_dev(dev)) }
}

/// Mirrors the core's notion of an active device into `mdev_device::active`.
pub(crate) fn device_set_active(dev: &Device, active: bool) {
    // SAFETY: Only called on mdev devices allocated by `device_alloc()`.
    unsafe { ffi::mdev_abi_device_set_active(raw_dev(dev), active) }
}

/// Test-only access to the C fixtures and KUnit warning counters.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) mod kunit {
    use super::*;

    /// Counts the `WARN()`s raised by `f` in the current KUnit test, suppressing their traces.
    pub(crate) fn count_warnings<R>(f: impl FnOnce() -> R) -> (R, i32) {
        // SAFETY: No preconditions; returns NULL outside a test.
        let w = unsafe { ffi::mdev_abi_kunit_warn_begin() };
        let r = f();
        // SAFETY: `w` came from `mdev_abi_kunit_warn_begin()` in this task.
        (r, unsafe { ffi::mdev_abi_kunit_warn_end(w) })
    }

    /// A C vendor parent with `nr_types` types and `max_instances`, for tests.
    ///
    /// # Invariants
    ///
    /// `0` is a live fixture from `mdev_abi_kunit_parent_alloc()`.
    pub(crate) struct Fixture(NonNull<c_void>);

    impl Fixture {
        /// Allocates a fixture.
        pub(crate) fn new(nr_types: u32, max: u32) -> Result<Self> {
            // SAFETY: No preconditions.
            let f = unsafe { ffi::mdev_abi_kunit_parent_alloc(nr_types, max) };
            // INVARIANT: Non-NULL results are live fixtures.
            Ok(Self(NonNull::new(f).ok_or(ENOMEM)?))
        }

        /// Calls `mdev_register_parent()` with this fixture.
        pub(crate) fn register(&self, dev: &Device, nr_types: u32) -> Result {
            // SAFETY: The fixture is live (type invariants) and `dev` a valid device.
            to_result(unsafe {
                ffi::mdev_abi_kunit_register(self.0.as_ptr(), raw_dev(dev), nr_types)
            })
        }

        /// Calls `mdev_unregister_parent()` with this fixture.
        pub(crate) fn unregister(&self) {
            // SAFETY: The fixture is live (type invariants).
            unsafe { ffi::mdev_abi_kunit_unregister(self.0.as_ptr()) }
        }

        /// The fixture's `struct mdev_parent`.
        pub(crate) fn parent(&self) -> *mut RawParent {
            // SAFETY: The fixture is live (type invariants).
            unsafe { ffi::mdev_abi_kunit_parent(self.0.as_ptr()) }
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            // SAFETY: The fixture is live and its parent unregistered; the core keeps no vendor
            // pointer after that, so the memory may go at once.
            unsafe { ffi::mdev_abi_kunit_parent_free(self.0.as_ptr()) }
        }
    }
}

/// `mdev_register_parent()`, called by the C export in `mdev_abi.c`.
///
/// # Safety
///
/// The arguments follow the contract of `mdev_register_parent()` in `include/linux/mdev.h`.
#[no_mangle]
unsafe extern "C" fn mdev_rs_register_parent(
    parent: *mut RawParent,
    dev: *mut bindings::device,
    drv: *mut RawDriver,
    types: *mut *mut RawType,
    nr_types: c_uint,
) -> c_int {
    if dev.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: Guaranteed by the caller.
    let vendor = match unsafe { Vendor::new(parent, drv, types, nr_types) } {
        Ok(v) => v,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: The caller holds a reference on `dev`; we take our own.
    let dev = unsafe { Device::get_device(dev) };
    match crate::register_parent(vendor, dev) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `mdev_unregister_parent()`, called by the C export in `mdev_abi.c`.
///
/// # Safety
///
/// `parent` is only compared with registered parents, never dereferenced when unknown.
#[no_mangle]
unsafe extern "C" fn mdev_rs_unregister_parent(parent: *mut RawParent) {
    crate::unregister_parent(parent)
}

/// Called by the release callback of an mdev device with the `core` given to `device_alloc()`.
///
/// # Safety
///
/// `core` came from `KBox::into_raw()` in [`device_alloc`] and is released once.
#[no_mangle]
unsafe extern "C" fn mdev_rs_device_release(core: *mut c_void) {
    // SAFETY: Guaranteed by the caller. Dropping the state undoes the device's accounting.
    drop(unsafe { KBox::from_raw(core.cast::<MdevCore>()) })
}
