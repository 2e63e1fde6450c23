/* SPDX-License-Identifier: GPL-2.0-only */
/* The KUnit fixtures of mdev_abi.c, for the Rust core's suite. */
#ifndef MDEV_ABI_H
#define MDEV_ABI_H

#include <linux/mdev.h>

void *mdev_abi_kunit_warn_begin(void);
int mdev_abi_kunit_warn_end(void *w);
void *mdev_abi_kunit_parent_alloc(unsigned int nr_types,
				  unsigned int max_instances);
int mdev_abi_kunit_register(void *f, struct device *dev, unsigned int nr_types);
void mdev_abi_kunit_unregister(void *f);
void mdev_abi_kunit_parent_free(void *f);
void mdev_abi_kunit_set_names(void *f, const char *device_api, unsigned int i,
			      const char *sysfs_name);
void mdev_abi_kunit_set_type(void *f, unsigned int i, bool present);
int mdev_abi_kunit_uuid_check(struct device *parent, const char *name);
struct mdev_parent *mdev_abi_kunit_parent(void *f);

#endif
