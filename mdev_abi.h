/* SPDX-License-Identifier: GPL-2.0-only */
/* Interface between the C ABI layer and the Rust mdev core. */
#ifndef MDEV_ABI_H
#define MDEV_ABI_H

#include <linux/mdev.h>

/* Room for the Rust core state in each mdev device (MdevCore, checked there). */
#define MDEV_ABI_CORE_SIZE 8

/* Implemented in Rust (mdev_core.rs). */
int mdev_rs_register_parent(struct mdev_parent *parent, struct device *dev,
			    struct mdev_driver *drv, struct mdev_type **types,
			    unsigned int nr_types);
void mdev_rs_unregister_parent(struct mdev_parent *parent);
void mdev_rs_device_release(struct device *dev, void *core);

/* Implemented in mdev_abi.c, called from Rust (mdev_abi.rs). */
int mdev_abi_init(void);
void mdev_abi_exit(bool leaked);
bool mdev_abi_is_mdev(const struct device *dev);
/* What the core keeps of a vendor driver, read at registration. */
struct mdev_abi_drv_info {
	unsigned int max_instances;
	/* No get_available: the core counts instances. */
	bool counted;
	/* show_description is set. */
	bool described;
};

int mdev_abi_parent_init(struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *drv, struct mdev_type **types,
			 unsigned int nr_types, struct mdev_abi_drv_info *info);
void mdev_abi_kset_get_ownership(const struct kobject *kobj, kuid_t *uid,
				 kgid_t *gid);
struct mdev_type *mdev_abi_type(struct mdev_type **types, unsigned int i);
const char *mdev_abi_type_sysfs_name(const struct mdev_type *type);
const char *mdev_abi_type_pretty_name(const struct mdev_type *type);
const char *mdev_abi_drv_device_api(const struct mdev_driver *drv);
unsigned int mdev_abi_drv_get_available(struct mdev_driver *drv,
					struct mdev_type *type);
ssize_t mdev_abi_drv_show_description(struct mdev_driver *drv,
				      struct mdev_type *type, char *buf);
struct device_driver *mdev_abi_drv_driver(struct mdev_driver *drv);
void mdev_abi_device_free(struct device *dev);
struct device *mdev_abi_device_alloc(struct device *parent,
				     struct mdev_type *type, const char *uuid,
				     const u8 *guid,
				     const struct attribute_group **groups,
				     const void *core, size_t size);
void *mdev_abi_device_core(struct device *dev);
bool mdev_abi_device_active(struct device *dev);
bool mdev_abi_list_add(struct list_head *head, struct device *dev);
struct device *mdev_abi_list_del(struct list_head *head, struct device *dev);
struct device *mdev_abi_list_pop(struct list_head *head);
int mdev_abi_uuid_insert(struct rb_root *root, unsigned long id,
			 struct device *dev);
bool mdev_abi_uuid_erase(struct rb_root *root, unsigned long id,
			 struct device *dev);
void mdev_abi_device_set_active(struct device *dev, bool active);
unsigned int mdev_abi_kref_read(struct device *dev);
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
