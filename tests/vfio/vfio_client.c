// SPDX-License-Identifier: GPL-2.0
/*
 * A VFIO client that opens an mtty mdev the way QEMU does, printing TAP.
 *
 * Usage: vfio_client UUID
 *
 * Opens the container and the mdev's IOMMU group, sets the type1 IOMMU, gets the
 * device fd by UUID, checks the device info, the regions and the PCI IDs in
 * config space, and loops a byte through the emulated 16550 in BAR0. Then it
 * starts a writer of "1" to the mdev's remove file while the fd is open: the
 * write must block until the fd is closed, and the device must then be gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

static int n, failed;

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed |= !cond;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int region(int dev, unsigned int index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri);
}

/* Wait up to @ms for @pid; return 1 if it exited with status 0. */
static int reap(pid_t pid, int ms, int *done)
{
	int st;

	for (*done = 0; ms > 0; ms -= 10) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			*done = 1;
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		usleep(10000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], link[PATH_MAX], remove_path[PATH_MAX];
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info cfg, bar0;
	int container, group, dev, done, ok;
	unsigned char c, lsr = 0;
	unsigned short id[2] = { 0, 0 };
	const char *uuid;
	ssize_t len;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: %s UUID\n", argv[0]);
		return 2;
	}
	uuid = argv[1];
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group",
		 uuid);
	len = readlink(path, link, sizeof(link) - 1);
	check(len > 0, "iommu_group link of the mdev");
	if (len <= 0)
		goto out;
	link[len] = 0;

	container = open("/dev/vfio/vfio", O_RDWR);
	check(container >= 0, "open /dev/vfio/vfio");
	check(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION,
	      "VFIO_GET_API_VERSION");
	check(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 1,
	      "type1 IOMMU supported");

	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	group = open(path, O_RDWR);
	check(group >= 0, "open the group %s", path);
	if (group < 0)
		goto out;
	check(ioctl(group, VFIO_GROUP_GET_STATUS, &gs) == 0 &&
	      (gs.flags & VFIO_GROUP_FLAGS_VIABLE), "group viable");
	check(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) == 0,
	      "VFIO_GROUP_SET_CONTAINER");
	check(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) == 0,
	      "VFIO_SET_IOMMU type1");
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	check(dev >= 0, "VFIO_GROUP_GET_DEVICE_FD by UUID");
	if (dev < 0)
		goto out;

	ok = ioctl(dev, VFIO_DEVICE_GET_INFO, &di) == 0;
	check(ok && (di.flags & VFIO_DEVICE_FLAGS_PCI) &&
	      di.num_regions == VFIO_PCI_NUM_REGIONS &&
	      di.num_irqs == VFIO_PCI_NUM_IRQS,
	      "device info: PCI, %u regions, %u irqs", di.num_regions,
	      di.num_irqs);
	check(region(dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) == 0 &&
	      cfg.size > 0 && (cfg.flags & VFIO_REGION_INFO_FLAG_READ),
	      "config region readable");
	ok = pread(dev, id, sizeof(id), cfg.offset) == sizeof(id);
	check(ok && id[0] == 0x4348 && id[1] == 0x3253,
	      "config space IDs %04x:%04x", id[0], id[1]);
	check(region(dev, VFIO_PCI_BAR0_REGION_INDEX, &bar0) == 0 &&
	      bar0.size == 8, "BAR0 is the 8-byte UART");

	c = 'Z';
	ok = pread(dev, &lsr, 1, bar0.offset + 5) == 1;
	check(ok && (lsr & 0x60) && !(lsr & 0x01), "LSR: transmitter empty, no data (0x%02x)", lsr);
	check(pwrite(dev, &c, 1, bar0.offset) == 1, "write a byte to THR");
	ok = pread(dev, &lsr, 1, bar0.offset + 5) == 1;
	check(ok && (lsr & 0x01),
	      "LSR: data ready (0x%02x)", lsr);
	c = 0;
	ok = pread(dev, &c, 1, bar0.offset) == 1;
	check(ok && c == 'Z', "read the byte back from RBR ('%c')", c);

	/* remove while the device is open blocks until it is closed */
	snprintf(remove_path, sizeof(remove_path),
		 "/sys/bus/mdev/devices/%s/remove", uuid);
	pid = fork();
	if (pid == 0) {
		int fd;

		/* the inherited fds would keep the device open */
		close(dev);
		close(group);
		close(container);
		fd = open(remove_path, O_WRONLY);

		_exit(fd >= 0 && write(fd, "1", 1) == 1 ? 0 : 1);
	}
	reap(pid, 1500, &done);
	check(!done, "remove blocks while the device fd is open");
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	close(dev);
	close(group);
	close(container);
	ok = reap(pid, 20000, &done);
	check(done && ok, "remove completes once the fd is closed");
	if (!done)
		kill(pid, SIGKILL);
	check(!exists(path), "mdev gone");
out:
	printf("1..%d\n", n);
	return failed;
}
