// SPDX-License-Identifier: GPL-2.0

//! Binding to the C ABI layer (`mdev_abi.c`).
//!
//! The vendor-visible structures of `include/linux/mdev.h` stay opaque here: their fields are reached
//! only through accessors compiled against the real header, so no layout is copied into Rust.

use crate::{mdev_sysfs, mdev_sysfs::Page, MdevCore, Uuid};
use core::{
    marker::{PhantomData, PhantomPinned},
    mem::ManuallyDrop,
    ptr::{self, NonNull},
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::ffi::{c_char, c_int, c_uint, c_void};
use kernel::{
    bindings,
    device::Device,
    error::to_result,
    prelude::*,
    str::CStrExt,
    sync::aref::ARef,
    types::Opaque, //
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

pub(crate) use ffi::mdev_abi_kset_get_ownership as kset_get_ownership;

mod ffi {
    use super::*;

    // `struct device` has empty members (e.g. `sched_statistics`); only pointers cross here.
    #[expect(improper_ctypes)]
    extern "C" {
        pub(super) fn mdev_abi_init() -> c_int;
        pub(super) fn mdev_abi_exit(leaked: bool);
        pub(super) fn mdev_abi_device_free(dev: *mut bindings::device);
        pub(super) fn mdev_abi_is_mdev(dev: *const bindings::device) -> bool;
        pub(super) fn mdev_abi_parent_init(
            parent: *mut RawParent,
            dev: *mut bindings::device,
            drv: *mut RawDriver,
            types: *mut *mut RawType,
            nr_types: c_uint,
            info: *mut DrvInfo,
        ) -> c_int;
        pub(crate) fn mdev_abi_kset_get_ownership(
            kobj: *const bindings::kobject,
            uid: *mut bindings::kuid_t,
            gid: *mut bindings::kgid_t,
        );
        pub(super) fn mdev_abi_type(types: *mut *mut RawType, i: c_uint) -> *mut RawType;
        pub(super) fn mdev_abi_type_sysfs_name(t: *const RawType) -> *const c_char;
        pub(super) fn mdev_abi_type_pretty_name(t: *const RawType) -> *const c_char;
        pub(super) fn mdev_abi_drv_device_api(drv: *const RawDriver) -> *const c_char;
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
            guid: *const u8,
            groups: *const *const bindings::attribute_group,
            core: *const c_void,
            size: usize,
        ) -> *mut bindings::device;
        pub(super) fn mdev_abi_device_core(dev: *mut bindings::device) -> *mut c_void;
        pub(super) fn mdev_abi_device_active(dev: *mut bindings::device) -> bool;
        pub(super) fn mdev_abi_list_add(
            head: *mut bindings::list_head,
            dev: *mut bindings::device,
        ) -> bool;
        pub(super) fn mdev_abi_list_del(
            head: *mut bindings::list_head,
            dev: *mut bindings::device,
        ) -> *mut bindings::device;
        pub(super) fn mdev_abi_list_pop(head: *mut bindings::list_head) -> *mut bindings::device;
        pub(super) fn mdev_abi_uuid_insert(
            root: *mut bindings::rb_root,
            id: usize,
            dev: *mut bindings::device,
        ) -> c_int;
        pub(super) fn mdev_abi_uuid_erase(
            root: *mut bindings::rb_root,
            id: usize,
            dev: *mut bindings::device,
        ) -> bool;
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

/// Creates the device cache and registers the `mdev` bus.
pub(crate) fn init() -> Result {
    // SAFETY: No preconditions; paired with `exit()` in module exit.
    to_result(unsafe { ffi::mdev_abi_init() })
}

/// Undoes [`init`]; `leaked`: devices may still be allocated, so their cache stays.
pub(crate) fn exit(leaked: bool) {
    // SAFETY: Only called from module exit after a successful `init()`, once no device of
    // this core may be allocated unless `leaked`.
    unsafe { ffi::mdev_abi_exit(leaked) }
}

/// Returns the raw `struct device` behind a [`Device`].
pub(crate) fn raw_dev(dev: &Device) -> *mut bindings::device {
    // CAST: `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>` (plus a ZST), and
    // `Opaque` allows mutation through a shared reference.
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
}

/// `dev_info(dev, msg)` for a fixed message without `%`, printed as the C core prints it,
/// without the formatting machinery of `dev_info!`; a message with `%` is not printed.
pub(crate) fn dev_info(dev: &Device, msg: &CStr) {
    if msg.to_bytes().contains(&b'%') {
        return;
    }
    // SAFETY: `dev` is a valid device; `msg` is a C string without conversions, so the format
    // reads no arguments.
    unsafe { bindings::_dev_info(raw_dev(dev), msg.as_char_ptr()) }
}

/// Reads the reference count of a device.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn kref_read(dev: &Device) -> u32 {
    // SAFETY: `dev` is a valid device for the duration of the call.
    unsafe { ffi::mdev_abi_kref_read(raw_dev(dev)) }
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
        unsafe { vendor_cstr(ffi::mdev_abi_type_sysfs_name(self.raw.0.as_ptr())) }.unwrap_or(c"")
    }

    /// `pretty_name`, if any.
    pub(crate) fn pretty_name(&self) -> Option<&CStr> {
        // SAFETY: As in `sysfs_name()`.
        unsafe { vendor_cstr(ffi::mdev_abi_type_pretty_name(self.raw.0.as_ptr())) }
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
        let mut info = DrvInfo::default();
        // SAFETY: By the type invariants all pointers are valid; `dev` is a valid device and
        // `info` is writable.
        to_result(unsafe {
            ffi::mdev_abi_parent_init(
                self.parent.as_ptr(),
                raw_dev(dev),
                self.drv.as_ptr(),
                self.types,
                self.nr_types,
                &mut info,
            )
        })?;
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

/// What the core keeps of a vendor driver, read at registration: `struct mdev_abi_drv_info`.
#[repr(C)]
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

    /// Type `i`, or `None` if out of range, NULL or without `sysfs_name`.
    pub(crate) fn get(&self, i: usize) -> Option<TypeInfo> {
        let i = u32::try_from(i).ok().filter(|&i| i < self.nr)?;
        // SAFETY: `i < nr` entries are valid (type invariants); NULL stands for an entry that is
        // NULL or has no `sysfs_name`.
        let raw = NonNull::new(unsafe { ffi::mdev_abi_type(self.types, i) })?;
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

// SAFETY: See `Vendor`.
unsafe impl Send for VendorType {}
// SAFETY: See `Vendor`.
unsafe impl Sync for VendorType {}

impl VendorDriver {
    /// `device_api`, if set.
    pub(crate) fn device_api(&self) -> Option<&CStr> {
        // SAFETY: The driver is valid (type invariants), and so is its `device_api` string.
        unsafe { vendor_cstr(ffi::mdev_abi_drv_device_api(self.0.as_ptr())) }
    }

    /// Calls `get_available`; only valid if the driver has it ([`DrvInfo::counted`] is unset).
    pub(crate) fn get_available(&self, t: VendorType) -> u32 {
        // SAFETY: Driver and type are valid (type invariants); the callback is set.
        unsafe { ffi::mdev_abi_drv_get_available(self.0.as_ptr(), t.0.as_ptr()) }
    }

    /// Calls `show_description` into a sysfs page; only valid if [`DrvInfo::described`].
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

/// Room for [`MdevCore`] in each mdev device: `MDEV_ABI_CORE_SIZE` in `mdev_abi.h`.
const CORE_SIZE: usize = 8;
const _: () = assert!(
    core::mem::size_of::<MdevCore>() <= CORE_SIZE && core::mem::align_of::<MdevCore>() <= 8
);

/// Allocates an mdev device (not yet added) of `uuid`, named by its lower-case form.
///
/// `core` moves into the device's own allocation, so the core state costs no allocation of its
/// own. It is dropped when the last reference goes, after [`crate::device_released`] has run,
/// and at once if the allocation fails.
pub(crate) fn device_alloc(
    parent: &Device,
    t: VendorType,
    uuid: Uuid,
    core: MdevCore,
) -> Result<ARef<Device>> {
    let name = uuid.to_name();
    let name = name.as_cstr().as_char_ptr();
    let guid = uuid.to_guid();
    let core = ManuallyDrop::new(core);
    // The C side copies `name` and reads `core` bytewise, which moves it: it is not used again
    // on success. Its storage is 8-byte aligned and large enough (asserted above).
    // SAFETY: `parent` is valid, `t` a registered vendor type, `name` a UUID C string and `guid`
    // 16 bytes, both alive during the call, the groups a NULL-terminated static array, `core`
    // valid for `size`.
    let dev = unsafe {
        ffi::mdev_abi_device_alloc(
            raw_dev(parent),
            t.0.as_ptr(),
            name,
            guid.as_ptr(),
            mdev_sysfs::device_groups(),
            (&raw const *core).cast(),
            core::mem::size_of::<MdevCore>(),
        )
    };
    let Some(dev) = NonNull::new(dev) else {
        // On failure the C side did not take `core`.
        drop(ManuallyDrop::into_inner(core));
        return Err(ENOMEM);
    };
    // SAFETY: `dev` was just initialised with `device_initialize()`; we take over that reference.
    Ok(unsafe { ARef::from_raw(dev.cast()) })
}

/// Whether `dev` is an mdev device of this core.
fn is_ours(dev: &Device) -> bool {
    // SAFETY: `raw_dev(dev)` is a valid device.
    unsafe { ffi::mdev_abi_is_mdev(raw_dev(dev)) }
}

/// The core state of an mdev device, or `None` if `dev` is not an mdev device of this core.
pub(crate) fn device_core(dev: &Device) -> Option<&MdevCore> {
    if !is_ours(dev) {
        return None;
    }
    // SAFETY: Every device on our bus was allocated by `device_alloc()`, which moved an
    // `MdevCore` into it; that lives until the device is released, longer than `dev`'s borrow.
    unsafe {
        ffi::mdev_abi_device_core(raw_dev(dev))
            .cast::<MdevCore>()
            .as_ref()
    }
}

/// An mdev device whose last reference is gone, during its release callback.
///
/// # Invariants
///
/// `dev` is an mdev device of this core whose memory, including `core`, is valid for `'a`.
pub(crate) struct Released<'a> {
    dev: NonNull<bindings::device>,
    core: &'a MdevCore,
}

impl Released<'_> {
    /// The device's core state, dropped right after [`crate::device_released`].
    pub(crate) fn core(&self) -> &MdevCore {
        self.core
    }
}

/// Index of mdev devices by UUID.
///
/// The nodes live in the devices' own allocations, so indexing costs no memory of its own.
///
/// # Invariants
///
/// `root` holds exactly the devices whose `uuid_index` is `id`, and `id` is unique to this
/// index. A device still linked at release is leaked by the C side, never freed.
pub(crate) struct UuidIndex {
    root: bindings::rb_root,
    id: usize,
}

// SAFETY: The tree only links device memory, which any thread may use; `&mut self` serialises.
unsafe impl Send for UuidIndex {}

impl UuidIndex {
    /// An empty index.
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        // INVARIANT: Empty, with a fresh id.
        Self {
            root: bindings::rb_root {
                rb_node: ptr::null_mut(),
            },
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Adds `dev`; `EEXIST` if its UUID is taken, `EBUSY` if it is indexed already.
    pub(crate) fn insert(&mut self, dev: &Device) -> Result {
        if !is_ours(dev) {
            return Err(EINVAL);
        }
        // SAFETY: `dev` is an mdev device of this core; `&mut self` serialises the index.
        to_result(unsafe { ffi::mdev_abi_uuid_insert(&mut self.root, self.id, raw_dev(dev)) })
    }

    /// Removes `dev`; returns whether it was in this index.
    pub(crate) fn remove(&mut self, dev: &Device) -> bool {
        // SAFETY: As in `insert()`.
        is_ours(dev) && unsafe { ffi::mdev_abi_uuid_erase(&mut self.root, self.id, raw_dev(dev)) }
    }

    /// Removes a released device; returns whether it was in this index.
    pub(crate) fn remove_released(&mut self, r: &Released<'_>) -> bool {
        // SAFETY: `r.dev` is an mdev device of this core with valid memory (type invariants).
        unsafe { ffi::mdev_abi_uuid_erase(&mut self.root, self.id, r.dev.as_ptr()) }
    }

    /// Whether the index is empty.
    #[cfg(CONFIG_KUNIT = "y")]
    pub(crate) fn is_empty(&self) -> bool {
        self.root.rb_node.is_null()
    }
}

/// The devices of a parent in creation order, each holding a reference.
///
/// Linked through `mdev_device::next`, so a member costs no memory of its own. Every change
/// takes `Pin<&mut Self>`, so the owner's lock serialises the list.
///
/// # Invariants
///
/// `head` is an initialised list whose members are mdev devices of this core, linked and
/// unlinked only through `Pin<&mut Self>`; the list owns one reference to each.
#[pin_data(PinnedDrop)]
pub(crate) struct DeviceList {
    #[pin]
    head: Opaque<bindings::list_head>,
}

// SAFETY: Members are reference-counted devices, which any thread may use; changes need
// `Pin<&mut Self>`.
unsafe impl Send for DeviceList {}
// SAFETY: `&DeviceList` gives no access to the list.
unsafe impl Sync for DeviceList {}

impl DeviceList {
    /// An empty list.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: Initialised empty.
            // SAFETY: `p` is valid for writes.
            head <- Opaque::ffi_init(|p| unsafe { bindings::INIT_LIST_HEAD(p) }),
        })
    }

    /// Appends `dev`, which must not be on a list yet.
    pub(crate) fn push(self: Pin<&mut Self>, dev: ARef<Device>) -> Result {
        if !is_ours(&dev) {
            return Err(EINVAL);
        }
        // SAFETY: `dev` is an mdev device of this core; `Pin<&mut Self>` is exclusive.
        if !unsafe { ffi::mdev_abi_list_add(self.head.get(), raw_dev(&dev)) } {
            return Err(EBUSY);
        }
        // INVARIANT: The list now owns the reference.
        core::mem::forget(dev);
        Ok(())
    }

    /// Takes `dev` off the list, with the list's reference; `None` if it is not on it.
    pub(crate) fn take(self: Pin<&mut Self>, dev: &Device) -> Option<ARef<Device>> {
        if !is_ours(dev) {
            return None;
        }
        // SAFETY: As in `push()`.
        let d = unsafe { ffi::mdev_abi_list_del(self.head.get(), raw_dev(dev)) };
        // SAFETY: A non-NULL result is a member, with the reference the list owned.
        NonNull::new(d).map(|d| unsafe { ARef::from_raw(d.cast()) })
    }

    /// Takes the oldest device off the list, with the list's reference.
    pub(crate) fn pop(self: Pin<&mut Self>) -> Option<ARef<Device>> {
        // SAFETY: `Pin<&mut Self>` is exclusive.
        let d = unsafe { ffi::mdev_abi_list_pop(self.head.get()) };
        // SAFETY: As in `take()`.
        NonNull::new(d).map(|d| unsafe { ARef::from_raw(d.cast()) })
    }
}

#[pinned_drop]
impl PinnedDrop for DeviceList {
    fn drop(mut self: Pin<&mut Self>) {
        // Normally empty by now; drop the references of any member left.
        while self.as_mut().pop().is_some() {}
    }
}

/// Whether the core considers `dev` active (`mdev_device::active`).
pub(crate) fn device_active(dev: &Device) -> bool {
    // SAFETY: Only called on mdev devices allocated by `device_alloc()`.
    is_ours(dev) && unsafe { ffi::mdev_abi_device_active(raw_dev(dev)) }
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

        /// Sets the driver's `device_api` and type `i`'s `sysfs_name` (`None`: NULL); only
        /// while not registered.
        pub(crate) fn set_names(
            &self,
            device_api: Option<&'static CStr>,
            i: u32,
            sysfs_name: Option<&'static CStr>,
        ) {
            let p = |s: Option<&'static CStr>| s.map_or(ptr::null(), |s| s.as_char_ptr());
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
    // SAFETY: The caller holds a reference on `dev` for the duration of the call.
    let dev = unsafe { Device::from_raw(dev) };
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

/// Called by the release callback of an mdev device with its embedded core state.
///
/// # Safety
///
/// `dev` is an mdev device allocated by [`device_alloc`] whose last reference is gone, `core` its
/// core state; called once per device.
#[no_mangle]
unsafe extern "C" fn mdev_rs_device_release(dev: *mut bindings::device, core: *mut c_void) {
    let core = core.cast::<MdevCore>();
    {
        // INVARIANT: The memory stays valid until `mdev_abi_device_free()` below.
        let r = Released {
            // SAFETY: `dev` is non-NULL (caller guarantee).
            dev: unsafe { NonNull::new_unchecked(dev) },
            // SAFETY: `core` holds the `MdevCore` moved in by `device_alloc()`.
            core: unsafe { &*core },
        };
        crate::device_released(&r);
    }
    // SAFETY: The state is valid and dropped once; nothing refers to it any more.
    unsafe { ptr::drop_in_place(core) };
    // SAFETY: `dev` is in its release callback and its core state is dropped.
    unsafe { ffi::mdev_abi_device_free(dev) };
    // Module code runs until here.
    crate::live_put();
}
