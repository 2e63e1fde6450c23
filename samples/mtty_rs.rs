// SPDX-License-Identifier: GPL-2.0

//! mtty-style mdev vendor driver in safe Rust.
//!
//! Creates `nr_parents` faux devices `mtty_rs<N>` and registers each as an mdev parent with the
//! types of the C sample mtty: `1` "Single port serial" and `2` "Dual port serial", device API
//! `vfio-pci`, drawing on a pool of `ports` ports per parent (a create beyond it fails with
//! `ENOSPC`). Every mdev has the attribute `vendor/sample_mdev_dev`.
//!
//! With `max_instances` > 0 the parents leave accounting to the core instead (no
//! `get_available`, `max_instances` shared by the types) and provide `description`.
//!
//! `/sys/kernel/debug/mtty_rs/control` unregisters and registers parents at run time:
//! `unregister <n|all>`, `register <n|all>` and `cycle <n|all> [times]`.

// Out of tree, the crate includes the vendor API (`kernel::mdev`) and what it needs. // out-of-tree only
#[path = "../rust/kernel/bindings.rs"] // out-of-tree only
mod bindings; // out-of-tree only
#[allow(dead_code)] // out-of-tree only
#[path = "../rust/kernel/compat.rs"] // out-of-tree only
mod compat; // out-of-tree only
#[path = "../rust/kernel/device.rs"] // out-of-tree only
mod device; // out-of-tree only
use compat::EALREADY; // out-of-tree only
#[allow(dead_code, unreachable_pub, unused_imports)] // out-of-tree only
#[path = "../rust/kernel/kobject.rs"] // out-of-tree only
mod kobject; // out-of-tree only
#[path = "../rust/kernel/live_count.rs"] // out-of-tree only
mod live_count; // out-of-tree only
#[allow(dead_code, unreachable_pub)] // out-of-tree only
#[path = "../rust/kernel/mdev.rs"] // out-of-tree only
mod mdev; // out-of-tree only

use core::{borrow::Borrow, fmt::Write};
use kernel::{
    debugfs, faux, new_mutex,
    prelude::*,
    str::CString,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex,
    },
    uaccess::UserSliceReader,
};
use mdev::{Driver, DriverRegistration, Mdev, Page, Registration, TypeInfo};

module! {
    type: MttySample,
    name: "mtty_rs",
    authors: ["mdev-rs developers"],
    description: "mtty-style mdev sample driver in safe Rust",
    license: "GPL",
    params: {
        nr_parents: u32 {
            default: 1,
            description: "Number of parent devices",
        },
        ports: u32 {
            default: 24,
            description: "Port pool of each parent",
        },
        max_instances: u32 {
            default: 0,
            description: "If > 0, core-side accounting with this limit instead of the port pool",
        },
    },
}

/// The value of a module parameter (a reference to it on Linux 7.2).
fn param(v: impl Borrow<u32>) -> u32 {
    *v.borrow()
}

static TYPES: [TypeInfo; 2] = [
    TypeInfo {
        sysfs_name: c"1",
        pretty_name: Some(c"Single port serial"),
    },
    TypeInfo {
        sysfs_name: c"2",
        pretty_name: Some(c"Dual port serial"),
    },
];

/// Ports used by an mdev of each type.
const TYPE_PORTS: [u32; 2] = [1, 2];

fn type_ports(ty: usize) -> Result<u32> {
    TYPE_PORTS.get(ty).copied().ok_or(EINVAL)
}

fn show_uuid(mdev: &Mdev<'_>, page: &mut Page<'_>) -> Result {
    writeln!(page, "This is MDEV {}", mdev.uuid()).map_err(|_| EINVAL)
}

/// The ports of one parent not used by any mdev.
struct Pool {
    avail: Atomic<u32>,
}

impl Pool {
    fn take(&self, n: u32) -> Result {
        let mut cur = self.avail.load(Relaxed);
        loop {
            let new = cur.checked_sub(n).ok_or(ENOSPC)?;
            match self.avail.cmpxchg(cur, new, Relaxed) {
                Ok(_) => return Ok(()),
                Err(seen) => cur = seen,
            }
        }
    }
}

/// Ports held by one mdev, returned to the pool on drop.
struct Ports {
    n: u32,
    pool: Arc<Pool>,
}

impl Drop for Ports {
    fn drop(&mut self) {
        self.pool.avail.fetch_add(self.n, Relaxed);
    }
}

/// Port-pool accounting, as the C mtty does.
struct Mtty;

#[vtable]
impl Driver for Mtty {
    type Parent = Arc<Pool>;
    type Device = Ports;

    const NAME: &'static CStr = c"mtty_rs";
    const DEVICE_API: &'static CStr = c"vfio-pci";
    const ATTR_GROUP: Option<&'static CStr> = Some(c"vendor");
    const ATTRS: &'static [&'static CStr] = &[c"sample_mdev_dev"];

    fn probe(pool: &Arc<Pool>, ty: usize, _mdev: &Mdev<'_>) -> Result<Ports> {
        let n = type_ports(ty)?;
        pool.take(n)?;
        Ok(Ports {
            n,
            pool: pool.clone(),
        })
    }

    fn get_available(pool: &Arc<Pool>, ty: usize) -> u32 {
        type_ports(ty).map_or(0, |n| pool.avail.load(Relaxed) / n)
    }

    fn show_attr(_: &Ports, mdev: &Mdev<'_>, _: usize, page: &mut Page<'_>) -> Result {
        show_uuid(mdev, page)
    }
}

/// Core-side accounting: `max_instances`, no `get_available`, with a description.
struct Limited;

#[vtable]
impl Driver for Limited {
    type Parent = ();
    type Device = ();

    const NAME: &'static CStr = c"mtty_rs";
    const DEVICE_API: &'static CStr = c"vfio-pci";
    const ATTR_GROUP: Option<&'static CStr> = Some(c"vendor");
    const ATTRS: &'static [&'static CStr] = &[c"sample_mdev_dev"];

    fn probe((): &(), ty: usize, _mdev: &Mdev<'_>) -> Result {
        type_ports(ty).map(|_| ())
    }

    fn show_description((): &(), ty: usize, page: &mut Page<'_>) -> Result {
        let n = type_ports(ty)?;
        writeln!(page, "ports={n}, accounted by the mdev core").map_err(|_| EINVAL)
    }

    fn show_attr((): &(), mdev: &Mdev<'_>, _: usize, page: &mut Page<'_>) -> Result {
        show_uuid(mdev, page)
    }
}

/// A driver of this sample, with the data each new registration gets.
trait Mode: Driver {
    fn parent_data() -> Result<Self::Parent>;
}

impl Mode for Mtty {
    fn parent_data() -> Result<Arc<Pool>> {
        let avail = Atomic::new(param(module_parameters::ports.value()));
        Ok(Arc::new(Pool { avail }, GFP_KERNEL)?)
    }
}

impl Mode for Limited {
    fn parent_data() -> Result {
        Ok(())
    }
}

/// One parent device and its registration, if registered.
struct Slot<T: Mode> {
    // Declared first: dropped, i.e. unregistered, before the device goes away.
    reg: Option<Registration<T>>,
    dev: faux::Registration,
}

impl<T: Mode> Slot<T> {
    fn register(&mut self, drv: &Arc<DriverRegistration<T>>) -> Result {
        if self.reg.is_some() {
            Err(EALREADY)?;
        }
        #[allow(clippy::useless_asref)] // out-of-tree only
        let dev = self.dev.as_ref().as_ref();
        self.reg = Some(Registration::new(drv, dev, &TYPES, T::parent_data()?)?);
        Ok(())
    }

    fn unregister(&mut self) -> Result {
        drop(self.reg.take().ok_or(EALREADY)?);
        Ok(())
    }
}

/// An action of the control file on one slot.
type SlotFn<'a, T> = dyn FnMut(&mut Slot<T>, &Arc<DriverRegistration<T>>) -> Result + 'a;

struct Parents<T: Mode> {
    slots: KVec<Slot<T>>,
    drv: Arc<DriverRegistration<T>>,
}

/// Commands of the control file.
trait Control: Send {
    fn command(&mut self, cmd: &str) -> Result;
}

impl<T: Mode> Parents<T> {
    fn new(module: &'static ThisModule, max: u32) -> Result<Self> {
        let drv = DriverRegistration::<T>::new(module, max)?;
        let n = param(module_parameters::nr_parents.value());
        let mut slots = KVec::with_capacity(n as usize, GFP_KERNEL)?;
        for i in 0..n {
            let name = CString::try_from_fmt(fmt!("mtty_rs{i}"))?;
            let dev = faux::Registration::new(&name, None)?;
            slots.push(Slot { reg: None, dev }, GFP_KERNEL)?;
            if let Some(slot) = slots.last_mut() {
                slot.register(&drv)?;
            }
        }
        Ok(Self { slots, drv })
    }

    fn each(&mut self, which: &str, f: &mut SlotFn<'_, T>) -> Result {
        if which == "all" {
            return self.slots.iter_mut().try_for_each(|s| f(s, &self.drv));
        }
        let i: usize = which.parse().map_err(|_| EINVAL)?;
        let slot = self.slots.get_mut(i).ok_or(ENODEV)?;
        f(slot, &self.drv)
    }
}

impl<T: Mode> Control for Parents<T> {
    fn command(&mut self, cmd: &str) -> Result {
        let mut words = cmd.split_whitespace();
        let (verb, which) = (words.next(), words.next().ok_or(EINVAL)?);
        let times: u32 = words
            .next()
            .map_or(Ok(1), |t| t.parse().map_err(|_| EINVAL))?;
        if words.next().is_some() {
            return Err(EINVAL);
        }
        match verb {
            Some("register") => self.each(which, &mut |s, d| s.register(d)),
            Some("unregister") => self.each(which, &mut |s, _| s.unregister()),
            Some("cycle") => self.each(which, &mut |s, d| {
                for _ in 0..times {
                    s.unregister()?;
                    s.register(d)?;
                }
                Ok(())
            }),
            _ => Err(EINVAL),
        }
    }
}

type ControlData = Mutex<KBox<dyn Control>>;

fn control_write(ctl: &ControlData, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 64];
    let len = reader.len();
    let buf = buf.get_mut(..len).ok_or(EINVAL)?;
    reader.read_slice(buf)?;
    let cmd = core::str::from_utf8(buf).map_err(|_| EINVAL)?;
    ctl.lock().command(cmd)
}

struct MttySample {
    // Declared first: removing the file drops the parents before the directory goes.
    _control: Pin<KBox<debugfs::File<ControlData>>>,
    _dir: debugfs::Dir,
}

impl kernel::Module for MttySample {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let max = param(module_parameters::max_instances.value());
        let parents: KBox<dyn Control> = if max > 0 {
            KBox::new(Parents::<Limited>::new(module, max)?, GFP_KERNEL)?
        } else {
            KBox::new(Parents::<Mtty>::new(module, 0)?, GFP_KERNEL)?
        };
        let dir = debugfs::Dir::new(c"mtty_rs");
        let control = KBox::pin_init(
            dir.write_callback_file(c"control", new_mutex!(parents), &control_write),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _control: control,
            _dir: dir,
        })
    }
}
