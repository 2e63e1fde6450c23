// SPDX-License-Identifier: GPL-2.0

//! Kobjects and ksets embedded in Rust objects, with sysfs attributes served by a trait.
//!
//! C header: [`include/linux/kobject.h`](srctree/include/linux/kobject.h)
//!
//! A [`Kobject<T>`] lives inside an object of its owner (`T::Owner`, in an [`Arc`]) and keeps
//! that owner alive from registration until its release, so the memory that holds the kobject
//! outlives it. Its attributes are declared as statics ([`Attribute`], [`AttrList`], [`Group`],
//! [`KType`]) and served by `T`'s [`KobjOps`] methods. Beside them: device attributes, links,
//! and compatibility classes.

use super::bindings;
pub(crate) use super::compat::{ClassLinks, LinkClass}; // out-of-tree only
use super::device::RawDevice as _; // out-of-tree only
use core::{
    fmt,
    marker::PhantomData,
    ptr::{self, NonNull},
    slice,
    sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{
    device::Device,
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    page::PAGE_SIZE,
    prelude::*,
    str::{as_char_ptr_in_const_context, CStrExt},
    sync::{Arc, ArcBorrow},
    types::Opaque,
};

/// The attributes and release of a kobject of type `T`.
pub(crate) trait KobjOps: Send + Sync + Sized + 'static {
    /// What the kobject keeps alive until its release.
    type Owner: Send + Sync;
    /// Tells the attributes apart.
    type Attr: Copy + 'static;

    /// Whether attribute `a` exists.
    fn visible(&self, _owner: ArcBorrow<'_, Self::Owner>, _a: Self::Attr) -> bool {
        true
    }

    /// Reads attribute `a` into `page`.
    fn show(
        &self,
        _owner: ArcBorrow<'_, Self::Owner>,
        _a: Self::Attr,
        _page: &mut Page<'_>,
    ) -> Result {
        Err(EIO)
    }

    /// Writes `buf` to attribute `a`.
    fn store(&self, _owner: ArcBorrow<'_, Self::Owner>, _a: Self::Attr, _buf: &[u8]) -> Result {
        Err(EIO)
    }

    /// The [`PollNode`] of attribute `a`, if it can be polled: its reads take the node, so
    /// that [`PollNode::notify`] wakes the pollers.
    fn poll_node(&self, _a: Self::Attr) -> Option<&PollNode> {
        None
    }

    /// Called when a kobject takes its owner reference.
    fn owned() {}

    /// Called last in a release, once the owner reference is dropped.
    fn released() {}
}

/// A sysfs `show()` buffer, filled as `sysfs_emit()` does: what does not fit in
/// `PAGE_SIZE - 1` bytes is cut.
///
/// # Invariants
///
/// `buf` is the `PAGE_SIZE` buffer that sysfs handed to `show()`; `len < PAGE_SIZE`.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
    raw: Option<isize>,
}

impl Page<'_> {
    /// The page `buf` of a `show()` callback, empty.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `PAGE_SIZE` bytes for `'b`.
    pub(crate) unsafe fn from_raw<'b>(buf: *mut c_char) -> Page<'b> {
        // SAFETY: By the function's safety requirements.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
        // INVARIANT: `buf` is the sysfs page, empty.
        Page {
            buf,
            len: 0,
            raw: None,
        }
    }

    /// The return value of `show()` for `res`: the length written (or the result of a C
    /// callback, see [`Self::fill_raw`]), or the errno.
    pub(crate) fn finish(&self, res: Result) -> isize {
        match res {
            Ok(()) => self.raw.unwrap_or(self.len as isize),
            Err(e) => e.to_errno() as isize,
        }
    }

    /// Appends bytes, cut at the end of the page.
    pub(crate) fn push(&mut self, s: &[u8]) {
        let n = s.len().min(PAGE_SIZE - 1 - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        // INVARIANT: At most `PAGE_SIZE - 1` in all.
        self.len += n;
    }

    /// Appends `s` and a newline, the form of every one-value attribute.
    pub(crate) fn line(&mut self, s: &[u8]) {
        self.push(s);
        self.push(b"\n");
    }

    /// Appends formatted text, cut at the end of the page.
    pub(crate) fn write(&mut self, args: fmt::Arguments<'_>) {
        // `write_str()` below cannot fail.
        let _ = fmt::Write::write_fmt(self, args);
    }

    /// Lets a C callback fill the page: `f` gets the raw buffer, and what it returns is the
    /// result of the read, unchanged, as C sysfs attributes pass it on.
    pub(crate) fn fill_raw(&mut self, f: impl FnOnce(*mut c_char) -> isize) {
        self.raw = Some(f(self.buf.as_mut_ptr().cast()));
    }
}

impl fmt::Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// A sysfs attribute of kobjects whose [`KobjOps::Attr`] is `A`.
#[repr(C)]
pub(crate) struct Attribute<A> {
    raw: bindings::attribute,
    which: A,
}

// SAFETY: A constant C table that points to a `'static` name; `A: Sync`.
unsafe impl<A: Sync> Sync for Attribute<A> {}

impl<A> Attribute<A> {
    /// An attribute `name` with `mode`, told apart by `which`.
    pub(crate) const fn new(name: &'static CStr, mode: u16, which: A) -> Self {
        let mut raw: bindings::attribute = pin_init::zeroed();
        raw.name = as_char_ptr_in_const_context(name);
        raw.mode = mode;
        Self { raw, which }
    }
}

/// A NULL-terminated array of `M` pointers to `'static` C objects, as attribute tables are.
#[repr(transparent)]
pub(crate) struct PtrList<P, const M: usize>([*const P; M]);

// SAFETY: The pointers lead to `'static` tables that are never written.
unsafe impl<P, const M: usize> Sync for PtrList<P, M> {}

/// A [`PtrList`] of `M` entries: `&raw const $item` for each `$x` of `$src`, then NULL.
macro_rules! ptr_list {
    ($src:expr, |$x:ident| $item:expr) => {{
        let src = $src;
        assert!(M == src.len() + 1);
        let mut l = [ptr::null(); M];
        let mut i = 0;
        while i < src.len() {
            let $x = &src[i];
            l[i] = &raw const $item;
            i += 1;
        }
        PtrList(l)
    }};
}

/// The attributes of a group, of kobjects whose attributes are `A`.
pub(crate) struct AttrList<A, const M: usize>(PtrList<bindings::attribute, M>, PhantomData<A>);

// SAFETY: As for `PtrList`.
unsafe impl<A, const M: usize> Sync for AttrList<A, M> {}

impl<A, const M: usize> AttrList<A, M> {
    /// The list of `attrs`; `M` is one more than their number.
    pub(crate) const fn new<const N: usize>(attrs: &'static [Attribute<A>; N]) -> Self {
        Self(ptr_list!(attrs, |a| a.raw), PhantomData)
    }
}

impl<const M: usize> AttrList<(), M> {
    /// The list of device attributes `attrs`; `M` is one more than their number.
    pub(crate) const fn devices<T, const N: usize>(
        attrs: [&'static DeviceAttribute<T>; N],
    ) -> Self {
        assert!(M == N + 1);
        let mut l = [ptr::null(); M];
        let mut i = 0;
        while i < N {
            l[i] = &raw const attrs[i].0.attr;
            i += 1;
        }
        Self(PtrList(l), PhantomData)
    }
}

/// An attribute group of kobjects of type `T`.
#[repr(transparent)]
pub(crate) struct Group<T>(bindings::attribute_group, PhantomData<T>);

// SAFETY: A constant table of `'static` pointers.
unsafe impl<T> Sync for Group<T> {}

impl<T: KobjOps> Group<T> {
    /// A group of `attrs`, in a directory `name` if set, each attribute visible as
    /// [`KobjOps::visible`] says.
    pub(crate) const fn new<const M: usize>(
        name: Option<&'static CStr>,
        attrs: &'static AttrList<T::Attr, M>,
    ) -> Self {
        let mut g: bindings::attribute_group = pin_init::zeroed();
        if let Some(n) = name {
            g.name = as_char_ptr_in_const_context(n);
        }
        g.__bindgen_anon_1.is_visible = Some(is_visible::<T>);
        g.__bindgen_anon_2.attrs_const = &raw const attrs.0 .0[0];
        Self(g, PhantomData)
    }
}

impl Group<()> {
    /// A group of device attributes.
    pub(crate) const fn devices<const M: usize>(attrs: &'static AttrList<(), M>) -> Self {
        let mut g: bindings::attribute_group = pin_init::zeroed();
        g.__bindgen_anon_2.attrs_const = &raw const attrs.0 .0[0];
        Self(g, PhantomData)
    }
}

/// A NULL-terminated list of attribute groups.
pub(crate) struct Groups<T, const M: usize>(PtrList<bindings::attribute_group, M>, PhantomData<T>);

// SAFETY: As for `PtrList`.
unsafe impl<T, const M: usize> Sync for Groups<T, M> {}

impl<T, const M: usize> Groups<T, M> {
    /// The list of `groups`; `M` is one more than their number.
    pub(crate) const fn new<const N: usize>(groups: &'static [Group<T>; N]) -> Self {
        Self(ptr_list!(groups, |g| g.0), PhantomData)
    }

    /// The C `attribute_group **`, as `struct device::groups` takes it.
    pub(crate) fn as_raw(&'static self) -> *const *const bindings::attribute_group {
        &raw const self.0 .0[0]
    }
}

/// The `kobj_type` of kobjects of type `T`.
#[repr(transparent)]
pub(crate) struct KType<T>(bindings::kobj_type, PhantomData<T>);

// SAFETY: A constant table of `'static` pointers and functions.
unsafe impl<T> Sync for KType<T> {}

impl<T: KobjOps> KType<T> {
    const OPS: bindings::sysfs_ops = bindings::sysfs_ops {
        show: Some(show::<T>),
        store: Some(store::<T>),
    };

    /// A type with the default `groups`.
    pub(crate) const fn new<const M: usize>(groups: &'static Groups<T, M>) -> Self {
        let mut k: bindings::kobj_type = pin_init::zeroed();
        k.release = Some(release::<T>);
        k.sysfs_ops = &Self::OPS;
        k.default_groups = (&raw const groups.0 .0[0]).cast_mut();
        Self(k, PhantomData)
    }

    /// The type of a kset: no attributes, the ownership of its parent.
    pub(crate) const fn kset() -> Self {
        let mut k: bindings::kobj_type = pin_init::zeroed();
        k.release = Some(kset_release::<T>);
        k.sysfs_ops = &raw const bindings::kobj_sysfs_ops;
        k.get_ownership = Some(parent_ownership);
        Self(k, PhantomData)
    }
}

/// The reference to its owner that a kobject owns until its release.
///
/// # Invariants
///
/// Null, or a pointer from `Arc::into_raw()` whose reference this owns.
struct OwnerRef<O>(AtomicPtr<O>);

impl<O> OwnerRef<O> {
    fn new() -> Self {
        // INVARIANT: Null.
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// Takes a reference to `owner`; `EBUSY` if one is held.
    fn set(&self, owner: &Arc<O>) -> Result {
        if !self.0.load(Ordering::Relaxed).is_null() {
            return Err(EBUSY);
        }
        // INVARIANT: The new reference is ours.
        self.0
            .store(Arc::into_raw(owner.clone()).cast_mut(), Ordering::Relaxed);
        Ok(())
    }

    /// The owner.
    ///
    /// # Safety
    ///
    /// A reference must be held, and stay held while the result is used.
    unsafe fn borrow(&self) -> ArcBorrow<'_, O> {
        // SAFETY: The pointer came from `Arc::into_raw()` and its reference is held (type
        // invariants, caller guarantee).
        unsafe { ArcBorrow::from_raw(self.0.load(Ordering::Relaxed)) }
    }

    /// Takes the reference out.
    fn take(&self) -> Option<Arc<O>> {
        let p = NonNull::new(self.0.swap(ptr::null_mut(), Ordering::Relaxed))?;
        // SAFETY: `p` came from `Arc::into_raw()` and owned a reference, which `self` gave up.
        Some(unsafe { Arc::from_raw(p.as_ptr()) })
    }
}

/// A kobject embedded in an object of `T::Owner`, with data `T`.
///
/// # Invariants
///
/// Once `kobj` is initialised, `owner` holds a reference that the kobject owns until its
/// release; `owner` is not set before. While `registered` is set, `kobj` is in sysfs and this
/// object owns its initial reference. Once `kobj` has a name, `name_len` is its length.
#[repr(C)]
pub(crate) struct Kobject<T: KobjOps> {
    kobj: Opaque<bindings::kobject>,
    owner: OwnerRef<T::Owner>,
    registered: AtomicBool,
    name_len: AtomicUsize,
    data: T,
}

// SAFETY: The kobject is only used through the kobject API, which may be called from any thread;
// the other fields are atomics and `T: Send + Sync`.
unsafe impl<T: KobjOps> Send for Kobject<T> {}
// SAFETY: As above.
unsafe impl<T: KobjOps> Sync for Kobject<T> {}

impl<T: KobjOps> Kobject<T> {
    /// A kobject not yet added, with `data`.
    pub(crate) fn new(data: T) -> Self {
        Self {
            kobj: Opaque::zeroed(),
            owner: OwnerRef::new(),
            registered: AtomicBool::new(false),
            name_len: AtomicUsize::new(0),
            data,
        }
    }

    fn raw(&self) -> *mut bindings::kobject {
        self.kobj.get()
    }

    /// Whether it is in sysfs.
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.load(Ordering::Relaxed)
    }

    /// # Safety
    ///
    /// `kobj` is the kobject of a live `Kobject<T>`.
    unsafe fn from_raw<'a>(kobj: *mut bindings::kobject) -> &'a Self {
        // SAFETY: `kobj` is the first field of a `#[repr(C)]` `Kobject<T>` and `Opaque` is
        // transparent (caller guarantee).
        unsafe { &*kobj.cast::<Self>() }
    }

    /// Adds the kobject, named `name`, to sysfs as a member of `kset`, owned by `owner`, which
    /// must hold this object; called once. On error the kobject's release will come.
    pub(crate) fn add<P: KobjOps>(
        &self,
        owner: &Arc<T::Owner>,
        ktype: &'static KType<T>,
        kset: &Kset<P>,
        name: &CStr,
    ) -> Result {
        self.owner.set(owner)?;
        T::owned();
        let kobj = self.raw();
        let len = name.to_bytes().len();
        // INVARIANT: The kobject core copies the name as it is, but for '/' made '!'.
        self.name_len.store(len, Ordering::Relaxed);
        // SAFETY: `kobj` is zeroed and not yet initialised (`owner` was not set), and `kset` is
        // registered: a member of a kset is added under it. `ktype` is static; the format takes
        // one C string, which the kobject core copies.
        let ret = unsafe {
            (*kobj).kset = kset.raw();
            bindings::kobject_init_and_add(
                kobj,
                &ktype.0,
                ptr::null_mut(),
                c"%s".as_char_ptr(),
                name.as_char_ptr(),
            )
        };
        // INVARIANT: The kobject is initialised and owns the reference in `owner`, which its
        // release drops even on error.
        if ret != 0 {
            // SAFETY: The initial reference, dropped as C callers do on error.
            unsafe { bindings::kobject_put(kobj) };
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: In sysfs; the initial reference is ours.
        self.registered.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// [`Self::add`] with the name `<prefix>-<name>`.
    ///
    /// The name is joined here and passed as "%s": with "%s-%s" the kobject core runs the
    /// formatter twice, 2% of an mdev parent registration (`make bench`). Names that fit are
    /// joined on the stack.
    pub(crate) fn add_joined<P: KobjOps>(
        &self,
        owner: &Arc<T::Owner>,
        ktype: &'static KType<T>,
        kset: &Kset<P>,
        prefix: &CStr,
        name: &CStr,
    ) -> Result {
        let mut short = [0u8; 64];
        let mut long = KVec::new();
        let (p, n) = (prefix.to_bytes(), name.to_bytes());
        let len = p.len() + n.len() + 2;
        let buf: &mut [u8] = match short.get_mut(..len) {
            Some(buf) => buf,
            None => {
                long.resize(len, 0, GFP_KERNEL)?;
                &mut long
            }
        };
        buf[..p.len()].copy_from_slice(p);
        buf[p.len()] = b'-';
        buf[p.len() + 1..len - 1].copy_from_slice(n);
        buf[len - 1] = 0;
        let joined = CStr::from_bytes_with_nul(buf).map_err(|_| EINVAL)?;
        self.add(owner, ktype, kset, joined)
    }

    /// Removes the kobject from sysfs, draining its attribute callbacks, and drops the initial
    /// reference; nothing if it is not in sysfs.
    pub(crate) fn remove(&self) {
        if self.registered.swap(false, Ordering::Relaxed) {
            // SAFETY: It was in sysfs and is now marked not, so the initial reference is ours.
            unsafe {
                bindings::kobject_del(self.raw());
                bindings::kobject_put(self.raw());
            }
        }
    }

    /// A counted reference, while the kobject is in sysfs.
    ///
    /// The caller must keep it from being removed meanwhile (by the lock or gate that
    /// serialises [`Self::remove`]).
    pub(crate) fn get(&self) -> Option<KobjectRef<T>> {
        if !self.is_registered() {
            return None;
        }
        // SAFETY: In sysfs, so live.
        unsafe { bindings::kobject_get(self.raw()) };
        // INVARIANT: The reference was just taken.
        Some(KobjectRef(NonNull::from(self)))
    }

    /// The name, while in sysfs.
    #[cfg(CONFIG_VFIO_MDEV_RUST_KUNIT_TEST)]
    pub(crate) fn name(&self) -> Option<&CStr> {
        // SAFETY: A kobject in sysfs has a name, a C string that lives while it is, which the
        // borrow of `self` does not outlive in callers that keep it registered.
        self.is_registered()
            .then(|| unsafe { CStr::from_char_ptr((*self.raw()).name) })
    }

    /// The data.
    pub(crate) fn data(&self) -> &T {
        &self.data
    }

    /// Creates `<dev>/<name>` linking to this kobject; `ENODEV` if not in sysfs.
    pub(crate) fn link_from(&self, dev: &Device, name: &CStr) -> Result {
        if !self.is_registered() {
            return Err(ENODEV);
        }
        // SAFETY: Both kobjects are live and in sysfs; `name` is a C string.
        to_result(unsafe {
            bindings::sysfs_create_link(
                &raw mut (*dev.as_raw()).kobj,
                self.raw(),
                name.as_char_ptr(),
            )
        })
    }
}

/// Removes `<dev>/<name>`, a link made by [`Kobject::link_from`], if present.
pub(crate) fn remove_link(dev: &Device, name: &CStr) {
    // SAFETY: `dev` is a valid device; removing an absent link is harmless.
    unsafe { bindings::sysfs_remove_link(&raw mut (*dev.as_raw()).kobj, name.as_char_ptr()) };
}

/// A directory of links among the files of a kobject of type `T`: a named group without
/// attributes, added and removed apart from the type's default groups, so that it can go with
/// all its links at once. Its methods take the kobject that holds it.
///
/// # Invariants
///
/// While `present` is set, the group's directory is in sysfs, under the kobject that added it.
pub(crate) struct LinkDir<T: KobjOps> {
    group: &'static Group<T>,
    present: AtomicBool,
}

impl<T: KobjOps> LinkDir<T> {
    /// The directory of `group` (named, without attributes), not yet added.
    pub(crate) const fn new(group: &'static Group<T>) -> Self {
        Self {
            group,
            present: AtomicBool::new(false),
        }
    }

    /// Adds the directory to `k`, once; `ENODEV` if `k` is not in sysfs.
    pub(crate) fn add(&self, k: &Kobject<T>) -> Result {
        if !k.is_registered() {
            return Err(ENODEV);
        }
        // SAFETY: `k` is in sysfs; the group is valid and lives forever.
        to_result(unsafe { bindings::sysfs_create_group(k.raw(), &self.group.0) })?;
        // INVARIANT: Added.
        self.present.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Removes the directory with its links, if it is there.
    pub(crate) fn remove(&self, k: &Kobject<T>) {
        // INVARIANT: Cleared before the removal.
        if self.present.swap(false, Ordering::Relaxed) && k.is_registered() {
            // SAFETY: `k` is in sysfs with the group (type invariants).
            unsafe { bindings::sysfs_remove_group(k.raw(), &self.group.0) };
        }
    }

    /// Creates `<dir>/<device name>` linking to `dev`; `ENODEV` if the directory is not there.
    pub(crate) fn link(&self, k: &Kobject<T>, dev: &Device) -> Result {
        if !self.present.load(Ordering::Relaxed) || !k.is_registered() {
            return Err(ENODEV);
        }
        // SAFETY: Both kobjects are live and in sysfs; the names are C strings. A group removed
        // meanwhile is not found.
        to_result(unsafe {
            let kobj = &raw mut (*dev.as_raw()).kobj;
            bindings::sysfs_add_link_to_group(k.raw(), self.group.0.name, kobj, (*kobj).name)
        })
    }

    /// Removes `<dir>/<device name>`, if the directory is there (else the link went with it).
    pub(crate) fn unlink(&self, k: &Kobject<T>, dev: &Device) {
        if self.present.load(Ordering::Relaxed) && k.is_registered() {
            // SAFETY: `k` is in sysfs and `dev` live; removing an absent link or from an absent
            // group is harmless.
            unsafe {
                bindings::sysfs_remove_link_from_group(
                    k.raw(),
                    self.group.0.name,
                    (*dev.as_raw()).kobj.name,
                )
            };
        }
    }
}

/// A counted reference to the kernfs node of one attribute of a kobject, to wake the
/// attribute's pollers without a lookup by name. It is taken by the attribute's first read,
/// which every poller makes before it polls, so that objects nobody polls pay nothing.
///
/// # Invariants
///
/// Null, or a kernfs file node whose reference this object owns.
pub(crate) struct PollNode(AtomicPtr<bindings::kernfs_node>);

impl PollNode {
    /// No node yet.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// Takes the node of attribute `attr` of `k` unless it is taken; called in the attribute's
    /// `show`, before the value is read.
    ///
    /// # Safety
    ///
    /// `attr` is a C string.
    unsafe fn watch<T: KobjOps>(&self, k: &Kobject<T>, attr: *const c_char) {
        if self.0.load(Ordering::Acquire).is_null() && k.is_registered() {
            // SAFETY: `k` is in sysfs, where its `show` callback keeps it, so its directory
            // node is valid; `attr` is a C string (caller guarantee).
            let kn = unsafe { bindings::kernfs_find_and_get_ns((*k.raw()).sd, attr, ptr::null()) };
            let (null, ord) = (ptr::null_mut(), Ordering::AcqRel);
            let lost = |kn| {
                self.0
                    .compare_exchange(null, kn, ord, Ordering::Acquire)
                    .is_err()
            };
            if !kn.is_null() && lost(kn) {
                // SAFETY: The reference just taken, which a concurrent `watch` made useless.
                unsafe { bindings::kernfs_put(kn) };
            }
            // INVARIANT: A stored node's reference is the one taken here.
        }
        // Pairs with the barrier in `notify`: either the change is seen by the read that
        // follows, or the notifier sees this node and the reader's open file.
        fence(Ordering::SeqCst);
    }

    /// Wakes the attribute's pollers (`kernfs_notify()`) if it is open; called after a change
    /// of its value. Only open files can be polled, so the notification, which queues work,
    /// is skipped when none is.
    pub(crate) fn notify(&self) {
        // Pairs with the barrier in `watch`.
        fence(Ordering::SeqCst);
        let kn = self.0.load(Ordering::Acquire);
        if kn.is_null() {
            return;
        }
        // SAFETY: `kn` is a file node we hold a reference to (type invariants); `attr.open`
        // is only compared with null, read once as `READ_ONCE()` would.
        let open = unsafe { ptr::read_volatile(&raw const (*kn).__bindgen_anon_1.attr.open) };
        if !open.is_null() {
            // SAFETY: As above; removed nodes may be notified while referenced.
            unsafe { bindings::kernfs_notify(kn) };
        }
    }
}

impl Drop for PollNode {
    fn drop(&mut self) {
        let kn = *self.0.get_mut();
        if !kn.is_null() {
            // SAFETY: The reference is ours (type invariants).
            unsafe { bindings::kernfs_put(kn) };
        }
    }
}

/// A counted reference to a [`Kobject<T>`], which keeps it and its owner alive.
///
/// # Invariants
///
/// Owns one reference on the kobject of a live `Kobject<T>`.
pub(crate) struct KobjectRef<T: KobjOps>(NonNull<Kobject<T>>);

// SAFETY: Kobject references may be taken and dropped from any thread; `Kobject<T>` is `Sync`.
unsafe impl<T: KobjOps> Send for KobjectRef<T> {}
// SAFETY: As above.
unsafe impl<T: KobjOps> Sync for KobjectRef<T> {}

impl<T: KobjOps> KobjectRef<T> {
    /// The kobject.
    pub(crate) fn get(&self) -> &Kobject<T> {
        // SAFETY: The reference keeps it alive (type invariants).
        unsafe { self.0.as_ref() }
    }

    /// The name it was added with, which lives as long as the kobject.
    pub(crate) fn name(&self) -> &CStr {
        let k = self.get();
        let len = k.name_len.load(Ordering::Relaxed);
        // SAFETY: A reference is only taken of a kobject in sysfs, which has a name of `len`
        // bytes and a NUL (type invariants of `Kobject`); nothing renames these kobjects, and
        // the name is freed at the release, which `self` defers.
        unsafe {
            let name = slice::from_raw_parts((*k.raw()).name.cast::<u8>(), len + 1);
            CStr::from_bytes_with_nul_unchecked(name)
        }
    }

    /// The kobject's owner.
    pub(crate) fn owner(&self) -> ArcBorrow<'_, T::Owner> {
        // SAFETY: An initialised kobject owns its owner reference until its release, which the
        // reference held by `self` defers.
        unsafe { self.get().owner.borrow() }
    }
}

impl<T: KobjOps> Clone for KobjectRef<T> {
    fn clone(&self) -> Self {
        // SAFETY: We hold a reference, so the kobject is live.
        unsafe { bindings::kobject_get(self.get().raw()) };
        // INVARIANT: The reference was just taken.
        Self(self.0)
    }
}

impl<T: KobjOps> Drop for KobjectRef<T> {
    fn drop(&mut self) {
        // SAFETY: We own one reference (type invariants).
        unsafe { bindings::kobject_put(self.get().raw()) }
    }
}

/// A kset embedded in an object of `T::Owner`, as `kset_create_and_add()` would make it
/// without its allocation.
///
/// # Invariants
///
/// While the kset is registered and until its release, `owner` holds a reference that the
/// kobject owns; before, `owner` is not set. While `registered` is set, the kset is in sysfs and
/// this object owns its initial reference.
#[repr(C)]
pub(crate) struct Kset<T: KobjOps> {
    kset: Opaque<bindings::kset>,
    owner: OwnerRef<T::Owner>,
    registered: AtomicBool,
}

// SAFETY: The kset is only used through the kobject API, which may be called from any thread;
// the other fields are atomics.
unsafe impl<T: KobjOps> Send for Kset<T> {}
// SAFETY: As above.
unsafe impl<T: KobjOps> Sync for Kset<T> {}

impl<T: KobjOps> Kset<T> {
    /// A kset not yet added.
    pub(crate) fn new() -> Self {
        Self {
            kset: Opaque::zeroed(),
            owner: OwnerRef::new(),
            registered: AtomicBool::new(false),
        }
    }

    fn raw(&self) -> *mut bindings::kset {
        self.kset.get()
    }

    /// Registers the kset as `<dev>/<name>`, owned by `owner`, which must hold this object;
    /// called once.
    pub(crate) fn add(
        &self,
        owner: &Arc<T::Owner>,
        ktype: &'static KType<T>,
        dev: &Device,
        name: &CStr,
    ) -> Result {
        self.owner.set(owner)?;
        T::owned();
        // SAFETY: `self.kset` points to a kset; taking a field's address reads nothing.
        let kobj = unsafe { &raw mut (*self.raw()).kobj };
        // SAFETY: The kset is zeroed and was never registered (`owner` was not set); the format
        // takes one C string. `dev` is a valid device in sysfs.
        let ret = unsafe {
            match bindings::kobject_set_name(kobj, c"%s".as_char_ptr(), name.as_char_ptr()) {
                0 => {
                    (*kobj).parent = &raw mut (*dev.as_raw()).kobj;
                    (*kobj).ktype = &ktype.0;
                    bindings::kset_register(self.raw())
                }
                e => e,
            }
        };
        if ret != 0 {
            // No name, or `kset_register()` freed it; no reference was handed out and no
            // release will come.
            drop(self.owner.take());
            T::released();
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: Registered; the kobject owns the reference in `owner`, and the initial
        // reference is ours.
        self.registered.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// `kset_unregister()`, if registered.
    pub(crate) fn remove(&self) {
        if self.registered.swap(false, Ordering::Relaxed) {
            // SAFETY: Registered and now marked not, so the initial reference is ours to drop.
            unsafe { bindings::kset_unregister(self.raw()) }
        }
    }
}

/// Drops a reference taken out of an [`OwnerRef`], which may free the object that held it, then
/// calls `T::released()`: the last action of a release.
fn release_owner<T: KobjOps>(owner: Option<Arc<T::Owner>>) {
    if owner.is_some() {
        drop(owner);
        T::released();
    }
}

/// `kobj_type::release` of a [`Kobject<T>`].
///
/// # Safety
///
/// `kobj` is the kobject of a `Kobject<T>` whose last reference was just dropped.
unsafe extern "C" fn release<T: KobjOps>(kobj: *mut bindings::kobject) {
    // SAFETY: Guaranteed by the caller.
    let owner = unsafe { Kobject::<T>::from_raw(kobj) }.owner.take();
    // Dropping the reference may free the `Kobject`, which is not used after.
    release_owner::<T>(owner);
}

/// `kobj_type::release` of a [`Kset<T>`].
///
/// # Safety
///
/// `kobj` is the kobject of a `Kset<T>` whose last reference was just dropped.
unsafe extern "C" fn kset_release<T: KobjOps>(kobj: *mut bindings::kobject) {
    // SAFETY: `kobj` is in the `kset` of a `Kset<T>` (caller guarantee), its first field in a
    // `#[repr(C)]` struct, and `Opaque` is transparent.
    let this = unsafe { &*kernel::container_of!(kobj, bindings::kset, kobj).cast::<Kset<T>>() };
    let owner = this.owner.take();
    // Dropping the reference may free the `Kset`, which is not used after.
    release_owner::<T>(owner);
}

/// `kobj_type::get_ownership` of a kset: that of its parent, as for `kset_create_and_add()`.
///
/// # Safety
///
/// `kobj` is a valid kobject; `uid` and `gid` are valid for writes.
unsafe extern "C" fn parent_ownership(
    kobj: *const bindings::kobject,
    uid: *mut bindings::kuid_t,
    gid: *mut bindings::kgid_t,
) {
    // SAFETY: `kobj` is valid (caller guarantee), and so are its parent and the parent's ktype
    // while it is in sysfs.
    unsafe {
        let p = (*kobj).parent;
        if p.is_null() || (*p).ktype.is_null() {
            return;
        }
        if let Some(f) = (*(*p).ktype).get_ownership {
            f(p, uid, gid);
        }
    }
}

/// The kobject of type `T` and the attribute behind a sysfs callback.
///
/// # Safety
///
/// `kobj` is a live `Kobject<T>` in sysfs and `a` an [`Attribute<T::Attr>`] of its type.
unsafe fn target<'a, T: KobjOps>(
    kobj: *mut bindings::kobject,
    a: *const bindings::attribute,
) -> (&'a Kobject<T>, ArcBorrow<'a, T::Owner>, T::Attr) {
    // SAFETY: Guaranteed by the caller; a live kobject owns its owner reference.
    unsafe {
        let k = Kobject::<T>::from_raw(kobj);
        let which = (*kernel::container_of!(a, Attribute<T::Attr>, raw)).which;
        (k, k.owner.borrow(), which)
    }
}

/// `attribute_group::is_visible` of a [`Group<T>`].
///
/// # Safety
///
/// Called by sysfs for a live `Kobject<T>` and one of the group's attributes.
unsafe extern "C" fn is_visible<T: KobjOps>(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    _n: c_int,
) -> bindings::umode_t {
    // SAFETY: Guaranteed by the caller.
    let (k, owner, which) = unsafe { target::<T>(kobj, a) };
    if k.data.visible(owner, which) {
        // SAFETY: `a` is valid.
        unsafe { (*a).mode }
    } else {
        0
    }
}

/// `sysfs_ops::show` of a [`KType<T>`].
///
/// # Safety
///
/// Called by sysfs for a live `Kobject<T>`, one of its attributes and a `PAGE_SIZE` buffer.
unsafe extern "C" fn show<T: KobjOps>(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: Guaranteed by the caller.
    let (k, owner, which) = unsafe { target::<T>(kobj, a) };
    if let Some(n) = k.data.poll_node(which) {
        // SAFETY: `a` is a valid attribute, whose name is a C string.
        unsafe { n.watch(k, (*a).name) };
    }
    // SAFETY: sysfs hands `show()` a writable buffer of `PAGE_SIZE` bytes.
    let mut page = unsafe { Page::from_raw(buf) };
    let res = k.data.show(owner, which, &mut page);
    page.finish(res)
}

/// `sysfs_ops::store` of a [`KType<T>`].
///
/// # Safety
///
/// Called by sysfs for a live `Kobject<T>`, one of its attributes and `count` readable bytes.
unsafe extern "C" fn store<T: KobjOps>(
    kobj: *mut bindings::kobject,
    a: *mut bindings::attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: Guaranteed by the caller.
    let (k, owner, which) = unsafe { target::<T>(kobj, a) };
    // SAFETY: `count` readable bytes.
    let buf = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    from_result(|| {
        k.data.store(owner, which, buf)?;
        Ok(count as isize)
    })
}

/// The write of a device attribute.
pub(crate) trait DeviceStore: 'static {
    /// Handles a write of `buf` to the attribute `file` of `dev`.
    fn store(dev: &Device, file: &SelfRemove<'_>, buf: &[u8]) -> Result;
}

/// A write-only device attribute, served by `T`.
#[repr(transparent)]
pub(crate) struct DeviceAttribute<T>(bindings::device_attribute, PhantomData<T>);

// SAFETY: A constant table of `'static` pointers and functions.
unsafe impl<T> Sync for DeviceAttribute<T> {}

impl<T: DeviceStore> DeviceAttribute<T> {
    /// A write-only attribute `name`.
    pub(crate) const fn write_only(name: &'static CStr) -> Self {
        let mut a: bindings::device_attribute = pin_init::zeroed();
        a.attr.name = as_char_ptr_in_const_context(name);
        a.attr.mode = 0o200;
        a.__bindgen_anon_2.store = Some(device_store::<T>);
        Self(a, PhantomData)
    }
}

/// The attribute file a device attribute's write came through.
pub(crate) struct SelfRemove<'a> {
    dev: &'a Device,
    attr: *const bindings::device_attribute,
}

impl SelfRemove<'_> {
    /// Removes the file, `device_remove_file_self()`; `false` if another writer did.
    pub(crate) fn remove(&self) -> bool {
        // SAFETY: Called from the store callback of `attr` on `dev` (see `device_store()`).
        unsafe { bindings::device_remove_file_self(self.dev.as_raw(), self.attr) }
    }
}

/// `device_attribute::store` of a [`DeviceAttribute<T>`].
///
/// # Safety
///
/// Called by sysfs for a live device, its attribute `a` and `count` readable bytes.
unsafe extern "C" fn device_store<T: DeviceStore>(
    dev: *mut bindings::device,
    a: *mut bindings::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: Guaranteed by the caller.
    let (dev, buf) = unsafe {
        (
            Device::from_raw(dev),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    let file = SelfRemove { dev, attr: a };
    from_result(|| {
        T::store(dev, &file, buf)?;
        Ok(count as isize)
    })
}

/// `dev_driver_string(dev)`.
pub(crate) fn driver_string(dev: &Device) -> &CStr {
    // SAFETY: `dev` is valid; the result is a C string that lives as long as the device's
    // driver, bus or class is bound, which callers keep for the borrow of `dev`.
    unsafe { CStr::from_char_ptr(bindings::dev_driver_string(dev.as_raw())) }
}

/// The environment of a uevent being built, as a bus's `uevent` callback gets it.
///
/// # Invariants
///
/// `self.0` points to a `struct kobj_uevent_env` valid and used by no one else for `'a`.
pub(crate) struct UeventEnv<'a>(NonNull<bindings::kobj_uevent_env>, PhantomData<&'a mut ()>);

impl UeventEnv<'_> {
    /// Wraps `env`.
    ///
    /// # Safety
    ///
    /// `env` is valid and used by no one else while the result lives.
    pub(crate) unsafe fn from_raw(env: *mut bindings::kobj_uevent_env) -> Self {
        // INVARIANT: Guaranteed by the caller.
        // SAFETY: Valid, so not NULL (caller guarantee).
        Self(unsafe { NonNull::new_unchecked(env) }, PhantomData)
    }

    /// Adds the `key=value` entries in order, as many as fit: failing the callback would drop
    /// the whole event.
    pub(crate) fn add_all(&mut self, entries: &[(&CStr, &CStr)]) {
        for (key, value) in entries {
            if self.add(key, value).is_err() {
                return;
            }
        }
    }

    /// Adds `key=value`; `ENOMEM` if the environment is full.
    ///
    /// What `add_uevent_var(env, "%s=%s", key, value)` does, without its `vsnprintf()`, which
    /// cost an mdev's create and remove 2% (four uevents, two entries each), and without its
    /// `WARN` when the environment is full.
    pub(crate) fn add(&mut self, key: &CStr, value: &CStr) -> Result {
        let (k, v) = (key.to_bytes(), value.to_bytes());
        let len = k.len() + 1 + v.len();
        let env = self.0.as_ptr();
        // SAFETY: `env` is valid and ours (type invariants). The entry is written at `buflen`
        // only if it fits with its NUL, as `add_uevent_var()` checks.
        unsafe {
            let idx = usize::try_from((*env).envp_idx).map_err(|_| EINVAL)?;
            let at = usize::try_from((*env).buflen).map_err(|_| EINVAL)?;
            let buf = &raw mut (*env).buf;
            if idx >= (*env).envp.len() || len >= (*buf).len().saturating_sub(at) {
                return Err(ENOMEM);
            }
            let dst = buf.cast::<u8>().add(at);
            ptr::copy_nonoverlapping(k.as_ptr(), dst, k.len());
            *dst.add(k.len()) = b'=';
            ptr::copy_nonoverlapping(v.as_ptr(), dst.add(k.len() + 1), v.len());
            *dst.add(len) = 0;
            (*env).envp[idx] = dst.cast();
            (*env).envp_idx += 1;
            // `len` < the buffer's 2048 bytes.
            (*env).buflen += (len + 1) as c_int;
        }
        Ok(())
    }
}

/// Sends a `change` uevent on `dev` with the environment entry `env` (`KEY=value`); as in C
/// callers, a failure to send is not reported.
pub(crate) fn uevent_change(dev: &Device, env: &CStr) {
    let mut envp: [*mut c_char; 2] = [env.as_char_ptr().cast_mut(), ptr::null_mut()];
    // SAFETY: `dev` is valid; `envp` is a NULL-terminated array of C strings that outlives the
    // call, which only reads them.
    unsafe {
        bindings::kobject_uevent_env(
            &raw mut (*dev.as_raw()).kobj,
            bindings::kobject_action_KOBJ_CHANGE,
            envp.as_mut_ptr(),
        )
    };
}
