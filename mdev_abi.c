// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C part of the Rust mdev core: the exports of <linux/mdev.h>, which Rust
 * defines (mdev_abi.rs) but can only export GPL-only, and the KUnit fixtures.
 */

#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>

#include "mdev_abi.h"

/*
 * The functions of <linux/mdev.h>, defined in mdev_abi.rs: exported from C, as
 * rust/exports.c does for the kernel crate, since Rust cannot export a symbol
 * that is not GPL-only.
 */
#define MDEV_EXPORT_RUST(sym) EXPORT_SYMBOL(sym)
MDEV_EXPORT_RUST(mdev_register_driver);
MDEV_EXPORT_RUST(mdev_unregister_driver);
MDEV_EXPORT_RUST(mdev_register_parent);
MDEV_EXPORT_RUST(mdev_unregister_parent);

#ifdef MDEV_RS_KUNIT
/**
 * struct mdev_abi_kunit_fixture - a vendor parent for the core's KUnit tests
 * @parent: the parent structure, first so it can stand for the fixture
 * @drv: the driver, with max_instances and no get_available
 * @types: the types, named "1", "2", ...
 * @ptrs: the type array given to mdev_register_parent()
 * @name: the driver name, unique per fixture
 */
struct mdev_abi_kunit_fixture {
	struct mdev_parent parent;
	struct mdev_driver drv;
	char name[32];
	struct mdev_type types[4];
	struct mdev_type *ptrs[4];
};

/**
 * mdev_abi_kunit_warn_begin() - start counting WARN()s in the current test
 *
 * Return: a handle for mdev_abi_kunit_warn_end(), or NULL outside a test.
 */
void *mdev_abi_kunit_warn_begin(void)
{
	struct kunit *test = kunit_get_current_test();

	return test ? kunit_start_suppress_warning(test) : NULL;
}

/**
 * mdev_abi_kunit_warn_end() - stop counting WARN()s
 * @w: the handle from mdev_abi_kunit_warn_begin()
 *
 * Return: the number of WARN()s suppressed since the matching begin.
 */
int mdev_abi_kunit_warn_end(void *w)
{
	struct kunit *test = kunit_get_current_test();
	int n;

	if (!w || !test)
		return -1;
	n = kunit_suppressed_warning_count(w);
	kunit_end_suppress_warning(test, w);
	return n;
}

/**
 * mdev_abi_kunit_parent_alloc() - allocate a parent, driver and types
 * @nr_types: number of types, named "1", "2", ...
 * @max_instances: the driver's max_instances (no get_available)
 *
 * Return: an opaque test fixture, or NULL.
 */
void *mdev_abi_kunit_parent_alloc(unsigned int nr_types,
				  unsigned int max_instances)
{
	static const char *const names[] = { "1", "2", "3", "4" };
	static atomic_t seq = ATOMIC_INIT(0);
	struct mdev_abi_kunit_fixture *f;
	unsigned int i;

	if (nr_types > ARRAY_SIZE(names))
		return NULL;
	f = kzalloc_obj(*f);
	if (!f)
		return NULL;
	snprintf(f->name, sizeof(f->name), "mdev_rs_kunit%d",
		 atomic_inc_return(&seq));
	f->drv.driver.name = f->name;
	f->drv.driver.owner = THIS_MODULE;
	f->drv.device_api = "vfio-pci";
	f->drv.max_instances = max_instances;
	for (i = 0; i < nr_types; i++) {
		f->types[i].sysfs_name = names[i];
		f->ptrs[i] = &f->types[i];
	}
	if (mdev_register_driver(&f->drv)) {
		kfree(f);
		return NULL;
	}
	return f;
}

/**
 * mdev_abi_kunit_parent_free() - unregister a fixture's driver and free it
 * @f: a fixture whose parent is not registered
 */
void mdev_abi_kunit_parent_free(void *f)
{
	struct mdev_abi_kunit_fixture *p = f;

	mdev_unregister_driver(&p->drv);
	kfree(p);
}

/**
 * mdev_abi_kunit_register() - register a fixture's parent on @dev
 * @f: a fixture from mdev_abi_kunit_parent_alloc()
 * @dev: the parent device
 * @nr_types: number of types to register
 *
 * Return: what mdev_register_parent() returns.
 */
int mdev_abi_kunit_register(void *f, struct device *dev, unsigned int nr_types)
{
	struct mdev_abi_kunit_fixture *p = f;

	return mdev_register_parent(&p->parent, dev, &p->drv, p->ptrs,
				    nr_types);
}

/**
 * mdev_abi_kunit_unregister() - unregister a fixture's parent
 * @f: a registered fixture
 */
void mdev_abi_kunit_unregister(void *f)
{
	struct mdev_abi_kunit_fixture *p = f;

	mdev_unregister_parent(&p->parent);
}

/**
 * mdev_abi_kunit_set_names() - change a fixture's strings, not while registered
 * @f: a fixture
 * @device_api: the driver's device_api, or NULL
 * @i: index of a type
 * @sysfs_name: that type's sysfs_name, or NULL
 */
void mdev_abi_kunit_set_names(void *f, const char *device_api, unsigned int i,
			      const char *sysfs_name)
{
	struct mdev_abi_kunit_fixture *p = f;

	p->drv.device_api = device_api;
	if (i < ARRAY_SIZE(p->types))
		p->types[i].sysfs_name = sysfs_name;
}

/**
 * mdev_abi_kunit_set_type() - make a fixture's type array entry NULL or not
 * @f: a fixture, not registered
 * @i: index of a type
 * @present: point entry @i at its type (true) or leave it NULL
 */
void mdev_abi_kunit_set_type(void *f, unsigned int i, bool present)
{
	struct mdev_abi_kunit_fixture *p = f;

	if (i < ARRAY_SIZE(p->ptrs))
		p->ptrs[i] = present ? &p->types[i] : NULL;
}

/**
 * mdev_abi_kunit_uuid_check() - compare an mdev's uuid with its name
 * @parent: the parent device
 * @name: the name of an mdev device of @parent
 *
 * Return: 1 if the device's uuid is what guid_parse() makes of its name, 0 if
 * not, -ENODEV if @parent has no such child.
 */
int mdev_abi_kunit_uuid_check(struct device *parent, const char *name)
{
	struct device *dev = device_find_child_by_name(parent, name);
	guid_t g;
	int ret;

	if (!dev)
		return -ENODEV;
	ret = !guid_parse(dev_name(dev), &g) &&
	      guid_equal(&g, &to_mdev_device(dev)->uuid);
	put_device(dev);
	return ret;
}

/**
 * mdev_abi_kunit_parent() - the parent structure of a fixture
 * @f: a fixture
 *
 * Return: &@f->parent.
 */
struct mdev_parent *mdev_abi_kunit_parent(void *f)
{
	return &((struct mdev_abi_kunit_fixture *)f)->parent;
}
#endif
