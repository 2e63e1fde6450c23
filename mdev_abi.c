// SPDX-License-Identifier: GPL-2.0-only
/*
 * C ABI layer of the Rust mdev core.
 *
 * This file is compiled against the real <linux/mdev.h>, so every access to
 * the vendor-visible structures (struct mdev_parent, mdev_type, mdev_driver
 * and mdev_device) uses the layout of the running kernel: the Rust side never
 * holds a copy of these layouts and reaches the fields only through the
 * accessors below. It also exports the four mdev symbols and defines the
 * "mdev" bus, whose callbacks only dispatch to the vendor driver.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>

#include "mdev_abi.h"

/**
 * struct mdev_abi_device - an mdev device as allocated by the core
 * @mdev: the vendor-visible device, first so that to_mdev_device() works;
 *	  @mdev.next links it into its parent's device list
 * @list: the list @mdev.next is on, or NULL
 * @uuid_node: node in a UUID index, or empty
 * @uuid_index: id of the index @uuid_node is in
 * @core: the Rust core state, moved in at allocation and dropped in the
 *	  release callback
 *
 * The lists and the index link the devices themselves, so a device costs one
 * allocation, as in the C core.
 */
struct mdev_abi_device {
	struct mdev_device mdev;
	struct list_head *list;
	struct rb_node uuid_node;
	unsigned long uuid_index;
	u64 core[MDEV_ABI_CORE_SIZE / sizeof(u64)];
};

static struct mdev_abi_device *to_abi(struct device *dev)
{
	return container_of(to_mdev_device(dev), struct mdev_abi_device, mdev);
}

static int mdev_abi_probe(struct device *dev)
{
	struct mdev_driver *drv =
		container_of(dev->driver, struct mdev_driver, driver);

	if (!drv->probe)
		return 0;
	return drv->probe(to_mdev_device(dev));
}

static void mdev_abi_remove(struct device *dev)
{
	struct mdev_driver *drv =
		container_of(dev->driver, struct mdev_driver, driver);

	if (drv->remove)
		drv->remove(to_mdev_device(dev));
}

static int mdev_abi_match(struct device *dev, const struct device_driver *drv)
{
	/* Nothing binds automatically: only device_driver_attach() in create. */
	return 0;
}

static const struct bus_type mdev_abi_bus_type = {
	.name = "mdev",
	.probe = mdev_abi_probe,
	.remove = mdev_abi_remove,
	.match = mdev_abi_match,
};

/*
 * The devices' own cache: a device is 840 bytes on x86_64, which kmalloc()
 * would round up to 1 KiB.
 */
static struct kmem_cache *mdev_abi_device_cache;

/**
 * mdev_abi_init() - create the device cache and register the "mdev" bus
 *
 * Return: 0 or a negative errno; on error nothing is left behind.
 */
int mdev_abi_init(void)
{
	int ret;

	mdev_abi_device_cache = KMEM_CACHE(mdev_abi_device, 0);
	if (!mdev_abi_device_cache)
		return -ENOMEM;
	ret = bus_register(&mdev_abi_bus_type);
	if (ret)
		kmem_cache_destroy(mdev_abi_device_cache);
	return ret;
}

/**
 * mdev_abi_exit() - undo mdev_abi_init()
 * @leaked: devices may still be allocated; their cache is then left behind
 */
void mdev_abi_exit(bool leaked)
{
	bus_unregister(&mdev_abi_bus_type);
	if (!leaked)
		kmem_cache_destroy(mdev_abi_device_cache);
}

/**
 * mdev_abi_is_mdev() - tell whether @dev is on the mdev bus
 * @dev: any device
 *
 * Return: true if @dev is an mdev device created by this core.
 */
bool mdev_abi_is_mdev(const struct device *dev)
{
	return dev->bus == &mdev_abi_bus_type;
}

/**
 * mdev_register_driver() - register an mdev vendor driver
 * @drv: the driver; @drv->device_api is required
 *
 * Return: 0, -EINVAL without device_api, or the errno of driver_register().
 */
int mdev_register_driver(struct mdev_driver *drv)
{
	if (!drv->device_api)
		return -EINVAL;

	drv->driver.bus = &mdev_abi_bus_type;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL(mdev_register_driver);

/**
 * mdev_unregister_driver() - unregister an mdev vendor driver
 * @drv: a driver registered with mdev_register_driver()
 */
void mdev_unregister_driver(struct mdev_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL(mdev_unregister_driver);

/**
 * mdev_register_parent() - register a device as parent of mdev devices
 * @parent: vendor-embedded parent structure, initialised here
 * @dev: the parent device; the core takes its own reference
 * @mdev_driver: driver bound to every mdev created on @parent
 * @types: the supported types
 * @nr_types: number of entries in @types
 *
 * Return: 0 or a negative errno (-EEXIST if @dev or @parent is registered).
 */
int mdev_register_parent(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *mdev_driver,
			 struct mdev_type **types, unsigned int nr_types)
{
	return mdev_rs_register_parent(parent, dev, mdev_driver, types,
				       nr_types);
}
EXPORT_SYMBOL(mdev_register_parent);

/**
 * mdev_unregister_parent() - unregister a parent and destroy its mdevs
 * @parent: a parent registered with mdev_register_parent()
 *
 * When this returns the core holds no pointer into vendor memory.
 */
void mdev_unregister_parent(struct mdev_parent *parent)
{
	mdev_rs_unregister_parent(parent);
}
EXPORT_SYMBOL(mdev_unregister_parent);

/**
 * mdev_abi_parent_init() - fill the vendor's parent structure and check it
 * @parent: vendor-embedded parent structure
 * @dev: the parent device
 * @drv: the vendor driver
 * @types: the supported types
 * @nr_types: number of entries in @types
 * @info: filled with what the core keeps of @drv
 *
 * Sets the fields that vendor drivers may read, as the C core does, and links each usable
 * type to @parent.
 *
 * Return: 0, or -EINVAL if @drv has no device_api or a type is NULL or has no sysfs_name.
 */
int mdev_abi_parent_init(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *drv, struct mdev_type **types,
			 unsigned int nr_types, struct mdev_abi_drv_info *info)
{
	int ret = drv->device_api ? 0 : -EINVAL;
	unsigned int i;

	memset(parent, 0, sizeof(*parent));
	init_rwsem(&parent->unreg_sem);
	parent->dev = dev;
	parent->mdev_driver = drv;
	parent->types = types;
	parent->nr_types = nr_types;
	atomic_set(&parent->available_instances, drv->max_instances);
	for (i = 0; i < nr_types; i++) {
		if (!mdev_abi_type(types, i)) {
			ret = -EINVAL;
			continue;
		}
		types[i]->parent = parent;
	}
	info->max_instances = drv->max_instances;
	info->counted = !drv->get_available;
	info->described = !!drv->show_description;
	return ret;
}

/**
 * mdev_abi_kset_get_ownership() - ownership of mdev_supported_types
 * @kobj: the kset's kobject
 * @uid: set to the parent's owner
 * @gid: set to the parent's group
 *
 * That of the parent device, as for a kset made by kset_create_and_add().
 */
void mdev_abi_kset_get_ownership(const struct kobject *kobj, kuid_t *uid,
				 kgid_t *gid)
{
	const struct kobject *p = kobj->parent;

	if (p && p->ktype && p->ktype->get_ownership)
		p->ktype->get_ownership(p, uid, gid);
}

/**
 * mdev_abi_type() - the @i-th type of a type array, if usable
 * @types: the vendor's type array
 * @i: index, below the registered nr_types
 *
 * Return: the type pointer, or NULL if it is NULL or has no sysfs_name.
 */
struct mdev_type *mdev_abi_type(struct mdev_type **types, unsigned int i)
{
	struct mdev_type *t = types[i];

	return t && t->sysfs_name ? t : NULL;
}

/**
 * mdev_abi_type_sysfs_name() - the sysfs name of a type
 * @type: a vendor type
 *
 * Return: the NUL-terminated name, or NULL.
 */
const char *mdev_abi_type_sysfs_name(const struct mdev_type *type)
{
	return type->sysfs_name;
}

/**
 * mdev_abi_type_pretty_name() - the pretty name of a type
 * @type: a vendor type
 *
 * Return: the NUL-terminated name, or NULL if the driver has none.
 */
const char *mdev_abi_type_pretty_name(const struct mdev_type *type)
{
	return type->pretty_name;
}

/**
 * mdev_abi_drv_device_api() - the device_api string of a driver
 * @drv: the vendor driver
 *
 * Return: the NUL-terminated string, or NULL.
 */
const char *mdev_abi_drv_device_api(const struct mdev_driver *drv)
{
	return drv->device_api;
}

/**
 * mdev_abi_drv_get_available() - call the driver's get_available
 * @drv: the vendor driver, with get_available set
 * @type: one of its types
 *
 * Return: the number of instances the driver can still create.
 */
unsigned int mdev_abi_drv_get_available(struct mdev_driver *drv,
					struct mdev_type *type)
{
	return drv->get_available(type);
}

/**
 * mdev_abi_drv_show_description() - call the driver's show_description
 * @drv: the vendor driver, with show_description set
 * @type: one of its types
 * @buf: a PAGE_SIZE sysfs buffer
 *
 * Return: what the driver returns.
 */
ssize_t mdev_abi_drv_show_description(struct mdev_driver *drv,
				      struct mdev_type *type, char *buf)
{
	return drv->show_description(type, buf);
}

/**
 * mdev_abi_drv_driver() - the device_driver embedded in an mdev_driver
 * @drv: the vendor driver
 *
 * Return: &@drv->driver.
 */
struct device_driver *mdev_abi_drv_driver(struct mdev_driver *drv)
{
	return &drv->driver;
}

static void mdev_abi_device_release(struct device *dev)
{
	mdev_rs_device_release(dev, to_abi(dev)->core);
}

/**
 * mdev_abi_device_free() - free an mdev device whose core state is dropped
 * @dev: a device from mdev_abi_device_alloc(), in its release callback
 */
void mdev_abi_device_free(struct device *dev)
{
	struct mdev_abi_device *d = to_abi(dev);

	/* Still reachable from an index or a list: leak rather than free. */
	if (WARN_ON(!RB_EMPTY_NODE(&d->uuid_node) || READ_ONCE(d->list)))
		return;
	kmem_cache_free(mdev_abi_device_cache, d);
}

/**
 * mdev_abi_device_alloc() - allocate and initialise an mdev device
 * @parent: the parent device
 * @type: the vendor type the device is created from
 * @uuid: the device name: a validated UUID in its canonical lower-case form
 * @guid: the same UUID as the 16 bytes of a guid_t, as guid_parse() gives them
 * @groups: the core's device attribute groups
 * @core: core state, moved (copied bytewise) into the device on success and
 *	  dropped at release
 * @size: size of @core, at most %MDEV_ABI_CORE_SIZE
 *
 * The device is named @uuid, as the C core names it ("%pUl"); naming it by
 * the string skips formatting the UUID twice.
 * On success the caller holds the reference from device_initialize(); a
 * later put_device() may release it, which hands the core state back to the
 * core.
 *
 * Return: the embedded struct device, or NULL on allocation failure (then
 * @core stays owned by the caller).
 */
struct device *mdev_abi_device_alloc(struct device *parent,
				     struct mdev_type *type, const char *uuid,
				     const u8 *guid,
				     const struct attribute_group **groups,
				     const void *core, size_t size)
{
	struct mdev_abi_device *d;

	if (WARN_ON(size > sizeof(d->core)))
		return NULL;
	d = kmem_cache_zalloc(mdev_abi_device_cache, GFP_KERNEL);
	if (!d)
		return NULL;

	if (dev_set_name(&d->mdev.dev, "%s", uuid)) {
		kmem_cache_free(mdev_abi_device_cache, d);
		return NULL;
	}
	memcpy(d->mdev.uuid.b, guid, sizeof(d->mdev.uuid.b));

	device_initialize(&d->mdev.dev);
	d->mdev.dev.parent = parent;
	d->mdev.dev.bus = &mdev_abi_bus_type;
	d->mdev.dev.release = mdev_abi_device_release;
	d->mdev.dev.groups = groups;
	d->mdev.type = type;
	INIT_LIST_HEAD(&d->mdev.next);
	RB_CLEAR_NODE(&d->uuid_node);
	memcpy(d->core, core, size);
	return &d->mdev.dev;
}

/**
 * mdev_abi_device_core() - the core state of an mdev device
 * @dev: a device for which mdev_abi_is_mdev() is true
 *
 * Return: the @core pointer given to mdev_abi_device_alloc().
 */
void *mdev_abi_device_core(struct device *dev)
{
	return to_abi(dev)->core;
}

/**
 * mdev_abi_device_active() - the core's mirror of an mdev device's state
 * @dev: an mdev device
 *
 * Return: mdev->active.
 */
bool mdev_abi_device_active(struct device *dev)
{
	return READ_ONCE(to_mdev_device(dev)->active);
}

/**
 * mdev_abi_list_add() - append an mdev device to a device list
 * @head: the list; the caller serialises all operations on it
 * @dev: an mdev device of this core
 *
 * On success the list owns one reference to @dev, passed in by the caller.
 *
 * Return: false (and nothing changes) if @dev is already on a list.
 */
bool mdev_abi_list_add(struct list_head *head, struct device *dev)
{
	struct mdev_abi_device *d = to_abi(dev);

	if (READ_ONCE(d->list))
		return false;
	list_add_tail(&d->mdev.next, head);
	WRITE_ONCE(d->list, head);
	return true;
}

/**
 * mdev_abi_list_del() - take an mdev device off a device list
 * @head: the list; the caller serialises all operations on it
 * @dev: an mdev device of this core
 *
 * Return: @dev with the list's reference, now the caller's, or NULL if @dev
 * is not on @head.
 */
struct device *mdev_abi_list_del(struct list_head *head, struct device *dev)
{
	struct mdev_abi_device *d = to_abi(dev);

	if (READ_ONCE(d->list) != head)
		return NULL;
	list_del_init(&d->mdev.next);
	WRITE_ONCE(d->list, NULL);
	return dev;
}

/**
 * mdev_abi_list_pop() - take the oldest mdev device off a device list
 * @head: the list; the caller serialises all operations on it
 *
 * Return: the device with the list's reference, now the caller's, or NULL if
 * the list is empty.
 */
struct device *mdev_abi_list_pop(struct list_head *head)
{
	struct mdev_abi_device *d;

	d = list_first_entry_or_null(head, struct mdev_abi_device, mdev.next);
	return d ? mdev_abi_list_del(head, &d->mdev.dev) : NULL;
}

/**
 * mdev_abi_uuid_insert() - add an mdev device to a UUID index
 * @root: the index; the caller serialises all operations on it
 * @id: the index's unique id
 * @dev: an mdev device of this core
 *
 * Return: 0, -EEXIST if a device with the same UUID is indexed, or -EBUSY if
 * @dev is already in an index.
 */
int mdev_abi_uuid_insert(struct rb_root *root, unsigned long id,
			 struct device *dev)
{
	struct mdev_abi_device *d = to_abi(dev);
	struct rb_node **link = &root->rb_node, *parent = NULL;

	if (!RB_EMPTY_NODE(&d->uuid_node))
		return -EBUSY;
	while (*link) {
		struct mdev_abi_device *e =
			rb_entry(*link, struct mdev_abi_device, uuid_node);
		int c = memcmp(&d->mdev.uuid, &e->mdev.uuid, sizeof(guid_t));

		if (!c)
			return -EEXIST;
		parent = *link;
		link = c < 0 ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&d->uuid_node, parent, link);
	rb_insert_color(&d->uuid_node, root);
	d->uuid_index = id;
	return 0;
}

/**
 * mdev_abi_uuid_erase() - remove an mdev device from a UUID index
 * @root: the index; the caller serialises all operations on it
 * @id: the index's unique id
 * @dev: an mdev device of this core, possibly already released
 *
 * Return: true if @dev was in the index.
 */
bool mdev_abi_uuid_erase(struct rb_root *root, unsigned long id,
			 struct device *dev)
{
	struct mdev_abi_device *d = to_abi(dev);

	if (RB_EMPTY_NODE(&d->uuid_node) || d->uuid_index != id)
		return false;
	rb_erase(&d->uuid_node, root);
	RB_CLEAR_NODE(&d->uuid_node);
	return true;
}

/**
 * mdev_abi_device_set_active() - mirror the core's state into mdev->active
 * @dev: an mdev device
 * @active: the new state
 */
void mdev_abi_device_set_active(struct device *dev, bool active)
{
	WRITE_ONCE(to_mdev_device(dev)->active, active);
}

/**
 * mdev_abi_kref_read() - the reference count of a device
 * @dev: any device
 *
 * Return: the current kref count of @dev's kobject.
 */
unsigned int mdev_abi_kref_read(struct device *dev)
{
	return kref_read(&dev->kobj.kref);
}

#if IS_BUILTIN(CONFIG_KUNIT)
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
