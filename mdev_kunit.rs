// SPDX-License-Identifier: GPL-2.0

//! The core's KUnit suite, built only with `MDEV_RS_KUNIT` (in tree
//! `VFIO_MDEV_RUST_KUNIT_TEST`).

use kernel::prelude::*;

#[allow(clippy::useless_asref)] // out-of-tree only
#[kunit_tests(mdev_rs)]
mod tests {
    use crate::rust_kernel::compat::EUSERS; // out-of-tree only
    use crate::rust_kernel::{
        mdev_bus::{DeviceName, RawParent},
        mdev_vendor::{
            self,
            kunit::{count_warnings, Fixture},
        },
    };
    use crate::{
        mdev_device::*,
        mdev_gate::*,
        mdev_registry::*,
        mdev_sysfs::*,
        mdev_uevent::{tests_hook, State},
        mdev_uuid::*,
    };
    use core::sync::atomic::Ordering;
    use kernel::{
        device::Device,
        prelude::*,
        str::CString,
        sync::Arc,
        time::{delay::fsleep, Delta},
    };

    const U1: &[u8] = b"11111111-2222-3333-4444-555555555555";

    #[test]
    fn uuid_parse_accepts_any_case() -> Result {
        let a = Uuid::parse(b"A1b2C3d4-e5F6-0789-abcd-EF0123456789")?;
        assert_eq!(a.name().to_bytes(), b"a1b2c3d4-e5f6-0789-abcd-ef0123456789");
        assert!(Uuid::parse(U1)? == Uuid::parse(b"11111111-2222-3333-4444-555555555555")?);
        // As `guid_parse()`: the first three groups little-endian.
        let guid = [
            0xd4, 0xc3, 0xb2, 0xa1, 0xf6, 0xe5, 0x89, 0x07, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45,
            0x67, 0x89,
        ];
        assert_eq!(a.guid(), guid);
        Ok(())
    }

    #[test]
    fn device_name_refuses_nul() {
        let abc = DeviceName::<4>::try_from_fn(|i| b"abc"[i]);
        assert_eq!(abc.map(|n| n.as_c_str() == c"abc"), Some(true));
        assert!(DeviceName::<4>::try_from_fn(|i| b"a\0c"[i]).is_none());
        assert!(DeviceName::<0>::try_from_fn(|_| b'a').is_none());
    }

    #[test]
    fn uuid_parse_rejects_bad_input() {
        let bad: [&[u8]; 8] = [
            b"11111111-2222-3333-4444-55555555555",
            b"111111112-222-3333-4444-555555555555",
            b"11111111-2222-3333-4444-55555555555g",
            b"11111111_2222-3333-4444-555555555555",
            b"11111111-2222-3333-4444-5555555555\0\0",
            b"",
            b"11111111-2222-3333-4444-5555555555555",
            b"11111111-2222-3333-4444-55555555555-",
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
        let mut f = Fixture::new(1, 1)?;
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
        let dev_key = core::ptr::from_ref::<Device>(dev) as usize;
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
        // Parents of built-in vendor drivers may be registered too.
        let count = || {
            REGISTRY
                .lock()
                .by_key
                .as_ref()
                .map_or(0, |m| m.iter().count())
        };
        let before = count();
        assert!((0..N).all(registered));
        for i in [2, 0, 4, 1, 3] {
            all[i].1.unregister();
            assert!(!registered(i));
        }
        assert_eq!(count(), before - N);
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
        let uuid = Uuid::parse(u)?;
        let name = uuid.name();
        assert!(name == c"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
        let dev: &Device = fdev.as_ref().as_ref();
        let matched = mdev_vendor::kunit::uuid_matches_name(dev, name);
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
        let mut f = Fixture::new(2, 4)?;
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
        let base = mdev_vendor::kref_read(dev);
        f.register(dev, 1)?;
        let s = tests_hook::take().ok_or(EINVAL)?;
        assert!(s.state == State::Registered);
        f.unregister();
        let s = tests_hook::take().ok_or(EINVAL)?;
        assert!(s.state == State::Unregistered);
        assert_eq!(s.dev, core::ptr::from_ref::<Device>(dev) as usize);
        // Exactly one reference beyond the vendor's while sending: the core's, dropped after.
        assert_eq!(s.refs, base + 1);
        assert_eq!(mdev_vendor::kref_read(dev), base);
        Ok(())
    }

    /// The registration of `key`, found in the registry.
    fn parent(key: *mut RawParent) -> Result<Arc<ParentShared>> {
        let reg = REGISTRY.lock();
        let p = reg.by_key.as_ref().and_then(|m| m.get(&(key as usize)));
        p.cloned().ok_or(ENODEV)
    }

    fn store(p: &Arc<ParentShared>, i: usize, attr: TypeAttr, buf: &[u8]) -> Result {
        assert!(attr == TypeAttr::Create);
        create(p, i, parse_create(buf)?)
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
        // `?` makes `EUSERS` an `Error` on Linux 7.2 too.
        let eusers = || -> Result { Err(EUSERS)? };
        assert!(store(&p, 0, TypeAttr::Create, u3) == eusers());
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
