/* SPDX-License-Identifier: GPL-2.0-only */
/* Interface between mdev_vendor_shim.c and the Rust vendor API (mdev_vendor.rs). */
#ifndef MDEV_VENDOR_SHIM_H
#define MDEV_VENDOR_SHIM_H

#include <linux/device.h>
#include <linux/module.h>

struct mdev_vendor_driver;
struct mdev_vendor_parent;

/* Callbacks, implemented in Rust; @ctx is the per-parent data. */
typedef int (*mdev_vendor_probe_fn)(void *ctx, unsigned int type,
				    struct device *dev, const char *uuid,
				    void **data);
typedef void (*mdev_vendor_remove_fn)(void *ctx, struct device *dev,
				      const char *uuid, void *data);
typedef unsigned int (*mdev_vendor_avail_fn)(void *ctx, unsigned int type);
typedef ssize_t (*mdev_vendor_desc_fn)(void *ctx, unsigned int type,
				       char *buf);
typedef ssize_t (*mdev_vendor_attr_fn)(void *data, struct device *dev,
				       const char *uuid, unsigned int attr,
				       char *buf);

struct mdev_vendor_driver *
mdev_vendor_driver_new(const char *name, const char *device_api,
		       unsigned int max_instances, struct module *owner,
		       mdev_vendor_probe_fn probe, mdev_vendor_remove_fn remove,
		       mdev_vendor_avail_fn get_available,
		       mdev_vendor_desc_fn show_description,
		       mdev_vendor_attr_fn show_attr, const char *group,
		       const char *const *attr_names, unsigned int nr_attrs);
void mdev_vendor_driver_free(struct mdev_vendor_driver *vd);
struct mdev_vendor_parent *
mdev_vendor_parent_new(struct mdev_vendor_driver *vd, struct device *dev,
		       const char *const *sysfs_names,
		       const char *const *pretty_names, unsigned int nr_types,
		       void *ctx);
void mdev_vendor_parent_free(struct mdev_vendor_parent *vp);

#endif
