// SPDX-License-Identifier: GPL-2.0

//! VFIO mediated device (mdev) core: parent registry, `MDEV_STATE` uevents, sysfs ABI and the
//! lifecycle of mdev devices; a drop-in for the C core of `drivers/vfio/mdev`.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)

mod mdev_abi;
mod mdev_sysfs;
mod mdev_uevent;
#[path = "rust/kernel/mod.rs"]
mod rust_kernel;

use core::{
    ptr,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{
    device::Device,
    new_condvar, new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    sync::{aref::ARef, Arc, ArcBorrow, Completion, CondVar, LockedBy, Mutex},
};
use mdev_abi::{DrvInfo, UuidIndex, Vendor, VendorDriver, VendorTypes};
use mdev_sysfs::{TypeAttr, TypeDirs, TypeLinks};
use mdev_uevent::State;
use rust_kernel::{
    kobject::{CompatClass, Page, SelfRemove},
    mdev_bus::{self as mdev, Bus, DeviceState, RawParent, Released},
    print::dev_info_const,
};

module! {
    type: MdevModule,
    name: "mdev_rs",
    authors: ["mdev-rs developers"],
    description: "VFIO mediated device core (Rust)",
    license: "GPL",
}

/// Length of a UUID string, `UUID_STRING_LEN`.
const UUID_LEN: usize = 36;

/// A UUID as written to `create`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Uuid([u8; 16]);

impl Uuid {
    /// Parses the 36-character form `8-4-4-4-12`, in any case, as `uuid_is_valid()` does.
    pub(crate) fn parse(s: &[u8]) -> Result<Self> {
        if s.len() != UUID_LEN {
            return Err(EINVAL);
        }
        let mut out = [0u8; 16];
        let mut n = 0;
        let mut i = 0;
        while i < UUID_LEN {
            if matches!(i, 8 | 13 | 18 | 23) {
                if s[i] != b'-' {
                    return Err(EINVAL);
                }
                i += 1;
                continue;
            }
            let hi = hex(s[i]).ok_or(EINVAL)?;
            let lo = hex(s[i + 1]).ok_or(EINVAL)?;
            out[n] = (hi << 4) | lo;
            n += 1;
            i += 2;
        }
        Ok(Self(out))
    }

    /// The 16 bytes of the `guid_t` that `guid_parse()` makes of this UUID's string: the first
    /// three groups are little-endian.
    pub(crate) fn to_guid(self) -> [u8; 16] {
        const GUID_INDEX: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        let mut out = [0u8; 16];
        for (&i, &b) in GUID_INDEX.iter().zip(self.0.iter()) {
            out[i] = b;
        }
        out
    }

    /// The canonical lower-case string, the device name; no allocation.
    pub(crate) fn to_name(self) -> UuidName {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 37];
        let mut n = 0;
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out[n] = b'-';
                n += 1;
            }
            out[n] = HEX[usize::from(b >> 4)];
            out[n + 1] = HEX[usize::from(b & 0xf)];
            n += 2;
        }
        UuidName(out)
    }
}

/// A UUID as its 36-character device name and a NUL.
pub(crate) struct UuidName([u8; 37]);

impl UuidName {
    pub(crate) fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_with_nul(&self.0).unwrap_or(c"")
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Validates a `create` write: 36 bytes, or 37 with any last byte, holding a UUID.
pub(crate) fn parse_create(buf: &[u8]) -> Result<Uuid> {
    if buf.len() < UUID_LEN || buf.len() > UUID_LEN + 1 {
        return Err(EINVAL);
    }
    Uuid::parse(&buf[..UUID_LEN])
}

/// Parses a `remove` write: `true` removes, `false` is the no-op `0`; `EINVAL` for anything
/// `kstrtoul(buf, 0, ..)` refuses.
pub(crate) fn parse_remove(buf: &[u8]) -> Result<bool> {
    parse_ulong(buf).map(|v| v != 0).ok_or(EINVAL)
}

/// An unsigned number as `kstrtoull(s, 0, ..)` reads the C string `buf`: an optional `+`, then
/// hex after `0x`, octal after `0` or decimal, and at most one newline; `None` on overflow.
fn parse_ulong(buf: &[u8]) -> Option<u64> {
    let s = buf.split(|&c| c == 0).next().unwrap_or(buf);
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (radix, digits) = match s {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, &s[2..]),
        [b'0', ..] => (8, s),
        _ => (10, s),
    };
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |v, &c| {
        let d = char::from(c).to_digit(radix)?;
        v.checked_mul(u64::from(radix))?.checked_add(u64::from(d))
    })
}

/// Global index of mdev devices by UUID, across all parents.
///
/// An entry lives from `create` until the device is released, as in the C core, so a UUID is
/// busy until its last reference is gone.
struct Index {
    /// Accounted devices by UUID.
    uuids: Option<UuidIndex>,
}

/// Core objects whose release may still run (devices, type directories): module exit waits
/// for zero.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Completed when [`LIVE`] drops to zero once module exit waits for it.
static EXIT_WAIT: AtomicPtr<Completion> = AtomicPtr::new(ptr::null_mut());

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    unsafe(uninit) static INDEX: Mutex<Index> = Index {
        uuids: None,
    };
}

/// A registry of parents by address (the vendor's `struct mdev_parent`, or the parent device).
type ParentMap = Option<RBTree<usize, Arc<ParentShared>>>;

/// The parent registry: every registered parent holds a counted reference to its device.
///
/// A device is registered at most once: `by_dev` holds each registration by parent device from
/// registration until its teardown is complete.
struct Registry {
    by_key: ParentMap,
    by_dev: ParentMap,
    compat: Option<CompatClass>,
}

impl Registry {
    fn contains(&self, key: usize) -> bool {
        self.by_key.as_ref().is_some_and(|m| m.get(&key).is_some())
    }

    fn take(&mut self, key: usize) -> Option<Arc<ParentShared>> {
        self.by_key.as_mut()?.remove(&key)
    }

    /// Any registered parent.
    fn take_any(&mut self) -> Option<Arc<ParentShared>> {
        let key = *self.by_key.as_ref()?.keys().next()?;
        self.take(key)
    }

    /// Whether a registration of the device at `dev` exists or is being torn down.
    fn has_dev(&self, dev: usize) -> bool {
        self.by_dev.as_ref().is_some_and(|m| m.get(&dev).is_some())
    }

    /// Adds a registration, with nodes allocated beforehand.
    fn insert(map: &mut ParentMap, node: RBTreeNode<usize, Arc<ParentShared>>) {
        map.get_or_insert_with(RBTree::new).insert(node);
    }

    /// Forgets `shared` by device, once its teardown is complete.
    fn forget_dev(&mut self, shared: &ParentShared) -> Option<Arc<ParentShared>> {
        let map = self.by_dev.as_mut()?;
        if !map.get(&shared.dev).is_some_and(|p| ptr::eq(&**p, shared)) {
            return None;
        }
        map.remove(&shared.dev)
    }
}

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        by_key: None,
        by_dev: None,
        compat: None,
    };
}

/// What create and remove see of a registration while it lasts; a clone holds its own
/// reference to the parent.
#[derive(Clone)]
struct RegView {
    /// The core's own reference to the parent.
    dev: ARef<Device>,
    drv: VendorDriver,
    types: VendorTypes,
}

/// The unregistration gate of a parent, with everything it protects; its lock also guards
/// [`MdevCore::listed`] of the parent's devices.
struct Gate {
    /// Set once registration is complete and cleared when unregistration starts: creates and
    /// removes outside fail with `ENODEV`.
    open: bool,
    /// Creates and removes in progress.
    users: u32,
    /// The registration, while it lasts.
    view: Option<RegView>,
}

/// A parent registration, with the state shared by its type directories and its mdev devices.
///
/// Its only vendor pointers and its reference to the parent device are in the gate's view, which
/// unregistration clears, so the objects whose release may be delayed never touch vendor memory.
#[pin_data]
pub(crate) struct ParentShared {
    #[pin]
    gate: Mutex<Gate>,
    #[pin]
    drained: CondVar,
    /// Instances left when the core counts them (driver without `get_available`).
    avail: AtomicU32,
    /// The core counts instances (the driver has no `get_available`).
    counted: bool,
    /// The driver describes its types (`description` exists).
    described: bool,
    /// Registry key of the registration (the vendor's `struct mdev_parent`).
    key: usize,
    /// Address of the parent device, the key in `Registry::by_dev`.
    dev: usize,
    /// `mdev_supported_types` and the type directories.
    #[pin]
    types: TypeDirs,
}

/// Proof of a create or remove in progress on an open gate: unregistration waits for it
/// before removing devices and type directories.
pub(crate) struct GateUser<'a> {
    shared: &'a ParentShared,
    /// Already left, with the gate lock held for something else.
    left: bool,
}

impl<'a> GateUser<'a> {
    /// The registration whose gate this user entered.
    pub(crate) fn shared(&self) -> &'a ParentShared {
        self.shared
    }

    /// Leaves the gate, under its lock.
    fn leave(&mut self, g: &mut Gate) {
        g.users -= 1;
        if g.users == 0 && !g.open {
            self.shared.drained.notify_all();
        }
        self.left = true;
    }

    /// Lists a created device, marks it active and leaves the gate, in one critical section.
    fn finish_create(&mut self, dev: &ARef<Device>, core: &MdevCore) {
        let shared = self.shared;
        let mut g = shared.gate.lock();
        *core.listed.access_mut(&mut g) = Some(dev.clone());
        set_active(dev, true);
        self.leave(&mut g);
    }
}

impl Drop for GateUser<'_> {
    fn drop(&mut self) {
        if !self.left {
            let shared = self.shared;
            let mut g = shared.gate.lock();
            self.leave(&mut g);
        }
    }
}

impl ParentShared {
    /// A closed registration of `view`.
    fn new(view: RegView, info: DrvInfo, key: usize) -> Result<impl PinInit<Self, Error>> {
        let dev = mdev::raw_dev(&view.dev) as usize;
        let types = TypeDirs::new(view.types.len())?;
        Ok(try_pin_init!(Self {
            counted: info.counted,
            described: info.described,
            avail: AtomicU32::new(info.max_instances),
            gate <- new_mutex!(Gate {
                open: false,
                users: 0,
                view: Some(view),
            }),
            drained <- new_condvar!(),
            key,
            dev,
            types <- types,
        }? Error))
    }

    /// The type directories, for [`mdev_sysfs`].
    pub(crate) fn type_dirs(&self) -> &TypeDirs {
        &self.types
    }

    /// Enters the gate, failing with `ENODEV` unless the parent is registered and not being
    /// unregistered (never blocks), and runs `f` on the registration in the same critical
    /// section; returns the proof with what `f` returned. If `f` fails, the gate is left.
    fn enter_with<T>(
        &self,
        f: impl FnOnce(&GateUser<'_>, &RegView) -> Result<T>,
    ) -> Result<(GateUser<'_>, T)> {
        let mut g = self.gate.lock();
        let view = match &g.view {
            Some(v) if g.open => v.clone(),
            _ => return Err(ENODEV),
        };
        g.users += 1;
        let mut user = GateUser {
            shared: self,
            left: false,
        };
        match f(&user, &view) {
            Ok(t) => Ok((user, t)),
            Err(e) => {
                user.leave(&mut g);
                Err(e)
            }
        }
    }

    /// Marks `dev` inactive, enters the gate and takes `dev` off the device list, for its
    /// removal; the errors and their order are the C core's.
    fn enter_take(&self, dev: &Device, core: &MdevCore) -> Result<(GateUser<'_>, ARef<Device>)> {
        let mut g = self.gate.lock();
        // Not yet listed, or already taken by another remove or by unregistration.
        if !mdev::active(dev) {
            return Err(EAGAIN);
        }
        set_active(dev, false);
        if !g.open {
            // Unregistration, which has closed the gate, removes it.
            return Err(ENODEV);
        }
        let dev = core.listed.access_mut(&mut g).take().ok_or(ENODEV)?;
        g.users += 1;
        let user = GateUser {
            shared: self,
            left: false,
        };
        Ok((user, dev))
    }

    /// Takes a device of this registration, with state `core`, off the list for its removal
    /// by unregistration, and marks it inactive; `None` if a remove took it.
    fn take_device(&self, core: &MdevCore) -> Option<ARef<Device>> {
        let mut g = self.gate.lock();
        let dev = core.listed.access_mut(&mut g).take();
        dev.inspect(|d| set_active(d, false))
    }

    /// The registration, for attribute reads.
    fn view(&self) -> Result<RegView> {
        self.gate.lock().view.clone().ok_or(ENODEV)
    }

    /// Closes the gate and, while registered, announces the unregistration and removes the
    /// compat class link.
    fn close(&self, compat: Option<&CompatClass>) {
        let mut g = self.gate.lock();
        g.open = false;
        if let Some(v) = g.view.as_ref() {
            dev_info_const!(&v.dev, c"MDEV: Unregistering\n");
            if let Some(c) = compat {
                c.remove_link(&v.dev);
            }
        }
    }

    /// Waits for the creates and removes in flight once the gate is closed.
    fn drain(&self) {
        let mut g = self.gate.lock();
        while g.users != 0 {
            self.drained.wait(&mut g);
        }
    }
}

/// The core state of one mdev device, stored in the device and dropped at its release.
pub(crate) struct MdevCore {
    /// The reference to its type directory, which keeps the registration alive.
    links: TypeLinks,
    /// The reference from `device_initialize()` while the device is listed (active), under the
    /// gate lock of its registration: whoever takes it removes the device.
    listed: LockedBy<Option<ARef<Device>>, Gate>,
}

impl DeviceState for MdevCore {
    /// Undoes a device's accounting: the UUID becomes free and, if the device was indexed, its
    /// instance comes back.
    fn released(r: &Released<'_, Self>) {
        let shared = r.state().links.shared();
        let mut idx = INDEX.lock();
        let accounted = idx.uuids.as_mut().is_some_and(|t| t.remove_released(r));
        if accounted && shared.counted {
            shared.avail.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn freed() {
        live_put();
    }
}

/// The core state of `dev`, or `None` if it is not an mdev device of this core.
fn device_core(dev: &Device) -> Option<&MdevCore> {
    // SAFETY: Every device of the bus is allocated by `create()` with an `MdevCore`.
    unsafe { mdev::state::<MdevCore>(dev) }
}

/// Counts an object whose release may run module code; module exit waits for zero.
pub(crate) fn live_get() {
    LIVE.fetch_add(1, Ordering::Relaxed);
}

/// Undoes [`live_get`], as the last action of a release.
pub(crate) fn live_put() {
    if LIVE.fetch_sub(1, Ordering::AcqRel) == 1 {
        let waiter = EXIT_WAIT.load(Ordering::Acquire);
        // SAFETY: A non-NULL pointer is the completion module exit waits on, alive until the
        // wait returns, which needs this call.
        if let Some(c) = unsafe { waiter.as_ref() } {
            c.complete_all();
        }
    }
}

/// One type of a registration, as its directory's attributes see it.
pub(crate) struct TypeRef<'a> {
    shared: ArcBorrow<'a, ParentShared>,
    index: usize,
}

impl<'a> TypeRef<'a> {
    pub(crate) fn new(shared: ArcBorrow<'a, ParentShared>, index: usize) -> Self {
        Self { shared, index }
    }

    /// Whether the attribute exists.
    pub(crate) fn visible(&self, attr: TypeAttr) -> bool {
        attr != TypeAttr::Description || self.shared.described
    }

    /// Reads an attribute.
    pub(crate) fn show(&self, attr: TypeAttr, page: &mut Page<'_>) -> Result {
        let v = self.shared.view()?;
        let t = v.types.get(self.index).ok_or(ENODEV)?;
        match attr {
            TypeAttr::Create => return Err(EIO),
            TypeAttr::DeviceApi => page.line(v.drv.device_api().unwrap_or(c"").to_bytes()),
            TypeAttr::Name => page.line(t.pretty_name().unwrap_or(t.sysfs_name()).to_bytes()),
            TypeAttr::AvailableInstances => {
                let n = if self.shared.counted {
                    self.shared.avail.load(Ordering::Relaxed)
                } else {
                    v.drv.get_available(t.raw)
                };
                page.write(fmt!("{}\n", n))
            }
            TypeAttr::Description => return v.drv.show_description(t.raw, page),
        }
        Ok(())
    }

    /// Writes an attribute.
    pub(crate) fn store(&self, attr: TypeAttr, buf: &[u8]) -> Result {
        match attr {
            TypeAttr::Create => create(self, parse_create(buf)?),
            _ => Err(EIO),
        }
    }
}

/// Creates an mdev device of the type behind `td`.
fn create(td: &TypeRef<'_>, uuid: Uuid) -> Result {
    let shared = &td.shared;
    // Allocate before any accounting, so that a failed allocation changes nothing; under the
    // gate lock, which keeps the registration's reference to the parent for the new device
    // until `device_add()` takes its own. From here the device's release undoes whatever
    // accounting is done, on every path.
    let (mut user, (dev, drv)) = shared.enter_with(|user, view| {
        let ty = view.types.get(td.index).ok_or(ENODEV)?;
        let core = MdevCore {
            links: shared.types.links(td.index, user).ok_or(ENODEV)?,
            listed: LockedBy::new(&shared.gate, None),
        };
        let name = uuid.to_name();
        // SAFETY: The type is valid while the parent is registered and the groups are static.
        let dev = unsafe {
            Bus::alloc(
                &view.dev,
                ty.raw.as_ptr(),
                name.as_cstr(),
                uuid.to_guid(),
                mdev_sysfs::device_groups(),
                core,
            )?
        };
        Ok((dev, view.drv))
    })?;
    live_get();
    account(shared, &dev)?;
    mdev::device_add(&dev)?;
    let core = device_core(&dev).ok_or(ENODEV)?;
    if let Err(e) = drv.attach(&dev).and_then(|()| core.links.link(&dev)) {
        mdev::device_del(&dev);
        return Err(e);
    }
    user.finish_create(&dev, core);
    Ok(())
}

/// Takes the UUID (`EEXIST`) and, if the core counts them, an instance (`EUSERS`) for `dev`.
fn account(shared: &ParentShared, dev: &Device) -> Result {
    let mut idx = INDEX.lock();
    let uuids = idx.uuids.get_or_insert_with(UuidIndex::new);
    uuids.insert(dev)?;
    if shared.counted
        && shared
            .avail
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_err()
    {
        uuids.remove(dev);
        return Err(EUSERS);
    }
    Ok(())
}

/// Records whether a device is active, in `mdev_device::active`, under its parent's gate lock:
/// a device is active while it is listed.
fn set_active(dev: &Device, active: bool) {
    mdev::set_active(dev, active);
}

/// Destroys an mdev device taken off its list: links, then `device_del()` (unbind, vendor
/// `remove`), then the reference from `device_initialize()`.
fn remove_common(dev: ARef<Device>) {
    if let Some(core) = device_core(&dev) {
        core.links.unlink(&dev);
    }
    mdev::device_del(&dev);
}

/// A write to an mdev device's `remove` attribute.
pub(crate) fn remove_store(dev: &Device, file: &SelfRemove<'_>, buf: &[u8]) -> Result {
    if parse_remove(buf)? {
        // Once its `remove` file is gone, nothing else keeps the device alive for this writer.
        let dev: ARef<Device> = dev.into();
        if file.remove() {
            device_remove(&dev)?;
        }
    }
    Ok(())
}

/// Removes `dev`, which the caller keeps alive, and with it its core state.
fn device_remove(dev: &Device) -> Result {
    let core = device_core(dev).ok_or(ENODEV)?;
    let shared = core.links.shared();
    let (user, listed) = shared.enter_take(dev, core)?;
    remove_common(listed);
    drop(user);
    Ok(())
}

/// `mdev_register_parent()`.
pub(crate) fn register_parent(vendor: Vendor, dev: &Device) -> Result {
    let key = vendor.key() as usize;
    let dev_key = mdev::raw_dev(dev) as usize;
    let mut reg = REGISTRY.lock();
    if kernel::warn_on!(reg.contains(key) || reg.has_dev(dev_key)) {
        return Err(EEXIST);
    }
    let (types, info) = vendor.init_parent(dev)?;
    let view = RegView {
        dev: dev.into(),
        drv: vendor.driver(),
        types,
    };
    let shared = Arc::pin_init(ParentShared::new(view, info, key)?, GFP_KERNEL)?;
    let by_key = RBTreeNode::new(key, shared.clone(), GFP_KERNEL)?;
    let by_dev = RBTreeNode::new(dev_key, shared.clone(), GFP_KERNEL)?;
    TypeDirs::register(&shared, dev, |i| types.sysfs_name(i))?;

    if let Some(c) = reg.compat.as_ref() {
        if c.create_link(dev).is_err() {
            dev_warn!(dev, "Failed to create compatibility class link\n");
        }
    }
    dev_info_const!(dev, c"MDEV: Registered\n");
    Registry::insert(&mut reg.by_key, by_key);
    {
        let mut g = shared.gate.lock();
        g.open = true;
        // Under the core's own reference, as `unregistered`.
        if let Some(v) = g.view.as_ref() {
            mdev_uevent::send(&v.dev, State::Registered);
        }
    }
    Registry::insert(&mut reg.by_dev, by_dev);
    Ok(())
}

/// `mdev_unregister_parent()`.
pub(crate) fn unregister_parent(key: *mut RawParent) {
    let shared = {
        let mut reg = REGISTRY.lock();
        let Some(p) = reg.take(key as usize) else {
            // Never registered, or unregistered already.
            kernel::warn_on!(true);
            return;
        };
        p.close(reg.compat.as_ref());
        p
    };
    teardown(shared);
}

/// Unregisters a parent taken out of the registry.
fn teardown(shared: Arc<ParentShared>) {
    shared.drain();
    // The parent's children in creation order, as the C core walks them; the devices of this
    // registration that no remove took.
    if let Ok(view) = shared.view() {
        mdev::for_each_child(&view.dev, |child| {
            let Some(core) = device_core(child) else {
                return;
            };
            if !ptr::eq(&*core.links.shared(), &*shared) {
                return;
            }
            if let Some(dev) = shared.take_device(core) {
                remove_common(dev);
            }
        });
    }
    TypeDirs::unregister(&shared);
    // The type directories are gone or going; nothing reaches the view any more.
    let view = shared.gate.lock().view.take();
    // The view holds the core's reference to the parent until the event is out.
    if let Some(v) = view.as_ref() {
        mdev_uevent::send(&v.dev, State::Unregistered);
    }
    drop(view);
    // The device may be registered again.
    let by_dev = REGISTRY.lock().forget_dev(&shared);
    drop(by_dev);
}

struct MdevModule {
    /// Dropped last, once every device is released.
    _bus: Bus<MdevCore>,
}

impl kernel::Module for MdevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Called once, before any other use of the globals.
        unsafe {
            INDEX.init();
            REGISTRY.init();
        }
        #[cfg(MDEV_RS_KUNIT)]
        // SAFETY: As above.
        unsafe {
            mdev_uevent::tests_hook::LAST.init()
        };
        let bus = Bus::register()?;
        REGISTRY.lock().compat = Some(CompatClass::new(c"mdev_bus")?);
        pr_info!("mdev core (Rust) loaded\n");
        Ok(MdevModule { _bus: bus })
    }
}

impl Drop for MdevModule {
    fn drop(&mut self) {
        // Statics are never dropped: free what the globals own here. Parents left registered
        // are a vendor bug; they are unregistered as the vendor should have done.
        loop {
            let shared = {
                let mut reg = REGISTRY.lock();
                let Some(p) = reg.take_any() else {
                    break;
                };
                kernel::warn_on!(true);
                p.close(reg.compat.as_ref());
                p
            };
            teardown(shared);
        }
        let compat = REGISTRY.lock().compat.take();
        drop(compat);
        // Releases of devices and type directories may be delayed; they run module code. Wait
        // for the last, then for every task to have left the tail of a release.
        pin_init::stack_pin_init!(let done = Completion::new());
        EXIT_WAIT.store(ptr::from_ref(&*done).cast_mut(), Ordering::Release);
        if LIVE.load(Ordering::Acquire) != 0 {
            done.wait_for_completion();
        }
        EXIT_WAIT.store(ptr::null_mut(), Ordering::Release);
        rust_kernel::sync::synchronize_rcu_tasks();
        INDEX.lock().uuids = None;
    }
}

#[cfg(MDEV_RS_KUNIT)]
#[kunit_tests(mdev_rs)]
mod tests {
    use super::*;
    use kernel::{
        str::CString,
        time::{delay::fsleep, Delta},
    };
    use mdev_abi::kunit::{count_warnings, Fixture};
    use mdev_uevent::tests_hook;

    const U1: &[u8] = b"11111111-2222-3333-4444-555555555555";

    #[test]
    fn uuid_parse_accepts_any_case() -> Result {
        let a = Uuid::parse(b"A1b2C3d4-e5F6-0789-abcd-EF0123456789")?;
        assert_eq!(
            a.to_name().as_cstr().to_bytes(),
            b"a1b2c3d4-e5f6-0789-abcd-ef0123456789"
        );
        assert!(Uuid::parse(U1)? == Uuid::parse(b"11111111-2222-3333-4444-555555555555")?);
        Ok(())
    }

    #[test]
    fn uuid_parse_rejects_bad_input() {
        let bad: [&[u8]; 7] = [
            b"11111111-2222-3333-4444-55555555555",
            b"111111112-222-3333-4444-555555555555",
            b"11111111-2222-3333-4444-55555555555g",
            b"11111111_2222-3333-4444-555555555555",
            b"11111111-2222-3333-4444-5555555555\0\0",
            b"",
            b"11111111-2222-3333-4444-5555555555555",
        ];
        for b in bad {
            assert!(Uuid::parse(b) == Err(EINVAL));
        }
    }

    #[test]
    fn create_length_rules() -> Result {
        assert!(parse_create(&U1[..35]) == Err(EINVAL));
        assert!(parse_create(U1)? == Uuid::parse(U1)?);
        let mut b = [0u8; 38];
        b[..36].copy_from_slice(U1);
        b[36] = b'x';
        assert!(parse_create(&b[..37]).is_ok());
        b[36] = b'\n';
        assert!(parse_create(&b[..37]).is_ok());
        assert!(parse_create(&b[..38]) == Err(EINVAL));
        Ok(())
    }

    #[test]
    fn remove_value_rules() {
        assert!(parse_remove(b"0") == Ok(false));
        assert!(parse_remove(b"00") == Ok(false));
        assert!(parse_remove(b"0x0\n") == Ok(false));
        assert!(parse_remove(b"1") == Ok(true));
        assert!(parse_remove(b"2\n") == Ok(true));
        assert!(parse_remove(b"0x10") == Ok(true));
        assert!(parse_remove(b"abc") == Err(EINVAL));
        assert!(parse_remove(b"-1") == Err(EINVAL));
        assert!(parse_remove(b"99999999999999999999999") == Err(EINVAL));
        assert!(parse_remove(b"") == Err(EINVAL));
        // Leading zeros are octal digits; a NUL ends the string, as for `kstrtoul()`.
        assert!(parse_remove(b"08") == Err(EINVAL));
        assert!(parse_remove(b"1\0x") == Ok(true));
        assert!(parse_remove(b"0x\n") == Err(EINVAL));
        assert!(parse_remove(b"18446744073709551616") == Err(EINVAL));
        assert!(parse_remove(b"0xffffffffffffffff") == Ok(true));
        let mut zeros = [b'0'; 40];
        for len in [31, 32, 40] {
            zeros[len - 1] = b'1';
            assert!(parse_remove(&zeros[..len]) == Ok(true));
            zeros[len - 1] = b'0';
            assert!(parse_remove(&zeros[..len]) == Ok(false));
            zeros[len - 1] = b'x';
            assert!(parse_remove(&zeros[..len]) == Err(EINVAL));
            zeros[len - 1] = b'0';
        }
    }

    #[test]
    fn type_dir_long_name() -> Result {
        const LONG: &CStr = c"a-type-name-much-longer-than-most-of-the-names-vendors-use-\
            0123456789012345678901234567890123456789012345678901234567890123456789";
        let fdev = faux(c"mdev-rs-kunit-long")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let f = Fixture::new(1, 1)?;
        f.set_names(Some(c"vfio-pci"), 0, Some(LONG));
        f.register(dev, 1)?;
        let p = parent(f.parent())?;
        let name = CString::try_from_fmt(fmt!("faux_driver-{}", LONG.to_str()?))?;
        let same = p.type_dirs().dir_name(0).is_some_and(|n| n == &*name);
        f.unregister();
        assert!(same);
        Ok(())
    }

    #[test]
    fn uevent_env_strings() {
        assert_eq!(State::Registered.env().to_bytes(), b"MDEV_STATE=registered");
        assert_eq!(
            State::Unregistered.env().to_bytes(),
            b"MDEV_STATE=unregistered"
        );
    }

    fn faux(name: &CStr) -> Result<kernel::faux::Registration> {
        kernel::faux::Registration::new(name, None)
    }

    /// A fixture with `nr_types` types, registered on a new faux device called `name`.
    fn registered(
        name: &CStr,
        nr_types: u32,
        max: u32,
    ) -> Result<(kernel::faux::Registration, Fixture)> {
        let fdev = faux(name)?;
        let f = Fixture::new(nr_types, max)?;
        f.register(fdev.as_ref().as_ref(), nr_types)?;
        Ok((fdev, f))
    }

    #[test]
    fn registry_duplicate_and_unknown() -> Result {
        let fdev = faux(c"mdev-rs-kunit-dup")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let a = Fixture::new(2, 4)?;
        let b = Fixture::new(1, 1)?;
        a.register(dev, 2)?;
        // Same device through another parent structure: refused with a warning.
        let (r, w) = count_warnings(|| b.register(dev, 1));
        assert!(r == Err(EEXIST));
        assert_eq!(w, 1);
        // Same parent structure twice: refused too.
        let (r, w) = count_warnings(|| a.register(dev, 2));
        assert!(r == Err(EEXIST));
        assert_eq!(w, 1);
        // Unregistering a parent that was never registered warns and changes nothing.
        let ((), w) = count_warnings(|| b.unregister());
        assert_eq!(w, 1);
        let dev_key = mdev_abi::raw_dev(dev) as usize;
        assert!(REGISTRY.lock().contains(a.parent() as usize));
        assert!(REGISTRY.lock().has_dev(dev_key));
        a.unregister();
        assert!(!REGISTRY.lock().contains(a.parent() as usize));
        assert!(!REGISTRY.lock().has_dev(dev_key));
        // Registering again after unregistering works.
        a.register(dev, 2)?;
        a.unregister();
        Ok(())
    }

    #[test]
    fn registry_many_parents() -> Result {
        // Parents unregistered from the middle, the front and the back of the registry.
        const N: usize = 5;
        let mut all = KVec::with_capacity(N, GFP_KERNEL)?;
        for n in 0..N {
            let name = CString::try_from_fmt(fmt!("mdev-rs-kunit-many{n}"))?;
            all.push(registered(&name, 1, 1)?, GFP_KERNEL)?;
        }
        let registered = |i: usize| REGISTRY.lock().contains(all[i].1.parent() as usize);
        assert!((0..N).all(registered));
        for i in [2, 0, 4, 1, 3] {
            all[i].1.unregister();
            assert!(!registered(i));
        }
        assert!(REGISTRY.lock().by_key.as_ref().is_none_or(|m| m.is_empty()));
        Ok(())
    }

    #[test]
    fn create_after_unregister_is_enodev() -> Result {
        let (_fdev, f) = registered(c"mdev-rs-kunit-late", 1, 2)?;
        // A type directory's callbacks may still run with the registration's state after
        // unregistration; they find it closed.
        let p = parent(f.parent())?;
        f.unregister();
        assert!(store(&p, 0, TypeAttr::Create, U1) == Err(ENODEV));
        assert_eq!(avail(&p), 2);
        assert!(INDEX.lock().uuids.as_ref().is_none_or(|t| t.is_empty()));
        assert!(p.enter_with(|_, _| Ok(())).is_err());
        Ok(())
    }

    #[test]
    fn device_uuid_is_guid_of_name() -> Result {
        let (fdev, f) = registered(c"mdev-rs-kunit-guid", 1, 1)?;
        let p = parent(f.parent())?;
        let u = b"0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9";
        store(&p, 0, TypeAttr::Create, u)?;
        let name = Uuid::parse(u)?.to_name();
        assert!(name.as_cstr() == c"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
        let dev: &Device = fdev.as_ref().as_ref();
        let matched = mdev_abi::kunit::uuid_matches_name(dev, name.as_cstr());
        f.unregister();
        assert!(matched == Ok(true));
        // The release, possibly delayed, frees the UUID: later cases expect an empty index.
        assert!(wait_avail(&p, 1));
        Ok(())
    }

    #[test]
    fn vendor_strings_checked() -> Result {
        let fdev = faux(c"mdev-rs-kunit-names")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let f = Fixture::new(2, 4)?;
        f.set_names(Some(c"vfio-pci"), 1, None);
        assert!(f.register(dev, 2) == Err(EINVAL));
        f.set_names(None, 1, Some(c"2"));
        assert!(f.register(dev, 2) == Err(EINVAL));
        assert!(!REGISTRY.lock().contains(f.parent() as usize));
        // A NULL entry in the type array is refused, not followed.
        f.set_names(Some(c"vfio-pci"), 1, Some(c"2"));
        f.set_type(1, false);
        assert!(f.register(dev, 2) == Err(EINVAL));
        assert!(!REGISTRY.lock().contains(f.parent() as usize));
        f.set_type(1, true);
        f.set_names(Some(c"vfio-pci"), 1, Some(c"2"));
        f.register(dev, 2)?;
        f.unregister();
        Ok(())
    }

    #[test]
    fn unregistered_sent_with_core_reference() -> Result {
        let fdev = faux(c"mdev-rs-kunit-ref")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let f = Fixture::new(1, 1)?;
        let base = mdev_abi::kref_read(dev);
        f.register(dev, 1)?;
        let s = tests_hook::take().ok_or(EINVAL)?;
        assert!(s.state == State::Registered);
        f.unregister();
        let s = tests_hook::take().ok_or(EINVAL)?;
        assert!(s.state == State::Unregistered);
        assert_eq!(s.dev, mdev_abi::raw_dev(dev) as usize);
        // Exactly one reference beyond the vendor's while sending: the core's, dropped after.
        assert_eq!(s.refs, base + 1);
        assert_eq!(mdev_abi::kref_read(dev), base);
        Ok(())
    }

    /// The registration of `key`, found in the registry.
    fn parent(key: *mut RawParent) -> Result<Arc<ParentShared>> {
        let reg = REGISTRY.lock();
        let p = reg.by_key.as_ref().and_then(|m| m.get(&(key as usize)));
        p.cloned().ok_or(ENODEV)
    }

    fn store(p: &Arc<ParentShared>, i: usize, attr: TypeAttr, buf: &[u8]) -> Result {
        TypeRef::new(p.as_arc_borrow(), i).store(attr, buf)
    }

    fn avail(p: &ParentShared) -> u32 {
        p.avail.load(Ordering::Relaxed)
    }

    fn wait_avail(p: &ParentShared, want: u32) -> bool {
        for _ in 0..1000 {
            if avail(p) == want {
                return true;
            }
            fsleep(Delta::from_millis(10));
        }
        false
    }

    #[test]
    fn instance_accounting_shared_across_types() -> Result {
        let (_fdev, f) = registered(c"mdev-rs-kunit-acct", 2, 2)?;
        let p = parent(f.parent())?;
        let u2 = b"11111111-2222-3333-4444-666666666666";
        let u3 = b"11111111-2222-3333-4444-777777777777";
        assert_eq!(avail(&p), 2);
        store(&p, 0, TypeAttr::Create, U1)?;
        assert_eq!(avail(&p), 1);
        // A duplicate UUID is refused on any type, without accounting.
        assert!(store(&p, 1, TypeAttr::Create, U1) == Err(EEXIST));
        assert_eq!(avail(&p), 1);
        store(&p, 1, TypeAttr::Create, u2)?;
        assert!(store(&p, 0, TypeAttr::Create, u3) == Err(EUSERS));
        assert_eq!(avail(&p), 0);
        f.unregister();
        // The count comes back when the devices are released, possibly delayed.
        assert!(wait_avail(&p, 2));
        assert!(INDEX.lock().uuids.as_ref().is_none_or(|t| t.is_empty()));
        Ok(())
    }

    #[test]
    fn vendor_may_free_types_after_unregister() -> Result {
        let (_fdev, f) = registered(c"mdev-rs-kunit-free", 2, 4)?;
        let p = parent(f.parent())?;
        store(&p, 1, TypeAttr::Create, U1)?;
        drop(p);
        f.unregister();
        // Free the vendor's parent, driver and types at once; delayed releases of the type
        // directory and the device must not touch them (KASAN would report it).
        drop(f);
        Ok(())
    }
}
