// SPDX-License-Identifier: GPL-2.0

//! What `create` and `remove` accept: UUIDs and the `kstrtoul()` number.

use crate::rust_kernel::mdev_bus::DeviceName;
use kernel::prelude::*;

/// Length of a UUID string, `UUID_STRING_LEN`.
const UUID_LEN: usize = 36;

/// A UUID as written to `create`: its device name and its `guid_t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Uuid {
    /// The canonical lower-case string.
    name: DeviceName<{ UUID_LEN + 1 }>,
    /// What `guid_parse()` makes of it: the first three groups little-endian.
    guid: [u8; 16],
}

impl Uuid {
    /// Parses the 36-character form `8-4-4-4-12`, in any case, as `uuid_is_valid()` does.
    pub(crate) fn parse(s: &[u8]) -> Result<Self> {
        /// Where the two hex digits of each byte of the string start.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        /// Where each byte of the string goes in the `guid_t`.
        const GUID_INDEX: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        let s: &[u8; UUID_LEN] = s.try_into().map_err(|_| EINVAL)?;
        if [8, 13, 18, 23].iter().any(|&i| s[i] != b'-') {
            return Err(EINVAL);
        }
        let mut guid = [0; 16];
        for (&at, &g) in AT.iter().zip(&GUID_INDEX) {
            guid[g] = (hex(s[at]).ok_or(EINVAL)? << 4) | hex(s[at + 1]).ok_or(EINVAL)?;
        }
        // Every byte is a hex digit or a dash, so none is NUL.
        let name = DeviceName::try_from_fn(|i| s[i].to_ascii_lowercase()).ok_or(EINVAL)?;
        Ok(Self { name, guid })
    }

    /// The device name.
    pub(crate) fn name(&self) -> &CStr {
        self.name.as_c_str()
    }

    /// The 16 bytes of `mdev->uuid`.
    pub(crate) fn guid(&self) -> [u8; 16] {
        self.guid
    }
}

/// The value of hex digit `c`.
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
