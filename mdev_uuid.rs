// SPDX-License-Identifier: GPL-2.0

//! UUIDs: what `create` and `remove` accept, device names, and the index of devices by UUID.

use crate::rust_kernel::mdev_bus::{self as mdev, raw_dev, Released};
use kernel::{device::Device, prelude::*, rbtree::RBTree};

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

/// Index of mdev devices by UUID (`mdev->uuid`), across all parents.
///
/// # Invariants
///
/// Each entry maps a UUID to the address of the device that holds it.
pub(crate) struct UuidIndex(RBTree<[u8; 16], usize>);

impl UuidIndex {
    /// An empty index.
    pub(crate) fn new() -> Self {
        Self(RBTree::new())
    }

    /// Adds `dev`; `EEXIST` if its UUID is taken.
    pub(crate) fn insert(&mut self, dev: &Device) -> Result {
        let key = mdev::guid(dev).ok_or(EINVAL)?;
        if self.0.get(&key).is_some() {
            return Err(EEXIST);
        }
        self.0
            .try_create_and_insert(key, raw_dev(dev) as usize, GFP_KERNEL)?;
        Ok(())
    }

    /// Removes the entry of `key` if it is the device at `addr`; returns whether it was.
    fn remove_if(&mut self, key: [u8; 16], addr: usize) -> bool {
        if self.0.get(&key) != Some(&addr) {
            return false;
        }
        self.0.remove(&key);
        true
    }

    /// Removes `dev`; returns whether it was in this index.
    pub(crate) fn remove(&mut self, dev: &Device) -> bool {
        mdev::guid(dev).is_some_and(|key| self.remove_if(key, raw_dev(dev) as usize))
    }

    /// Removes a released device; returns whether it was in this index.
    pub(crate) fn remove_released<S>(&mut self, r: &Released<'_, S>) -> bool {
        self.remove_if(r.guid(), r.addr())
    }

    /// Whether the index is empty.
    #[cfg(MDEV_RS_KUNIT)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
