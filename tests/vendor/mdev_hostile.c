// SPDX-License-Identifier: GPL-2.0
/*
 * A C vendor driver that passes edge cases <linux/mdev.h> allows, one scenario
 * at a time, so that a test can compare what each core makes of them. The
 * parent is the faux device mdev_hostile0. Writing the parameter "scenario"
 * unregisters the previous scenario's parent and registers the new one (the
 * other parameters are read then); the result of mdev_register_parent() is the
 * read-only parameter "result".
 *
 * Scenarios: plain, zero-types, long-name (pretty_name
 * and device_api of "len" bytes), bytes-name (a pretty_name that is not
 * UTF-8), no-pretty-name, null-api, null-sysfs-name, max (max_instances
 * "max"), get-available (get_available returns "max"), probe (probe returns
 * "probe_ret"); and vendor bugs, with the second call's result in "result2":
 * double-register, same-device (a second parent on the same device),
 * double-unregister, unregister-unknown (a parent never registered),
 * null-types (a NULL type array), duplicate-name (two types named "1"),
 * duplicate-type (one type twice), shared-types (the same type array for a
 * second parent, on mdev_hostile1), unregister-in-remove (remove() calls
 * mdev_unregister_parent() while its parent is unregistered). In every
 * scenario probe() sleeps "probe_ms" ms, and remove() "remove_ms" ms after a
 * "mdev_hostile: remove" line.
 */
#include <linux/delay.h>
#include <linux/device/faux.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char scenario[32] = "plain";
static unsigned int len = 4095;
module_param(len, uint, 0644);
MODULE_PARM_DESC(len, "length of the long strings");
static unsigned int max = 4;
module_param(max, uint, 0644);
MODULE_PARM_DESC(max, "max_instances, or what get_available returns");
static int probe_ret;
module_param(probe_ret, int, 0644);
MODULE_PARM_DESC(probe_ret, "what probe returns");
static unsigned int probe_ms;
module_param(probe_ms, uint, 0644);
MODULE_PARM_DESC(probe_ms, "how long probe() sleeps");
static unsigned int remove_ms;
module_param(remove_ms, uint, 0644);
MODULE_PARM_DESC(remove_ms, "how long remove() sleeps");
static int result = 1;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "what mdev_register_parent() returned");
static int result2 = 1;
module_param(result2, int, 0444);
MODULE_PARM_DESC(result2, "what the second call returned, if it returns a value");

static struct faux_device *fdev, *fdev1;
static struct mdev_parent parent, other;
static bool ready, registered, other_registered, unregister_in_remove;
static struct mdev_type type1, type2;
static struct mdev_type *types[] = { &type1, &type2 };
static struct mdev_type *dup_types[] = { &type1, &type1 };
static char *long_str;

static int hostile_probe(struct mdev_device *mdev)
{
	msleep(probe_ms);
	return probe_ret;
}

static void hostile_remove(struct mdev_device *mdev)
{
	pr_info("mdev_hostile: remove\n");
	msleep(remove_ms);
	if (unregister_in_remove)
		mdev_unregister_parent(&parent);
}

static unsigned int hostile_get_available(struct mdev_type *mtype)
{
	return max;
}

static struct mdev_driver hostile_driver = {
	.device_api = "vfio-pci",
	.driver = {
		.name = "mdev_hostile",
		.owner = THIS_MODULE,
	},
	.probe = hostile_probe,
	.remove = hostile_remove,
};

/* Sets up the driver and types for the scenario; returns the number of types. */
static int hostile_setup(void)
{
	/* fresh types: the C core initialises their kobjects at each registration */
	memset(&type1, 0, sizeof(type1));
	memset(&type2, 0, sizeof(type2));
	type1.sysfs_name = "1";
	type1.pretty_name = "one";
	type2.sysfs_name = "2";
	kfree(long_str);
	long_str = NULL;
	hostile_driver.device_api = "vfio-pci";
	hostile_driver.get_available = NULL;
	hostile_driver.max_instances = 4;
	if (!strcmp(scenario, "zero-types"))
		return 0;
	if (!strcmp(scenario, "long-name")) {
		long_str = kmalloc(len + 1, GFP_KERNEL);
		if (!long_str)
			return -ENOMEM;
		memset(long_str, 'x', len);
		long_str[len] = '\0';
		type1.pretty_name = long_str;
		hostile_driver.device_api = long_str;
	} else if (!strcmp(scenario, "bytes-name")) {
		type1.pretty_name = "\xff\xfe-\xc3";
	} else if (!strcmp(scenario, "no-pretty-name")) {
		type1.pretty_name = NULL;
	} else if (!strcmp(scenario, "null-sysfs-name")) {
		type2.sysfs_name = NULL;
	} else if (!strcmp(scenario, "max")) {
		hostile_driver.max_instances = max;
	} else if (!strcmp(scenario, "get-available")) {
		hostile_driver.get_available = hostile_get_available;
	} else if (!strcmp(scenario, "duplicate-name")) {
		type2.sysfs_name = "1";
	} else if (strcmp(scenario, "probe") && strcmp(scenario, "plain") &&
		   strcmp(scenario, "null-api") &&
		   strcmp(scenario, "double-register") &&
		   strcmp(scenario, "same-device") &&
		   strcmp(scenario, "double-unregister") &&
		   strcmp(scenario, "unregister-unknown") &&
		   strcmp(scenario, "null-types") &&
		   strcmp(scenario, "duplicate-type") &&
		   strcmp(scenario, "shared-types") &&
		   strcmp(scenario, "unregister-in-remove")) {
		return -EINVAL;
	}
	return ARRAY_SIZE(types);
}

/* Unregisters what the last scenario left registered and runs "scenario". */
static int hostile_run(void)
{
	struct mdev_type **t = types;
	int nr;

	if (other_registered)
		mdev_unregister_parent(&other);
	other_registered = false;
	if (registered)
		mdev_unregister_parent(&parent);
	registered = false;
	unregister_in_remove = !strcmp(scenario, "unregister-in-remove");
	result = 1;
	result2 = 1;
	nr = hostile_setup();
	if (nr < 0)
		return nr;
	/* mdev_register_driver() refuses it; a driver can still clear it after */
	if (!strcmp(scenario, "null-api"))
		hostile_driver.device_api = NULL;
	if (!strcmp(scenario, "null-types"))
		t = NULL;
	else if (!strcmp(scenario, "duplicate-type"))
		t = dup_types;
	result = mdev_register_parent(&parent, &fdev->dev, &hostile_driver,
				      t, nr);
	pr_info("mdev_hostile: %s: mdev_register_parent() = %d\n", scenario,
		result);
	registered = !result;
	if (!registered)
		return 0;
	if (!strcmp(scenario, "double-register"))
		result2 = mdev_register_parent(&parent, &fdev->dev,
					       &hostile_driver, types, nr);
	else if (!strcmp(scenario, "same-device"))
		result2 = mdev_register_parent(&other, &fdev->dev,
					       &hostile_driver, types, nr);
	else if (!strcmp(scenario, "unregister-unknown"))
		mdev_unregister_parent(&other);
	if (!strcmp(scenario, "shared-types")) {
		result2 = mdev_register_parent(&other, &fdev1->dev,
					       &hostile_driver, types, nr);
		other_registered = !result2;
	}
	if (!strcmp(scenario, "double-unregister")) {
		mdev_unregister_parent(&parent);
		mdev_unregister_parent(&parent);
		registered = false;
	}
	return 0;
}

static int scenario_set(const char *val, const struct kernel_param *kp)
{
	strscpy(scenario, val, sizeof(scenario));
	strim(scenario);
	return ready ? hostile_run() : 0;
}

static int scenario_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", scenario);
}

static const struct kernel_param_ops scenario_ops = {
	.set = scenario_set,
	.get = scenario_get,
};
module_param_cb(scenario, &scenario_ops, NULL, 0644);
MODULE_PARM_DESC(scenario, "what to register; a write runs it");

static int __init hostile_init(void)
{
	int ret;

	fdev = faux_device_create("mdev_hostile0", NULL, NULL);
	if (!fdev)
		return -ENODEV;
	fdev1 = faux_device_create("mdev_hostile1", NULL, NULL);
	if (!fdev1) {
		ret = -ENODEV;
		goto err_fdev;
	}
	hostile_driver.device_api = "vfio-pci";
	ret = mdev_register_driver(&hostile_driver);
	if (ret)
		goto err_fdev1;
	ready = true;
	ret = hostile_run();
	if (ret)
		goto err_driver;
	return 0;

err_driver:
	mdev_unregister_driver(&hostile_driver);
err_fdev1:
	faux_device_destroy(fdev1);
err_fdev:
	faux_device_destroy(fdev);
	return ret;
}

static void __exit hostile_exit(void)
{
	if (other_registered)
		mdev_unregister_parent(&other);
	if (registered)
		mdev_unregister_parent(&parent);
	mdev_unregister_driver(&hostile_driver);
	faux_device_destroy(fdev1);
	faux_device_destroy(fdev);
	kfree(long_str);
}

module_init(hostile_init);
module_exit(hostile_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev vendor driver with edge cases, for tests");
