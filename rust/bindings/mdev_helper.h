/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers the project needs in Rust beyond 7.3's rust/bindings/bindings_helper.h; in tree
 * this line is part of bindings_helper.h.
 */
#include <linux/mdev.h>
