// SPDX-License-Identifier: GPL-2.0

//! The vendor side of `include/linux/mdev.h` as a core sees it: the structures a vendor
//! driver passes to `mdev_register_parent()`, and the functions `mdev_abi.c` exports, which call
//! a [`Core`].
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)

use super::device::RawDevice as _; // out-of-tree only
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

/// Reads the reference count of a device.
#[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
pub(crate) fn kref_read(dev: &Device) -> u32 {
    // SAFETY: `dev` is a valid device for the duration of the call; the counter is read once,
    // as `kref_read()` does.
    let n = unsafe {
        core::ptr::read_volatile(&raw const (*dev.as_raw()).kobj.kref.refcount.refs.counter)
    };
    n as u32
}

/// `dev_info(dev, msg)` of a constant message, printed without the formatting machinery of
/// `dev_info!` (a registration prints two such lines; `make bench` counts the difference). The
/// message must hold no `%`, which the macro checks at build time.
#[macro_export]
macro_rules! dev_info_const {
    ($dev:expr, $msg:literal) => {{
        const MSG: &::core::ffi::CStr = $msg;
        const _: () = assert!(!$crate::rust_kernel::mdev_vendor::has_conversion(MSG));
        let dev = $dev;
        // SAFETY: `MSG` holds no `%` (asserted above).
        unsafe { $crate::rust_kernel::mdev_vendor::dev_info_plain(dev, MSG) }
    }};
}
pub(crate) use dev_info_const;

/// Whether `s` holds a `%`, which `printk()` would read as a conversion.
#[doc(hidden)]
pub(crate) const fn has_conversion(s: &CStr) -> bool {
    let b = s.to_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            return true;
        }
        i += 1;
    }
    false
}

/// Prints `msg` with `_dev_info()`; use [`dev_info_const!`], which checks the message.
///
/// # Safety
///
/// `msg` holds no `%`.
#[doc(hidden)]
pub(crate) unsafe fn dev_info_plain(dev: &Device, msg: &'static CStr) {
    // SAFETY: `dev` is a valid device; `msg` is a C string without a conversion (caller
    // guarantee), so the format reads no argument.
    unsafe { bindings::_dev_info(dev.as_raw(), msg.as_char_ptr()) }
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
    /// or has no `sysfs_name`, `EEXIST` if two types have the same `sysfs_name`.
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
            (*parent).dev = dev.as_raw();
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
        // Two types of one name would make one directory twice: `EEXIST`, as sysfs fails it,
        // but before anything is made.
        let name = |i: usize| {
            // SAFETY: The entries are valid (checked above), and so are their names.
            unsafe { vendor_cstr((**self.types.add(i)).sysfs_name) }
        };
        for i in 0..self.nr_types as usize {
            if name(i).is_some() && (0..i).any(|j| name(j) == name(i)) {
                return Err(EEXIST);
            }
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
            bindings::device_driver_attach(&raw mut (*self.0.as_ptr()).driver, dev.as_raw())
        })
    }
}

/// Vendor parents and KUnit warning counters, for the core's KUnit suite.
#[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
pub(crate) mod kunit {
    use super::*;
    use core::{
        ptr,
        sync::atomic::{AtomicU32, Ordering},
    };
    use kernel::{fmt, str::Formatter};

    /// Counts the `WARN()`s raised by `f` in the current KUnit test, suppressing their traces;
    /// -1 outside a test.
    pub(crate) fn count_warnings<R>(f: impl FnOnce() -> R) -> (R, i32) {
        // SAFETY: No preconditions.
        let test = unsafe { bindings::kunit_get_current_test() };
        if test.is_null() {
            return (f(), -1);
        }
        // SAFETY: `test` is the current test, running in this task.
        let w = unsafe { bindings::kunit_start_suppress_warning(test) };
        let r = f();
        // SAFETY: `w` came from `kunit_start_suppress_warning()` on `test`, ended once here.
        let n = unsafe {
            let n = bindings::kunit_suppressed_warning_count(w);
            bindings::kunit_end_suppress_warning(test, w);
            n
        };
        (r, n)
    }

    /// The vendor memory of a [`Fixture`], laid out as a C driver would have it.
    #[derive(pin_init::Zeroable)]
    struct Mem {
        parent: RawParent,
        drv: RawDriver,
        name: [u8; 32],
        types: [RawType; 4],
        ptrs: [*mut RawType; 4],
    }

    /// A vendor parent with up to four types named "1" to "4", a driver with `max_instances`
    /// and no `get_available`, registered on the bus while the fixture lives.
    ///
    /// # Invariants
    ///
    /// The driver is registered; `ptrs` point into `types` or are NULL; the memory does not
    /// move (boxed, never moved out).
    pub(crate) struct Fixture(KBox<Mem>);

    impl Fixture {
        /// Allocates a fixture and registers its driver.
        pub(crate) fn new(nr_types: u32, max: u32) -> Result<Self> {
            const NAMES: [&CStr; 4] = [c"1", c"2", c"3", c"4"];
            static SEQ: AtomicU32 = AtomicU32::new(0);
            if nr_types as usize > NAMES.len() {
                return Err(EINVAL);
            }
            let mut m = KBox::init(pin_init::zeroed::<Mem>(), GFP_KERNEL)?;
            let seq = SEQ.fetch_add(1, Ordering::Relaxed) + 1;
            let mut f = Formatter::new(&mut m.name[..31]);
            fmt::Write::write_fmt(&mut f, fmt!("mdev_rs_kunit{seq}")).map_err(|_| EINVAL)?;
            m.drv.driver.name = m.name.as_ptr().cast();
            m.drv.device_api = c"vfio-pci".as_char_ptr();
            m.drv.max_instances = max;
            let Mem { types, ptrs, .. } = &mut *m;
            for ((t, p), n) in types.iter_mut().zip(ptrs.iter_mut()).zip(NAMES) {
                t.sysfs_name = n.as_char_ptr();
                *p = t;
            }
            for p in &mut ptrs[nr_types as usize..] {
                *p = ptr::null_mut();
            }
            // SAFETY: The driver lives in the box until `drop()` unregisters it.
            unsafe { mdev::register_driver(&raw mut m.drv) }?;
            // INVARIANT: Registered; the pointers point into the box.
            Ok(Self(m))
        }

        /// Calls `mdev_register_parent()` with this fixture.
        pub(crate) fn register(&self, dev: &Device, nr_types: u32) -> Result {
            let m = ptr::from_ref(&*self.0).cast_mut();
            // SAFETY: The fixture's memory is valid until it is dropped, after unregistration,
            // and `ptrs` has four entries. This calls the core's own export, as a C driver does.
            to_result(unsafe {
                bindings::mdev_register_parent(
                    &raw mut (*m).parent,
                    dev.as_raw(),
                    &raw mut (*m).drv,
                    (&raw mut (*m).ptrs).cast(),
                    nr_types,
                )
            })
        }

        /// Sets the driver's `device_api` and type `i`'s `sysfs_name` (`None`: NULL); only
        /// while not registered.
        pub(crate) fn set_names(
            &mut self,
            device_api: Option<&'static CStr>,
            i: usize,
            sysfs_name: Option<&'static CStr>,
        ) {
            let p = |s: Option<&'static CStr>| s.map_or(ptr::null(), |s| s.as_char_ptr());
            self.0.drv.device_api = p(device_api);
            if let Some(t) = self.0.types.get_mut(i) {
                t.sysfs_name = p(sysfs_name);
            }
        }

        /// Makes entry `i` of the type array NULL (`present` false) or not; only while not
        /// registered.
        pub(crate) fn set_type(&mut self, i: usize, present: bool) {
            if i < self.0.ptrs.len() {
                // INVARIANT: NULL or a pointer into the box.
                self.0.ptrs[i] = if present {
                    &raw mut self.0.types[i]
                } else {
                    ptr::null_mut()
                };
            }
        }

        /// Calls `mdev_unregister_parent()` with this fixture.
        pub(crate) fn unregister(&self) {
            // SAFETY: The parent is compared with registered ones, never dereferenced if unknown.
            unsafe { bindings::mdev_unregister_parent(self.parent()) }
        }

        /// The fixture's `struct mdev_parent`.
        pub(crate) fn parent(&self) -> *mut RawParent {
            ptr::from_ref(&self.0.parent).cast_mut()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            // SAFETY: Registered (type invariants); the parent is unregistered, after which the
            // core keeps no vendor pointer, so the memory may go at once.
            unsafe { mdev::unregister_driver(&raw mut self.0.drv) }
        }
    }

    /// Whether the mdev device `name` of `parent` has, in `mdev->uuid`, what `guid_parse()`
    /// makes of its name; `ENODEV` if there is no such device.
    pub(crate) fn uuid_matches_name(parent: &Device, name: &CStr) -> Result<bool> {
        let mut found = None;
        mdev::for_each_child(parent, |child| {
            if child.name() == name {
                found = mdev::guid(child);
            }
        });
        let have = found.ok_or(ENODEV)?;
        let mut g = bindings::guid_t::default();
        // SAFETY: `name` is a C string and `g` valid for writes.
        let parsed = unsafe { bindings::guid_parse(name.as_char_ptr(), &mut g) } == 0;
        Ok(parsed && g.b == have)
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

/// `module!` for a core. Built in, the core initialises at `subsys_initcall` level, as the C
/// core does, so that the bus exists before vendor drivers initialise; the fields must end with
/// a comma.
#[macro_export]
macro_rules! module_mdev_core {
    ($($field:tt)*) => {
        #[cfg(MODULE)]
        ::kernel::prelude::module! { $($field)* }
        #[cfg(not(MODULE))]
        ::kernel::prelude::module! { $($field)* initcall: "subsys", }
    };
}
pub(crate) use module_mdev_core;

/// Defines the functions of `include/linux/mdev.h` for a [`Core`]; `mdev_abi.c` exports them.
#[macro_export]
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
