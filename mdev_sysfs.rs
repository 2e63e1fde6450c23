// SPDX-License-Identifier: GPL-2.0

//! sysfs objects of the mdev core: the `mdev_supported_types` kset, the type directories with
//! their attributes, the `remove` device attribute, links and the `mdev_bus` compat class.
//!
//! This is the one place where the core touches kobjects and sysfs through raw bindings.

use crate::{
    mdev_abi::{self, raw_dev, VendorTypes},
    GateUser, ParentShared, TypeRef,
};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};
use kernel::{
    bindings,
    device::Device,
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    fmt,
    page::PAGE_SIZE,
    prelude::*,
    str::{as_char_ptr_in_const_context, CStrExt, Formatter},
    sync::{Arc, ArcBorrow},
    types::Opaque,
};

/// Wrapper that lets `'static` C attribute tables live in Rust statics.
#[repr(transparent)]
struct Static<T>(T);

// SAFETY: The tables are never mutated after const initialisation and only point to other
// `'static` tables and functions.
unsafe impl<T> Sync for Static<T> {}

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

/// A sysfs `show()` buffer.
///
/// # Invariants
///
/// `buf` is the `PAGE_SIZE` buffer that sysfs handed to `show()`.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Page<'_> {
    /// Appends formatted text, failing with `EINVAL` if it does not fit.
    pub(crate) fn write(&mut self, args: fmt::Arguments<'_>) -> Result {
        let mut f = Formatter::new(&mut self.buf[self.len..]);
        fmt::Write::write_fmt(&mut f, args).map_err(|_| EINVAL)?;
        self.len += f.bytes_written();
        Ok(())
    }

    /// Lets a C callback fill the page; `f` gets the raw buffer and returns a `ssize_t`.
    pub(crate) fn fill_raw(&mut self, f: impl FnOnce(*mut c_char) -> isize) -> Result {
        let n = f(self.buf.as_mut_ptr().cast());
        if n < 0 {
            return Err(Error::from_errno(n as c_int));
        }
        self.len = (n as usize).min(PAGE_SIZE);
        Ok(())
    }
}

const fn attr(name: &'static CStr, mode: u16) -> bindings::attribute {
    let mut a: bindings::attribute = pin_init::zeroed();
    a.name = as_char_ptr_in_const_context(name);
    a.mode = mode;
    a
}

static TYPE_ATTRS: Static<[bindings::attribute; 5]> = Static([
    attr(c"create", 0o200),
    attr(c"device_api", 0o444),
    attr(c"name", 0o444),
    attr(c"available_instances", 0o444),
    attr(c"description", 0o444),
]);

static TYPE_ATTR_LIST: Static<[*const bindings::attribute; 6]> = Static([
    &raw const TYPE_ATTRS.0[0],
    &raw const TYPE_ATTRS.0[1],
    &raw const TYPE_ATTRS.0[2],
    &raw const TYPE_ATTRS.0[3],
    &raw const TYPE_ATTRS.0[4],
    ptr::null(),
]);

static TYPE_GROUP: Static<bindings::attribute_group> = Static({
    let mut g: bindings::attribute_group = pin_init::zeroed();
    g.__bindgen_anon_1.is_visible = Some(type_is_visible);
    g.__bindgen_anon_2.attrs_const = &raw const TYPE_ATTR_LIST.0[0];
    g
});

static NO_ATTRS: Static<[*const bindings::attribute; 1]> = Static([ptr::null()]);

/// `devices/`, a directory of the type kobject for the device links: no kobject of its own.
static DEVICES_GROUP: Static<bindings::attribute_group> = Static({
    let mut g: bindings::attribute_group = pin_init::zeroed();
    g.name = as_char_ptr_in_const_context(DEVICES);
    g.__bindgen_anon_2.attrs_const = &raw const NO_ATTRS.0[0];
    g
});

const DEVICES: &CStr = c"devices";

static TYPE_GROUPS: Static<[*const bindings::attribute_group; 3]> = Static([
    &raw const TYPE_GROUP.0,
    &raw const DEVICES_GROUP.0,
    ptr::null(),
]);

static TYPE_SYSFS_OPS: Static<bindings::sysfs_ops> = Static(bindings::sysfs_ops {
    show: Some(type_show),
    store: Some(type_store),
});

static TYPE_KTYPE: Static<bindings::kobj_type> = Static({
    let mut k: bindings::kobj_type = pin_init::zeroed();
    k.release = Some(type_release);
    k.sysfs_ops = &raw const TYPE_SYSFS_OPS.0;
    k.default_groups = (&raw const TYPE_GROUPS.0[0]).cast_mut();
    k
});

fn which(a: *const bindings::attribute) -> Option<TypeAttr> {
    const ALL: [TypeAttr; 5] = [
        TypeAttr::Create,
        TypeAttr::DeviceApi,
        TypeAttr::Name,
        TypeAttr::AvailableInstances,
        TypeAttr::Description,
    ];
    ALL.into_iter()
        .zip(TYPE_ATTRS.0.iter())
        .find(|(_, s)| ptr::eq(*s, a))
        .map(|(t, _)| t)
}

/// The reference to its registration that a kobject of the core owns until its release.
///
/// # Invariants
///
/// Null, or a pointer from `Arc::into_raw()` whose reference, and one [`crate::live_get`], this
/// owns.
struct OwnerRef(AtomicPtr<ParentShared>);

impl OwnerRef {
    fn new() -> Self {
        // INVARIANT: Null.
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    fn is_set(&self) -> bool {
        !self.0.load(Ordering::Relaxed).is_null()
    }

    /// Takes a reference to `owner`; `EBUSY` if one is held.
    fn set(&self, owner: &Arc<ParentShared>) -> Result {
        if self.is_set() {
            return Err(EBUSY);
        }
        crate::live_get();
        // INVARIANT: The new reference and the live count are ours.
        self.0
            .store(Arc::into_raw(owner.clone()).cast_mut(), Ordering::Relaxed);
        Ok(())
    }

    /// The registration.
    ///
    /// # Safety
    ///
    /// A reference must be held, and stay held while the result is used.
    unsafe fn borrow(&self) -> ArcBorrow<'_, ParentShared> {
        // SAFETY: The pointer came from `Arc::into_raw()` and its reference is held (type
        // invariants, caller guarantee).
        unsafe { ArcBorrow::from_raw(self.0.load(Ordering::Relaxed)) }
    }

    /// Takes the reference out, for [`release_owner`].
    fn take(&self) -> Option<Arc<ParentShared>> {
        let p = NonNull::new(self.0.swap(ptr::null_mut(), Ordering::Relaxed))?;
        // SAFETY: `p` came from `Arc::into_raw()` and owned a reference, which `self` gave up.
        Some(unsafe { Arc::from_raw(p.as_ptr()) })
    }
}

/// Drops a reference taken out of an [`OwnerRef`], which may free the kobject that held it, then
/// its live count: the last action of a release.
fn release_owner(owner: Option<Arc<ParentShared>>) {
    if owner.is_some() {
        drop(owner);
        crate::live_put();
    }
}

/// A type directory `<parent>/mdev_supported_types/<type-id>/`, owned by the core.
///
/// The vendor's `struct mdev_type` keeps its layout but its embedded kobject is never used, so
/// the vendor may free its types as soon as `mdev_unregister_parent()` returns. The directories
/// of a parent live in its [`ParentShared`], one allocation for all of them.
///
/// # Invariants
///
/// Once `kobj` is initialised, `owner` holds a reference that the kobject owns until
/// `type_release()`; so the `ParentShared` holding this `TypeDir` outlives the kobject. `owner`
/// is not set before. `registered` is set while `kobj` is in sysfs, with its
/// `devices/` group, and the directory owns the initial reference of `kobj`.
#[repr(C)]
pub(crate) struct TypeDir {
    kobj: Opaque<bindings::kobject>,
    owner: OwnerRef,
    registered: AtomicBool,
    index: usize,
}

// SAFETY: The kobject is only used through the kobject API, which may be called from any thread;
// the other fields are atomics.
unsafe impl Send for TypeDir {}
// SAFETY: As above.
unsafe impl Sync for TypeDir {}

impl TypeDir {
    fn kobj(&self) -> *mut bindings::kobject {
        self.kobj.get()
    }

    /// # Safety
    ///
    /// `kobj` must be the kobject of a live `TypeDir`.
    unsafe fn from_kobj<'a>(kobj: *mut bindings::kobject) -> &'a TypeDir {
        // SAFETY: `kobj` is the first field of a `#[repr(C)]` `TypeDir` (caller guarantee).
        unsafe { &*kobj.cast::<TypeDir>() }
    }

    /// The parent state and type index behind a live directory.
    ///
    /// # Safety
    ///
    /// `kobj` must be initialised and not yet released.
    unsafe fn type_ref(&self) -> TypeRef<'_> {
        // SAFETY: The kobject is live, so it owns the reference behind `owner` (type invariants),
        // which outlives the borrow of `self`.
        let shared = unsafe { self.owner.borrow() };
        TypeRef::new(shared, self.index)
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
    kset: TypesKset,
    dirs: KVec<TypeDir>,
}

impl TypeDir {
    fn new(index: usize) -> Self {
        Self {
            kobj: Opaque::zeroed(),
            owner: OwnerRef::new(),
            registered: AtomicBool::new(false),
            index,
        }
    }
}

impl TypeDirs {
    /// `n` unregistered directories.
    pub(crate) fn new(n: usize) -> Result<impl PinInit<Self>> {
        let mut dirs = KVec::with_capacity(n, GFP_KERNEL)?;
        for i in 0..n {
            dirs.push(TypeDir::new(i), GFP_KERNEL)?;
        }
        // INVARIANT: `dirs` is complete and resized no more.
        Ok(pin_init!(Self {
            kset: TypesKset::new(),
            dirs,
        }))
    }

    fn iter(&self) -> impl Iterator<Item = &TypeDir> {
        self.dirs.iter()
    }

    fn get(&self, i: usize) -> Option<&TypeDir> {
        self.dirs.get(i)
    }

    /// The name of registered type directory `i`.
    #[cfg(MDEV_RS_KUNIT)]
    pub(crate) fn dir_name(&self, i: usize) -> Option<&CStr> {
        let d = self
            .get(i)
            .filter(|d| d.registered.load(Ordering::Relaxed))?;
        // SAFETY: A registered kobject has a name, a C string that lives while it is
        // registered, as long as the borrow of `self` in the tests that call this.
        Some(unsafe { CStr::from_char_ptr((*d.kobj()).name) })
    }

    /// Creates `<dev>/mdev_supported_types/` and `<driver>-<sysfs_name>/` with `devices/` for
    /// each of `types`, as `parent_create_sysfs_files()` does; undoes all on error. Called
    /// before the gate of `owner` first opens.
    pub(crate) fn register(owner: &Arc<ParentShared>, dev: &Device, types: &VendorTypes) -> Result {
        let this = owner.type_dirs();
        this.kset.add(owner, dev)?;
        let prefix = driver_string(dev);
        for d in this.iter() {
            let added = match types.get(d.index) {
                Some(t) => d.add(owner, &this.kset, prefix, t.sysfs_name()),
                None => Err(EINVAL),
            };
            if let Err(e) = added {
                Self::unregister(owner);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes the directories made by [`Self::register`], in the order of
    /// `parent_remove_sysfs_files()`, once the gate is closed and drained. Kobject releases may
    /// come later; they keep `owner` alive.
    pub(crate) fn unregister(owner: &Arc<ParentShared>) {
        let this = owner.type_dirs();
        for d in this.iter() {
            if !d.registered.swap(false, Ordering::Relaxed) {
                continue;
            }
            // `kobject_del()` removes `devices/` with the attributes and drains running
            // attribute callbacks.
            // SAFETY: The directory was registered and is now marked not, so it is in sysfs and
            // its initial reference is ours to drop.
            unsafe {
                bindings::kobject_del(d.kobj());
                bindings::kobject_put(d.kobj());
            }
        }
        this.kset.remove();
    }

    /// References that keep type `i`'s directories alive for one mdev device of the parent
    /// whose gate `user` entered; `None` if there is no such type.
    pub(crate) fn links(&self, i: usize, user: &GateUser<'_>) -> Option<TypeLinks> {
        if !ptr::eq(user.shared().type_dirs(), self) {
            return None;
        }
        let d = self.get(i)?;
        if !d.registered.load(Ordering::Relaxed) {
            return None;
        }
        // SAFETY: While `user` is in the gate of the parent owning `self`, the directories stay
        // registered (they are removed once the gate is drained), so the kobject is live.
        unsafe { bindings::kobject_get(d.kobj()) };
        // INVARIANT: The reference was just taken.
        Some(TypeLinks {
            dir: TypeDirRef(NonNull::from(d)),
        })
    }
}

impl TypeDir {
    /// Removes `devices/<name>`, if the directory is still in sysfs (else it went with it).
    fn remove_device_link(&self, name: &CStr) {
        if self.registered.load(Ordering::Relaxed) {
            // SAFETY: The directory is in sysfs with its `devices/` group; removing an absent
            // link is harmless.
            unsafe {
                bindings::sysfs_remove_link_from_group(
                    self.kobj(),
                    DEVICES.as_char_ptr(),
                    name.as_char_ptr(),
                )
            };
        }
    }

    /// Registers this directory of `owner` in `kset`.
    fn add(
        &self,
        owner: &Arc<ParentShared>,
        kset: &TypesKset,
        prefix: &CStr,
        name: &CStr,
    ) -> Result {
        // `<prefix>-<name>` joined here and passed as "%s", which the kobject core copies: with
        // "%s-%s" it runs the formatter twice (it measures first), 2% of a registration on the
        // instruction clock (`make bench`). Names that fit are joined on the stack.
        let mut short = [0u8; 64];
        let mut long = KVec::new();
        let joined = join_name(&mut short, &mut long, prefix, name)?;
        self.owner.set(owner)?;
        let kobj = self.kobj();
        // SAFETY: `kobj` is zeroed and never initialised (`owner` was not set); setting `kset`, which
        // is registered, before `kobject_init_and_add()` places the directory in the kset, as the
        // C core does. The format takes one C string.
        let ret = unsafe {
            (*kobj).kset = kset.kset.get();
            bindings::kobject_init_and_add(
                kobj,
                &TYPE_KTYPE.0,
                ptr::null_mut(),
                c"%s".as_char_ptr(),
                joined.as_char_ptr(),
            )
        };
        // INVARIANT: The kobject is initialised and owns the reference stored in `owner`, which
        // `type_release()` drops even on error.
        if ret != 0 {
            // SAFETY: The initial reference, released as the C core does on error.
            unsafe { bindings::kobject_put(kobj) };
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: The directory is in sysfs with `devices/` and owns its initial reference.
        self.registered.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// `<prefix>-<name>` as a C string, in `short` if it fits, else in `long`.
fn join_name<'a>(
    short: &'a mut [u8],
    long: &'a mut KVec<u8>,
    prefix: &CStr,
    name: &CStr,
) -> Result<&'a CStr> {
    let (p, n) = (prefix.to_bytes(), name.to_bytes());
    let len = p.len() + n.len() + 2;
    let buf: &mut [u8] = match short.get_mut(..len) {
        Some(buf) => buf,
        None => {
            long.resize(len, 0, GFP_KERNEL)?;
            long
        }
    };
    buf[..p.len()].copy_from_slice(p);
    buf[p.len()] = b'-';
    buf[p.len() + 1..len - 1].copy_from_slice(n);
    buf[len - 1] = 0;
    CStr::from_bytes_with_nul(buf).map_err(|_| EINVAL)
}

/// A counted reference to a [`TypeDir`].
///
/// # Invariants
///
/// Owns one reference on the kobject of a live `TypeDir`.
pub(crate) struct TypeDirRef(NonNull<TypeDir>);

// SAFETY: Kobject references may be taken and dropped from any thread; `TypeDir` is `Sync`.
unsafe impl Send for TypeDirRef {}
// SAFETY: As above.
unsafe impl Sync for TypeDirRef {}

impl TypeDirRef {
    fn get(&self) -> &TypeDir {
        // SAFETY: The reference keeps the `TypeDir` alive (type invariants).
        unsafe { self.0.as_ref() }
    }

    fn kobj(&self) -> *mut bindings::kobject {
        self.get().kobj()
    }
}

impl Clone for TypeDirRef {
    fn clone(&self) -> Self {
        // SAFETY: We hold a reference, so the kobject is live.
        unsafe { bindings::kobject_get(self.kobj()) };
        // INVARIANT: The reference was just taken.
        Self(self.0)
    }
}

impl Drop for TypeDirRef {
    fn drop(&mut self) {
        // SAFETY: We own one reference (type invariants).
        unsafe { bindings::kobject_put(self.kobj()) }
    }
}

/// The links between an mdev device and its type directory.
pub(crate) struct TypeLinks {
    dir: TypeDirRef,
}

impl TypeLinks {
    /// The registration of the type directory.
    pub(crate) fn shared(&self) -> ArcBorrow<'_, ParentShared> {
        // SAFETY: `self.dir` keeps the kobject live, and with it its owner reference.
        unsafe { self.dir.get().owner.borrow() }
    }

    /// Creates `devices/<name> -> dev` and `dev/mdev_type -> <type dir>`, `<name>` being the
    /// device's; `ENODEV` once the type directory is removed.
    pub(crate) fn link(&self, dev: &Device) -> Result {
        let name = dev.name();
        let dir = self.dir.get();
        if !dir.registered.load(Ordering::Relaxed) {
            return Err(ENODEV);
        }
        // SAFETY: `raw_dev(dev)` is a valid device.
        let devkobj = unsafe { &raw mut (*raw_dev(dev)).kobj };
        // SAFETY: Both kobjects are live and in sysfs, the type directory with its `devices/`
        // group; the names are C strings.
        to_result(unsafe {
            bindings::sysfs_add_link_to_group(
                dir.kobj(),
                DEVICES.as_char_ptr(),
                devkobj,
                name.as_char_ptr(),
            )
        })?;
        // SAFETY: As above.
        let ret =
            unsafe { bindings::sysfs_create_link(devkobj, dir.kobj(), c"mdev_type".as_char_ptr()) };
        if ret != 0 {
            dir.remove_device_link(name);
        }
        to_result(ret)
    }

    /// Removes the links made by [`Self::link`]; `devices/<name>` is already gone if the type
    /// directory is.
    pub(crate) fn unlink(&self, dev: &Device) {
        let name = dev.name();
        // SAFETY: `raw_dev(dev)` is a valid device; removing an absent link is harmless.
        unsafe {
            bindings::sysfs_remove_link(&raw mut (*raw_dev(dev)).kobj, c"mdev_type".as_char_ptr())
        };
        self.dir.get().remove_device_link(name);
    }
}

/// `<parent>/mdev_supported_types/`, stored in the parent's registration like the type
/// directories: a kset registered as `kset_create_and_add()` would, without its allocation.
///
/// # Invariants
///
/// While `kset` is registered and until `kset_release()`, `owner` holds a reference that the
/// kobject owns; before, `owner` is not set. `registered` is
/// set while the kset is in sysfs, and then the `TypesKset` owns the initial reference of its
/// kobject.
#[repr(C)]
pub(crate) struct TypesKset {
    kset: Opaque<bindings::kset>,
    owner: OwnerRef,
    registered: AtomicBool,
}

// SAFETY: The kset is only used through the kobject API, which may be called from any thread;
// the other fields are atomics.
unsafe impl Send for TypesKset {}
// SAFETY: As above.
unsafe impl Sync for TypesKset {}

static KSET_KTYPE: Static<bindings::kobj_type> = Static({
    let mut k: bindings::kobj_type = pin_init::zeroed();
    k.release = Some(kset_release);
    k.sysfs_ops = &raw const bindings::kobj_sysfs_ops;
    k.get_ownership = Some(mdev_abi::kset_get_ownership);
    k
});

impl TypesKset {
    fn new() -> Self {
        Self {
            kset: Opaque::zeroed(),
            owner: OwnerRef::new(),
            registered: AtomicBool::new(false),
        }
    }

    fn kobj(&self) -> *mut bindings::kobject {
        // SAFETY: `self.kset.get()` points to a kset; taking a field's address reads nothing.
        unsafe { &raw mut (*self.kset.get()).kobj }
    }

    /// Registers `mdev_supported_types` under `dev`, owned by `owner`.
    fn add(&self, owner: &Arc<ParentShared>, dev: &Device) -> Result {
        self.owner.set(owner)?;
        let kobj = self.kobj();
        // SAFETY: The kset is zeroed and was never registered (`owner` was not set); the format
        // takes one C string. `raw_dev(dev)` is a valid device in sysfs.
        let ret = unsafe {
            match bindings::kobject_set_name(
                kobj,
                c"%s".as_char_ptr(),
                c"mdev_supported_types".as_char_ptr(),
            ) {
                0 => {
                    (*kobj).parent = &raw mut (*raw_dev(dev)).kobj;
                    (*kobj).ktype = &KSET_KTYPE.0;
                    bindings::kset_register(self.kset.get())
                }
                e => e,
            }
        };
        if ret != 0 {
            // No name, or `kset_register()` freed it; no reference was handed out and no release
            // will come.
            release_owner(self.owner.take());
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: Registered; the kobject owns the reference behind `owner`, and the initial
        // reference is ours.
        self.registered.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// `kset_unregister()`, if registered.
    fn remove(&self) {
        if self.registered.swap(false, Ordering::Relaxed) {
            // SAFETY: Registered and now marked not, so the initial reference is ours to drop.
            unsafe { bindings::kset_unregister(self.kset.get()) }
        }
    }
}

/// kobject `release` of `mdev_supported_types`.
///
/// # Safety
///
/// `kobj` must be the kobject of a registered `TypesKset` whose last reference was just dropped.
unsafe extern "C" fn kset_release(kobj: *mut bindings::kobject) {
    // SAFETY: `kobj` is in the `kset` of a `TypesKset` (caller guarantee), its first field in a
    // `#[repr(C)]` struct, and `Opaque` is transparent.
    let this = unsafe { &*kernel::container_of!(kobj, bindings::kset, kobj).cast::<TypesKset>() };
    let owner = this.owner.take();
    // Dropping the reference may free the `TypesKset`, which is not used after.
    release_owner(owner);
}

/// `/sys/class/mdev_bus`.
///
/// # Invariants
///
/// `0` was returned by `class_compat_register()`.
pub(crate) struct CompatClass(NonNull<bindings::class_compat>);

// SAFETY: The compat class serialises link creation in sysfs.
unsafe impl Send for CompatClass {}
// SAFETY: As above.
unsafe impl Sync for CompatClass {}

impl CompatClass {
    /// Registers `/sys/class/mdev_bus`.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Called once from module init.
        let c = unsafe { bindings::class_compat_register(c"mdev_bus".as_char_ptr()) };
        // INVARIANT: Non-NULL results are registered.
        Ok(Self(NonNull::new(c).ok_or(ENOMEM)?))
    }

    /// Creates `/sys/class/mdev_bus/<dev_name(dev)>`.
    pub(crate) fn create_link(&self, dev: &Device) -> Result {
        // SAFETY: The class is registered and `dev` is valid.
        to_result(unsafe { bindings::class_compat_create_link(self.0.as_ptr(), raw_dev(dev)) })
    }

    /// Removes the link of `dev`, if any.
    pub(crate) fn remove_link(&self, dev: &Device) {
        // SAFETY: The class is registered and `dev` is valid.
        unsafe { bindings::class_compat_remove_link(self.0.as_ptr(), raw_dev(dev)) }
    }
}

impl Drop for CompatClass {
    fn drop(&mut self) {
        // SAFETY: Registered by `new()` (type invariants).
        unsafe { bindings::class_compat_unregister(self.0.as_ptr()) }
    }
}

/// `dev_driver_string(dev)`, the prefix of type directory names.
pub(crate) fn driver_string(dev: &Device) -> &CStr {
    // SAFETY: `dev` is valid; the result is a C string that lives as long as the device's
    // driver, bus or class, i.e. at least as long as the borrow of `dev` during registration.
    unsafe { CStr::from_char_ptr(bindings::dev_driver_string(raw_dev(dev))) }
}

/// kobject `release` of a type directory.
///
/// # Safety
///
/// `kobj` must be the kobject of a `TypeDir` whose last reference was just dropped.
unsafe extern "C" fn type_release(kobj: *mut bindings::kobject) {
    // SAFETY: `kobj` is the kobject of a `TypeDir` (caller guarantee).
    let owner = unsafe { TypeDir::from_kobj(kobj) }.owner.take();
    // Dropping the reference may free the `TypeDir`, which is not used after.
    release_owner(owner);
}

/// `is_visible` of the type attribute group.
///
/// # Safety
///
/// `kobj` must be a live `TypeDir` kobject and `a` one of `TYPE_ATTRS`.
unsafe extern "C" fn type_is_visible(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    _n: c_int,
) -> bindings::umode_t {
    // SAFETY: sysfs calls this for a live `TypeDir` kobject and one of `TYPE_ATTRS`.
    let t = unsafe { TypeDir::from_kobj(kobj).type_ref() };
    match which(a) {
        // SAFETY: `a` is one of `TYPE_ATTRS`.
        Some(w) if t.visible(w) => unsafe { (*a).mode },
        _ => 0,
    }
}

/// `show` of the type attributes.
///
/// # Safety
///
/// `kobj` must be a live `TypeDir` kobject, `a` one of `TYPE_ATTRS` and `buf` a sysfs page.
unsafe extern "C" fn type_show(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs calls this for a live `TypeDir` kobject.
    let t = unsafe { TypeDir::from_kobj(kobj).type_ref() };
    // SAFETY: sysfs hands `show()` a writable buffer of `PAGE_SIZE` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
    // INVARIANT: `buf` is the sysfs page.
    let mut page = Page { buf, len: 0 };
    from_result(|| {
        t.show(which(a).ok_or(EIO)?, &mut page)?;
        Ok(page.len as isize)
    })
}

/// `store` of the type attributes.
///
/// # Safety
///
/// `kobj` must be a live `TypeDir` kobject, `a` one of `TYPE_ATTRS` and `buf` valid for
/// `count` bytes.
unsafe extern "C" fn type_store(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs calls this for a live `TypeDir` kobject, with `count` readable bytes.
    let (t, buf) = unsafe {
        (
            TypeDir::from_kobj(kobj).type_ref(),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    from_result(|| {
        t.store(which(a).ok_or(EIO)?, buf)?;
        Ok(count as isize)
    })
}

static REMOVE_ATTR: Static<bindings::device_attribute> = Static({
    let mut a: bindings::device_attribute = pin_init::zeroed();
    a.attr = attr(c"remove", 0o200);
    a.__bindgen_anon_2.store = Some(remove_store);
    a
});

static DEV_ATTR_LIST: Static<[*const bindings::attribute; 2]> =
    Static([&raw const REMOVE_ATTR.0.attr, ptr::null()]);

static DEV_GROUP: Static<bindings::attribute_group> = Static({
    let mut g: bindings::attribute_group = pin_init::zeroed();
    g.__bindgen_anon_2.attrs_const = &raw const DEV_ATTR_LIST.0[0];
    g
});

static DEV_GROUPS: Static<[*const bindings::attribute_group; 2]> =
    Static([&raw const DEV_GROUP.0, ptr::null()]);

/// The `dev.groups` of every mdev device: the `remove` attribute.
pub(crate) fn device_groups() -> *const *const bindings::attribute_group {
    &raw const DEV_GROUPS.0[0]
}

/// A `remove` write, handed to the core.
pub(crate) struct RemoveRequest<'a> {
    dev: &'a Device,
    attr: *const bindings::device_attribute,
}

impl RemoveRequest<'_> {
    /// Removes the `remove` file, as the C core does before removing the device.
    ///
    /// Returns `false` if another writer is already removing it.
    pub(crate) fn remove_file_self(&self) -> bool {
        // SAFETY: Called from the store callback of `attr` on `dev`.
        unsafe { bindings::device_remove_file_self(raw_dev(self.dev), self.attr) }
    }

    /// The device written to.
    pub(crate) fn dev(&self) -> &Device {
        self.dev
    }
}

/// `store` of an mdev's `remove` attribute.
///
/// # Safety
///
/// `dev` must be a live mdev device, `a` its `remove` attribute and `buf` valid for `count`
/// bytes.
unsafe extern "C" fn remove_store(
    dev: *mut bindings::device,
    a: *mut bindings::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs calls this for a live device with `count` readable bytes.
    let (dev, buf) = unsafe {
        (
            Device::from_raw(dev),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    let req = RemoveRequest { dev, attr: a };
    from_result(|| {
        crate::remove_store(&req, buf)?;
        Ok(count as isize)
    })
}
