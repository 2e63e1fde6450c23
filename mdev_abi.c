// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C part of the Rust mdev core: the exports of <linux/mdev.h>, which Rust
 * defines (rust/kernel/mdev_vendor.rs) but can only export GPL-only.
 */

#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>

/*
 * The functions of <linux/mdev.h>, defined in Rust: exported from C, as
 * rust/exports.c does for the kernel crate, since Rust cannot export a symbol
 * that is not GPL-only.
 */
#define MDEV_EXPORT_RUST(sym) EXPORT_SYMBOL(sym)
MDEV_EXPORT_RUST(mdev_register_driver);
MDEV_EXPORT_RUST(mdev_unregister_driver);
MDEV_EXPORT_RUST(mdev_register_parent);
MDEV_EXPORT_RUST(mdev_unregister_parent);
