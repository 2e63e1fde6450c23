// SPDX-License-Identifier: GPL-2.0

//! The vendor side of `include/linux/mdev.h` as a core sees it: the structures a vendor
//! driver passes to `mdev_register_parent()`, and the functions `mdev_abi.c` exports, which call
//! a [`Core`].
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)

use super::{
    bindings,
    kobject::Page,
    mdev_bus::{self as mdev, RawDriver, RawParent, RawType},
};
use core::ptr::NonNull;
use kernel::{
    device::Device,
    error::to_result,
    ffi::{c_char, c_int, c_uint},
    prelude::*,
    str::CStrExt, //
};

pub(crate) use mdev::raw_dev;

#[cfg(MDEV_RS_KUNIT)]
mod ffi {
    use super::*;
    use kernel::ffi::c_void;

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
        pub(crate) fn mdev_abi_kunit_set_names(
            f: *mut c_void,
            device_api: *const c_char,
            i: c_uint,
            sysfs_name: *const c_char,
        );
        pub(crate) fn mdev_abi_kunit_set_type(f: *mut c_void, i: c_uint, present: bool);
        pub(crate) fn mdev_abi_kunit_uuid_check(
            parent: *mut bindings::device,
            name: *const c_char,
        ) -> c_int;
        pub(crate) fn mdev_abi_kunit_parent(f: *mut c_void) -> *mut RawParent;
    }
}

/// Reads the reference count of a device.
#[cfg(MDEV_RS_KUNIT)]
pub(crate) fn kref_read(dev: &Device) -> u32 {
    // SAFETY: `dev` is a valid device for the duration of the call; the counter is read once,
    // as `kref_read()` does.
    let n = unsafe {
        core::ptr::read_volatile(&raw const (*raw_dev(dev)).kobj.kref.refcount.refs.counter)
    };
    n as u32
}

/// A C string owned by a vendor driver, borrowed as the C core does.
///
/// # Safety
///
/// `s` must be NULL or point to a NUL-terminated string valid for `'a`.
unsafe fn vendor_cstr<'a>(s: *const c_char) -> Option<&'a CStr> {
    // SAFETY: Guaranteed by the caller.
    (!s.is_null()).then(|| unsafe { CStr::from_char_ptr(s) })
}

/// A vendor's type in a registration; its names are read from vendor memory, as the C core
/// reads them.
#[derive(Clone, Copy)]
pub(crate) struct TypeInfo {
    /// The vendor's type, passed back to its callbacks.
    pub(crate) raw: VendorType,
}

impl TypeInfo {
    /// `sysfs_name` (checked to be set at registration).
    pub(crate) fn sysfs_name(&self) -> &CStr {
        // SAFETY: The type is valid while registered (type invariants of `VendorType`), and so
        // are its strings.
        unsafe { vendor_cstr((*self.raw.0.as_ptr()).sysfs_name) }.unwrap_or(c"")
    }

    /// `pretty_name`, if any.
    pub(crate) fn pretty_name(&self) -> Option<&CStr> {
        // SAFETY: As in `sysfs_name()`.
        unsafe { vendor_cstr((*self.raw.0.as_ptr()).pretty_name) }
    }
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

    /// Initialises the vendor's `struct mdev_parent` fields, as the C core does, and reads what
    /// the core keeps of the driver; `EINVAL` if the driver has no `device_api` or a type is NULL
    /// or has no `sysfs_name`.
    pub(crate) fn init_parent(&self, dev: &Device) -> Result<(VendorTypes, DrvInfo)> {
        let parent = self.parent.as_ptr();
        let drv = self.drv.as_ptr();
        // SAFETY: By the type invariants `parent` and `drv` are valid, the parent for writes.
        let info = unsafe {
            parent.write(RawParent::default());
            bindings::__init_rwsem(
                &raw mut (*parent).unreg_sem,
                c"&parent->unreg_sem".as_char_ptr(),
                kernel::static_lock_class!().as_ptr(),
            );
            (*parent).dev = raw_dev(dev);
            (*parent).mdev_driver = drv;
            (*parent).types = self.types;
            (*parent).nr_types = self.nr_types;
            (*parent).available_instances.counter = (*drv).max_instances as i32;
            DrvInfo {
                max_instances: (*drv).max_instances,
                counted: (*drv).get_available.is_none(),
                described: (*drv).show_description.is_some(),
            }
        };
        // SAFETY: As above.
        let mut ok = !unsafe { (*drv).device_api }.is_null();
        for i in 0..self.nr_types as usize {
            // SAFETY: `types` has `nr_types` valid entries (type invariants).
            let t = unsafe { *self.types.add(i) };
            if t.is_null() {
                ok = false;
                continue;
            }
            // SAFETY: A non-NULL entry is a valid type.
            unsafe { (*t).parent = parent };
        }
        if !ok {
            return Err(EINVAL);
        }
        // INVARIANT: Valid until unregistration (type invariants of `Self`).
        let types = VendorTypes {
            types: self.types,
            nr: self.nr_types,
        };
        Ok((types, info))
    }

    /// The driver's description of how it counts instances and describes types.
    pub(crate) fn driver(&self) -> VendorDriver {
        VendorDriver(self.drv)
    }
}

/// What the core keeps of a vendor driver, read at registration.
#[derive(Default, Clone, Copy)]
pub(crate) struct DrvInfo {
    /// `max_instances`.
    pub(crate) max_instances: c_uint,
    /// The driver has no `get_available`: the core counts instances.
    pub(crate) counted: bool,
    /// The driver has `show_description`.
    pub(crate) described: bool,
}

/// The `types` array of a registration, in vendor memory, as the C core uses it.
///
/// # Invariants
///
/// `types` has `nr` valid entries while the parent is registered.
#[derive(Clone, Copy)]
pub(crate) struct VendorTypes {
    types: *mut *mut RawType,
    nr: u32,
}

// SAFETY: See `Vendor`.
unsafe impl Send for VendorTypes {}
// SAFETY: See `Vendor`.
unsafe impl Sync for VendorTypes {}

impl VendorTypes {
    /// The number of types.
    pub(crate) fn len(&self) -> usize {
        self.nr as usize
    }

    /// `sysfs_name` of type `i`; `None` as for [`Self::get`].
    pub(crate) fn sysfs_name(&self, i: usize) -> Option<&CStr> {
        let t = self.get(i)?;
        // SAFETY: A valid type while registered, as long as the borrow of `self`, and so is its
        // string, checked to be set by `get()`.
        unsafe { vendor_cstr((*t.raw.0.as_ptr()).sysfs_name) }
    }

    /// Type `i`, or `None` if out of range, NULL or without `sysfs_name`.
    pub(crate) fn get(&self, i: usize) -> Option<TypeInfo> {
        if i >= self.nr as usize {
            return None;
        }
        // SAFETY: `i < nr` entries are valid (type invariants).
        let raw = NonNull::new(unsafe { *self.types.add(i) })?;
        // SAFETY: A non-NULL entry is a valid type while registered.
        if unsafe { (*raw.as_ptr()).sysfs_name }.is_null() {
            return None;
        }
        // INVARIANT: A valid type while registered.
        Some(TypeInfo {
            raw: VendorType(raw),
        })
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

impl VendorType {
    /// The vendor's `struct mdev_type`.
    pub(crate) fn as_ptr(&self) -> NonNull<RawType> {
        self.0
    }
}

// SAFETY: See `Vendor`.
unsafe impl Send for VendorType {}
// SAFETY: See `Vendor`.
unsafe impl Sync for VendorType {}

impl VendorDriver {
    /// `device_api`, if set.
    pub(crate) fn device_api(&self) -> Option<&CStr> {
        // SAFETY: The driver is valid (type invariants), and so is its `device_api` string.
        unsafe { vendor_cstr((*self.0.as_ptr()).device_api) }
    }

    /// Calls `get_available`; 0 if the driver has none ([`DrvInfo::counted`]).
    pub(crate) fn get_available(&self, t: VendorType) -> u32 {
        // SAFETY: The driver is valid (type invariants).
        match unsafe { (*self.0.as_ptr()).get_available } {
            // SAFETY: The type is valid (type invariants).
            Some(f) => unsafe { f(t.0.as_ptr()) },
            None => 0,
        }
    }

    /// Calls `show_description` into a sysfs page; `ENOENT` if the driver has none.
    pub(crate) fn show_description(&self, t: VendorType, page: &mut Page<'_>) -> Result {
        // SAFETY: The driver is valid (type invariants).
        let f = unsafe { (*self.0.as_ptr()).show_description }.ok_or(ENOENT)?;
        // SAFETY: The type is valid (type invariants); `buf` is the sysfs page.
        page.fill_raw(|buf| unsafe { f(t.0.as_ptr(), buf) });
        Ok(())
    }

    /// Binds the driver to a freshly added mdev device, running the vendor's `probe`.
    pub(crate) fn attach(&self, dev: &Device) -> Result {
        // SAFETY: The driver is valid (type invariants) and `dev` is a valid, added device.
        to_result(unsafe {
            bindings::device_driver_attach(&raw mut (*self.0.as_ptr()).driver, raw_dev(dev))
        })
    }
}

/// Test-only access to the C fixtures and KUnit warning counters.
#[cfg(MDEV_RS_KUNIT)]
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

        /// Sets the driver's `device_api` and type `i`'s `sysfs_name` (`None`: NULL); only
        /// while not registered.
        pub(crate) fn set_names(
            &self,
            device_api: Option<&'static CStr>,
            i: u32,
            sysfs_name: Option<&'static CStr>,
        ) {
            let p = |s: Option<&'static CStr>| s.map_or(core::ptr::null(), |s| s.as_char_ptr());
            // SAFETY: The fixture is live (type invariants); the strings are static.
            unsafe {
                ffi::mdev_abi_kunit_set_names(self.0.as_ptr(), p(device_api), i, p(sysfs_name))
            }
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

        /// Makes entry `i` of the type array NULL (`present` false) or not; only while not
        /// registered.
        pub(crate) fn set_type(&self, i: u32, present: bool) {
            // SAFETY: The fixture is live (type invariants).
            unsafe { ffi::mdev_abi_kunit_set_type(self.0.as_ptr(), i, present) }
        }
    }

    /// Whether the mdev device `name` of `parent` has, in `mdev->uuid`, what `guid_parse()`
    /// makes of its name; `ENODEV` if there is no such device.
    pub(crate) fn uuid_matches_name(parent: &Device, name: &CStr) -> Result<bool> {
        // SAFETY: `parent` is a valid device and `name` a C string.
        let r = unsafe { ffi::mdev_abi_kunit_uuid_check(raw_dev(parent), name.as_char_ptr()) };
        to_result(r)?;
        Ok(r == 1)
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            // SAFETY: The fixture is live and its parent unregistered; the core keeps no vendor
            // pointer after that, so the memory may go at once.
            unsafe { ffi::mdev_abi_kunit_parent_free(self.0.as_ptr()) }
        }
    }
}

/// A core implementing the parent registration of `include/linux/mdev.h`.
pub(crate) trait Core {
    /// `mdev_register_parent()`, with its arguments checked.
    fn register_parent(vendor: Vendor, dev: &Device) -> Result;

    /// `mdev_unregister_parent()`; `parent` is a key, never dereferenced when unknown.
    fn unregister_parent(parent: *mut RawParent);
}

/// `mdev_register_driver()`.
///
/// # Safety
///
/// `drv` follows the contract of `mdev_register_driver()` in `include/linux/mdev.h`.
pub(crate) unsafe fn register_driver(drv: *mut RawDriver) -> c_int {
    // SAFETY: Guaranteed by the caller.
    match unsafe { mdev::register_driver(drv) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `mdev_unregister_driver()`.
///
/// # Safety
///
/// `drv` was registered with `mdev_register_driver()`.
pub(crate) unsafe fn unregister_driver(drv: *mut RawDriver) {
    // SAFETY: Guaranteed by the caller.
    unsafe { mdev::unregister_driver(drv) }
}

/// `mdev_register_parent()` for core `C`: `EINVAL` for a NULL parent, device or driver, or a
/// NULL `types` with types.
///
/// # Safety
///
/// The arguments follow the contract of `mdev_register_parent()` in `include/linux/mdev.h`.
pub(crate) unsafe fn register_parent<C: Core>(
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
    // SAFETY: The caller holds a reference on `dev` for the duration of the call.
    let dev = unsafe { Device::from_raw(dev) };
    match C::register_parent(vendor, dev) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Defines the functions of `include/linux/mdev.h` for a [`Core`]; `mdev_abi.c` exports them.
macro_rules! export_mdev_abi {
    ($core:ty) => {
        /// `mdev_register_driver()`.
        ///
        /// # Safety
        ///
        /// As the C declaration says.
        #[no_mangle]
        unsafe extern "C" fn mdev_register_driver(
            drv: *mut $crate::rust_kernel::mdev_bus::RawDriver,
        ) -> kernel::ffi::c_int {
            // SAFETY: The caller follows the contract of the C declaration.
            unsafe { $crate::rust_kernel::mdev_vendor::register_driver(drv) }
        }

        /// `mdev_unregister_driver()`.
        ///
        /// # Safety
        ///
        /// As the C declaration says.
        #[no_mangle]
        unsafe extern "C" fn mdev_unregister_driver(
            drv: *mut $crate::rust_kernel::mdev_bus::RawDriver,
        ) {
            // SAFETY: The caller follows the contract of the C declaration.
            unsafe { $crate::rust_kernel::mdev_vendor::unregister_driver(drv) }
        }

        /// `mdev_register_parent()`.
        ///
        /// # Safety
        ///
        /// As the C declaration says.
        #[no_mangle]
        unsafe extern "C" fn mdev_register_parent(
            parent: *mut $crate::rust_kernel::mdev_bus::RawParent,
            dev: *mut $crate::rust_kernel::bindings::device,
            drv: *mut $crate::rust_kernel::mdev_bus::RawDriver,
            types: *mut *mut $crate::rust_kernel::mdev_bus::RawType,
            nr_types: kernel::ffi::c_uint,
        ) -> kernel::ffi::c_int {
            // SAFETY: The caller follows the contract of the C declaration.
            unsafe {
                $crate::rust_kernel::mdev_vendor::register_parent::<$core>(
                    parent, dev, drv, types, nr_types,
                )
            }
        }

        /// `mdev_unregister_parent()`.
        #[no_mangle]
        extern "C" fn mdev_unregister_parent(
            parent: *mut $crate::rust_kernel::mdev_bus::RawParent,
        ) {
            <$core as $crate::rust_kernel::mdev_vendor::Core>::unregister_parent(parent)
        }
    };
}
pub(crate) use export_mdev_abi;
