// SPDX-License-Identifier: GPL-2.0

//! VFIO mediated device (mdev) core: parent registry, `MDEV_STATE` uevents, sysfs ABI and the
//! lifecycle of mdev devices; a drop-in for the C core of `drivers/vfio/mdev`.
//!
//! C header: [`include/linux/mdev.h`](srctree/include/linux/mdev.h)

mod mdev_abi;
mod mdev_sysfs;
mod mdev_uevent;

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    device::Device,
    new_condvar, new_mutex,
    prelude::*,
    rbtree::{Entry, RBTree, RBTreeNodeReservation},
    sync::{aref::ARef, Arc, CondVar, Mutex},
    time::{delay::fsleep, Delta},
};
use mdev_abi::{DeviceList, RawParent, Released, UuidIndex, Vendor, VendorDriver, VendorTypes};
use mdev_sysfs::{
    CompatClass, Kset, Page, RemoveRequest, TypeAttr, TypeDir, TypeDirReg, TypeLinks,
};
use mdev_uevent::State;

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

/// Parses a `remove` write: `Some(true)` removes, `Some(false)` is the no-op `0`.
pub(crate) fn parse_remove(buf: &[u8]) -> Result<bool> {
    match mdev_sysfs::kstrtoul(buf) {
        Ok(v) => Ok(v != 0),
        Err(e) if e == ENOMEM => Err(e),
        Err(_) => Err(EINVAL),
    }
}

/// Global index of mdev devices by UUID, across all parents.
///
/// An entry lives from `create` until the device is released, as in the C core, so a UUID is
/// busy until its last reference is gone. The value is the device's `active` flag.
struct Index {
    /// Accounted devices by UUID; also guards `mdev_device::active`.
    uuids: Option<UuidIndex>,
}

/// Core objects whose release may still run (devices, type directories): module exit waits
/// for zero.
static LIVE: AtomicUsize = AtomicUsize::new(0);

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    unsafe(uninit) static INDEX: Mutex<Index> = Index {
        uuids: None,
    };
}

/// The parent registry: every registered parent holds a counted reference to its device.
///
/// Indexed by the vendor's `struct mdev_parent`, so that registering, unregistering and looking
/// up a parent are O(log n) with thousands of parents. A device is registered at most once: it
/// has `mdev_supported_types` exactly while registered.
struct Registry {
    by_key: Option<RBTree<usize, Registration>>,
    compat: Option<CompatClass>,
}

impl Registry {
    fn get(&self, key: usize) -> Option<&Registration> {
        self.by_key.as_ref()?.get(&key)
    }
}

kernel::sync::global_lock! {
    // SAFETY: Initialised in module init before any other use.
    unsafe(uninit) static REGISTRY: Mutex<Registry> = Registry {
        by_key: None,
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

/// The unregistration gate of a parent, with everything it protects.
struct Gate {
    /// Set when unregistration starts: new creates and removes fail with `ENODEV`.
    closing: bool,
    /// Creates and removes in progress.
    users: u32,
    /// Instances left when the core counts them (driver without `get_available`).
    avail: u32,
    /// The registration, while it lasts.
    view: Option<RegView>,
}

/// Per-parent state shared by the registration, its type directories and its mdev devices.
///
/// It holds no vendor pointer and no reference to the parent device, so the objects whose
/// release may be delayed never touch vendor memory.
#[pin_data]
struct ParentShared {
    #[pin]
    gate: Mutex<Gate>,
    #[pin]
    drained: CondVar,
    /// Live mdev devices in creation order, each holding the reference from
    /// `device_initialize()`; O(1) removal.
    #[pin]
    devices: DeviceList,
    /// The core counts instances (the driver has no `get_available`).
    counted: bool,
    /// Registry key of the registration (the vendor's `struct mdev_parent`).
    key: usize,
}

/// Proof of a create or remove in progress on an open gate.
struct GateUser<'a> {
    shared: &'a ParentShared,
}

impl Drop for GateUser<'_> {
    fn drop(&mut self) {
        let mut g = self.shared.gate.lock();
        g.users -= 1;
        if g.closing && g.users == 0 {
            self.shared.drained.notify_all();
        }
    }
}

impl ParentShared {
    fn new(counted: bool, avail: u32, key: usize) -> impl PinInit<Self> {
        pin_init!(Self {
            gate <- new_mutex!(Gate {
                closing: false,
                users: 0,
                avail,
                view: None,
            }),
            drained <- new_condvar!(),
            devices <- DeviceList::new(),
            counted,
            key,
        })
    }

    /// Enters the gate, failing with `ENODEV` once unregistration has started (never blocks).
    fn try_enter(&self) -> Result<GateUser<'_>> {
        let mut g = self.gate.lock();
        if g.closing || g.view.is_none() {
            return Err(ENODEV);
        }
        g.users += 1;
        Ok(GateUser { shared: self })
    }

    /// The registration, for attribute reads.
    fn view(&self) -> Result<RegView> {
        self.gate.lock().view.clone().ok_or(ENODEV)
    }

    /// Closes the gate and waits for creates and removes in flight.
    fn close_and_drain(&self) {
        let mut g = self.gate.lock();
        g.closing = true;
        while g.users != 0 {
            self.drained.wait(&mut g);
        }
    }
}

/// The core state of one mdev device, stored in the device and dropped at its release.
pub(crate) struct MdevCore {
    uuid: Uuid,
    shared: Arc<ParentShared>,
    links: TypeLinks,
}

impl MdevCore {
    pub(crate) fn uuid(&self) -> Uuid {
        self.uuid
    }
}

/// Undoes a device's accounting when its last reference is gone: the UUID becomes free and, if
/// the device was indexed, its instance comes back.
pub(crate) fn device_released(r: &Released<'_>) {
    let core = r.core();
    let mut idx = INDEX.lock();
    let accounted = idx.uuids.as_mut().is_some_and(|t| t.remove_released(r));
    if accounted && core.shared.counted {
        core.shared.gate.lock().avail += 1;
    }
    drop(idx);
    LIVE.fetch_sub(1, Ordering::Release);
}

/// The core data of a type directory.
pub(crate) struct TypeData {
    shared: Arc<ParentShared>,
    index: usize,
}

impl TypeData {
    fn new(shared: Arc<ParentShared>, index: usize) -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Self { shared, index }
    }
}

impl Drop for TypeData {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Release);
    }
}

/// Operations behind the type attributes, called by [`mdev_sysfs`].
pub(crate) trait MdevOps {
    /// Whether the attribute exists.
    fn visible(&self, attr: TypeAttr) -> bool;
    /// Reads an attribute.
    fn show(&self, attr: TypeAttr, page: &mut Page<'_>) -> Result;
    /// Writes an attribute.
    fn store(&self, attr: TypeAttr, buf: &[u8]) -> Result;
}

impl MdevOps for TypeData {
    fn visible(&self, attr: TypeAttr) -> bool {
        match attr {
            TypeAttr::Description => {
                (self.shared.gate.lock().view.as_ref()).is_some_and(|v| v.drv.has_description())
            }
            _ => true,
        }
    }

    fn show(&self, attr: TypeAttr, page: &mut Page<'_>) -> Result {
        let v = self.shared.view()?;
        let t = v.types.get(self.index).ok_or(ENODEV)?;
        match attr {
            TypeAttr::Create => Err(EIO),
            TypeAttr::DeviceApi => {
                page.write(fmt!("{}\n", v.drv.device_api().unwrap_or(c"").to_str()?))
            }
            TypeAttr::Name => {
                let n = t.pretty_name().unwrap_or(t.sysfs_name());
                page.write(fmt!("{}\n", n.to_str()?))
            }
            TypeAttr::AvailableInstances => {
                let n = if self.shared.counted {
                    self.shared.gate.lock().avail
                } else {
                    v.drv.get_available(t.raw)
                };
                page.write(fmt!("{}\n", n))
            }
            TypeAttr::Description => v.drv.show_description(t.raw, page),
        }
    }

    fn store(&self, attr: TypeAttr, buf: &[u8]) -> Result {
        match attr {
            TypeAttr::Create => create(self, parse_create(buf)?),
            _ => Err(EIO),
        }
    }
}

/// Creates an mdev device of the type behind `td`.
fn create(td: &TypeData, uuid: Uuid) -> Result {
    let shared = &td.shared;
    let view = shared.view()?;
    let tinfo = view.types.get(td.index).ok_or(ENODEV)?;
    let core = MdevCore {
        uuid,
        shared: shared.clone(),
        links: view_links(td)?,
    };
    // Allocate before any accounting, so that a failed allocation changes nothing. From here
    // `device_released()` undoes whatever accounting is done, on every path; on an error `dev`
    // is dropped after the index lock, which its release takes.
    let dev = mdev_abi::device_alloc(&view.dev, tinfo.raw, core)?;
    LIVE.fetch_add(1, Ordering::Relaxed);
    let accounted = account(&mut INDEX.lock(), shared, &dev);
    accounted?;
    let _user = shared.try_enter()?;
    mdev_abi::device_add(&dev)?;
    if let Err(e) = attach_and_link(&view, &dev) {
        mdev_abi::device_del(&dev);
        return Err(e);
    }
    Ok(())
}

/// Takes the UUID (`EEXIST`) and, if the core counts them, an instance (`EUSERS`) for `dev`.
fn account(idx: &mut Index, shared: &ParentShared, dev: &Device) -> Result {
    let uuids = idx.uuids.get_or_insert_with(UuidIndex::new);
    uuids.insert(dev)?;
    if shared.counted {
        let mut g = shared.gate.lock();
        if g.avail == 0 {
            uuids.remove(dev);
            return Err(EUSERS);
        }
        g.avail -= 1;
    }
    Ok(())
}

fn attach_and_link(view: &RegView, dev: &ARef<Device>) -> Result {
    view.drv.attach(dev)?;
    let core = mdev_abi::device_core(dev).ok_or(ENODEV)?;
    core.links.link(dev, core.uuid.to_name().as_cstr())?;
    if let Err(e) = core.shared.devices.push(dev.clone()) {
        core.links.unlink(dev, core.uuid.to_name().as_cstr());
        return Err(e);
    }
    set_active(dev, true);
    Ok(())
}

/// Records whether a device is active, in `mdev_device::active` under the index lock.
fn set_active(dev: &Device, active: bool) {
    let _idx = INDEX.lock();
    mdev_abi::device_set_active(dev, active);
}

fn view_links(td: &TypeData) -> Result<TypeLinks> {
    let reg = REGISTRY.lock();
    let r = reg
        .get(td.shared.key)
        .filter(|r| Arc::ptr_eq(&r.shared, &td.shared))
        .ok_or(ENODEV)?;
    let sysfs = r.sysfs.as_ref().ok_or(ENODEV)?;
    Ok(sysfs.types.get(td.index).ok_or(ENODEV)?.links())
}

/// Destroys an mdev device: links, then `device_del()` (unbind, vendor `remove`), then the
/// reference from `device_initialize()`.
fn remove_common(dev: ARef<Device>) {
    if let Some(core) = mdev_abi::device_core(&dev) {
        core.links.unlink(&dev, core.uuid.to_name().as_cstr());
        set_active(&dev, false);
    }
    mdev_abi::device_del(&dev);
}

/// A write to an mdev device's `remove` attribute.
pub(crate) fn remove_store(req: &RemoveRequest<'_>, buf: &[u8]) -> Result {
    if parse_remove(buf)? && req.remove_file_self() {
        device_remove(req.dev())?;
    }
    Ok(())
}

fn device_remove(dev: &Device) -> Result {
    let core = mdev_abi::device_core(dev).ok_or(ENODEV)?;
    {
        let _idx = INDEX.lock();
        if !mdev_abi::device_active(dev) {
            return Err(EAGAIN);
        }
        mdev_abi::device_set_active(dev, false);
    }
    let shared = core.shared.clone();
    let _user = shared.try_enter()?;
    let dev = shared.devices.take(dev).ok_or(ENODEV)?;
    remove_common(dev);
    Ok(())
}

/// A parent registration, owned by the registry.
struct Registration {
    /// sysfs objects; dropped before `view`.
    sysfs: Option<ParentSysfs>,
    shared: Arc<ParentShared>,
    view: RegView,
}

// SAFETY: The sysfs objects are kobjects, which may be used and released from any thread; the
// other fields are `Send`.
unsafe impl Send for Registration {}

/// `mdev_supported_types` and its type directories.
struct ParentSysfs {
    /// Dropped before `kset`.
    types: KVec<TypeDirReg>,
    _kset: Kset,
}

impl Drop for Registration {
    fn drop(&mut self) {
        // The type directories are gone or going; nothing reaches the registration any more.
        drop(self.sysfs.take());
        self.shared.gate.lock().view = None;
    }
}

/// `mdev_register_parent()`.
pub(crate) fn register_parent(vendor: Vendor, dev: ARef<Device>) -> Result {
    let mut guard = REGISTRY.lock();
    let reg = &mut *guard;
    let slot = match reg
        .by_key
        .get_or_insert_with(RBTree::new)
        .entry(vendor.key() as usize)
    {
        Entry::Vacant(v) if !mdev_sysfs::has_types_dir(&dev) => v,
        _ => {
            kernel::warn_on!(true);
            return Err(EEXIST);
        }
    };
    let node = RBTreeNodeReservation::new(GFP_KERNEL)?;

    vendor.init_parent(&dev);
    let drv = vendor.driver();
    let key = vendor.key();
    let types = vendor.types()?;
    drv.device_api().ok_or(EINVAL)?;
    let shared = Arc::pin_init(
        ParentShared::new(!drv.has_get_available(), drv.max_instances(), key as usize),
        GFP_KERNEL,
    )?;
    let view = RegView {
        dev: dev.clone(),
        drv,
        types,
    };
    shared.gate.lock().view = Some(view.clone());
    let mut r = Registration {
        sysfs: None,
        shared: shared.clone(),
        view: view.clone(),
    };

    let kset = Kset::new(&dev)?;
    let prefix = mdev_sysfs::driver_string(&dev);
    let mut dirs = KVec::with_capacity(view.types.len(), GFP_KERNEL)?;
    for i in 0..view.types.len() {
        let t = view.types.get(i).ok_or(EINVAL)?;
        dirs.push(
            TypeDirReg::new(
                &kset,
                prefix,
                t.sysfs_name(),
                TypeData::new(shared.clone(), i),
            )?,
            GFP_KERNEL,
        )?;
    }
    r.sysfs = Some(ParentSysfs {
        types: dirs,
        _kset: kset,
    });

    if let Some(c) = reg.compat.as_ref() {
        if c.create_link(&dev).is_err() {
            dev_warn!(dev, "Failed to create compatibility class link\n");
        }
    }
    dev_info!(dev, "MDEV: Registered\n");
    slot.insert(r, node);
    mdev_uevent::send(&view.dev, State::Registered);
    Ok(())
}

/// `mdev_unregister_parent()`.
pub(crate) fn unregister_parent(key: *mut RawParent) {
    let r = {
        let mut reg = REGISTRY.lock();
        match reg.by_key.as_mut().and_then(|t| t.remove(&(key as usize))) {
            Some(r) => {
                if let Some(c) = reg.compat.as_ref() {
                    c.remove_link(&r.view.dev);
                }
                r
            }
            None => {
                kernel::warn_on!(true);
                return;
            }
        }
    };
    dev_info!(r.view.dev, "MDEV: Unregistering\n");
    // In creation order, as the C core walks the parent's children.
    r.shared.close_and_drain();
    while let Some(dev) = r.shared.devices.pop() {
        remove_common(dev);
    }
    // Dropping the registration removes the type directories and the gate's view; `view`
    // keeps the core's reference to the parent until the event is sent.
    let view = r.view.clone();
    drop(r);
    mdev_uevent::send(&view.dev, State::Unregistered);
}

struct MdevModule;

impl kernel::Module for MdevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Called once, before any other use of the globals.
        unsafe {
            INDEX.init();
            REGISTRY.init();
        }
        #[cfg(CONFIG_KUNIT = "y")]
        // SAFETY: As above.
        unsafe {
            mdev_uevent::tests_hook::LAST.init()
        };
        mdev_abi::bus_register()?;
        match CompatClass::new() {
            Ok(c) => REGISTRY.lock().compat = Some(c),
            Err(e) => {
                mdev_abi::bus_unregister();
                return Err(e);
            }
        }
        pr_info!("mdev core (Rust) loaded\n");
        Ok(MdevModule)
    }
}

impl Drop for MdevModule {
    fn drop(&mut self) {
        // Statics are never dropped: free what the globals own here.
        let (compat, parents) = {
            let mut reg = REGISTRY.lock();
            kernel::warn_on!(reg.by_key.as_ref().is_some_and(|t| !t.is_empty()));
            (reg.compat.take(), reg.by_key.take())
        };
        drop(parents);
        drop(compat);
        // Releases of devices and type directories may be delayed; they run module code.
        let mut waited = 0;
        while LIVE.load(Ordering::Acquire) != 0 && waited < 30_000 {
            fsleep(Delta::from_millis(10));
            waited += 10;
        }
        {
            let mut idx = INDEX.lock();
            if LIVE.load(Ordering::Acquire) != 0 {
                // Devices still indexed are leaked at their release, never freed.
                pr_warn!("objects still live at unload\n");
            }
            idx.uuids = None;
        }
        mdev_abi::bus_unregister();
    }
}

#[kunit_tests(mdev_rs)]
mod tests {
    use super::*;
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
    }

    #[test]
    fn uevent_env_strings() {
        assert_eq!(State::Registered.env().to_bytes(), b"MDEV_STATE=registered");
        assert_eq!(
            State::Unregistered.env().to_bytes(),
            b"MDEV_STATE=unregistered"
        );
    }

    fn faux(name: &'static CStr) -> Result<kernel::faux::Registration> {
        kernel::faux::Registration::new(name, None)
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
        assert!(REGISTRY.lock().get(a.parent() as usize).is_some());
        a.unregister();
        assert!(REGISTRY.lock().get(a.parent() as usize).is_none());
        // Registering again after unregistering works.
        a.register(dev, 2)?;
        a.unregister();
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
        assert!(REGISTRY.lock().get(f.parent() as usize).is_none());
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

    fn type_data(key: *mut RawParent, i: usize) -> Result<mdev_sysfs::TypeDirRef> {
        let reg = REGISTRY.lock();
        let r = reg.get(key as usize).ok_or(ENODEV)?;
        Ok(r.sysfs
            .as_ref()
            .ok_or(ENODEV)?
            .types
            .get(i)
            .ok_or(ENODEV)?
            .dir()
            .clone())
    }

    fn avail(d: &TypeDir) -> u32 {
        d.data().shared.gate.lock().avail
    }

    fn wait_avail(d: &TypeDir, want: u32) -> bool {
        for _ in 0..1000 {
            if avail(d) == want {
                return true;
            }
            fsleep(Delta::from_millis(10));
        }
        false
    }

    #[test]
    fn instance_accounting_shared_across_types() -> Result {
        let fdev = faux(c"mdev-rs-kunit-acct")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let f = Fixture::new(2, 2)?;
        f.register(dev, 2)?;
        let t1 = type_data(f.parent(), 0)?;
        let t2 = type_data(f.parent(), 1)?;
        let u2 = b"11111111-2222-3333-4444-666666666666";
        let u3 = b"11111111-2222-3333-4444-777777777777";
        assert_eq!(avail(&t1), 2);
        t1.data().store(TypeAttr::Create, U1)?;
        assert_eq!(avail(&t2), 1);
        // A duplicate UUID is refused on any type, without accounting.
        assert!(t2.data().store(TypeAttr::Create, U1) == Err(EEXIST));
        assert_eq!(avail(&t2), 1);
        t2.data().store(TypeAttr::Create, u2)?;
        assert!(t1.data().store(TypeAttr::Create, u3) == Err(EUSERS));
        assert_eq!(avail(&t1), 0);
        f.unregister();
        // The count comes back when the devices are released, possibly delayed.
        assert!(wait_avail(&t1, 2));
        assert!(INDEX.lock().uuids.as_ref().is_none_or(|t| t.is_empty()));
        Ok(())
    }

    #[test]
    fn vendor_may_free_types_after_unregister() -> Result {
        let fdev = faux(c"mdev-rs-kunit-free")?;
        let dev: &Device = fdev.as_ref().as_ref();
        let f = Fixture::new(2, 4)?;
        f.register(dev, 2)?;
        let t = type_data(f.parent(), 1)?;
        t.data().store(TypeAttr::Create, U1)?;
        drop(t);
        f.unregister();
        // Free the vendor's parent, driver and types at once; delayed releases of the type
        // directory and the device must not touch them (KASAN would report it).
        drop(f);
        Ok(())
    }
}
