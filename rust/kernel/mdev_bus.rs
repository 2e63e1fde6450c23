// SPDX-License-Identifier: GPL-2.0

//! The `mdev` bus and its devices, for the core that implements `include/linux/mdev.h`.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)
//!
//! A core allocates each mdev device with [`Bus::alloc`] together with its own per-device state,
//! a [`DeviceState`]; the state is dropped when the device's last reference is gone.

use super::device::RawDevice as _; // out-of-tree only
use super::{
    bindings,
    kobject::{Groups, UeventEnv},
    mdev_vendor::VendorType,
};
use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{
    device::Device,
    error::to_result,
    ffi::{c_int, c_void},
    prelude::*,
    str::CStrExt,
    sync::aref::ARef, //
};

/// C `struct mdev_parent`, in vendor memory.
pub(crate) type RawParent = bindings::mdev_parent;
/// C `struct mdev_driver`, in vendor memory.
pub(crate) type RawDriver = bindings::mdev_driver;
/// C `struct mdev_type`, in vendor memory.
pub(crate) type RawType = bindings::mdev_type;

/// A core's state in each of its mdev devices.
pub(crate) trait DeviceState: Sized + Send + Sync + 'static {
    /// Called once when the device's last reference is gone, before the state is dropped.
    fn released(dev: &Released<'_, Self>);

    /// Called last in the release, once the state is dropped and the device freed.
    fn freed();

    /// Adds the core's entries to a uevent of `dev`, whose state this is. The event goes out
    /// with the entries that fit: failing it would drop it.
    fn uevent(&self, dev: &Device, env: &mut UeventEnv<'_>);
}

/// `uevent_of::<S>` for the state type `S` of a device.
type UeventFn = unsafe fn(*const bindings::device, *mut bindings::kobj_uevent_env) -> c_int;

/// What every mdev device starts with, whatever its state: the vendor-visible
/// `struct mdev_device`, first so that `to_mdev_device()` and `mdev->dev` work, then the
/// function that adds the state's uevent entries.
#[repr(C)]
struct Head {
    mdev: bindings::mdev_device,
    uevent: UeventFn,
}

/// An mdev device as allocated by [`Bus::alloc`]: the head, then the core's state.
#[repr(C)]
struct Alloc<S> {
    head: Head,
    state: MaybeUninit<S>,
}

/// A C object in a static, which C synchronises.
#[repr(transparent)]
struct Static<T>(T);

// SAFETY: Only used for the bus type, which is constant and which the driver core synchronises.
unsafe impl Sync for Static<bindings::bus_type> {}

/// The `mdev` bus: nothing matches automatically; the core binds each device to its parent's
/// driver, whose `probe` and `remove` the bus calls.
static BUS: Static<bindings::bus_type> = Static({
    let mut b: bindings::bus_type = pin_init::zeroed();
    b.name = kernel::str::as_char_ptr_in_const_context(c"mdev");
    b.probe = Some(bus_probe);
    b.remove = Some(bus_remove);
    b.match_ = Some(bus_match);
    b.uevent = Some(bus_uevent);
    b
});

/// The cache of mdev devices (`Alloc<S>` of the registered bus), set while the bus is.
static CACHE: AtomicPtr<bindings::kmem_cache> = AtomicPtr::new(ptr::null_mut());

/// The layout of the objects of `CACHE`, as [`layout_key`] gives it.
static LAYOUT: AtomicUsize = AtomicUsize::new(0);

/// The size and alignment of `Alloc<S>` in one word.
fn layout_key<S>() -> usize {
    (core::mem::size_of::<Alloc<S>>() << 8)
        | core::mem::align_of::<Alloc<S>>().trailing_zeros() as usize
}

/// The `struct mdev_driver` a device is bound to.
///
/// # Safety
///
/// `dev` is a device on the `mdev` bus with a driver (in `probe` or `remove`).
unsafe fn bound_driver(dev: *mut bindings::device) -> *mut RawDriver {
    // SAFETY: Drivers on the `mdev` bus are the `driver` member of an `mdev_driver` (caller
    // guarantee and `mdev_register_driver()`).
    unsafe { kernel::container_of!((*dev).driver, RawDriver, driver) }
}

/// `bus_type::probe`: the vendor's `probe`, if any.
///
/// # Safety
///
/// Called by the driver core with a device on this bus and its driver.
unsafe extern "C" fn bus_probe(dev: *mut bindings::device) -> c_int {
    // SAFETY: Guaranteed by the caller.
    match unsafe { (*bound_driver(dev)).probe } {
        // SAFETY: Devices on this bus are embedded in an `mdev_device` (`Bus::alloc`).
        Some(probe) => unsafe { probe(to_mdev(dev)) },
        None => 0,
    }
}

/// `bus_type::remove`: the vendor's `remove`, if any.
///
/// # Safety
///
/// As for [`bus_probe`].
unsafe extern "C" fn bus_remove(dev: *mut bindings::device) {
    // SAFETY: Guaranteed by the caller.
    if let Some(remove) = unsafe { (*bound_driver(dev)).remove } {
        // SAFETY: As in `bus_probe()`.
        unsafe { remove(to_mdev(dev)) }
    }
}

/// `bus_type::match`: nothing binds automatically, only the core's `device_driver_attach()`.
///
/// # Safety
///
/// None: the arguments are not used.
unsafe extern "C" fn bus_match(
    _dev: *mut bindings::device,
    _drv: *const bindings::device_driver,
) -> c_int {
    0
}

/// `bus_type::uevent`: the entries of the device's state.
///
/// # Safety
///
/// Called by the driver core with a device of this bus and the environment being built.
unsafe extern "C" fn bus_uevent(
    dev: *const bindings::device,
    env: *mut bindings::kobj_uevent_env,
) -> c_int {
    // SAFETY: Devices of this bus are allocated by `Bus::alloc`, which sets the head's function
    // before `device_initialize()`.
    let f = unsafe { (*dev.cast::<Head>()).uevent };
    // SAFETY: `f` is `uevent_of::<S>` for the device's state type `S`; the rest is guaranteed
    // by the caller.
    unsafe { f(dev, env) }
}

/// The [`DeviceState::uevent`] of a device allocated with state `S`.
///
/// # Safety
///
/// As for [`bus_uevent`], and `dev` was allocated with state `S`.
unsafe fn uevent_of<S: DeviceState>(
    dev: *const bindings::device,
    env: *mut bindings::kobj_uevent_env,
) -> c_int {
    // SAFETY: `dev` is valid for the call (caller guarantee).
    let dev: &Device = unsafe { Device::from_raw(dev.cast_mut()) };
    // SAFETY: The device is an `Alloc<S>` whose state is initialised until its release, which
    // a uevent of the device precedes; `env` is ours for the call.
    let (state, mut env) = unsafe {
        (
            (*dev.as_raw().cast::<Alloc<S>>()).state.assume_init_ref(),
            UeventEnv::from_raw(env),
        )
    };
    state.uevent(dev, &mut env);
    0
}

/// A device name of `N - 1` bytes in place, with its NUL, so that it is a C string without a
/// scan for NULs.
///
/// # Invariants
///
/// `N > 0`; the last byte is NUL and no other is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct DeviceName<const N: usize>([u8; N]);

impl<const N: usize> DeviceName<N> {
    /// The name of the bytes `f(0)` to `f(N - 2)`; `None` if one of them is NUL.
    pub(crate) fn try_from_fn(mut f: impl FnMut(usize) -> u8) -> Option<Self> {
        let mut name = [0; N];
        let (last, bytes) = name.split_last_mut()?;
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = f(i);
            if *b == 0 {
                return None;
            }
        }
        *last = 0;
        // INVARIANT: Only the last byte is NUL.
        Some(Self(name))
    }

    /// The name as a C string.
    pub(crate) fn as_c_str(&self) -> &CStr {
        // SAFETY: The bytes end with the only NUL (type invariants).
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.0) }
    }
}

/// The `struct mdev_device` a device of the bus is embedded in.
fn to_mdev(dev: *mut bindings::device) -> *mut bindings::mdev_device {
    // CAST: `dev` is the first member of a `repr(C)` `mdev_device` (`Alloc`).
    dev.cast()
}

/// The registered `mdev` bus and the cache of its devices, with state `S`.
///
/// # Invariants
///
/// While it exists, `BUS` is registered and `CACHE` holds a cache of `Alloc<S>`.
pub(crate) struct Bus<S: DeviceState>(PhantomData<S>);

impl<S: DeviceState> Bus<S> {
    /// Creates the device cache and registers the bus; at most one at a time.
    pub(crate) fn register() -> Result<Self> {
        if !CACHE.load(Ordering::Acquire).is_null() {
            return Err(EBUSY);
        }
        let mut args: bindings::kmem_cache_args = pin_init::zeroed();
        args.align = core::mem::align_of::<Alloc<S>>() as u32;
        // SAFETY: The name is static; `args` is valid during the call.
        let c = unsafe {
            bindings::__kmem_cache_create_args(
                c"mdev_device".as_char_ptr(),
                core::mem::size_of::<Alloc<S>>() as u32,
                &mut args,
                0,
            )
        };
        if c.is_null() {
            return Err(ENOMEM);
        }
        LAYOUT.store(layout_key::<S>(), Ordering::Relaxed);
        CACHE.store(c, Ordering::Release);
        // SAFETY: `BUS` is a static bus type, registered once.
        if let Err(e) = to_result(unsafe { bindings::bus_register(&BUS.0) }) {
            CACHE.store(ptr::null_mut(), Ordering::Release);
            // SAFETY: The cache is empty.
            unsafe { bindings::kmem_cache_destroy(c) };
            return Err(e);
        }
        // INVARIANT: Registered, with the cache.
        Ok(Self(PhantomData))
    }

    /// Allocates an mdev device (initialised, not added) named `name` with `mdev->uuid` `guid`,
    /// of vendor type `ty` under `parent`, with `state` and the attribute `groups`.
    ///
    /// The caller holds the reference from `device_initialize()`; the last put drops `state`
    /// after [`DeviceState::released`]. On error `state` is dropped; `ENODEV` if no bus is
    /// registered.
    pub(crate) fn alloc<const M: usize>(
        parent: &Device,
        ty: VendorType,
        name: &CStr,
        guid: [u8; 16],
        groups: &'static Groups<(), M>,
        state: S,
    ) -> Result<ARef<Device>> {
        // A cache of objects of the layout of `Alloc<S>` while a `Bus<S>` exists.
        let cache = CACHE.load(Ordering::Acquire);
        if cache.is_null() || LAYOUT.load(Ordering::Relaxed) != layout_key::<S>() {
            return Err(ENODEV);
        }
        // SAFETY: `cache` is a valid cache.
        let a = unsafe {
            bindings::kmem_cache_alloc_noprof(cache, bindings::GFP_KERNEL | bindings::__GFP_ZERO)
        }
        .cast::<Alloc<S>>();
        if a.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `a` is a valid allocation; taking a field's address reads nothing.
        let mdev = unsafe { &raw mut (*a).head.mdev };
        // SAFETY: `a` is a fresh zeroed allocation; `name` is a C string copied by the format.
        let ret = unsafe {
            bindings::dev_set_name(
                &raw mut (*mdev).dev,
                c"%s".as_char_ptr(),
                name.as_char_ptr(),
            )
        };
        if ret != 0 {
            // SAFETY: Not yet initialised or shared.
            unsafe { bindings::kmem_cache_free(cache, a.cast()) };
            return Err(Error::from_errno(ret));
        }
        // SAFETY: `a` is exclusively ours until `device_initialize()` hands it to the driver
        // core; from then on `release::<S>` frees it.
        unsafe {
            (*a).state.write(state);
            (*a).head.uevent = uevent_of::<S>;
            (*mdev).uuid.b = guid;
            // The type is valid while its parent is registered (type invariants of `ty`).
            (*mdev).type_ = ty.as_ptr().as_ptr();
            bindings::INIT_LIST_HEAD(&raw mut (*mdev).next);
            let dev = &raw mut (*mdev).dev;
            bindings::device_initialize(dev);
            (*dev).parent = parent.as_raw();
            (*dev).bus = &BUS.0;
            (*dev).release = Some(release::<S>);
            (*dev).groups = groups.as_raw().cast_mut();
            Ok(ARef::from_raw(NonNull::new_unchecked(dev).cast()))
        }
    }
}

impl<S: DeviceState> Drop for Bus<S> {
    fn drop(&mut self) {
        // SAFETY: Registered (type invariants); no device may be allocated any more, and the
        // owner waited for every release.
        unsafe {
            bindings::bus_unregister(&BUS.0);
            bindings::kmem_cache_destroy(CACHE.swap(ptr::null_mut(), Ordering::AcqRel));
        }
    }
}

/// Whether `dev` is a device of the `mdev` bus.
pub(crate) fn is_mdev(dev: &Device) -> bool {
    // SAFETY: `dev.as_raw()` is valid; the bus pointer is only compared.
    ptr::eq(unsafe { (*dev.as_raw()).bus }, &BUS.0)
}

/// The state of an mdev device allocated with state `S`; `None` for other devices.
///
/// # Safety
///
/// Every device of the bus was allocated with state type `S`.
pub(crate) unsafe fn state<S: DeviceState>(dev: &Device) -> Option<&S> {
    if !is_mdev(dev) {
        return None;
    }
    // SAFETY: The device is an `Alloc<S>` (caller guarantee) whose state is initialised until
    // its release, which the borrow of `dev` precedes.
    Some(unsafe { (*dev.as_raw().cast::<Alloc<S>>()).state.assume_init_ref() })
}

/// `mdev->uuid` of a device of the bus.
pub(crate) fn guid(dev: &Device) -> Option<[u8; 16]> {
    // SAFETY: A device of the bus is embedded in an `mdev_device`, whose UUID is set before the
    // device is shared.
    is_mdev(dev).then(|| unsafe { (*to_mdev(dev.as_raw())).uuid.b })
}

/// `mdev->active`, which the core keeps in step with its own state.
pub(crate) fn active(dev: &Device) -> bool {
    // SAFETY: As in `guid()`; read once, as `READ_ONCE()` would.
    is_mdev(dev) && unsafe { ptr::read_volatile(&raw const (*to_mdev(dev.as_raw())).active) }
}

/// Sets `mdev->active`.
pub(crate) fn set_active(dev: &Device, active: bool) {
    if is_mdev(dev) {
        // SAFETY: As in `active()`; written once, as `WRITE_ONCE()` would.
        unsafe { ptr::write_volatile(&raw mut (*to_mdev(dev.as_raw())).active, active) }
    }
}

/// An mdev device whose last reference is gone, in its release callback.
///
/// # Invariants
///
/// `dev` is a device of the bus allocated with state `S`, valid with its state for `'a`.
pub(crate) struct Released<'a, S> {
    dev: NonNull<bindings::device>,
    state: &'a S,
}

impl<S> Released<'_, S> {
    /// The device's state, dropped right after [`DeviceState::released`].
    pub(crate) fn state(&self) -> &S {
        self.state
    }

    /// The address of the device, as an identity.
    pub(crate) fn addr(&self) -> usize {
        self.dev.as_ptr() as usize
    }

    /// `mdev->uuid`.
    pub(crate) fn guid(&self) -> [u8; 16] {
        // SAFETY: The device is valid (type invariants).
        unsafe { (*to_mdev(self.dev.as_ptr())).uuid.b }
    }
}

/// `device::release` of an mdev device.
///
/// # Safety
///
/// `dev` is a device allocated by [`Bus::alloc`] with state `S` whose last reference is gone.
unsafe extern "C" fn release<S: DeviceState>(dev: *mut bindings::device) {
    let a = dev.cast::<Alloc<S>>();
    // SAFETY: Guaranteed by the caller: the state is initialised and used by no one else.
    let state = unsafe { (*a).state.assume_init_mut() };
    {
        // INVARIANT: Valid until freed below.
        let r = Released {
            // SAFETY: `dev` is not NULL.
            dev: unsafe { NonNull::new_unchecked(dev) },
            state: &*state,
        };
        S::released(&r);
    }
    // SAFETY: Dropped once; then the memory goes back to the cache, which lives while the bus
    // is registered, longer than any device (the owner of the `Bus` waits for releases).
    unsafe {
        ptr::drop_in_place(state);
        bindings::kmem_cache_free(CACHE.load(Ordering::Acquire), a.cast());
    }
    S::freed();
}

/// Registers a vendor driver on the bus, `mdev_register_driver()`: `EINVAL` without
/// `device_api`.
///
/// # Safety
///
/// `drv` is valid until [`unregister_driver`] returns.
pub(crate) unsafe fn register_driver(drv: *mut RawDriver) -> Result {
    // SAFETY: Guaranteed by the caller; the driver core synchronises registered drivers.
    unsafe {
        if drv.is_null() || (*drv).device_api.is_null() {
            return Err(EINVAL);
        }
        (*drv).driver.bus = &BUS.0;
        to_result(bindings::driver_register(&raw mut (*drv).driver))
    }
}

/// `mdev_unregister_driver()`.
///
/// # Safety
///
/// `drv` was registered with [`register_driver`].
pub(crate) unsafe fn unregister_driver(drv: *mut RawDriver) {
    // SAFETY: Guaranteed by the caller.
    unsafe { bindings::driver_unregister(&raw mut (*drv).driver) }
}

/// `device_add()`.
pub(crate) fn device_add(dev: &Device) -> Result {
    // SAFETY: `dev` is an initialised device, added once by its owner.
    to_result(unsafe { bindings::device_add(dev.as_raw()) })
}

/// `device_add()` with the `add` uevent held back until [`announce`], so that what the
/// caller adds to the device's directory meanwhile is there when userspace hears of the
/// device. A device deleted before [`announce`] sends no uevent at all.
pub(crate) fn device_add_quiet(dev: &Device) -> Result {
    // SAFETY: `dev` is an initialised device, not yet added: nothing else writes its kobject.
    unsafe { bindings::kobject::set_uevent_suppress_raw(&raw mut (*dev.as_raw()).kobj, 1) };
    device_add(dev)
}

/// Sends the `add` uevent that [`device_add_quiet`] held back.
pub(crate) fn announce(dev: &Device) {
    // SAFETY: `dev` is added and valid. As `dev_set_uevent_suppress()` in C, the flag is
    // written by the device's owner alone.
    unsafe {
        let kobj = &raw mut (*dev.as_raw()).kobj;
        bindings::kobject::set_uevent_suppress_raw(kobj, 0);
        bindings::kobject_uevent(kobj, bindings::kobject_action_KOBJ_ADD);
    }
}

/// The parent of a device of the bus.
pub(crate) fn parent(dev: &Device) -> Option<&Device> {
    // SAFETY: `dev` is valid; a device holds a reference to its parent until its release, which
    // the borrow of `dev` precedes.
    let p = unsafe { (*dev.as_raw()).parent };
    // SAFETY: As above, `p` is valid while `dev` is borrowed.
    (!p.is_null()).then(|| unsafe { Device::from_raw(p) })
}

/// `device_del()`.
pub(crate) fn device_del(dev: &Device) {
    // SAFETY: `dev` was added by `device_add()` and is deleted once by its owner.
    unsafe { bindings::device_del(dev.as_raw()) }
}

/// Calls `f` for each child of `dev`, in the order they were added; `f` may remove the child.
pub(crate) fn for_each_child<F: FnMut(&Device)>(dev: &Device, mut f: F) {
    /// # Safety
    ///
    /// `data` is the `F` of the iteration and `child` a valid device.
    unsafe extern "C" fn each<F: FnMut(&Device)>(
        child: *mut bindings::device,
        data: *mut c_void,
    ) -> c_int {
        // SAFETY: `data` is the closure passed below, alive for the iteration, and `child` a
        // device the iteration holds a reference to.
        unsafe { (*data.cast::<F>())(Device::from_raw(child)) };
        0
    }
    // SAFETY: `dev` is valid; `f` outlives the call.
    unsafe { bindings::device_for_each_child(dev.as_raw(), (&raw mut f).cast(), Some(each::<F>)) };
}
