# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of the Rust mdev core, and the test bed.
#   make             build the modules against KDIR (default: the cached test kernel)
#   make check       build, boot the test kernels under QEMU, run every test
#   make quick       the inner loop: our core's boot with KUnit and the ABI checks only
#   make demo|shell  show the core at work (UDEV=1: also udev/mdevctl autostart) / guest shell
#   make bench       both cores side by side on a non-sanitizer kernel, on the wall clock and on
#                    an instruction clock (tables in build/bench; PROFILE=1: also perf profiles)
#   make intree-patch  the in-tree version as a patch against KSRC (default: the cached source)
# Variables: KDIR, O, LLVM (as Kbuild users expect), EXTRA_TESTS=<dir>, T=<globs>, INTREE=0,
# ACCEL=kvm|tcg.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else
export KDIR O LLVM EXTRA_TESTS T CLIPPY INTREE UDEV PROFILE ACCEL

.PHONY: all modules check quick bench demo shell deps kernel intree-patch clean
all modules:
	@bash scripts/check.sh build
check:
	@bash scripts/check.sh check
quick:
	@bash scripts/check.sh quick
bench:
	@bash scripts/check.sh bench
demo:
	@bash scripts/check.sh demo
shell:
	@bash scripts/check.sh shell
deps:
	@bash scripts/deps.sh
kernel:
	@bash scripts/kernel.sh debug
intree-patch:
	@bash scripts/intree.sh patch "$${KSRC:-}" build/mdev-rs-intree.patch
clean:
	rm -rf build
endif
