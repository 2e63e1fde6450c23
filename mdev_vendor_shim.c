// SPDX-License-Identifier: GPL-2.0-only
/*
 * C half of the Rust mdev vendor API (mdev_vendor.rs).
 *
 * Linked into each Rust vendor driver. It owns the structures that
 * <linux/mdev.h> asks a vendor driver to provide (struct mdev_driver,
 * mdev_parent, mdev_type), compiled against the real header, and forwards
 * their callbacks to Rust through function pointers. It calls only the four
 * exported mdev symbols, so the driver runs on any core that exports them.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "mdev_vendor_shim.h"

/**
 * struct mdev_vendor_driver - an mdev driver whose callbacks are in Rust
 * @drv: the registered driver
 * @probe: Rust probe, returns the per-mdev data in its last argument
 * @remove: Rust remove, gets the per-mdev data back
 * @get_available: Rust get_available, or NULL
 * @show_description: Rust show_description, or NULL
 * @show_attr: Rust show of vendor attribute number @attr
 * @group: vendor attribute group of every mdev
 * @groups: NULL-terminated list holding @group
 * @attrs: NULL-terminated list of @dattrs
 * @dattrs: one read-only attribute per name
 */
struct mdev_vendor_driver {
	struct mdev_driver drv;
	mdev_vendor_probe_fn probe;
	mdev_vendor_remove_fn remove;
	mdev_vendor_avail_fn get_available;
	mdev_vendor_desc_fn show_description;
	mdev_vendor_attr_fn show_attr;
	struct attribute_group group;
	const struct attribute_group *groups[2];
	struct attribute **attrs;
	struct device_attribute dattrs[];
};

/**
 * struct mdev_vendor_type - a type and where it belongs
 * @type: what the core sees
 * @vp: owning parent
 * @index: index in the parent's type list
 */
struct mdev_vendor_type {
	struct mdev_type type;
	struct mdev_vendor_parent *vp;
	unsigned int index;
};

/**
 * struct mdev_vendor_parent - a registered parent
 * @parent: what the core sees
 * @vd: the driver bound to its mdevs
 * @dev: the parent device
 * @ctx: Rust per-parent data
 * @base_ref: reference count of @dev before registration
 * @vtypes: the types
 * @types: pointers to @vtypes, as mdev_register_parent() takes them
 */
struct mdev_vendor_parent {
	struct mdev_parent parent;
	struct mdev_vendor_driver *vd;
	struct device *dev;
	void *ctx;
	unsigned int base_ref;
	struct mdev_vendor_type *vtypes;
	struct mdev_type *types[];
};

static struct mdev_vendor_type *to_vtype(struct mdev_type *type)
{
	return container_of(type, struct mdev_vendor_type, type);
}

static int mdev_vendor_probe(struct mdev_device *mdev)
{
	struct mdev_vendor_type *vt = to_vtype(mdev->type);
	void *data = NULL;
	int ret;

	ret = vt->vp->vd->probe(vt->vp->ctx, vt->index, &mdev->dev,
				    dev_name(&mdev->dev), &data);
	if (ret)
		return ret;
	dev_set_drvdata(&mdev->dev, data);
	return 0;
}

static void mdev_vendor_remove(struct mdev_device *mdev)
{
	struct mdev_vendor_type *vt = to_vtype(mdev->type);

	vt->vp->vd->remove(vt->vp->ctx, &mdev->dev, dev_name(&mdev->dev),
			       dev_get_drvdata(&mdev->dev));
	dev_set_drvdata(&mdev->dev, NULL);
}

static unsigned int mdev_vendor_get_available(struct mdev_type *type)
{
	struct mdev_vendor_type *vt = to_vtype(type);

	return vt->vp->vd->get_available(vt->vp->ctx, vt->index);
}

static ssize_t mdev_vendor_show_description(struct mdev_type *type, char *buf)
{
	struct mdev_vendor_type *vt = to_vtype(type);

	return vt->vp->vd->show_description(vt->vp->ctx, vt->index, buf);
}

static ssize_t mdev_vendor_attr_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct mdev_vendor_driver *vd =
		container_of(dev->driver, struct mdev_vendor_driver, drv.driver);

	return vd->show_attr(dev_get_drvdata(dev), dev, dev_name(dev),
				 attr - vd->dattrs, buf);
}

/**
 * mdev_vendor_driver_new() - allocate and register an mdev driver
 * @name: driver name
 * @device_api: value of every type's device_api file
 * @max_instances: core-side instance limit per parent (without get_available)
 * @owner: the vendor module
 * @probe: Rust probe
 * @remove: Rust remove
 * @get_available: Rust get_available, or NULL for core-side accounting
 * @show_description: Rust show_description, or NULL for no description file
 * @show_attr: Rust show of the vendor attributes
 * @group: name of the vendor attribute group, or NULL
 * @attr_names: @nr_attrs names of read-only attributes in @group
 * @nr_attrs: number of vendor attributes
 *
 * Return: the driver or an ERR_PTR().
 */
struct mdev_vendor_driver *
mdev_vendor_driver_new(const char *name, const char *device_api,
		       unsigned int max_instances, struct module *owner,
		       mdev_vendor_probe_fn probe, mdev_vendor_remove_fn remove,
		       mdev_vendor_avail_fn get_available,
		       mdev_vendor_desc_fn show_description,
		       mdev_vendor_attr_fn show_attr, const char *group,
		       const char *const *attr_names, unsigned int nr_attrs)
{
	struct mdev_vendor_driver *vd;
	unsigned int i;
	int ret;

	vd = kzalloc(struct_size(vd, dattrs, nr_attrs), GFP_KERNEL);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	vd->probe = probe;
	vd->remove = remove;
	vd->get_available = get_available;
	vd->show_description = show_description;
	vd->show_attr = show_attr;
	if (nr_attrs) {
		vd->attrs = kcalloc(nr_attrs + 1, sizeof(*vd->attrs),
				    GFP_KERNEL);
		if (!vd->attrs) {
			kfree(vd);
			return ERR_PTR(-ENOMEM);
		}
		for (i = 0; i < nr_attrs; i++) {
			sysfs_attr_init(&vd->dattrs[i].attr);
			vd->dattrs[i].attr.name = attr_names[i];
			vd->dattrs[i].attr.mode = 0444;
			vd->dattrs[i].show = mdev_vendor_attr_show;
			vd->attrs[i] = &vd->dattrs[i].attr;
		}
		vd->group.name = group;
		vd->group.attrs = vd->attrs;
		vd->groups[0] = &vd->group;
		vd->drv.driver.dev_groups = vd->groups;
	}
	vd->drv.device_api = device_api;
	vd->drv.max_instances = max_instances;
	vd->drv.probe = mdev_vendor_probe;
	vd->drv.remove = mdev_vendor_remove;
	if (get_available)
		vd->drv.get_available = mdev_vendor_get_available;
	if (show_description)
		vd->drv.show_description = mdev_vendor_show_description;
	vd->drv.driver.name = name;
	vd->drv.driver.owner = owner;

	ret = mdev_register_driver(&vd->drv);
	if (ret) {
		kfree(vd->attrs);
		kfree(vd);
		return ERR_PTR(ret);
	}
	return vd;
}

/**
 * mdev_vendor_driver_free() - unregister and free a driver
 * @vd: a driver from mdev_vendor_driver_new() with no registered parent
 */
void mdev_vendor_driver_free(struct mdev_vendor_driver *vd)
{
	mdev_unregister_driver(&vd->drv);
	kfree(vd->attrs);
	kfree(vd);
}

/*
 * A core may drop its last references to the types and mdevs of a parent
 * after mdev_unregister_parent() returns: the C core releases its type
 * kobjects, which live in our memory, from the kobject release path (deferred
 * under CONFIG_DEBUG_KOBJECT_RELEASE), and each holds a reference on the
 * parent device. Wait until the device is back to its count from before
 * registration, then the memory is ours again. Return false on timeout.
 */
static bool mdev_vendor_wait_released(struct mdev_vendor_parent *vp)
{
	unsigned int ms;

	for (ms = 0; kref_read(&vp->dev->kobj.kref) > vp->base_ref; ms += 20) {
		if (ms >= 30000) {
			dev_warn(vp->dev,
				 "mdev core keeps %u references after unregister; leaking the parent\n",
				 kref_read(&vp->dev->kobj.kref) - vp->base_ref);
			return false;
		}
		msleep(20);
	}
	return true;
}

static void mdev_vendor_parent_release(struct mdev_vendor_parent *vp)
{
	if (!mdev_vendor_wait_released(vp))
		return;
	kfree(vp->vtypes);
	kfree(vp);
}

/**
 * mdev_vendor_parent_new() - register @dev as a parent of mdevs
 * @vd: driver bound to the mdevs of this parent
 * @dev: the parent device, referenced by the caller until release
 * @sysfs_names: @nr_types type names, static
 * @pretty_names: @nr_types pretty names (entries may be NULL), static
 * @nr_types: number of types
 * @ctx: Rust per-parent data passed to every callback
 *
 * Return: the parent or an ERR_PTR().
 */
struct mdev_vendor_parent *
mdev_vendor_parent_new(struct mdev_vendor_driver *vd, struct device *dev,
		       const char *const *sysfs_names,
		       const char *const *pretty_names, unsigned int nr_types,
		       void *ctx)
{
	struct mdev_vendor_parent *vp;
	unsigned int i;
	int ret;

	vp = kzalloc(struct_size(vp, types, nr_types), GFP_KERNEL);
	if (!vp)
		return ERR_PTR(-ENOMEM);
	vp->vtypes = kcalloc(nr_types, sizeof(*vp->vtypes), GFP_KERNEL);
	if (!vp->vtypes) {
		kfree(vp);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < nr_types; i++) {
		vp->vtypes[i].type.sysfs_name = sysfs_names[i];
		vp->vtypes[i].type.pretty_name = pretty_names[i];
		vp->vtypes[i].vp = vp;
		vp->vtypes[i].index = i;
		vp->types[i] = &vp->vtypes[i].type;
	}
	vp->vd = vd;
	vp->dev = dev;
	vp->ctx = ctx;
	vp->base_ref = kref_read(&dev->kobj.kref);

	ret = mdev_register_parent(&vp->parent, dev, &vd->drv, vp->types,
				   nr_types);
	if (ret) {
		mdev_vendor_parent_release(vp);
		return ERR_PTR(ret);
	}
	return vp;
}

/**
 * mdev_vendor_parent_free() - unregister a parent and free it
 * @vp: a parent from mdev_vendor_parent_new()
 *
 * Destroys every mdev of @vp. When this returns no callback runs for @vp.
 */
void mdev_vendor_parent_free(struct mdev_vendor_parent *vp)
{
	mdev_unregister_parent(&vp->parent);
	mdev_vendor_parent_release(vp);
}
