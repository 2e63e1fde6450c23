/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers the project needs in Rust beyond 7.3's rust/bindings/bindings_helper.h; in tree
 * these lines are part of bindings_helper.h.
 */
#include <linux/kmemleak.h>
#include <linux/mdev.h>
