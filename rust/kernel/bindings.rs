// SPDX-License-Identifier: GPL-2.0

//! `kernel::bindings` plus `include/linux/mdev.h`, which 7.3's bindings lack.
//!
//! Kbuild generates the mdev part from `rust/bindings/mdev_helper.h` with the options of
//! `rust/Makefile`; in tree it is part of `kernel::bindings`.

#![allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    unreachable_pub,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::cast_lossless,
    clippy::as_underscore
)]

pub(crate) use kernel::bindings::*;
use kernel::ffi;
use pin_init::MaybeZeroable;

include!(concat!(
    env!("MDEV_RS_OBJ"),
    "/rust/bindings/mdev_generated.rs"
));
