# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of the Rust mdev core, and the test bed.
#   make             build the modules against KDIR (default: the cached test kernel)
#   make check       build, boot the test kernel under QEMU, run every test
#   make demo|shell  show the core at work / interactive guest shell
# Variables: KDIR, O, LLVM (as Kbuild users expect), EXTRA_TESTS=<dir>, T=<glob>.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else
export KDIR O LLVM EXTRA_TESTS T CLIPPY

.PHONY: all modules check demo shell deps kernel clean
all modules:
	@bash scripts/check.sh build
check:
	@bash scripts/check.sh check
demo:
	@bash scripts/check.sh demo
shell:
	@bash scripts/check.sh shell
deps:
	@bash scripts/deps.sh
kernel:
	@bash scripts/kernel.sh debug
clean:
	rm -rf build
endif
