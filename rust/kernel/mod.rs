// SPDX-License-Identifier: GPL-2.0

//! Abstractions that are `rust/kernel/` files in tree.

pub(crate) mod bindings;
pub(crate) mod mdev;
pub(crate) mod sync;
