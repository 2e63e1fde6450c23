// SPDX-License-Identifier: GPL-2.0

//! What `create` and `remove` accept: UUIDs and the `kstrtoul()` number.

use kernel::prelude::*;

/// Length of a UUID string, `UUID_STRING_LEN`.
const UUID_LEN: usize = 36;

/// A UUID as written to `create`: its device name and its `guid_t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Uuid {
    /// The canonical lower-case string and a NUL.
    name: [u8; UUID_LEN + 1],
    /// What `guid_parse()` makes of it: the first three groups little-endian.
    guid: [u8; 16],
}

impl Uuid {
    /// Parses the 36-character form `8-4-4-4-12`, in any case, as `uuid_is_valid()` does.
    pub(crate) fn parse(s: &[u8]) -> Result<Self> {
        const GUID_INDEX: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        let s: &[u8; UUID_LEN] = s.try_into().map_err(|_| EINVAL)?;
        let mut out = Self {
            name: [0; UUID_LEN + 1],
            guid: [0; 16],
        };
        let mut digits = s
            .iter()
            .enumerate()
            .filter(|(i, _)| !matches!(i, 8 | 13 | 18 | 23));
        for (i, &c) in s.iter().enumerate() {
            let dash = matches!(i, 8 | 13 | 18 | 23);
            if dash != (c == b'-') || !(dash || c.is_ascii_hexdigit()) {
                return Err(EINVAL);
            }
            out.name[i] = c.to_ascii_lowercase();
        }
        for &g in &GUID_INDEX {
            let (Some((_, &hi)), Some((_, &lo))) = (digits.next(), digits.next()) else {
                return Err(EINVAL);
            };
            out.guid[g] = (hex(hi) << 4) | hex(lo);
        }
        Ok(out)
    }

    /// The device name.
    pub(crate) fn name(&self) -> &CStr {
        CStr::from_bytes_with_nul(&self.name).unwrap_or(c"")
    }

    /// The 16 bytes of `mdev->uuid`.
    pub(crate) fn guid(&self) -> [u8; 16] {
        self.guid
    }
}

/// The value of a hex digit (checked by the caller).
fn hex(c: u8) -> u8 {
    char::from(c).to_digit(16).unwrap_or(0) as u8
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
